//! What an import leaves out, flags and writes: a duplicate is an item whose every field is
//! already in one entry; a look-alike is imported and flagged, and may be skipped or replace
//! the entry it resembles (keeping that entry's id and creation time).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::clock::FixedClock;
use portcullis_core::import::Plan;
use portcullis_core::otp::OtpParams;
use portcullis_core::workspace::{Choice, Resemblance};
use portcullis_core::EntryStore;
use portcullis_core::{EntryKind, Login, NewEntry, OpenWorkspace};
use std::sync::Arc;

fn login(title: &str, user: &str, password: &str, otp: Option<&str>) -> NewEntry {
    NewEntry::new(
        title,
        EntryKind::Login(Login {
            username: user.into(),
            password: password.into(),
            url: "https://mail.example.com".into(),
            otp: otp.map(|u| OtpParams::parse(u).unwrap()),
            ssh_key: None,
        }),
    )
}

fn plan(entries: Vec<NewEntry>) -> Plan {
    Plan {
        entries,
        ..Plan::default()
    }
}

fn workspace(dir: &tempfile::TempDir) -> (OpenWorkspace, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(1_700_000_000));
    let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());
    let mut mail = login("Mail", "me", "pw", None);
    mail.tags = vec!["personal".into()];
    mail.group = Some("Home".into());
    mail.notes = "recovery: ask the bank".into();
    ws.add(mail).unwrap();
    ws.add(login(
        "Token",
        "me",
        "pw",
        Some("otpauth://hotp/T:me?secret=GEZDGNBVGY3TQOJQ&counter=5"),
    ))
    .unwrap();
    (ws, clock)
}

#[test]
fn an_item_is_a_duplicate_only_when_an_entry_holds_all_it_brings() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _) = workspace(&dir);
    let mut other_password = login("Mail", "me", "pw2", None);
    other_password.tags = vec!["personal".into()];
    let mut new_tag = login("Mail", "me", "pw", None);
    new_tag.tags = vec!["work".into()];
    let preview = ws
        .preview_import(plan(vec![
            // Fewer fields than the entry (no tags, group or notes): nothing new.
            login("Mail", "me", "pw", None),
            // The same HOTP generator at an older counter: nothing new.
            login(
                "Token",
                "me",
                "pw",
                Some("otpauth://hotp/T:me?secret=GEZDGNBVGY3TQOJQ&counter=0"),
            ),
            other_password,
            new_tag,
            // Differs only by the case of the title: imported, and flagged.
            login("mail", "me", "pw", None),
        ]))
        .unwrap();
    let dups: Vec<&str> = preview.duplicates.iter().map(|d| d.item.as_str()).collect();
    assert_eq!(dups, ["Mail", "Token"]);
    let planned = preview.planned();
    assert_eq!(planned.len(), 3);
    for p in &planned {
        let similar = p.similar.as_ref().expect("each resembles Mail");
        assert_eq!(
            (similar.to.as_str(), similar.reason),
            ("Mail", Resemblance::SameTitleUserUrl)
        );
        assert!(similar.existing.is_some());
        assert_eq!(p.choice, Choice::Import);
    }
    assert_eq!(ws.import(preview).unwrap().created, 3);
    assert_eq!(ws.entries().unwrap().len(), 5);
}

#[test]
fn a_look_alike_replaces_the_entry_when_chosen_and_keeps_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, clock) = workspace(&dir);
    let before = ws.find("Mail").unwrap();
    clock.advance(3600);
    let shared = "otpauth://totp/G:me?secret=JBSWY3DPEHPK3PXP";
    let mut preview = ws
        .preview_import(plan(vec![
            login("Mail", "me", "new-pw", None),
            login("Google work", "work", "a", Some(shared)),
            login("Gmail alias", "alias", "b", Some(shared)),
            login("Skipped", "me", "pw", None),
            login("Skipped", "me", "other", None),
        ]))
        .unwrap();
    let planned = preview.planned();
    let alias = planned[2].similar.as_ref().unwrap();
    assert_eq!(
        (alias.to.as_str(), alias.reason, alias.existing.is_none()),
        ("Google work", Resemblance::SameOtpSecret, true),
        "similar to an earlier item of the same file"
    );
    let refused = preview.choose(2, Choice::Replace).unwrap_err();
    assert!(
        refused.to_string().contains("nothing to replace"),
        "{refused}"
    );
    assert!(preview.choose(9, Choice::Skip).is_err());

    preview.choose(0, Choice::Replace).unwrap();
    preview.choose(4, Choice::Skip).unwrap();
    let planned = preview.planned();
    let to_write = planned.iter().filter(|p| p.choice != Choice::Skip).count();
    assert_eq!(to_write, 4);
    let imported = ws.import(preview).unwrap();
    assert_eq!((imported.created, imported.replaced), (3, 1));

    let after = ws.find(&before.id).unwrap();
    assert_eq!(
        (after.created, after.modified),
        (before.created, before.created + 3600)
    );
    match after.kind {
        EntryKind::Login(l) => assert_eq!(l.password.expose_secret(), "new-pw"),
        other => panic!("{other:?}"),
    }
    let titles: Vec<String> = ws.entries().unwrap().into_iter().map(|e| e.title).collect();
    assert_eq!(titles.len(), 5, "{titles:?}");
    assert_eq!(titles.iter().filter(|t| *t == "Skipped").count(), 1);
}

#[test]
fn two_items_cannot_replace_one_entry_and_a_vanished_entry_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, _) = workspace(&dir);
    let mut preview = ws
        .preview_import(plan(vec![
            login("Mail", "me", "one", None),
            login("Mail", "me", "two", None),
        ]))
        .unwrap();
    preview.choose(0, Choice::Replace).unwrap();
    assert!(preview.choose(1, Choice::Replace).is_err());

    let mail = ws.find("Mail").unwrap();
    ws.remove(&mail.id).unwrap();
    assert!(ws.import(preview).is_err());
    assert_eq!(ws.entries().unwrap().len(), 1, "all or nothing");
}
