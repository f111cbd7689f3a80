//! Running the CLI in the CLI's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a run printed and how it ended.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `portcullis ARGS` in `dir` with the master password `pw` in the environment, `stdin` on
/// standard input and extra environment variables.
pub fn run(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_PASSWORD", "pw")
        .env_remove("PORTCULLIS_DUO_SKEY")
        .env_remove("PORTCULLIS_SMTP_PASSWORD")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that does not read its input may exit before it is written: no error.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The real time, in Unix seconds.
pub fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The environment that sets the (debug) CLI's clock to `unix` seconds.
pub fn clock_at(unix: i64) -> (&'static str, String) {
    (portcullis_core::clock::TEST_CLOCK_VAR, unix.to_string())
}

/// Runs and expects success.
pub fn ok(dir: &Path, args: &[&str]) -> Out {
    ok_with(dir, args, &[])
}

/// Runs with extra environment variables and expects success.
pub fn ok_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let out = run(dir, args, "", env);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out
}

/// Expects a failure with exactly one line on stderr, `error: {message}`, and nothing on stdout.
pub fn fails(out: Out, message: &str) {
    assert_ne!(out.code, 0);
    assert_eq!(out.stderr.trim_end(), format!("error: {message}"));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

/// A workspace `w.pcx` in `dir` with cheap key derivation.
pub fn init(dir: &Path) {
    init_at(dir, "w.pcx");
}

/// Key-derivation flags that make `init` cheap (tests exercise the format, not the cost).
pub const CHEAP_KDF: [&str; 6] = [
    "--kdf-memory-mib",
    "1",
    "--kdf-iterations",
    "1",
    "--kdf-parallelism",
    "1",
];

/// A workspace `name` in `dir` with cheap key derivation.
pub fn init_at(dir: &Path, name: &str) {
    ok(dir, &[&["init", name][..], &CHEAP_KDF].concat());
}

/// What oathtool (Debian package oathtool) prints for `args`, trimmed.
pub fn oathtool(args: &[&str]) -> String {
    let out = std::process::Command::new("oathtool")
        .args(args)
        .output()
        .expect("oathtool is installed by scripts/test (Debian package oathtool)");
    assert!(out.status.success(), "oathtool {args:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The backup codes of a `--json` answer that enabled the first method.
pub fn backup_codes(answer: &serde_json::Value) -> Vec<String> {
    answer["backup_codes"]
        .as_array()
        .expect("backup codes in the answer")
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

/// The processes whose arguments or environment (`/proc/PID/cmdline`, `/proc/PID/environ`, as
/// far as this user can read them) hold `needle`, as `PID/cmdline` or `PID/environ`.
pub fn processes_holding(needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for file in ["cmdline", "environ"] {
            let Ok(bytes) = std::fs::read(entry.path().join(file)) else {
                continue;
            };
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                out.push(format!("{name}/{file}"));
            }
        }
    }
    out
}

/// What `keepassxc-cli ARGS` (Debian package keepassxc) prints, the database password `pw`
/// given on standard input; expects success.
pub fn keepassxc_cli(args: &[&str], pw: &str) -> String {
    let mut child = Command::new("keepassxc-cli")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keepassxc-cli is installed by scripts/test (Debian package keepassxc)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{pw}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "keepassxc-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
