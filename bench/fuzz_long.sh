#!/usr/bin/env bash
# The long fuzzing run: 1,000,000 executions (or $1) of every target from the committed seeds.
# About 3 minutes for the parsers and 3-5 minutes for the workspace target on two cores.
exec "$(dirname "$0")/../scripts/fuzz" --runs "${1:-1000000}"
