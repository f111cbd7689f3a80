//! A new workspace, the journal SQLite writes beside it during a write, and every file that
//! holds a secret (a QR code of an authenticator seed, a backup, an export) are readable by
//! their owner only, whatever the umask of the process that made them; a secret file never
//! replaces an existing file nor is written through a planted symbolic link.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `portcullis ARGS` run by a shell whose umask lets everyone read new files.
fn with_umask_022(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .args([
            "-c",
            "umask 022 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_portcullis"),
        ])
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_PASSWORD", "pw")
        .output()
        .unwrap()
}

fn succeeds(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_new_workspace_and_its_journal_are_private_under_a_permissive_umask() {
    let dir = tempfile::tempdir().unwrap();
    succeeds(&with_umask_022(
        dir.path(),
        &[&["init", "w.pcx"][..], &common::CHEAP_KDF].concat(),
    ));
    let path = dir.path().join("w.pcx");
    assert_eq!(mode(&path), 0o600, "the workspace");

    // A write in flight: SQLite keeps the previous pages in `w.pcx-journal` until it commits.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "BEGIN IMMEDIATE; UPDATE meta SET value = value || x'00' WHERE name = 'header';",
    )
    .unwrap();
    let journal = dir.path().join("w.pcx-journal");
    assert_eq!(mode(&journal), 0o600, "the journal of a write in flight");
    conn.execute_batch("ROLLBACK").unwrap();

    // The CLI still opens the file, and a write through it works.
    common::ok(dir.path(), &["add", "w.pcx", "--title", "after"]);
    assert_eq!(mode(&path), 0o600);
}

/// A QR code of a TOTP enrolment holds the seed: before, it was written with the umask's mode
/// (0644), over an existing file, and through a symbolic link to wherever it pointed.
#[test]
fn secret_files_are_private_new_files_never_written_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::init(d);
    let begin = |qr: &str| {
        with_umask_022(
            d,
            &[
                "mfa",
                "totp",
                "begin",
                "w.pcx",
                "--label",
                "Phone",
                "--qr-png",
                qr,
                "--qr-svg",
                &format!("{qr}.svg"),
            ],
        )
    };

    succeeds(&begin("qr.png"));
    assert_eq!(mode(&d.join("qr.png")), 0o600, "the QR code image");
    assert_eq!(mode(&d.join("qr.png.svg")), 0o600, "the QR code SVG");

    std::fs::write(d.join("taken.png"), b"keep me").unwrap();
    let out = begin("taken.png");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("taken.png exists already"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(d.join("taken.png")).unwrap(), b"keep me");

    std::os::unix::fs::symlink(d.join("elsewhere.png"), d.join("link.png")).unwrap();
    assert!(!begin("link.png").status.success());
    assert!(
        !d.join("elsewhere.png").exists(),
        "nothing written through the link"
    );

    // Backups and plaintext exports: private too.
    for (format, file) in [("portcullis", "backup.pcx"), ("csv", "export.csv")] {
        succeeds(&with_umask_022(
            d,
            &["export", "w.pcx", "--to", format, file],
        ));
        assert_eq!(mode(&d.join(file)), 0o600, "{format}");
    }
}
