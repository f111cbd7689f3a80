//! Entry history and the recycle bin of a file workspace: versions kept on each change, the
//! limit, restore, the bin, tampering, and the Portcullis export carrying both.
#![allow(clippy::unwrap_used)]

mod common;

use common::{open_ws, password, sample_workspace};
use portcullis_core::clock::FixedClock;
use portcullis_core::entry_store::EntryStore;
use portcullis_core::workspace::history::DEFAULT_HISTORY_LIMIT;
use portcullis_core::workspace::Error;
use portcullis_core::{Entry, EntryKind, OpenWorkspace, SecretString};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;

const T0: i64 = 1_800_000_000;

fn workspace(dir: &Path) -> (OpenWorkspace, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(T0));
    let path = dir.join("w.pcx");
    drop(sample_workspace(&path));
    (open_ws(&path).with_clock(clock.clone()), clock)
}

fn set_password(ws: &mut OpenWorkspace, title: &str, pw: &str) -> Entry {
    let mut e = ws.find(title).unwrap();
    let EntryKind::Login(l) = &mut e.kind else {
        panic!("a login")
    };
    l.password = SecretString::from(pw);
    ws.update(e).unwrap()
}

fn password_of(e: &Entry) -> String {
    match &e.kind {
        EntryKind::Login(l) => l.password.expose_secret().to_owned(),
        _ => panic!("a login"),
    }
}

#[test]
fn each_change_keeps_the_previous_version_with_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, clock) = workspace(dir.path());
    let first = ws.history("GitHub").unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].number, first[0].current), (1, true));
    clock.advance(60);
    set_password(&mut ws, "GitHub", "second");
    clock.advance(60);
    let mut e = ws.find("GitHub").unwrap();
    e.title = "GitHub (work)".into();
    e.tags.push("vcs".into());
    ws.update(e).unwrap();

    let versions = ws.history("GitHub (work)").unwrap();
    let numbers: Vec<u64> = versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [3, 2, 1], "newest first, current highest");
    assert_eq!(versions[0].changed, ["title", "tags"]);
    assert_eq!(versions[1].changed, ["password"]);
    assert!(versions[2].changed.is_empty());
    assert_eq!(versions[1].modified, T0 + 60);
    assert_eq!(password_of(&versions[2].entry), "s3cret-pw");
    assert_eq!(password_of(&versions[1].entry), "second");
    // An update that changes nothing makes no version.
    let same = ws.find("GitHub (work)").unwrap();
    ws.update(same).unwrap();
    assert_eq!(ws.history("GitHub (work)").unwrap().len(), 3);
}

#[test]
fn the_limit_keeps_the_newest_versions_and_is_set_per_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, clock) = workspace(dir.path());
    assert_eq!(ws.history_limit().unwrap(), DEFAULT_HISTORY_LIMIT);
    for i in 0..25 {
        clock.advance(1);
        set_password(&mut ws, "GitHub", &format!("pw-{i}"));
    }
    let versions = ws.history("GitHub").unwrap();
    assert_eq!(versions.len(), 21, "the current one and 20 earlier");
    assert_eq!(versions[0].number, 26);
    assert_eq!(versions.last().unwrap().number, 6);

    ws.set_history_limit(3).unwrap();
    let path = ws.path().to_owned();
    drop(ws);
    let mut ws = open_ws(&path);
    assert_eq!(ws.history_limit().unwrap(), 3);
    let numbers: Vec<u64> = ws
        .history("GitHub")
        .unwrap()
        .iter()
        .map(|v| v.number)
        .collect();
    assert_eq!(numbers, [26, 25, 24, 23], "trimmed at once");
    assert!(matches!(ws.set_history_limit(1001), Err(Error::Invalid(_))));
}

#[test]
fn restore_makes_an_old_version_current_as_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, clock) = workspace(dir.path());
    let created = ws.find("GitHub").unwrap().created;
    assert_eq!(ws.password_changed("GitHub").unwrap(), created);
    clock.advance(100);
    set_password(&mut ws, "GitHub", "rejected-by-the-site");
    assert_eq!(ws.password_changed("GitHub").unwrap(), T0 + 100);
    clock.advance(100);
    let restored = ws.restore_version("GitHub", 1).unwrap();
    assert_eq!(password_of(&restored), "s3cret-pw");
    assert_eq!(restored.created, created);
    let versions = ws.history("GitHub").unwrap();
    assert_eq!(versions[0].number, 3);
    assert_eq!(versions[0].changed, ["password"]);
    assert_eq!(password_of(&ws.find("GitHub").unwrap()), "s3cret-pw");
    assert_eq!(ws.password_changed("GitHub").unwrap(), T0 + 200);
    assert!(matches!(
        ws.restore_version("GitHub", 3),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        ws.restore_version("GitHub", 9),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn the_bin_holds_removed_entries_until_restored_emptied_or_purged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, clock) = workspace(dir.path());
    set_password(&mut ws, "GitHub", "second");
    let github = ws.find("GitHub").unwrap().id;
    clock.advance(5);
    EntryStore::discard(&mut ws, &github).unwrap();
    assert!(matches!(ws.find("GitHub"), Err(Error::NoMatch(_))));
    assert!(ws.search_summaries("github").unwrap().is_empty());
    assert_eq!(ws.summaries().unwrap().len(), 3);
    let bin = ws.trashed().unwrap();
    assert_eq!(bin.len(), 1);
    assert_eq!(
        (bin[0].entry.id.as_str(), bin[0].deleted),
        (github.as_str(), T0 + 5)
    );

    // Restored with its history.
    ws.untrash("github").unwrap();
    assert_eq!(ws.history("GitHub").unwrap().len(), 2);
    assert!(ws.trashed().unwrap().is_empty());

    // Emptied.
    ws.trash(&github).unwrap();
    let bank = ws.find("Bank").unwrap().id;
    ws.trash(&bank).unwrap();
    assert_eq!(ws.empty_trash().unwrap(), 2);
    assert!(ws.trashed().unwrap().is_empty());
    assert!(matches!(ws.untrash("GitHub"), Err(Error::NoMatch(_))));

    // Purged from the bin, and directly.
    let note = ws.find("Recovery").unwrap().id;
    ws.trash(&note).unwrap();
    ws.purge("Recovery").unwrap();
    assert!(ws.trashed().unwrap().is_empty());
    ws.purge("Jump host").unwrap();
    assert!(ws.summaries().unwrap().is_empty());
    assert!(ws.trashed().unwrap().is_empty());
    // Nothing of them is left in the file: no history, no bin record.
    let conn = Connection::open(ws.path()).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM records WHERE collection IN ('history', 'trash')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_history_record_swapped_between_entries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _) = workspace(dir.path());
    set_password(&mut ws, "GitHub", "second");
    let mut note = ws.find("Recovery").unwrap();
    note.notes = "moved".into();
    ws.update(note).unwrap();
    let path = ws.path().to_owned();
    let conn = Connection::open(&path).unwrap();
    let rows: Vec<(String, i64, Vec<u8>)> = conn
        .prepare("SELECT id, version, sealed FROM records WHERE collection = 'history'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (from, to) in [(0, 1), (1, 0)] {
        conn.execute(
            "UPDATE records SET version = ?1, sealed = ?2 WHERE collection = 'history' AND id = ?3",
            rusqlite::params![rows[from].1, rows[from].2, rows[to].0],
        )
        .unwrap();
    }
    assert!(matches!(ws.history("GitHub"), Err(Error::Damaged(_))));
    drop(ws);
    let reopened = portcullis_core::LockedWorkspace::open(&path)
        .unwrap()
        .unlock(&password());
    assert!(matches!(reopened, Err(Error::Damaged(_))));
}

#[test]
fn the_portcullis_export_keeps_history_and_bin() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _) = workspace(dir.path());
    set_password(&mut ws, "GitHub", "second");
    ws.set_history_limit(7).unwrap();
    let bank = ws.find("Bank").unwrap().id;
    ws.trash(&bank).unwrap();
    let copy = dir.path().join("copy.pcx");
    ws.backup_to(&copy).unwrap();
    drop(ws);
    let mut copy = open_ws(&copy);
    let versions = copy.history("GitHub").unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(password_of(&versions[1].entry), "s3cret-pw");
    assert_eq!(copy.history_limit().unwrap(), 7);
    let bin = copy.trashed().unwrap();
    assert_eq!(bin.len(), 1);
    assert_eq!(bin[0].entry.title, "Bank");
}

#[test]
fn history_and_bin_survive_a_password_change() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _) = workspace(dir.path());
    set_password(&mut ws, "GitHub", "second");
    let bank = ws.find("Bank").unwrap().id;
    ws.trash(&bank).unwrap();
    let new = SecretString::from("another long master password");
    ws.change_password(&password(), &new, common::cheap_kdf())
        .unwrap();
    let path = ws.path().to_owned();
    drop(ws);
    let mut ws = portcullis_core::LockedWorkspace::open(&path)
        .unwrap()
        .unlock(&new)
        .unwrap()
        .into_open()
        .unwrap();
    assert_eq!(ws.history("GitHub").unwrap().len(), 2);
    assert_eq!(ws.trashed().unwrap().len(), 1);
}
