//! The verified index an open workspace reads from: current after its own writes and after
//! another connection's, refusing a record tampered after it was built, and answering as a
//! full read does.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::view::EntrySummary;
use portcullis_core::workspace::Error;
use portcullis_core::{EntryKind, Login, NewEntry, OpenWorkspace};
use rusqlite::Connection;

fn login(title: &str, user: &str, group: Option<&str>, notes: &str) -> NewEntry {
    let mut e = NewEntry::new(
        title,
        EntryKind::Login(Login {
            username: user.into(),
            password: "pw".into(),
            url: format!("https://{}.example", title.to_lowercase()),
            otp: None,
            ssh_key: None,
        }),
    );
    e.group = group.map(str::to_owned);
    e.notes = notes.into();
    e
}

/// The sample entries and some more: groups, case, accents, shared words.
fn mixed(path: &std::path::Path) -> OpenWorkspace {
    let mut ws = sample_workspace(path);
    ws.add_all(vec![
        login("Mail", "ME@example.org", Some("Home"), "Ünïcode notes"),
        login("mail", "other", Some("Work"), "octocat was here"),
        login("Zeta", "z", None, ""),
        login("Äpfel", "a", Some("Home/Food"), "KEY under the mat"),
    ])
    .unwrap();
    ws
}

/// What a full read answers: every entry decrypted, then filtered.
fn full_search(ws: &mut OpenWorkspace, query: &str) -> Vec<portcullis_core::Entry> {
    let needle = query.to_lowercase();
    ws.entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.matches(&needle))
        .collect()
}

fn summaries_of(entries: &[portcullis_core::Entry]) -> Vec<EntrySummary> {
    entries.iter().map(EntrySummary::from).collect()
}

#[test]
fn search_and_list_answer_as_a_full_read_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = mixed(&dir.path().join("w.pcx"));
    let all = ws.entries().unwrap();
    assert_eq!(ws.summaries().unwrap(), summaries_of(&all));
    for query in [
        "",
        "mail",
        "MAIL",
        "octocat",
        "example",
        "ssh://",
        "2222",
        "work",
        "home/food",
        "ünï",
        "äpf",
        "key",
        "bank",
        "code",
        "nothing-matches",
        "s3cret-pw",
        "JBSWY3DP",
    ] {
        let full = full_search(&mut ws, query);
        assert_eq!(
            ws.search_summaries(query).unwrap(),
            summaries_of(&full),
            "{query}"
        );
        assert_eq!(ws.search(query).unwrap(), full, "{query}");
    }
    // Secrets are never searched.
    assert!(ws.search_summaries("s3cret-pw").unwrap().is_empty());
}

#[test]
fn find_answers_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = mixed(&dir.path().join("w.pcx"));
    let all = ws.entries().unwrap();
    let github = all.iter().find(|e| e.title == "GitHub").unwrap();
    assert_eq!(&ws.find("github").unwrap(), github);
    assert_eq!(&ws.find(&github.id).unwrap(), github);
    assert_eq!(&ws.find(&github.id[..8].to_uppercase()).unwrap(), github);
    assert!(matches!(ws.find("MAIL"), Err(Error::Ambiguous(2, _))));
    assert!(matches!(ws.find("nothing"), Err(Error::NoMatch(_))));
}

#[test]
fn own_writes_keep_the_index_current() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = mixed(&dir.path().join("w.pcx"));
    ws.summaries().unwrap();
    let added = ws.add(login("Added", "new", Some("New"), "")).unwrap();
    let mut renamed = ws.find("Zeta").unwrap();
    renamed.title = "Alpha".into();
    ws.update(renamed).unwrap();
    let gone = ws.find("Bank").unwrap();
    ws.remove(&gone.id).unwrap();
    assert_eq!(
        ws.summaries().unwrap(),
        summaries_of(&ws.entries().unwrap())
    );
    assert_eq!(ws.find("added").unwrap(), added);
    assert_eq!(ws.find("alpha").unwrap().title, "Alpha");
    assert!(matches!(ws.find("Zeta"), Err(Error::NoMatch(_))));
    assert!(matches!(ws.find(&gone.id), Err(Error::NoMatch(_))));
    assert!(ws.search_summaries("bank").unwrap().is_empty());
}

#[test]
fn another_connections_write_is_seen_by_the_next_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let mut ws = mixed(&path);
    let before = ws.summaries().unwrap();
    let mut other = open_ws(&path);
    let added = other.add(login("Elsewhere", "x", None, "")).unwrap();
    assert_eq!(ws.summaries().unwrap().len(), before.len() + 1);
    assert_eq!(ws.find("elsewhere").unwrap(), added);
    let mut changed = other.find("Zeta").unwrap();
    changed.title = "Changed elsewhere".into();
    other.update(changed.clone()).unwrap();
    assert_eq!(ws.find(&changed.id).unwrap().title, "Changed elsewhere");
    assert_eq!(ws.search_summaries("changed elsewhere").unwrap().len(), 1);
    other.remove(&added.id).unwrap();
    assert!(matches!(ws.find(&added.id), Err(Error::NoMatch(_))));
    // This workspace's own write after the other's starts from the state it sees.
    ws.add(login("Mine", "m", None, "")).unwrap();
    assert_eq!(
        ws.summaries().unwrap(),
        summaries_of(&other.entries().unwrap())
    );
}

#[test]
fn a_record_tampered_after_the_index_was_built_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let mut ws = mixed(&path);
    let github = ws.find("GitHub").unwrap();
    let bank = ws.find("Bank").unwrap();
    // Another connection puts the sealed bytes of Bank's bucket under GitHub's.
    let (github_bucket, bank_bucket) = (bucket_of(&github.id), bucket_of(&bank.id));
    assert_ne!(github_bucket, bank_bucket, "random ids: 1 in 256");
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE records SET sealed = (SELECT sealed FROM records WHERE id = ?2) WHERE id = ?1",
        [&github_bucket, &bank_bucket],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(ws.find(&github.id), Err(Error::Damaged(_))));
    assert!(matches!(ws.summaries(), Err(Error::Damaged(_))));
    assert!(matches!(ws.search("bank"), Err(Error::Damaged(_))));
}

#[test]
fn a_write_between_unlock_and_the_first_read_is_seen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    drop(mixed(&path));
    // Unlocking reads and verifies every row; the first read reuses them only if the file
    // has not changed since.
    let mut ws = open_ws(&path);
    let mut other = open_ws(&path);
    let added = other.add(login("Between", "b", None, "")).unwrap();
    assert_eq!(ws.find("between").unwrap(), added);
    assert_eq!(
        ws.summaries().unwrap(),
        summaries_of(&other.entries().unwrap())
    );
    // A row tampered between unlock and the first read is refused.
    let mut ws = open_ws(&path);
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE records SET version = version + 1 WHERE id = ?1",
        [&bucket_of(&added.id)],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(ws.summaries(), Err(Error::Damaged(_))));
}

#[test]
fn a_write_after_another_connections_write_starts_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let mut ws = mixed(&path);
    ws.summaries().unwrap();
    let mut other = open_ws(&path);
    let theirs = other.add(login("Theirs", "t", None, "")).unwrap();
    // No read in between: the write itself sees that the file changed.
    let mine = ws.add(login("Mine", "m", None, "")).unwrap();
    for w in [&mut ws, &mut other] {
        let all = w.entries().unwrap();
        assert!(all.contains(&theirs) && all.contains(&mine));
        assert_eq!(w.summaries().unwrap(), summaries_of(&all));
    }
    // A refused write leaves the index right.
    assert!(matches!(ws.remove("no-such-id"), Err(Error::NoMatch(_))));
    assert_eq!(
        ws.summaries().unwrap(),
        summaries_of(&ws.entries().unwrap())
    );
    // So does a write right after unlocking.
    let mut fresh = open_ws(&path);
    fresh.remove(&theirs.id).unwrap();
    assert_eq!(
        ws.summaries().unwrap(),
        summaries_of(&fresh.entries().unwrap())
    );
}

#[test]
fn one_entry_by_id_right_after_unlocking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let all = mixed(&path).entries().unwrap();
    let github = all.iter().find(|e| e.title == "GitHub").unwrap();
    assert_eq!(&open_ws(&path).find(&github.id).unwrap(), github);
    assert_eq!(&open_ws(&path).find(&github.id[..6]).unwrap(), github);
    assert_eq!(&open_ws(&path).find(" GitHub ").unwrap(), github);
    assert!(matches!(
        open_ws(&path).find("mail"),
        Err(Error::Ambiguous(2, _))
    ));
    assert!(matches!(
        open_ws(&path).find("nothing"),
        Err(Error::NoMatch(_))
    ));
    // Changed by another connection between unlocking and reading: the file is verified again.
    let mut ws = open_ws(&path);
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE records SET version = version + 1 WHERE id = ?1",
        [&bucket_of(&github.id)],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(ws.find(&github.id), Err(Error::Damaged(_))));
}

/// A search right after unlocking (answered from the rows unlocking verified, without
/// building the index) gives what a search through the index gives, in the same order.
#[test]
fn a_search_right_after_unlocking_answers_as_the_index_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let mut indexed = mixed(&path);
    indexed.summaries().unwrap();
    for query in [
        "", "mail", "HOME", "äpfel", "octocat", "github", "nothing", "ünï",
    ] {
        let by_index = indexed.search(query).unwrap();
        assert_eq!(open_ws(&path).search(query).unwrap(), by_index, "{query}");
        assert_eq!(
            open_ws(&path).search_summaries(query).unwrap(),
            indexed.search_summaries(query).unwrap(),
            "{query}"
        );
        assert_eq!(by_index, full_search(&mut indexed, query), "{query}");
    }
    // The rows stay for the index: a list after the search is the full list.
    let mut ws = open_ws(&path);
    ws.search("mail").unwrap();
    assert_eq!(ws.summaries().unwrap(), indexed.summaries().unwrap());
    // A second search (which builds the index) answers the same.
    let mut ws = open_ws(&path);
    for _ in 0..2 {
        assert_eq!(ws.search("mail").unwrap(), indexed.search("mail").unwrap());
    }
}
