//! The second-factor gate of a workspace, with a set clock: the typestate, persistence of
//! counters and replay steps across reopen, step-up, and turning MFA off.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::clock::FixedClock;
use portcullis_core::export::Format::Csv;
use portcullis_core::mfa::{self, Factor};
use portcullis_core::otp::OtpParams;
use portcullis_core::workspace::{Error, MfaRefusal, PendingMfa, Unlock};
use portcullis_core::Guarded;
use portcullis_core::{LockedWorkspace, OpenWorkspace, SecretString};
use std::path::Path;
use std::sync::Arc;

const T0: i64 = 1_800_000_000;

fn open_at(path: &Path, clock: &Arc<FixedClock>) -> Unlock {
    LockedWorkspace::open(path)
        .unwrap()
        .with_clock(clock.clone())
        .unlock(&password())
        .unwrap()
}

fn pending(path: &Path, clock: &Arc<FixedClock>) -> PendingMfa {
    pending_mfa(path, clock.clone())
}

fn totp(p: &OtpParams, at: i64) -> Factor {
    Factor::Totp {
        code: SecretString::new(p.code_at(at as u64).code),
        method: None,
    }
}

/// A workspace with one authenticator enabled at T0; returns its generator and backup codes.
fn secured(path: &Path, clock: &Arc<FixedClock>) -> (OtpParams, Vec<SecretString>) {
    let mut ws = OpenWorkspace::create(path, &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());
    ws.add_all(sample_entries()).unwrap();
    let e = ws.begin_totp("Pixel 8").unwrap();
    let p = OtpParams::parse(e.uri.expose_secret()).unwrap();
    let (_, codes) = ws.confirm_totp(&p.code_at(T0 as u64).code).unwrap();
    (p, codes.unwrap())
}

fn refused(result: Result<(OpenWorkspace, mfa::Verified), MfaRefusal>) -> MfaRefusal {
    match result {
        Ok(_) => panic!("the factor should be refused"),
        Err(r) => r,
    }
}

#[test]
fn a_secured_workspace_opens_only_with_a_factor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (p, _) = secured(&path, &clock);

    clock.set(T0 + 60);
    let first = pending(&path, &clock);
    assert!(first.status().enabled);
    assert_eq!(first.status().methods[0].label, "Pixel 8");
    assert_eq!(first.status().backup_codes_left, Some(10));
    assert!(matches!(
        open_at(&path, &clock).into_open(),
        Err(Error::Mfa(mfa::Error::Required))
    ));

    let r = refused(first.verify(&totp(&p, T0 - 300)));
    assert!(matches!(r.error, Error::Mfa(mfa::Error::WrongCode)));
    let (mut ws, verified) = r.retry.unwrap().verify(&totp(&p, T0 + 60)).unwrap();
    assert_eq!(verified.method, "Pixel 8");
    assert_eq!(ws.entries().unwrap().len(), 4);

    // The replay step is persisted: the same code cannot open again after a restart.
    drop(ws);
    let r = refused(pending(&path, &clock).verify(&totp(&p, T0 + 60)));
    assert!(matches!(r.error, Error::Mfa(mfa::Error::Replayed)));
}

#[test]
fn lockout_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (p, _) = secured(&path, &clock);
    clock.set(T0 + 100);
    for _ in 0..5 {
        let r = refused(pending(&path, &clock).verify(&Factor::Totp {
            code: wrong_totp_code(&p, T0 + 100).into(),
            method: None,
        }));
        assert!(matches!(r.error, Error::Mfa(mfa::Error::WrongCode)));
    }
    // A new process (a new unlock) is still locked out, even with the right code.
    let r = refused(pending(&path, &clock).verify(&totp(&p, T0 + 100)));
    match r.error {
        Error::Mfa(mfa::Error::LockedOut { wait_secs }) => assert_eq!(wait_secs, 30),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.error.to_string(),
        "too many wrong codes; try again in 30 s"
    );
    assert_eq!(pending(&path, &clock).status().locked_for, Some(30));
    clock.advance(30);
    let (mut ws, _) = pending(&path, &clock).verify(&totp(&p, T0 + 130)).unwrap();
    assert_eq!(ws.mfa_status().unwrap().locked_for, None);
}

#[test]
fn a_hundred_failures_drop_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (p, _) = secured(&path, &clock);
    let mut session = Some(pending(&path, &clock));
    let mut attempts = 0;
    while let Some(p_) = session.take() {
        clock.advance(3600);
        let wrong = Factor::Totp {
            code: wrong_totp_code(&p, clock_now(&clock)).into(),
            method: None,
        };
        let r = refused(p_.verify(&wrong));
        attempts += 1;
        session = r.retry.map(|b| *b);
        assert!(attempts <= 100);
    }
    assert_eq!(
        attempts, 100,
        "the hundredth failure asks for the password again"
    );
    let r = refused(pending(&path, &clock).verify(&totp(&p, clock_now(&clock))));
    assert!(matches!(
        r.error,
        Error::Mfa(mfa::Error::PasswordRequired { .. })
    ));
    clock.advance(3600);
    assert!(pending(&path, &clock)
        .verify(&totp(&p, clock_now(&clock)))
        .is_ok());
}

fn clock_now(clock: &FixedClock) -> i64 {
    use portcullis_core::clock::Clock;
    clock.now()
}

#[test]
fn security_changes_need_a_recent_factor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (p, backup) = secured(&path, &clock);

    clock.set(T0 + 30);
    let (mut ws, _) = pending(&path, &clock).verify(&totp(&p, T0 + 30)).unwrap();
    clock.advance(301);
    let step_up = Error::Mfa(mfa::Error::StepUpRequired);
    let new_pw = SecretString::from("new");
    for result in [
        ws.change_password(&password(), &new_pw, cheap_kdf())
            .map(|_| ()),
        ws.begin_totp("second").map(|_| ()),
        ws.remove_method("Pixel 8"),
        ws.regenerate_backup_codes().map(|_| ()),
        ws.delete_backup_codes(),
        ws.set_default_method("Pixel 8"),
    ] {
        assert_eq!(result.unwrap_err().to_string(), step_up.to_string());
    }
    // Exporting is a security change too; nothing is written.
    let out = dir.path().join("export.csv");
    let err = portcullis_core::export::export(&mut ws, Csv, &out, None).unwrap_err();
    assert_eq!(err.to_string(), step_up.to_string());
    assert!(!out.exists());
    // Reading still works; a fresh factor allows the change for five minutes.
    assert_eq!(ws.entries().unwrap().len(), 4);
    ws.step_up(&Factor::BackupCode(backup[0].clone())).unwrap();
    portcullis_core::export::export(&mut ws, Csv, &out, None).unwrap();
    ws.change_password(&password(), &new_pw, cheap_kdf())
        .unwrap();
    ws.remove_method("Pixel 8").unwrap();
    assert!(!ws.mfa_status().unwrap().enabled);
    drop(ws);
    let unlocked = LockedWorkspace::open(&path)
        .unwrap()
        .unlock(&new_pw)
        .unwrap();
    assert!(
        matches!(unlocked, Unlock::Open(_)),
        "MFA is off after removing the last method"
    );
}

#[test]
fn mfa_settings_are_sealed_and_integrity_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (p, _) = secured(&path, &clock);
    let secret = p.to_uri();
    let secret = secret
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let file = std::fs::read(&path).unwrap();
    assert!(!file.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert!(!file.windows(7).any(|w| w == b"Pixel 8"));

    // Deleting the MFA record (to switch MFA off) is detected.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM records WHERE collection = 'mfa'", [])
        .unwrap();
    let err = LockedWorkspace::open(&path)
        .unwrap()
        .unlock(&password())
        .unwrap_err();
    assert!(matches!(err, Error::Damaged(_)));
}
