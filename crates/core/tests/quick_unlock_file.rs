//! Quick unlock is enforced by the file: a quick key opens the workspace only while the file
//! holds an unexpired copy of the master key for its enrolment, sealed under it with its
//! expiry. Expiry, `forget` and a password change delete the copy; editing the file (with
//! SQLite, as an attacker with the file would) cannot extend it. Changing the password and
//! enrolling need the current password, whichever way the workspace was opened.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::clock::FixedClock;
use portcullis_core::workspace::{Error, QuickKey, QuickRefusal, Unlock};
use portcullis_core::{LockedWorkspace, SecretString};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;

const T0: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn locked(path: &Path, now: i64) -> LockedWorkspace {
    LockedWorkspace::open(path)
        .unwrap()
        .with_clock(Arc::new(FixedClock::new(now)))
}

fn quick(path: &Path, key: &QuickKey, now: i64) -> Result<Unlock, QuickRefusal> {
    locked(path, now).unlock_quick(key, now)
}

/// A saved copy of a keyring item.
fn copy_of(key: &QuickKey) -> QuickKey {
    key.clone()
}

fn meta(path: &Path) -> Option<String> {
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE name = 'quick_unlock'",
            [],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .ok()
        .map(|v| String::from_utf8(v).unwrap())
}

fn enrol(path: &Path, now: i64, days: i64) -> QuickKey {
    let mut ws = locked(path, now)
        .unlock(&password())
        .unwrap()
        .into_open()
        .unwrap();
    ws.enrol_quick_unlock(&password(), now + days * DAY)
        .unwrap()
}

#[test]
fn the_file_enforces_expiry_and_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    drop(sample_workspace(&path));

    // Enrolling needs the current password, even on an open workspace.
    let mut ws = open_ws(&path);
    assert!(matches!(
        ws.enrol_quick_unlock(&SecretString::from("wrong"), T0 + DAY),
        Err(Error::WrongPasswordOrDamaged)
    ));
    drop(ws);
    assert_eq!(meta(&path), None, "a refused enrolment writes nothing");

    let key = enrol(&path, T0, 1);
    let ws = quick(&path, &key, T0 + 60).unwrap().into_open().unwrap();
    drop(ws);

    // Extending it in the file (its expiry is in the sealed copy's associated data): refused.
    let stored = meta(&path).unwrap();
    let later = stored.replace(&(T0 + DAY).to_string(), &(T0 + 90 * DAY).to_string());
    assert_ne!(later, stored);
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE name = 'quick_unlock'",
            [later.as_bytes()],
        )
        .unwrap();
    assert!(matches!(
        quick(&path, &key, T0 + 2 * DAY),
        Err(QuickRefusal::Revoked)
    ));
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE name = 'quick_unlock'",
            [stored.as_bytes()],
        )
        .unwrap();

    // Expired: refused and deleted from the file, so the key opens nothing even at an
    // earlier time afterwards.
    assert!(matches!(
        quick(&path, &key, T0 + DAY),
        Err(QuickRefusal::Expired)
    ));
    assert_eq!(meta(&path), None);
    assert!(matches!(
        quick(&path, &key, T0 + 60),
        Err(QuickRefusal::Revoked)
    ));

    // Forgotten (turned off): the same key, kept aside, opens nothing.
    let key = enrol(&path, T0, 14);
    let kept = copy_of(&key);
    locked(&path, T0)
        .forget_quick_unlock(key.enrolment)
        .unwrap();
    assert!(matches!(
        quick(&path, &kept, T0 + 60),
        Err(QuickRefusal::Revoked)
    ));

    // An expired copy leaves the file at the first open with the password after its date.
    let _short = enrol(&path, T0, 1);
    assert!(meta(&path).is_some());
    drop(
        locked(&path, T0 + 2 * DAY)
            .unlock(&password())
            .unwrap()
            .into_open()
            .unwrap(),
    );
    assert_eq!(meta(&path), None);
}

#[test]
fn a_password_change_needs_the_password_and_ends_quick_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    drop(sample_workspace(&path));
    let key = enrol(&path, T0, 14);
    let kept = copy_of(&key);

    // Opened with the quick key, the workspace still needs the current password to change it.
    let mut ws = quick(&path, &key, T0).unwrap().into_open().unwrap();
    let new_pw = SecretString::from("new password");
    assert!(matches!(
        ws.change_password(&SecretString::from("guess"), &new_pw, cheap_kdf()),
        Err(Error::WrongPasswordOrDamaged)
    ));
    ws.change_password(&password(), &new_pw, cheap_kdf())
        .unwrap();
    drop(ws);
    assert_eq!(meta(&path), None, "the copies of the old key are deleted");
    assert!(matches!(
        quick(&path, &kept, T0 + 60),
        Err(QuickRefusal::Revoked)
    ));
    LockedWorkspace::open(&path)
        .unwrap()
        .unlock(&new_pw)
        .unwrap()
        .into_open()
        .unwrap();
}
