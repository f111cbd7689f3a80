#!/usr/bin/env bash
# The long crash-consistency run: 1,000 SIGKILLs (or $1) of a child writing to one workspace
# (entry adds, renames and deletes, MFA failure counter and replay step), each followed by a
# check that every acknowledged write is there and nothing else but the one in flight.
set -euo pipefail
cd "$(dirname "$0")/.."
PORTCULLIS_CRASH_KILLS="${1:-1000}" cargo test --locked -p portcullis-core --test crash -- \
  --exact killed_writers_leave_the_last_committed_state --nocapture 2>&1 | grep -E "kills|test result"
