//! Duo as a method of a workspace, against the emulator: setup with a test approval, unlock on
//! the saved or another device and factor, denials, SMS, failmode, cancellation.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use duo_emulator::{Answer, Config, Emulator, Failure};
use portcullis_core::mfa::duo::{DuoRequest, Factor as DuoFactor, Failmode, Progress, SigVersion};
use portcullis_core::mfa::{self, Factor};
use portcullis_core::workspace::duo_enrolment::{DuoEnrolled, DuoEnrolment, DuoSettings, DuoStart};
use portcullis_core::workspace::{Error, PendingMfa};
use portcullis_core::Guarded;
use portcullis_core::{OpenWorkspace, SecretString};
use std::path::Path;
use std::sync::atomic::AtomicBool;

const PHONE: &str = "DPFZRS9FB0D46QFTM891";
const TABLET: &str = "DPAAAAAAAAAAAAAAAAAA";

fn emulator() -> (Emulator, Config) {
    let mut config = Config::demo();
    for d in &mut config.users.get_mut("alice").unwrap().devices {
        d.delay_ms = 30;
    }
    (Emulator::start(config.clone()).unwrap(), config)
}

fn settings(emu: &Emulator, config: &Config, user: &str, failmode: Failmode) -> DuoSettings {
    DuoSettings {
        host: emu.api_host(),
        ikey: config.ikey.clone(),
        skey: SecretString::from(config.skey.as_str()),
        username: user.to_owned(),
        ca_pem: Some(emu.ca_pem().to_owned()),
        sig: SigVersion::V5,
        failmode,
        proxy: None,
    }
}

/// Duo set up as both front ends do it: the keys and the user checked, then a test push on
/// `device`, approved, saves the method. Errors and the outcomes that save nothing, as text.
fn add_duo(
    ws: &mut OpenWorkspace,
    label: &str,
    settings: DuoSettings,
    device: &str,
) -> Result<DuoEnrolled, String> {
    let now = portcullis_core::clock::Clock::now(&portcullis_core::clock::SystemClock);
    let enrolment = match DuoEnrolment::start(settings, now).map_err(|e| e.to_string())? {
        DuoStart::Ready(enrolment) => enrolment,
        enrol_first => return Err(enrol_first.enrol_message().unwrap_or_default()),
    };
    no_progress(|p| {
        enrolment.finish(
            ws,
            label,
            device,
            Some(DuoFactor::Push),
            &DuoRequest::default(),
            p,
        )
    })
    .map_err(|e| e.to_string())
}

fn no_progress<T>(f: impl FnOnce(Progress<'_>) -> T) -> T {
    let cancel = AtomicBool::new(false);
    f(Progress {
        on_status: &mut |_| {},
        cancel: &cancel,
    })
}

fn pending(path: &Path) -> PendingMfa {
    pending_mfa(
        path,
        std::sync::Arc::new(portcullis_core::clock::SystemClock),
    )
}

fn duo(factor: Option<DuoFactor>, device: Option<&str>, passcode: Option<&str>) -> Factor {
    Factor::Duo {
        method: None,
        request: DuoRequest {
            factor,
            device: device.map(str::to_owned),
            passcode: passcode.map(SecretString::from),
        },
    }
}

fn secured(path: &Path, settings: DuoSettings) -> Vec<SecretString> {
    let mut ws = OpenWorkspace::create(path, &password(), cheap_kdf()).unwrap();
    ws.add_all(sample_entries()).unwrap();
    match add_duo(&mut ws, "Duo work", settings, PHONE).unwrap() {
        DuoEnrolled::Enabled { backup_codes, .. } => backup_codes.unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn setup_then_unlock_on_the_saved_or_another_device() {
    let (emu, config) = emulator();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let backup = secured(&path, settings(&emu, &config, "alice", Failmode::Secure));
    assert_eq!(backup.len(), 10);

    let status = pending(&path).status().clone();
    assert_eq!(status.methods[0].label, "Duo work");
    assert_eq!(
        status.methods[0].kind,
        portcullis_core::mfa::MethodType::Duo
    );

    let mut messages = Vec::new();
    let cancel = AtomicBool::new(false);
    let (mut ws, verified) = pending(&path)
        .verify_with_progress(
            &duo(None, None, None),
            Progress {
                on_status: &mut |m| messages.push(m.to_owned()),
                cancel: &cancel,
            },
        )
        .unwrap();
    assert_eq!(verified.method, "Duo work");
    assert_eq!(
        messages.first().map(String::as_str),
        Some("Pushed a login request to your device...")
    );
    assert_eq!(ws.entries().unwrap().len(), 4);
    assert_eq!(ws.duo_devices(None).unwrap().len(), 2);

    // Another device, and a call instead of a push.
    pending(&path)
        .verify(&duo(None, Some(TABLET), None))
        .unwrap();
    pending(&path)
        .verify(&duo(Some(DuoFactor::Phone), Some(PHONE), None))
        .unwrap();
    let r = pending(&path)
        .verify(&duo(Some(DuoFactor::Phone), Some(TABLET), None))
        .unwrap_err();
    assert_eq!(r.error.to_string(), "this Duo device cannot do phone");

    // SMS, then one of its passcodes.
    let r = pending(&path)
        .verify(&duo(Some(DuoFactor::Sms), None, None))
        .unwrap_err();
    assert!(matches!(r.error, Error::Mfa(mfa::Error::DuoSmsSent)));
    let code = emu.sms_passcodes("alice")[1].clone();
    pending(&path)
        .verify(&duo(Some(DuoFactor::Passcode), None, Some(&code)))
        .unwrap();
    let r = pending(&path)
        .verify(&duo(Some(DuoFactor::Passcode), None, Some("000000")))
        .unwrap_err();
    assert_eq!(
        r.error.to_string(),
        "Duo refused: Invalid passcode, please try again."
    );

    // The secret key is sealed.
    let file = std::fs::read(&path).unwrap();
    assert!(!file
        .windows(config.skey.len())
        .any(|w| w == config.skey.as_bytes()));
}

#[test]
fn denials_count_toward_lockout_and_unreachable_duo_fails_closed() {
    let (emu, config) = emulator();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let backup = secured(&path, settings(&emu, &config, "alice", Failmode::Secure));
    emu.update(|c| {
        let alice = c.users.get_mut("alice").unwrap();
        alice.devices[0].push = Answer::Deny;
        alice.devices[1].push = Answer::Timeout;
    });
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    assert_eq!(r.error.to_string(), "Duo refused: Login request denied.");
    let r = pending(&path)
        .verify(&duo(None, Some(TABLET), None))
        .unwrap_err();
    assert_eq!(
        r.error.to_string(),
        "Duo refused: Authentication timed out."
    );
    assert!(r.retry.is_some());

    // Cancelling stops waiting and counts nothing.
    let cancel = AtomicBool::new(true);
    let r = pending(&path)
        .verify_with_progress(
            &duo(None, None, None),
            Progress {
                on_status: &mut |_| {},
                cancel: &cancel,
            },
        )
        .unwrap_err();
    assert_eq!(r.error.to_string(), "cancelled");

    drop(emu);
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    let text = r.error.to_string();
    assert!(text.starts_with("Duo could not be reached"), "{text}");
    assert!(text.ends_with("; try another method"), "{text}");
    // Two denials so far, no lockout yet; a backup code still opens.
    assert_eq!(pending(&path).status().locked_for, None);
    pending(&path)
        .verify(&Factor::BackupCode(backup[0].clone()))
        .unwrap();
}

#[test]
fn failmode_safe_opens_only_when_duo_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let (emu, _) = alice_secured(&path, Failmode::Safe);
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[0].push = Answer::Deny);
    assert!(
        pending(&path).verify(&duo(None, None, None)).is_err(),
        "a denial is never failed open"
    );
    emu.update(|c| c.skey = "rotated-secret-key".into());
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    assert_eq!(
        r.error.to_string(),
        "Duo refused the signature: check the secret key"
    );
    drop(emu);
    let (mut ws, verified) = pending(&path).verify(&duo(None, None, None)).unwrap();
    assert!(verified.failed_open);
    let err = ws.step_up(&duo(None, None, None)).unwrap_err();
    assert!(
        matches!(err, Error::Mfa(mfa::Error::FailedOpenNotEnough)),
        "{err}"
    );
    assert!(
        ws.set_mfa_expiry_days(30).is_err(),
        "a failed-open Duo never allows a security change"
    );
}

#[test]
fn setup_refuses_bad_keys_unknown_users_and_denials() {
    let (emu, config) = emulator();
    let dir = tempfile::tempdir().unwrap();
    let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &password(), cheap_kdf()).unwrap();
    let mut bad = settings(&emu, &config, "alice", Failmode::Secure);
    bad.ikey = "DIWRONG".into();
    let err = add_duo(&mut ws, "d", bad, PHONE).unwrap_err();
    assert_eq!(err, "Duo refused the integration key: check it");
    let dave = settings(&emu, &config, "dave", Failmode::Secure);
    let err = add_duo(&mut ws, "d", dave, PHONE).unwrap_err();
    assert!(err.starts_with("this Duo user has no device yet: enroll at https://"));
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[0].push = Answer::Deny);
    let denied = settings(&emu, &config, "alice", Failmode::Secure);
    let err = add_duo(&mut ws, "d", denied, PHONE).unwrap_err();
    assert_eq!(err, "Duo refused: Login request denied.");
    assert!(
        !ws.mfa_status().unwrap().enabled,
        "nothing is saved without an approval"
    );
}

#[test]
fn the_unlock_prompt_can_list_devices_before_the_factor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let _emulator = alice_secured(&path, Failmode::Secure);
    let devices = pending(&path).duo_devices(Some("Duo work")).unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[1].device, TABLET);
}

/// The emulator, and a workspace at `path` secured by alice's phone with `failmode`.
fn alice_secured(path: &Path, failmode: Failmode) -> (Emulator, Config) {
    let (emu, config) = emulator();
    secured(path, settings(&emu, &config, "alice", failmode));
    (emu, config)
}

/// A workspace whose Duo method fails open (`safe`), with the emulator's pushes denied from now
/// on: whatever fails below, opening would turn the user's Deny into an allow.
fn safe_and_denied(path: &Path) -> (Emulator, Config) {
    let (emu, config) = alice_secured(path, Failmode::Safe);
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[0].push = Answer::Deny);
    (emu, config)
}

#[test]
fn failmode_safe_never_opens_when_the_poll_is_cut_after_the_push() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let (emu, _) = safe_and_denied(&path);
    emu.update(|c| c.users.get_mut("alice").unwrap().failure = Failure::CutAfterAuth);
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    let text = r.error.to_string();
    assert!(
        text.contains("after the authentication request was sent"),
        "{text}"
    );
    assert!(r.retry.is_some());
}

#[test]
fn failmode_safe_never_opens_on_a_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let (emu, _) = safe_and_denied(&path);
    emu.update(|c| c.users.get_mut("alice").unwrap().failure = Failure::Redirect);
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    assert_eq!(
        r.error.to_string(),
        "Duo answered with a redirect (HTTP 302), which is never followed"
    );
}

#[test]
fn failmode_safe_never_opens_on_an_untrusted_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let (emu, config) = safe_and_denied(&path);
    // Another server on the same address, with a certificate from a CA the method does not
    // trust: an impostor, not an outage.
    let port = emu.port();
    drop(emu);
    let _impostor = Emulator::start_on(config, port).unwrap();
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    assert_eq!(
        r.error.to_string(),
        "Duo's certificate was not accepted: check the API hostname and the CA file"
    );
}

#[test]
fn parallel_duo_attempts_do_not_all_pass_the_lockout_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let (emu, _) = alice_secured(&path, Failmode::Secure);
    // Four failures: the fifth starts a delay.
    for _ in 0..4 {
        let r = pending(&path)
            .verify(&Factor::Totp {
                code: SecretString::from("000000"),
                method: None,
            })
            .unwrap_err();
        assert!(
            matches!(r.error, Error::Mfa(mfa::Error::WrongCode)),
            "{}",
            r.error
        );
    }
    emu.update(|c| {
        let alice = c.users.get_mut("alice").unwrap();
        alice.devices[0].push = Answer::Deny;
        alice.devices[0].delay_ms = 60_000;
        alice.devices[1].push = Answer::Deny;
    });
    // A first push, still waiting for the user when a second attempt starts.
    let before = emu.requests();
    std::thread::scope(|s| {
        let first = s.spawn(|| pending(&path).verify(&duo(None, None, None)));
        // preauth, auth and the first status poll have reached Duo.
        while emu.requests() < before + 3 {
            std::thread::yield_now();
        }
        let second = pending(&path)
            .verify(&duo(None, Some(TABLET), None))
            .unwrap_err();
        // Ends the first push's wait.
        emu.set_reachable(false);
        assert!(
            matches!(second.error, Error::Mfa(mfa::Error::LockedOut { .. })),
            "the second attempt must see the first one counted: {}",
            second.error
        );
        assert!(first.join().unwrap().is_err());
    });
}
#[test]
fn fail_opens_are_capped_until_duo_verifies_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.pcx");
    let (emu, _) = alice_secured(&path, Failmode::Safe);
    emu.set_reachable(false);
    // Each unlock reads the counter from the file: reopening does not reset it.
    for left in [2, 1, 0] {
        let (_, verified) = pending(&path).verify(&duo(None, None, None)).unwrap();
        assert!(verified.failed_open);
        assert_eq!(verified.fail_opens_left, Some(left));
    }
    let r = pending(&path).verify(&duo(None, None, None)).unwrap_err();
    assert_eq!(
        r.error.to_string(),
        "Duo could not be reached (connection failed); failmode safe opened without Duo 3 times \
         in a row, so Duo must verify you before it does again: try another method"
    );
    // A real Duo approval resets the count.
    emu.set_reachable(true);
    let (_, verified) = pending(&path).verify(&duo(None, None, None)).unwrap();
    assert!(!verified.failed_open);
    emu.set_reachable(false);
    let (_, verified) = pending(&path).verify(&duo(None, None, None)).unwrap();
    assert_eq!(verified.fail_opens_left, Some(2));
}
