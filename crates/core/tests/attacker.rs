//! A scripted attacker who knows the password but not the second factor. It reopens the
//! workspace for every guess (a new process each time), runs two "processes" side by side,
//! waits out every delay, and keeps guessing: it meets growing delays, is stopped after 100
//! consecutive failures, and never gets in. `--nocapture` prints the figures.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::clock::{Clock, FixedClock};
use portcullis_core::mfa::{self, policy, Factor};
use portcullis_core::otp::OtpParams;
use portcullis_core::workspace::{Error, PendingMfa, Unlock};
use portcullis_core::Guarded;
use portcullis_core::{LockedWorkspace, OpenWorkspace, SecretString};
use std::path::Path;
use std::sync::Arc;

const T0: i64 = 1_800_000_000;

fn pending(path: &Path, clock: &Arc<FixedClock>) -> PendingMfa {
    pending_mfa(path, clock.clone())
}

/// The attacker's next guess: counts up from 000000, skipping the codes valid right now (it
/// does not know them; guessing one by luck is the 3-in-a-million chance every code has).
fn guess(n: &mut u32, otp: &OtpParams, now: i64) -> Factor {
    let valid: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| otp.code_at(*t as u64).code)
        .collect();
    loop {
        let code = format!("{:06}", *n);
        *n += 1;
        if !valid.contains(&code) {
            return Factor::Totp {
                code: SecretString::new(code),
                method: None,
            };
        }
    }
}

#[test]
fn the_attacker_meets_growing_delays_and_stops_at_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let mut ws = OpenWorkspace::create(&path, &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());
    let enrolment = ws.begin_totp("phone").unwrap();
    let otp = OtpParams::parse(enrolment.uri.expose_secret()).unwrap();
    ws.confirm_totp(&otp.code_at(T0 as u64).code).unwrap();
    drop(ws);
    clock.advance(60);

    let (mut n, mut failures, mut refused_while_locked) = (0u32, 0u32, 0u32);
    let mut delays = Vec::new();
    loop {
        // Two processes opened at the same moment; the counter is shared through the file.
        let (a, b) = (pending(&path, &clock), pending(&path, &clock));
        if let Some(wait) = a.status().locked_for {
            // Guessing during a delay is refused without looking at the code.
            let Err(r) = a.verify(&guess(&mut n, &otp, clock.now())) else {
                panic!("a guess during a delay got in");
            };
            assert!(matches!(r.error, Error::Mfa(mfa::Error::LockedOut { .. })));
            refused_while_locked += 1;
            delays.push(wait);
            clock.advance(i64::try_from(wait).unwrap());
            drop(b);
            continue;
        }
        let mut stop = None;
        for p in [a, b] {
            match p.verify(&guess(&mut n, &otp, clock.now())) {
                Ok(_) => panic!("the attacker got in after {failures} failures"),
                Err(r) => match r.error {
                    Error::Mfa(mfa::Error::WrongCode) => failures += 1,
                    Error::Mfa(mfa::Error::LockedOut { .. }) => {}
                    Error::Mfa(mfa::Error::PasswordRequired { wait_secs }) => {
                        failures += 1;
                        stop = Some(wait_secs);
                        break;
                    }
                    other => panic!("unexpected refusal: {other}"),
                },
            }
        }
        if let Some(wait) = stop {
            assert_eq!(failures, policy::HARD_LIMIT, "stopped at exactly 100");
            assert!(wait > 0);
            break;
        }
        assert!(
            failures < policy::HARD_LIMIT,
            "never more than 100 failures"
        );
    }

    // The delays grow (30 s, 1 min, 2 min … 1 h) and never shrink while the failures go on.
    assert_eq!(delays.first(), Some(&30));
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    assert_eq!(delays.last(), Some(&policy::MAX_DELAY_SECS));
    // Even the right code is refused now, until the wait is over and the password is typed again.
    let right = Factor::Totp {
        code: SecretString::new(otp.code_at(clock.now() as u64).code),
        method: None,
    };
    let Err(r) = pending(&path, &clock).verify(&right) else {
        panic!("the right code got in past the hard limit");
    };
    assert!(matches!(
        r.error,
        Error::Mfa(mfa::Error::PasswordRequired { .. })
    ));
    let hours = (clock.now() - T0) as f64 / 3600.0;
    println!(
        "attacker: {failures} wrong codes + {refused_while_locked} tries refused during delays, \
         {hours:.1} h of waiting, never in"
    );
}

fn plant(path: &Path, sql: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

/// A workspace with one authenticator enabled at T0: its generator and backup codes.
fn secured(path: &Path, clock: &Arc<FixedClock>) -> (OtpParams, Vec<SecretString>) {
    let mut ws = OpenWorkspace::create(path, &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());
    ws.add_all(sample_entries()).unwrap();
    let enrolment = ws.begin_totp("phone").unwrap();
    let otp = OtpParams::parse(enrolment.uri.expose_secret()).unwrap();
    let (_, codes) = ws.confirm_totp(&otp.code_at(T0 as u64).code).unwrap();
    (otp, codes.unwrap())
}

/// Sends `count` wrong codes through `p` (retrying on the same open file); returns whether the
/// last status shows a delay.
fn wrong_codes(mut p: PendingMfa, count: u32, otp: &OtpParams, now: i64) -> bool {
    let mut n = 0;
    for _ in 0..count {
        let r = match p.verify(&guess(&mut n, otp, now)) {
            Ok(_) => panic!("a wrong code got in"),
            Err(r) => r,
        };
        p = *r.retry.unwrap();
    }
    p.status().locked_for.is_some()
}

fn backup(code: &SecretString) -> Factor {
    Factor::BackupCode(code.clone())
}

#[test]
fn planted_triggers_make_the_workspace_refuse_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (otp, codes) = secured(&path, &clock);
    clock.advance(60);
    plant(&path, test_support::SILENCE_MFA);

    match LockedWorkspace::open(&path) {
        Err(Error::Damaged(why)) => assert!(why.contains("triggers"), "{why}"),
        Err(other) => panic!("unexpected refusal: {other}"),
        Ok(_) => {
            // What the triggers buy the attacker when the file opens.
            let locked = wrong_codes(pending(&path, &clock), 8, &otp, clock.now());
            let first = pending(&path, &clock).verify(&backup(&codes[0])).is_ok();
            let again = pending(&path, &clock).verify(&backup(&codes[0])).is_ok();
            panic!(
                "a file with planted triggers opened: 8 wrong codes, lockout: {locked}; \
                 backup code accepted once: {first}, twice: {again}"
            );
        }
    }
}

#[test]
fn triggers_planted_while_the_workspace_is_open_never_fire() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (otp, codes) = secured(&path, &clock);
    clock.advance(60);
    // Three processes pass the open-time check, then the triggers appear.
    let (guesser, first, second) = (
        pending(&path, &clock),
        pending(&path, &clock),
        pending(&path, &clock),
    );
    plant(&path, test_support::SILENCE_MFA);

    assert!(
        wrong_codes(guesser, 8, &otp, clock.now()),
        "8 wrong codes and no lockout: the failures were not counted"
    );
    clock.advance(i64::try_from(policy::MAX_DELAY_SECS).unwrap());
    let (mut ws, _) = first.verify(&backup(&codes[0])).unwrap();
    let Err(r) = second.verify(&backup(&codes[0])) else {
        panic!("one backup code was accepted twice");
    };
    assert!(
        matches!(r.error, Error::Mfa(mfa::Error::WrongBackupCode)),
        "{:?}",
        r.error
    );
    // Entry writes still work on the open workspace.
    ws.add(portcullis_core::NewEntry::new(
        "after",
        portcullis_core::EntryKind::Note,
    ))
    .unwrap();
}

/// Two copies of one workspace (a synced folder, a backup put back) write the MFA record at
/// the same version with different content; the record of one, put into the other with SQLite,
/// authenticates under the same key, id and version. The manifest must bind the ciphertext.
#[test]
fn a_sealed_record_from_a_copy_at_the_same_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let copy = dir.path().join("copy.pcx");
    let clock = Arc::new(FixedClock::new(T0));
    let (otp, codes) = secured(&path, &clock);
    clock.advance(60);
    std::fs::copy(&path, &copy).unwrap();

    // Here the backup code is used; in the copy, a wrong code is typed instead.
    pending(&path, &clock).verify(&backup(&codes[0])).unwrap();
    assert!(!wrong_codes(pending(&copy, &clock), 1, &otp, clock.now()));

    let mfa_row = |p: &Path| -> (i64, Vec<u8>) {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row(
                "SELECT version, sealed FROM records WHERE collection = 'mfa'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let (ours, theirs) = (mfa_row(&path), mfa_row(&copy));
    assert_eq!(ours.0, theirs.0, "same version");
    assert_ne!(ours.1, theirs.1, "different ciphertext");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE records SET sealed = ?1 WHERE collection = 'mfa'",
            [&theirs.1],
        )
        .unwrap();

    let unlocked = LockedWorkspace::open(&path)
        .unwrap()
        .with_clock(clock.clone())
        .unlock(&password());
    match unlocked {
        Err(Error::Damaged(_)) => {}
        Err(other) => panic!("unexpected refusal: {other}"),
        Ok(Unlock::Open(_)) => panic!("opened without a factor"),
        Ok(Unlock::PendingMfa(p)) => {
            let again = p.verify(&backup(&codes[0])).is_ok();
            panic!("the swapped MFA record was accepted; used backup code accepted again: {again}");
        }
    }
}
