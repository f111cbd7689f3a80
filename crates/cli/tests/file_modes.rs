//! A new workspace, and the journal SQLite writes beside it during a write, are readable by
//! their owner only, whatever the umask of the process that made them.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_workspace_and_its_journal_are_private_under_a_permissive_umask() {
    let dir = tempfile::tempdir().unwrap();
    // `portcullis init` run by a shell whose umask lets everyone read new files.
    let out = Command::new("sh")
        .args([
            "-c",
            "umask 022 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_portcullis"),
            "init",
            "w.pcx",
            "--kdf-memory-mib",
            "1",
            "--kdf-iterations",
            "1",
            "--kdf-parallelism",
            "1",
        ])
        .current_dir(dir.path())
        .env("PORTCULLIS_PASSWORD", "pw")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
