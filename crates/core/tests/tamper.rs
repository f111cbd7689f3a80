//! A damaged or tampered file gives a clean error, never a panic and never different content.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::workspace::Error;
use portcullis_core::{Entry, LockedWorkspace};
use rusqlite::Connection;
use std::path::Path;

fn open_all(path: &Path) -> Result<Vec<Entry>, Error> {
    LockedWorkspace::open(path)?
        .unlock(&password())?
        .into_open()?
        .entries()
}

/// The errors a damaged file may give; each is one clear line for the user.
fn assert_clean(err: &Error, what: &str) {
    assert!(
        matches!(
            err,
            Error::NotWorkspace
                | Error::TooNew
                | Error::WrongPasswordOrDamaged
                | Error::Damaged(_)
                | Error::KdfOutOfBounds
                | Error::CostlyKdf { .. }
        ),
        "{what}: unexpected error {err:?}"
    );
}

/// Either the original content or a clean error.
fn check_variant(path: &Path, original: &[Entry], what: &str) {
    match open_all(path) {
        Ok(entries) => assert_eq!(entries, original, "{what}: opened with different content"),
        Err(e) => assert_clean(&e, what),
    }
}

fn fixture() -> (tempfile::TempDir, std::path::PathBuf, Vec<Entry>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let original = sample_workspace(&path).entries().unwrap();
    (dir, path, original)
}

fn blob(path: &Path, sql: &str) -> Vec<u8> {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn offset_of(haystack: &[u8], needle: &[u8]) -> usize {
    let at: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "blob must occur once in the file");
    at[0]
}

#[test]
fn every_byte_of_each_key_region_flipped_gives_the_clean_error() {
    let (dir, path, _) = fixture();
    let file = std::fs::read(&path).unwrap();
    let regions = [
        (
            "header",
            blob(&path, "SELECT value FROM meta WHERE name = 'header'"),
        ),
        (
            "wrapped key",
            blob(&path, "SELECT value FROM meta WHERE name = 'wrapped_key'"),
        ),
        (
            "manifest",
            blob(&path, "SELECT value FROM meta WHERE name = 'manifest'"),
        ),
        ("record", blob(&path, "SELECT sealed FROM records LIMIT 1")),
    ];
    let variant = dir.path().join("variant.pcx");
    let mut tried = 0;
    for (name, region) in regions {
        let start = offset_of(&file, &region);
        for i in start..start + region.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x01;
            std::fs::write(&variant, &bad).unwrap();
            let err = open_all(&variant).expect_err(name);
            assert_clean(&err, name);
            tried += 1;
        }
    }
    assert!(tried >= 71 + 60 + 32 + 100, "{tried}");
}

#[test]
fn a_dense_sample_of_flips_anywhere_opens_unchanged_or_fails_cleanly() {
    let (dir, path, original) = fixture();
    let file = std::fs::read(&path).unwrap();
    let variant = dir.path().join("variant.pcx");
    for i in (0..file.len()).step_by(5) {
        for mask in [0x01u8, 0x80] {
            let mut bad = file.clone();
            bad[i] ^= mask;
            std::fs::write(&variant, &bad).unwrap();
            check_variant(&variant, &original, &format!("flip {mask:#x} at {i}"));
        }
    }
}

#[test]
fn truncated_files_fail_cleanly() {
    let (dir, path, original) = fixture();
    let file = std::fs::read(&path).unwrap();
    let variant = dir.path().join("variant.pcx");
    let mut lengths: Vec<usize> = (0..file.len()).step_by(97).collect();
    lengths.extend([1, 15, 16, 99, 100, 4095, 4096, 4097, file.len() - 1]);
    for len in lengths {
        std::fs::write(&variant, &file[..len]).unwrap();
        match open_all(&variant) {
            Ok(entries) => assert_eq!(entries, original, "truncated at {len}"),
            Err(Error::NotFound(_)) => unreachable!(),
            Err(e) => assert_clean(&e, &format!("truncated at {len}")),
        }
    }
}

/// Two entry buckets (the rows of the first two bucket ids) swap their sealed bytes.
#[test]
fn records_swapped_between_rows_are_refused() {
    let (_dir, path, _) = fixture();
    let conn = Connection::open(&path).unwrap();
    let ids: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT id, sealed FROM records ORDER BY id LIMIT 2")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    conn.execute(
        "UPDATE records SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![ids[1].1, ids[0].0],
    )
    .unwrap();
    conn.execute(
        "UPDATE records SET sealed = ?1 WHERE id = ?2",
        rusqlite::params![ids[0].1, ids[1].0],
    )
    .unwrap();
    drop(conn);
    let err = open_all(&path).unwrap_err();
    assert!(matches!(err, Error::Damaged(_)), "{err:?}");
}

#[test]
fn records_from_another_workspace_are_refused() {
    let (dir, path, _) = fixture();
    let other = dir.path().join("other.pcx");
    drop(sample_workspace(&other));
    // A bucket of the other workspace whose id this one does not use.
    let ours: Vec<String> = Connection::open(&path)
        .unwrap()
        .prepare("SELECT id FROM records")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let foreign: (String, Vec<u8>) = Connection::open(&other)
        .unwrap()
        .prepare("SELECT id, sealed FROM records WHERE collection = 'entries'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .find(|(id, _)| !ours.contains(id))
        .unwrap();

    // Under its own id: the manifest does not know it.
    let added = dir.path().join("added.pcx");
    std::fs::copy(&path, &added).unwrap();
    Connection::open(&added)
        .unwrap()
        .execute(
            "INSERT INTO records (collection, id, version, sealed) VALUES ('entries', ?1, 1, ?2)",
            rusqlite::params![foreign.0, foreign.1],
        )
        .unwrap();
    assert!(matches!(open_all(&added), Err(Error::Damaged(_))));

    // In place of one of ours: it does not authenticate here.
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE records SET sealed = ?1 WHERE id = (SELECT id FROM records LIMIT 1)",
            [foreign.1],
        )
        .unwrap();
    assert!(matches!(open_all(&path), Err(Error::Damaged(_))));
}

#[test]
fn rolled_back_and_deleted_records_are_detected() {
    let (dir, path, original) = fixture();
    // The bucket of one entry, before the entry changes.
    let entry_id = original[0].id.clone();
    let id = bucket_of(&entry_id);
    let old_sealed: Vec<u8> = Connection::open(&path)
        .unwrap()
        .query_row("SELECT sealed FROM records WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    let mut ws = open_ws(&path);
    let mut e = ws.find(&entry_id).unwrap();
    e.title = "changed".into();
    ws.update(e).unwrap();
    drop(ws);

    for (what, sql) in [
        (
            "old version",
            "UPDATE records SET sealed = ?1, version = 1 WHERE id = ?2",
        ),
        (
            "old content, new version",
            "UPDATE records SET sealed = ?1 WHERE id = ?2",
        ),
    ] {
        let copy = dir.path().join("rolled.pcx");
        std::fs::copy(&path, &copy).unwrap();
        Connection::open(&copy)
            .unwrap()
            .execute(sql, rusqlite::params![old_sealed, id])
            .unwrap();
        assert!(matches!(open_all(&copy), Err(Error::Damaged(_))), "{what}");
        std::fs::remove_file(&copy).unwrap();
    }

    Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM records WHERE id = ?1", [&id])
        .unwrap();
    let err = open_all(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged workspace: records were removed, added, changed or rolled back"
    );
}

#[test]
fn foreign_and_newer_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "just text, long enough to not be a header at all ...........",
    )
    .unwrap();
    assert!(matches!(open_all(&text), Err(Error::NotWorkspace)));
    let sqlite = dir.path().join("other.db");
    Connection::open(&sqlite)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    assert!(matches!(open_all(&sqlite), Err(Error::NotWorkspace)));

    let (_d, path, _) = fixture();
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = open_all(&path).unwrap_err();
    assert!(matches!(err, Error::TooNew));
    assert!(err.to_string().starts_with("made by a newer Portcullis"));
    assert!(matches!(
        open_all(&dir.path().join("missing.pcx")),
        Err(Error::NotFound(_))
    ));
}

/// Each kind of SQLite object the schema does not define, added with SQLite, makes open refuse
/// the file as damaged before anything runs.
#[test]
fn foreign_schema_objects_are_refused_at_open() {
    let (dir, path, _) = fixture();
    for (kind, sql) in [
        (
            "trigger",
            "CREATE TRIGGER t BEFORE UPDATE ON records BEGIN SELECT RAISE(IGNORE); END",
        ),
        ("view", "CREATE VIEW v AS SELECT id FROM records"),
        ("extra table", "CREATE TABLE extra (a BLOB)"),
        (
            "extra index",
            "CREATE INDEX by_version ON records (version)",
        ),
        ("changed table", "ALTER TABLE meta ADD COLUMN note TEXT"),
    ] {
        let variant = dir.path().join(format!("{kind}.pcx"));
        std::fs::copy(&path, &variant).unwrap();
        Connection::open(&variant)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        let err = LockedWorkspace::open(&variant).map(drop).expect_err(kind);
        assert_eq!(
            err.to_string(),
            "damaged workspace: it holds SQLite triggers, views, tables or indexes that \
             Portcullis does not create",
            "{kind}"
        );
    }
    // The untouched file still opens.
    assert_eq!(open_all(&path).unwrap().len(), 4);
}

/// Issue 13, "also": a header edited to ask for 4 GiB × 16 passes is reported and refused,
/// before any derivation, until the caller confirms the cost.
#[test]
fn a_costly_key_derivation_needs_confirmation() {
    let (_dir, path, _) = fixture();
    let db = Connection::open(&path).unwrap();
    let mut header = blob(&path, "SELECT value FROM meta WHERE name = 'header'");
    header[27..31].copy_from_slice(&(4u32 * 1024 * 1024).to_be_bytes());
    header[31..35].copy_from_slice(&16u32.to_be_bytes());
    db.execute(
        "UPDATE meta SET value = ?1 WHERE name = 'header'",
        rusqlite::params![header],
    )
    .unwrap();
    let locked = LockedWorkspace::open(&path).unwrap();
    assert!(locked.kdf_needs_confirmation());
    assert_eq!(
        (locked.kdf().memory_kib(), locked.kdf().iterations()),
        (4 * 1024 * 1024, 16)
    );
    match locked.unlock(&password()) {
        Err(Error::CostlyKdf { memory_mib, passes }) => {
            assert_eq!((memory_mib, passes), (4096, 16))
        }
        other => panic!("unexpected {:?}", other.map(|_| ())),
    }
    // The workspace's own cost needs nothing.
    let (_dir, path, _) = fixture();
    assert!(!LockedWorkspace::open(&path)
        .unwrap()
        .kdf_needs_confirmation());
}
