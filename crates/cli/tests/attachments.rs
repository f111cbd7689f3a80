//! Attachments through the CLI contract: `attach WORKSPACE ENTRY FILE [--name NAME]`,
//! `attachments WORKSPACE ENTRY [--json]` (`[{"name", "size"}]`), `attachment WORKSPACE ENTRY
//! NAME --out FILE`, `detach WORKSPACE ENTRY NAME`; a 20 MiB file goes in and out with the
//! process's peak memory well below the file's size (measured per run by GNU time's %M);
//! the size limit; saved files owner-only and never over an existing file.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `portcullis ARGS` in `dir` under GNU time (Debian package `time`, installed by
/// scripts/test) and returns the run's peak resident memory in KiB, expecting success.
fn peak_kib(dir: &Path, args: &[&str]) -> i64 {
    let report = dir.join("time.txt");
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .current_dir(dir)
        .env("PORTCULLIS_PASSWORD", "pw")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("GNU time is installed by scripts/test (Debian package time)");
    assert!(status.success(), "{args:?} failed");
    let kib = std::fs::read_to_string(&report)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::fs::remove_file(report).unwrap();
    kib
}

/// `len` bytes that do not compress and differ from chunk to chunk.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn add_server(d: &Path) {
    ok(
        d,
        &[
            "add", "w.pcx", "--title", "Server", "--kind", "note", "--notes", "n",
        ],
    );
}

#[test]
fn a_20_mib_file_goes_in_and_out_in_constant_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_server(d);
    std::fs::write(d.join("tiny.txt"), b"tiny").unwrap();
    let big = noise(20 << 20);
    std::fs::write(d.join("big.bin"), &big).unwrap();

    let tiny_in = peak_kib(d, &["attach", "w.pcx", "Server", "tiny.txt"]);
    let big_in = peak_kib(
        d,
        &["attach", "w.pcx", "Server", "big.bin", "--name", "disk.img"],
    );
    let listed = peak_kib(d, &["attachments", "w.pcx", "Server"]);
    let tiny_out = peak_kib(
        d,
        &[
            "attachment",
            "w.pcx",
            "Server",
            "tiny.txt",
            "--out",
            "t.out",
        ],
    );
    let big_out = peak_kib(
        d,
        &[
            "attachment",
            "w.pcx",
            "Server",
            "disk.img",
            "--out",
            "b.out",
        ],
    );
    eprintln!(
        "peak RSS KiB: tiny in {tiny_in}, 20 MiB in {big_in}, list {listed}, tiny out {tiny_out}, 20 MiB out {big_out}"
    );
    assert!(
        std::fs::read(d.join("b.out")).unwrap() == big,
        "the file comes back unchanged"
    );
    assert_eq!(std::fs::read(d.join("t.out")).unwrap(), b"tiny");
    // The file is 20 MiB (20480 KiB); holding it whole, even once, would add that much. A
    // chunk is 1 MiB: a few of them (plaintext, sealed, SQLite's copies and page cache) are
    // allowed, half the file at most (measured: +6.2 MiB in, +0.3 MiB out, debug build).
    let allowance = 10 * 1024;
    for (what, peak, base) in [
        ("attach", big_in, tiny_in),
        ("list after", listed, tiny_in),
        ("save", big_out, tiny_out),
    ] {
        assert!(
            peak < base + allowance,
            "{what}: peak {peak} KiB vs {base} KiB for a tiny file"
        );
    }
}

#[test]
fn attachments_are_listed_saved_private_never_over_a_file_and_detached() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_server(d);
    std::fs::write(
        d.join("id_ed25519"),
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    std::fs::write(d.join("cert.pem"), b"-----BEGIN CERTIFICATE-----\n").unwrap();
    ok(d, &["attach", "w.pcx", "Server", "id_ed25519"]);
    ok(
        d,
        &[
            "attach",
            "w.pcx",
            "Server",
            "cert.pem",
            "--name",
            "server cert",
        ],
    );
    let list: Value =
        serde_json::from_str(&ok(d, &["attachments", "w.pcx", "Server", "--json"]).stdout).unwrap();
    assert_eq!(
        list,
        json!([{"name": "id_ed25519", "size": 36}, {"name": "server cert", "size": 28}])
    );
    ok(
        d,
        &[
            "attachment",
            "w.pcx",
            "Server",
            "id_ed25519",
            "--out",
            "key",
        ],
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.join("key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // Never over an existing file, nor through a link.
    fails(
        run(
            d,
            &[
                "attachment",
                "w.pcx",
                "Server",
                "id_ed25519",
                "--out",
                "cert.pem",
            ],
            "",
            &[],
        ),
        "cert.pem exists already; choose another file",
    );
    assert_eq!(
        std::fs::read(d.join("cert.pem")).unwrap(),
        b"-----BEGIN CERTIFICATE-----\n"
    );
    std::os::unix::fs::symlink(d.join("elsewhere"), d.join("link")).unwrap();
    fails(
        run(
            d,
            &[
                "attachment",
                "w.pcx",
                "Server",
                "id_ed25519",
                "--out",
                "link",
            ],
            "",
            &[],
        ),
        "link exists already; choose another file",
    );
    assert!(!d.join("elsewhere").exists());
    fails(
        run(
            d,
            &["attachment", "w.pcx", "Server", "nope", "--out", "x"],
            "",
            &[],
        ),
        "this entry has no attachment named “nope”",
    );
    assert!(!d.join("x").exists(), "no file left behind");
    // The limit: refused, nothing written.
    std::fs::write(d.join("two-mib"), noise(2 << 20)).unwrap();
    fails(
        run(
            d,
            &["attach", "w.pcx", "Server", "two-mib", "--max-mib", "1"],
            "",
            &[],
        ),
        "two-mib is larger than the 1 MiB an attachment may hold",
    );
    fails(
        run(
            d,
            &[
                "attach",
                "w.pcx",
                "Server",
                "cert.pem",
                "--name",
                "server cert",
            ],
            "",
            &[],
        ),
        "this entry has an attachment named “server cert” already",
    );
    ok(d, &["detach", "w.pcx", "Server", "server cert"]);
    let text = ok(d, &["attachments", "w.pcx", "Server"]).stdout;
    assert!(
        text.contains("id_ed25519") && !text.contains("server cert"),
        "{text}"
    );
    // An entry in the recycle bin keeps its attachments; deleting it for good deletes them.
    let attachment_records = || -> i64 {
        rusqlite::Connection::open(d.join("w.pcx"))
            .unwrap()
            .query_row(
                "SELECT count(*) FROM records WHERE collection LIKE 'attachment%'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    ok(d, &["rm", "w.pcx", "Server"]);
    assert!(attachment_records() > 0);
    ok(d, &["untrash", "w.pcx", "Server"]);
    let text = ok(d, &["attachments", "w.pcx", "Server"]).stdout;
    assert!(text.contains("id_ed25519"), "{text}");
    ok(d, &["rm", "w.pcx", "Server"]);
    ok(d, &["trash", "w.pcx", "--empty"]);
    assert_eq!(attachment_records(), 0);
}

#[test]
fn attachments_survive_a_kdbx_round_trip_that_keepassxc_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_server(d);
    let data = noise(1_500_000);
    std::fs::write(d.join("disk.img"), &data).unwrap();
    std::fs::write(
        d.join("id_ed25519"),
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    ok(d, &["attach", "w.pcx", "Server", "disk.img"]);
    ok(
        d,
        &[
            "attach",
            "w.pcx",
            "Server",
            "id_ed25519",
            "--name",
            "ssh key",
        ],
    );
    let out = run(
        d,
        &["export", "w.pcx", "--to", "kdbx", "out.kdbx"],
        "",
        &[("PORTCULLIS_EXPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let kdbx = d.join("out.kdbx");
    let kdbx = kdbx.to_str().unwrap();
    for (name, file, want) in [
        ("disk.img", "kx-disk", data.as_slice()),
        (
            "ssh key",
            "kx-key",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\n".as_slice(),
        ),
    ] {
        let target = d.join(file);
        keepassxc_cli(
            &[
                "attachment-export",
                "-q",
                kdbx,
                "Server",
                name,
                target.to_str().unwrap(),
            ],
            "kx-pass",
        );
        assert!(
            std::fs::read(&target).unwrap() == want,
            "{name} as KeePassXC reads it"
        );
    }

    init_at(d, "back.pcx");
    let round = run(
        d,
        &["import", "back.pcx", "--from", "kdbx", kdbx, "--json"],
        "",
        &[("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(round.code, 0, "{}", round.stderr);
    let report: Value = serde_json::from_str(&round.stdout).unwrap();
    assert_eq!(
        (report["imported"].as_u64(), report["attachments"].as_u64()),
        (Some(1), Some(2))
    );
    let list: Value =
        serde_json::from_str(&ok(d, &["attachments", "back.pcx", "Server", "--json"]).stdout)
            .unwrap();
    assert_eq!(
        list,
        json!([{"name": "disk.img", "size": 1_500_000}, {"name": "ssh key", "size": 36}])
    );
    ok(
        d,
        &[
            "attachment",
            "back.pcx",
            "Server",
            "disk.img",
            "--out",
            "back.img",
        ],
    );
    assert!(std::fs::read(d.join("back.img")).unwrap() == data);
}

/// An entry in the recycle bin keeps its attachments through a KDBX export (in KeePass's
/// Recycle Bin group, where KeePassXC reads them) and our import back: untrashed, they read
/// back unchanged; emptying the bin deletes them.
#[test]
fn a_trashed_entrys_attachments_survive_a_kdbx_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_server(d);
    let data = noise(1_200_000);
    std::fs::write(d.join("disk.img"), &data).unwrap();
    ok(d, &["attach", "w.pcx", "Server", "disk.img"]);
    ok(d, &["rm", "w.pcx", "Server"]);
    let out = run(
        d,
        &["export", "w.pcx", "--to", "kdbx", "out.kdbx"],
        "",
        &[("PORTCULLIS_EXPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let kdbx = d.join("out.kdbx");
    let kdbx = kdbx.to_str().unwrap();
    let target = d.join("kx-disk");
    keepassxc_cli(
        &[
            "attachment-export",
            "-q",
            kdbx,
            "Recycle Bin/Server",
            "disk.img",
            target.to_str().unwrap(),
        ],
        "kx-pass",
    );
    assert!(
        std::fs::read(&target).unwrap() == data,
        "the bin's attachment as KeePassXC reads it"
    );

    init_at(d, "back.pcx");
    let round = run(
        d,
        &["import", "back.pcx", "--from", "kdbx", kdbx, "--json"],
        "",
        &[("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(round.code, 0, "{}", round.stderr);
    let report: Value = serde_json::from_str(&round.stdout).unwrap();
    assert_eq!(
        (report["imported"].as_u64(), report["attachments"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    ok(d, &["untrash", "back.pcx", "Server"]);
    let list: Value =
        serde_json::from_str(&ok(d, &["attachments", "back.pcx", "Server", "--json"]).stdout)
            .unwrap();
    assert_eq!(list, json!([{"name": "disk.img", "size": 1_200_000}]));
    ok(
        d,
        &[
            "attachment",
            "back.pcx",
            "Server",
            "disk.img",
            "--out",
            "back.img",
        ],
    );
    assert!(std::fs::read(d.join("back.img")).unwrap() == data);
    ok(d, &["rm", "back.pcx", "Server"]);
    ok(d, &["trash", "back.pcx", "--empty"]);
    let left: i64 = rusqlite::Connection::open(d.join("back.pcx"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM records WHERE collection LIKE 'attachment%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}
