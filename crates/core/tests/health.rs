//! The password health report over a real workspace: a crafted file with one entry for each
//! finding and one beside it that must not be flagged, its ages set by the workspace clock.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cheap_kdf, password};
use portcullis_core::clock::FixedClock;
use portcullis_core::health::{self, Flagged, OLD_AFTER_SECONDS};
use portcullis_core::otp::OtpParams;
use portcullis_core::{EntryKind, EntryStore, Login, NewEntry, OpenWorkspace};
use std::sync::Arc;

const T0: i64 = 1_700_000_000;
const STRONG: &str = "Quartz-lantern-meadow-47-Fjord";

fn login(title: &str, password: &str, url: &str) -> NewEntry {
    NewEntry::new(
        title,
        EntryKind::Login(Login {
            username: "someone@example.org".into(),
            password: password.into(),
            url: url.into(),
            otp: None,
            ssh_key: None,
        }),
    )
}

fn titles(list: &[Flagged]) -> Vec<&str> {
    list.iter().map(|f| f.title.as_str()).collect()
}

#[test]
fn a_crafted_workspace_shows_each_finding_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(T0));
    let mut ws = OpenWorkspace::create(dir.path().join("h.pcx"), &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());
    // Written over a year before the report: old.
    ws.add(login("Old", "Ancient-Harbor-velvet-58-Crane", ""))
        .unwrap();
    // Written 364 days before: not old yet.
    clock.advance(OLD_AFTER_SECONDS - 364 * 86_400 + 2);
    ws.add(login("Recent", "Silent-Orchard-copper-12-Vale", ""))
        .unwrap();
    clock.set(T0 + OLD_AFTER_SECONDS + 1);
    ws.add_all(vec![
        login("Weak", "sunshine1", ""),
        login("Strong", STRONG, ""),
        login("Reused A", "Timber-Shadow-ribbon-90-Glass", ""),
        login("Reused B", "Timber-Shadow-ribbon-90-Glass", ""),
        login("Unique", "Timber-Shadow-ribbon-90-Glasz", ""),
        login(
            "Google",
            "Marble-Comet-pepper-61-Drift",
            "https://accounts.google.com/",
        ),
        login(
            "Intranet",
            "Velvet-Summit-garlic-35-Brook",
            "https://intranet.example.org",
        ),
        NewEntry::new(
            "GitLab",
            EntryKind::Login(Login {
                username: "me".into(),
                password: "Copper-Willow-basket-24-Frost".into(),
                url: "https://gitlab.com/users/sign_in".into(),
                otp: Some(
                    OtpParams::parse("otpauth://totp/GitLab:me?secret=JBSWY3DPEHPK3PXP").unwrap(),
                ),
                ssh_key: None,
            }),
        ),
    ])
    .unwrap();

    let report = health::report(&mut ws).unwrap();
    assert_eq!(titles(&report.weak), ["Weak"]);
    assert_eq!(report.reused.len(), 1);
    assert_eq!(titles(&report.reused[0]), ["Reused A", "Reused B"]);
    assert_eq!(titles(&report.old), ["Old"]);
    assert_eq!(titles(&report.missing_2fa), ["Google"]);
    assert_eq!(report.checked, 10);
    let old = ws.find("Old").unwrap();
    assert_eq!(report.old[0].id, old.id, "each finding links to its entry");

    // Changing another field leaves the password old (the entry's history knows when the
    // password itself last changed); changing the password makes it young again.
    ws.edit_entry(
        "Old",
        None,
        portcullis_core::entry_edit::EntryChanges {
            notes: Some("moved to the new mail server".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(titles(&health::report(&mut ws).unwrap().old), ["Old"]);
    ws.edit_entry(
        "Old",
        None,
        portcullis_core::entry_edit::EntryChanges {
            password: Some("Fresh-Lantern-orbit-83-Meadow".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(health::report(&mut ws).unwrap().old.is_empty());
}

#[test]
fn the_report_works_through_the_entry_store_trait() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = OpenWorkspace::create(dir.path().join("h.pcx"), &password(), cheap_kdf()).unwrap();
    ws.add(login("Weak", "123456", "")).unwrap();
    let store: &mut dyn EntryStore = &mut ws;
    let report = health::report(store).unwrap();
    assert_eq!(titles(&report.weak), ["Weak"]);
}
