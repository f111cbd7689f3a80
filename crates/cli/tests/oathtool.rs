//! Cross-check: the codes `portcullis otp` prints match oathtool's (Debian package oathtool,
//! installed by scripts/test) for every algorithm, length and period.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

fn portcullis(dir: &std::path::Path, args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_PASSWORD", "pw")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn oathtool(args: &[&str]) -> String {
    let out = Command::new("oathtool")
        .args(args)
        .output()
        .expect("oathtool is installed by scripts/test (Debian package oathtool)");
    assert!(out.status.success(), "oathtool {args:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn codes_match_oathtool() {
    let dir = tempfile::tempdir().unwrap();
    portcullis(
        dir.path(),
        &[
            "init",
            "v.pcx",
            "--kdf-memory-mib",
            "1",
            "--kdf-iterations",
            "1",
            "--kdf-parallelism",
            "1",
        ],
    );
    let key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let cases = [
        ("SHA1", "sha1", 6, 30),
        ("SHA256", "sha256", 8, 60),
        ("SHA512", "sha512", 7, 20),
    ];
    for (alg, oath_alg, digits, period) in cases {
        let uri = format!(
            "otpauth://totp/T:{alg}?secret={key}&algorithm={alg}&digits={digits}&period={period}"
        );
        portcullis(
            dir.path(),
            &[
                "add", "v.pcx", "--title", alg, "--kind", "otp", "--otp", &uri,
            ],
        );
        for at in [0u64, 59, 1_111_111_109, 2_000_000_000, 1_800_000_017] {
            let ours = portcullis(dir.path(), &["otp", "v.pcx", alg, "--at", &at.to_string()]);
            let theirs = oathtool(&[
                &format!("--totp={oath_alg}"),
                "-b",
                "-d",
                &digits.to_string(),
                "-s",
                &format!("{period}s"),
                "-N",
                &format!("@{at}"),
                key,
            ]);
            assert_eq!(ours, theirs, "{alg} at {at}");
            assert_eq!(ours.len(), digits);
        }
    }
}
