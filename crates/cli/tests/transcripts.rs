//! Golden transcripts of the CLI contract: each `tests/transcripts/*.t` file is run in a fresh
//! directory, command by command, and stdout, stderr and the exit code are compared.
//!
//! ```text
//! # a comment
//! env NAME=VALUE      set for the following commands (`unenv NAME` removes it)
//! $ portcullis ARGS   a command ([[NAME]] is replaced by a captured value)
//! < line              a line of its standard input
//! > line              an expected stdout line: `[..]` matches any text, `[[NAME]]` captures a word
//! >~ regex            an expected stdout line as a regular expression
//! ! line              an expected stderr line (same rules)
//! ? N                 the expected exit code (default 0)
//! ```
#![allow(clippy::unwrap_used)]

use regex::Regex;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Default)]
struct Step {
    line_no: usize,
    args: String,
    env: Vec<(String, String)>,
    stdin: String,
    stdout: Vec<String>,
    stderr: Vec<String>,
    code: i32,
}

fn parse(text: &str) -> Vec<Step> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let current = steps.last_mut();
        if let Some(rest) = line.strip_prefix("$ portcullis") {
            steps.push(Step {
                line_no: n + 1,
                args: rest.trim().to_owned(),
                env: env.clone(),
                ..Step::default()
            });
        } else if let Some(rest) = line.strip_prefix("env ") {
            let (k, v) = rest.split_once('=').unwrap();
            env.retain(|(name, _)| name != k);
            env.push((k.to_owned(), v.to_owned()));
        } else if let Some(rest) = line.strip_prefix("unenv ") {
            env.retain(|(name, _)| name != rest.trim());
        } else if line.trim().is_empty() || line.starts_with('#') {
        } else {
            let step = current.unwrap_or_else(|| panic!("line {}: no command yet", n + 1));
            let (tag, rest) = line.split_at(line.find(' ').unwrap_or(line.len()));
            let rest = rest.strip_prefix(' ').unwrap_or(rest).to_owned();
            match tag {
                "<" => {
                    step.stdin.push_str(&rest);
                    step.stdin.push('\n');
                }
                ">" | ">~" => step.stdout.push(format!("{tag} {rest}")),
                "!" | "!~" => step.stderr.push(format!("{tag} {rest}")),
                "?" => step.code = rest.trim().parse().unwrap(),
                _ => panic!("line {}: unknown line {line:?}", n + 1),
            }
        }
    }
    steps
}

fn pattern(expected: &str) -> Regex {
    let (tag, body) = expected.split_once(' ').unwrap();
    if tag.ends_with('~') {
        return Regex::new(body).unwrap();
    }
    let capture = Regex::new(r"\[\[(\w+)\]\]").unwrap();
    let mut re = String::from("^");
    let mut last = 0;
    for m in capture.captures_iter(body) {
        let whole = m.get(0).unwrap();
        re.push_str(&regex::escape(&body[last..whole.start()]).replace(r"\[\.\.\]", ".*"));
        re.push_str(&format!(r"(?P<{}>\S+)", &m[1]));
        last = whole.end();
    }
    re.push_str(&regex::escape(&body[last..]).replace(r"\[\.\.\]", ".*"));
    re.push('$');
    Regex::new(&re).unwrap()
}

fn compare(
    what: &str,
    actual: &str,
    expected: &[String],
    vars: &mut HashMap<String, String>,
) -> Result<(), String> {
    let lines: Vec<&str> = actual.lines().collect();
    if lines.len() != expected.len() {
        return Err(format!(
            "{what}: {} lines, expected {}:\n{actual}",
            lines.len(),
            expected.len()
        ));
    }
    for (got, want) in lines.iter().zip(expected) {
        let re = pattern(want);
        let caps = re
            .captures(got)
            .ok_or_else(|| format!("{what}: {got:?} does not match {want:?}\n{actual}"))?;
        for name in re.capture_names().flatten() {
            vars.insert(name.to_owned(), caps[name].to_owned());
        }
    }
    Ok(())
}

fn run(file: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/files");
    if fixtures.is_dir() {
        for f in std::fs::read_dir(&fixtures).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
        }
    }
    let mut vars: HashMap<String, String> = HashMap::new();
    let steps = parse(&text);
    for step in &steps {
        let mut args = step.args.clone();
        for (k, v) in &vars {
            args = args.replace(&format!("[[{k}]]"), v);
        }
        let where_ = format!("{}:{}: portcullis {args}", file.display(), step.line_no);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_portcullis"));
        cmd.args(shlex::split(&args).unwrap())
            .current_dir(dir.path())
            .env_remove("PORTCULLIS_PASSWORD")
            .env_remove("PORTCULLIS_NEW_PASSWORD")
            .env("NO_COLOR", "1")
            .envs(step.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        // A command that does not read its input may exit before it is written: no error.
        if let Err(e) = child.stdin.take().unwrap().write_all(step.stdin.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{where_}: {e}");
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        compare("stdout", &stdout, &step.stdout, &mut vars)
            .map_err(|e| format!("{where_}\n{e}"))?;
        compare("stderr", &stderr, &step.stderr, &mut vars)
            .map_err(|e| format!("{where_}\n{e}"))?;
        if out.status.code() != Some(step.code) {
            return Err(format!(
                "{where_}\nexit {:?}, expected {}\n{stderr}",
                out.status.code(),
                step.code
            ));
        }
    }
    Ok(steps.len())
}

#[test]
fn transcripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "t"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "transcripts are missing");
    let mut failures = Vec::new();
    for f in &files {
        match run(f) {
            Ok(n) => assert!(n > 0, "{} has no command", f.display()),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
