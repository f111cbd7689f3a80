//! MfaConfig rules with a set clock.

use super::*;
use crate::otp::OtpParams;

const T0: i64 = 1_800_000_000;

/// Enrols an authenticator labelled `label` at `now` and returns its params to compute codes.
fn enrol(cfg: &mut MfaConfig, label: &str, now: i64) -> (OtpParams, Option<Vec<SecretString>>) {
    let e = cfg.begin_totp(label, "work", now).unwrap();
    let params = OtpParams::parse(e.uri.expose_secret()).unwrap();
    let (_, codes) = cfg.confirm_totp(&code(&params, now), now).unwrap();
    (params, codes)
}

fn code(p: &OtpParams, at: i64) -> String {
    p.code_at(at as u64).code
}

/// A code `p` does not give at `at` nor a step beside it: wrong by construction, never right
/// by chance.
fn wrong(p: &OtpParams, at: i64) -> String {
    test_support::wrong_code(&[code(p, at - 30), code(p, at), code(p, at + 30)])
}

fn totp(c: String) -> Factor {
    Factor::Totp {
        code: SecretString::new(c),
        method: None,
    }
}

#[test]
fn enrolment_needs_a_valid_code_and_expires() {
    let mut cfg = MfaConfig::default();
    assert!(!cfg.enabled());
    let e = cfg.begin_totp("Pixel 8", "work", T0).unwrap();
    assert_eq!(e.expires, T0 + 600);
    assert!(e
        .uri
        .expose_secret()
        .starts_with("otpauth://totp/Portcullis:work?secret="));
    assert_eq!(e.key.expose_secret().split(' ').count(), 8);
    let p = OtpParams::parse(e.uri.expose_secret()).unwrap();
    assert!(matches!(
        cfg.confirm_totp(&wrong(&p, T0), T0),
        Err(Error::WrongCode)
    ));
    assert!(!cfg.enabled(), "a wrong code enables nothing");
    assert!(matches!(
        cfg.confirm_totp(&code(&p, T0 + 601), T0 + 601),
        Err(Error::EnrolmentExpired)
    ));
    assert!(matches!(
        cfg.confirm_totp("123456", T0),
        Err(Error::NoEnrolment)
    ));

    let (p, codes) = enrol(&mut cfg, "Pixel 8", T0);
    assert!(cfg.enabled());
    assert_eq!(codes.unwrap().len(), backup_codes::COUNT);
    // The confirming code counts as used.
    assert!(matches!(
        cfg.verify(&totp(code(&p, T0)), T0),
        Err(Error::Replayed)
    ));
    assert!(cfg.verify(&totp(code(&p, T0 + 30)), T0 + 30).is_ok());
}

#[test]
fn several_methods_with_labels_and_a_default() {
    let mut cfg = MfaConfig::default();
    let (p1, first_codes) = enrol(&mut cfg, "Pixel 8", T0);
    let (p2, second_codes) = enrol(&mut cfg, "work phone", T0 + 100);
    assert!(
        first_codes.is_some() && second_codes.is_none(),
        "backup codes come with the first method only"
    );
    assert!(matches!(
        cfg.begin_totp("pixel 8", "w", T0),
        Err(Error::DuplicateLabel(_))
    ));
    assert!(matches!(
        cfg.begin_totp("  ", "w", T0),
        Err(Error::EmptyLabel)
    ));

    let st = cfg.status(T0 + 200);
    assert_eq!(st.methods[0].label, "Pixel 8");
    assert!(st.methods[0].default);
    cfg.set_default("WORK PHONE").unwrap();
    assert_eq!(cfg.status(T0).methods[0].label, "work phone");

    // A code of the second app works with or without naming it; a named wrong method refuses.
    let t = T0 + 300;
    let named = Factor::Totp {
        code: SecretString::new(code(&p2, t)),
        method: Some("Pixel 8".into()),
    };
    assert!(matches!(cfg.verify(&named, t), Err(Error::WrongCode)));
    assert_eq!(
        cfg.verify(&totp(code(&p2, t)), t).unwrap().method,
        "work phone"
    );
    assert_eq!(
        cfg.verify(&totp(code(&p1, t + 30)), t + 30).unwrap().method,
        "Pixel 8"
    );

    cfg.rename("Pixel 8", "Pixel 9").unwrap();
    cfg.remove("work phone").unwrap();
    assert_eq!(cfg.status(t).methods[0].label, "Pixel 9");
    assert!(
        cfg.status(t).methods[0].default,
        "the default moves to a remaining method"
    );
    cfg.remove("pixel 9").unwrap();
    assert!(!cfg.enabled());
    assert_eq!(
        cfg.status(t).backup_codes_left,
        None,
        "no MFA, no backup codes"
    );
    assert!(matches!(cfg.remove("x"), Err(Error::UnknownMethod(_))));
}

#[test]
fn lockout_grows_and_resets_on_success() {
    let mut cfg = MfaConfig::default();
    let (p, _) = enrol(&mut cfg, "app", T0);
    let mut now = T0 + 1000;
    for _ in 0..4 {
        assert!(matches!(
            cfg.verify(&totp(wrong(&p, now)), now),
            Err(Error::WrongCode)
        ));
    }
    assert!(matches!(
        cfg.verify(&totp(wrong(&p, now)), now),
        Err(Error::WrongCode)
    ));
    // Fifth failure: 30 s, even for a right code.
    match cfg.verify(&totp(code(&p, now)), now) {
        Err(Error::LockedOut { wait_secs: 30 }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(cfg.status(now).locked_for, Some(30));
    now += 30;
    assert!(cfg.verify(&totp(wrong(&p, now)), now).is_err());
    assert!(matches!(
        cfg.verify(&totp(wrong(&p, now)), now),
        Err(Error::LockedOut { wait_secs: 60 })
    ));
    now += 60;
    assert!(
        cfg.verify(&totp(code(&p, now)), now).is_ok(),
        "a right code after the wait"
    );
    assert_eq!(cfg.status(now).locked_for, None);
    assert_eq!(cfg.failures, 0);
}

#[test]
fn a_hundred_failures_need_the_password_again() {
    let mut cfg = MfaConfig::default();
    let (p, _) = enrol(&mut cfg, "app", T0);
    let mut now = T0 + 1000;
    let mut last = None;
    for _ in 0..100 {
        now += 3600;
        last = Some(cfg.verify(&totp(wrong(&p, now)), now));
    }
    assert!(matches!(
        last,
        Some(Err(Error::PasswordRequired { wait_secs: 3600 }))
    ));
    assert!(matches!(
        cfg.verify(&totp(code(&p, now)), now + 10),
        Err(Error::PasswordRequired { .. })
    ));
    now += 3600;
    assert!(cfg.verify(&totp(code(&p, now)), now).is_ok());
}

#[test]
fn backup_codes_work_once_and_regenerate() {
    let mut cfg = MfaConfig::default();
    let (_, codes) = enrol(&mut cfg, "app", T0);
    let codes = codes.unwrap();
    let used = Factor::BackupCode(codes[3].clone());
    let v = cfg.verify(&used, T0).unwrap();
    assert_eq!(v.backup_codes_left, Some(9));
    assert!(matches!(cfg.verify(&used, T0), Err(Error::WrongBackupCode)));
    let fresh = cfg.regenerate_backup_codes().unwrap();
    assert!(
        matches!(
            cfg.verify(&Factor::BackupCode(codes[4].clone()), T0),
            Err(Error::WrongBackupCode)
        ),
        "old codes die"
    );
    assert!(cfg
        .verify(&Factor::BackupCode(fresh[0].clone()), T0)
        .is_ok());
    cfg.delete_backup_codes().unwrap();
    assert_eq!(cfg.status(T0).backup_codes_left, None);
    assert!(matches!(
        cfg.delete_backup_codes(),
        Err(Error::NoBackupCodes)
    ));
    assert!(matches!(
        MfaConfig::default().regenerate_backup_codes(),
        Err(Error::NotEnabled)
    ));
}

#[test]
fn methods_expire_but_keep_working() {
    let mut cfg = MfaConfig::default();
    let (p, _) = enrol(&mut cfg, "app", T0);
    let later = T0 + 181 * 86_400;
    assert_eq!(
        cfg.status(T0 + 180 * 86_400).methods[0].state,
        MethodState::Enabled
    );
    assert_eq!(cfg.status(later).methods[0].state, MethodState::Expired);
    assert!(cfg.verify(&totp(code(&p, later)), later).is_ok());
    assert_eq!(cfg.status(later).expiry_days, 180);
    cfg.set_expiry_days(365);
    assert_eq!(cfg.status(later).methods[0].state, MethodState::Enabled);
    assert_eq!(
        cfg.status(later).expiry_days,
        365,
        "the status shows the setting"
    );
}

#[test]
fn the_sealed_form_round_trips() {
    let mut cfg = MfaConfig::default();
    enrol(&mut cfg, "app", T0);
    cfg.begin_totp("second", "work", T0).unwrap();
    let json = serde_json::to_vec(&cfg).unwrap();
    let back: MfaConfig = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, cfg);
}

/// An MFA record sealed by an earlier version (when the method types derived serde
/// themselves), with every method kind and every optional field: it opens, and seals again
/// to the very same bytes. So does an empty one.
#[test]
fn a_record_of_an_earlier_version_opens_and_seals_to_the_same_bytes() {
    let earlier = include_bytes!("../../tests/fixtures/sealed_mfa.json");
    let cfg: MfaConfig = serde_json::from_slice(earlier).unwrap();
    assert_eq!(serde_json::to_vec(&cfg).unwrap(), earlier);
    let kinds: Vec<_> = cfg
        .methods()
        .iter()
        .map(|m| m.kind.method_type().as_str())
        .collect();
    assert_eq!(kinds, ["totp", "duo", "email", "email", "duo", "totp"]);
    let (_, duo) = cfg.duo_method(Some("duo")).unwrap();
    assert_eq!(duo.host, "api-1234.duosecurity.com:8443");
    assert_eq!(duo.proxy.as_deref(), Some("http://proxy:3128"));
    let MethodKind::Email(mail) = &cfg.methods()[2].kind else {
        panic!("not email");
    };
    assert_eq!(mail.settings.password.expose_secret(), "smtp-pass");
    assert!(mail.settings.allow_plaintext);
    let empty = br#"{"methods":[],"default_method":null,"backup":null,"failures":0,"locked_until":0,"pending_totp":null,"pending_email":null,"email_sends":[],"expiry_days":180}"#;
    let cfg: MfaConfig = serde_json::from_slice(b"{}").unwrap();
    assert_eq!(serde_json::to_vec(&cfg).unwrap(), empty);
}

fn email_settings() -> email::EmailSettings {
    email::EmailSettings {
        host: "smtp.example.org".into(),
        port: 25,
        security: email::Security::None,
        allow_plaintext: true,
        user: None,
        password: SecretString::default(),
        ca_pem: None,
        from: "portcullis@example.org".into(),
        to: "me@example.org".into(),
    }
}

fn email_code(c: &SecretString, method: Option<&str>) -> Factor {
    Factor::Email {
        code: c.clone(),
        method: method.map(str::to_owned),
    }
}

#[test]
fn email_codes_beside_an_authenticator() {
    let mut cfg = MfaConfig::default();
    enrol(&mut cfg, "Pixel 8", T0);
    let sent = cfg.begin_email("Mail", email_settings(), T0).unwrap();
    assert_eq!(sent.purpose, email::Purpose::Confirm);
    // A retracted confirmation (its email failed) leaves no enrolment and no send counted.
    cfg.retract_email(&sent);
    assert!(matches!(
        cfg.confirm_email(sent.code.expose_secret(), T0),
        Err(Error::NoEmailEnrolment)
    ));
    let sent = cfg.begin_email("Mail", email_settings(), T0).unwrap();
    cfg.confirm_email(sent.code.expose_secret(), T0).unwrap();

    // The authenticator stays the default; email codes go to the email method only.
    assert!(matches!(
        cfg.verify(&email_code(&sent.code, None), T0 + 1),
        Err(Error::NoEmailCode)
    ));
    assert!(matches!(
        cfg.issue_email_code(None, T0 + 30),
        Err(Error::EmailRateLimited { wait_secs: 30 })
    ));
    assert!(matches!(
        cfg.issue_email_code(Some("Pixel 8"), T0 + 60),
        Err(Error::WrongKind(_))
    ));
    let out = cfg.issue_email_code(None, T0 + 60).unwrap();
    assert_eq!((out.label.as_str(), out.sent), ("Mail", T0 + 60));
    assert!(matches!(
        cfg.verify(&email_code(&out.code, Some("Pixel 8")), T0 + 61),
        Err(Error::WrongKind(_))
    ));
    assert!(matches!(
        cfg.verify(&email_code(&out.code, Some("Nope")), T0 + 61),
        Err(Error::UnknownMethod(_))
    ));
    let v = cfg
        .verify(&email_code(&out.code, Some("mail")), T0 + 62)
        .unwrap();
    assert_eq!(v.method, "Mail");
    assert_eq!(cfg.status(T0 + 62).methods[1].kind, MethodType::Email);
}

#[test]
fn the_failure_is_counted_before_the_code_is_judged() {
    let mut saved = MfaConfig::default();
    let (p, codes) = enrol(&mut saved, "app", T0);
    let now = T0 + 300;
    // Counted and saved first: a judgement that is never saved leaves the failure counted.
    let _ = saved.charge(now).unwrap();
    assert_eq!(saved.failures, 1);

    // Another process uses the code between this one's count and its judgement: the
    // judgement, made on the configuration as saved then, refuses the replay.
    let charge = saved.charge(now).unwrap();
    let mut other = saved.clone();
    let other_charge = other.charge(now).unwrap();
    other
        .judge(&totp(code(&p, now)), other_charge, now)
        .unwrap();
    assert_eq!(other.failures, 0, "a success resets the count");
    let mut mine = other.clone();
    assert!(matches!(
        mine.judge(&totp(code(&p, now)), charge, now),
        Err(Error::Replayed)
    ));
    // The same for a backup code.
    let backup = Factor::BackupCode(codes.unwrap()[0].clone());
    let charge = mine.charge(now).unwrap();
    let mut other = mine.clone();
    let other_charge = other.charge(now).unwrap();
    other.judge(&backup, other_charge, now).unwrap();
    let mut mine = other.clone();
    assert!(matches!(
        mine.judge(&backup, charge, now),
        Err(Error::WrongBackupCode)
    ));
    assert_eq!(
        mine.failures, 0,
        "the refusal was counted, then reset by the other success"
    );
}

#[test]
fn only_wrong_codes_and_denials_keep_their_charge() {
    let mut cfg = MfaConfig::default();
    let (p, _) = enrol(&mut cfg, "app", T0);
    for _ in 0..4 {
        assert!(cfg.verify(&totp(wrong(&p, T0 + 1)), T0 + 1).is_err());
    }
    assert_eq!((cfg.failures, cfg.locked_until), (4, T0 + 1));
    // A replay is refused without being counted: the charge is given back, delay included.
    let charge = cfg.charge(T0 + 2).unwrap();
    assert_eq!((cfg.failures, cfg.locked_until), (5, T0 + 32));
    assert!(matches!(
        cfg.judge(&totp(code(&p, T0)), charge, T0 + 2),
        Err(Error::Replayed)
    ));
    assert_eq!((cfg.failures, cfg.locked_until), (4, T0 + 1));
    // A Duo that could not be tried gives it back too.
    let charge = cfg.charge(T0 + 3).unwrap();
    assert!(cfg.give_back(Error::NoDuoMethod, charge).is_err());
    assert_eq!(cfg.failures, 4);
    // A charge given back after another failure was counted stays (fail closed).
    let charge = cfg.charge(T0 + 4).unwrap();
    assert!(
        cfg.charge(T0 + 34).is_ok(),
        "another attempt, after the delay"
    );
    assert!(cfg.give_back(Error::NoDuoMethod, charge).is_err());
    assert_eq!(cfg.failures, 6);
}

fn duo_method(failmode: duo::Failmode) -> duo::DuoMethod {
    duo::DuoMethod::new(
        "localhost:1",
        "DIXXXXXXXXXXXXXXXXXX",
        SecretString::from("skey"),
        "alice",
        None,
        duo::SigVersion::V5,
        failmode,
        "DP1",
        duo::Factor::Push,
    )
}

#[test]
fn failmode_safe_opens_only_without_a_connection_at_preauth_and_three_times_in_a_row() {
    let mut cfg = MfaConfig::default();
    cfg.add_duo("Duo", duo_method(duo::Failmode::Safe), T0)
        .unwrap();
    let run = |cfg: &mut MfaConfig, result: Result<duo::Verdict, duo::RunError>| {
        let charge = cfg.charge(T0).unwrap();
        cfg.record_duo("Duo", duo::Failmode::Safe, result, charge)
    };
    let no_connection = || Err(duo::RunError::NoConnection(duo::Error::NoConnection));
    // Never after the auth request, on TLS, on a redirect or on a server error.
    for refused in [
        duo::RunError::AfterAuth(duo::Error::Unreachable("connection lost".into())),
        duo::RunError::Duo(duo::Error::Tls),
        duo::RunError::Duo(duo::Error::Redirect(302)),
        duo::RunError::Duo(duo::Error::ServerError(500)),
    ] {
        assert!(run(&mut cfg, Err(refused)).is_err());
    }
    assert_eq!(cfg.failures, 0, "none of these counts as a wrong factor");
    for left in [2, 1, 0] {
        let v = run(&mut cfg, no_connection()).unwrap();
        assert!(v.failed_open);
        assert_eq!(v.fail_opens_left, Some(left));
    }
    // The count is in the sealed record.
    let mut cfg: MfaConfig = serde_json::from_slice(&serde_json::to_vec(&cfg).unwrap()).unwrap();
    assert!(matches!(
        run(&mut cfg, no_connection()),
        Err(Error::FailOpensSpent(duo::Error::NoConnection))
    ));
    // A real verification resets it.
    let allowed = Ok(duo::Verdict::Allow {
        status_msg: String::new(),
    });
    assert!(!run(&mut cfg, allowed).unwrap().failed_open);
    assert!(run(&mut cfg, no_connection()).unwrap().failed_open);
    // A fail-open is no success: it does not reset the failures.
    assert!(run(
        &mut cfg,
        Ok(duo::Verdict::Deny {
            status: "deny".into(),
            status_msg: "denied".into()
        })
    )
    .is_err());
    assert!(run(&mut cfg, no_connection()).unwrap().failed_open);
    assert_eq!(cfg.failures, 1);
}
