//! Issue 13, "also": a workspace file edited with SQLite to ask for 4 GiB × 16 passes of
//! Argon2 is refused, with the reason, before the password is read and before any derivation,
//! unless `--allow-costly-kdf` is given.
#![allow(clippy::unwrap_used)]

mod common;

/// Offsets of the memory (KiB) and passes in the header (see FILE_FORMAT.md).
const MEMORY_AT: usize = 27;
const PASSES_AT: usize = 31;

fn ask_for(path: &std::path::Path, memory_kib: u32, passes: u32) {
    let db = rusqlite::Connection::open(path).unwrap();
    let mut header: Vec<u8> = db
        .query_row("SELECT value FROM meta WHERE name = 'header'", [], |r| {
            r.get(0)
        })
        .unwrap();
    header[MEMORY_AT..MEMORY_AT + 4].copy_from_slice(&memory_kib.to_be_bytes());
    header[PASSES_AT..PASSES_AT + 4].copy_from_slice(&passes.to_be_bytes());
    let changed = db
        .execute(
            "UPDATE meta SET value = ?1 WHERE name = 'header'",
            rusqlite::params![header],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

#[test]
fn a_file_asking_for_more_than_a_gibibyte_is_refused_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::init(d);
    ask_for(&d.join("w.pcx"), 4 * 1024 * 1024, 16);

    // The reason, not "wrong password or damaged workspace" after minutes of derivation with
    // the edited header: nothing was derived.
    common::fails(
        common::run(d, &["list", "w.pcx"], "", &[]),
        "this workspace asks for 4096 MiB of memory and 16 passes of key derivation \
         (more than 1 GiB): a crafted file can stall this computer this way. If you trust the \
         file, run again with --allow-costly-kdf",
    );
}

#[test]
fn the_flag_is_documented() {
    let out = common::ok(std::path::Path::new("."), &["--help"]);
    assert!(out.stdout.contains("--allow-costly-kdf"), "{}", out.stdout);
}
