//! Codes by email against a real SMTP server (aiosmtpd on loopback, started by each test):
//! STARTTLS with a login, TLS from the first byte, wrong login, server down, the rate limit,
//! single use, expiry, and the message's text.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use portcullis_core::clock::FixedClock;
use portcullis_core::mfa::email::{EmailSettings, Security};
use portcullis_core::mfa::{self, Factor};
use portcullis_core::workspace::{Error, PendingMfa};
use portcullis_core::Guarded;
use portcullis_core::{OpenWorkspace, SecretString};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use test_support::{SmtpSecurity, SmtpServer};

const T0: i64 = 1_800_000_000;
const SMTP_USER: &str = "alice";
const SMTP_PASSWORD: &str = "smtp-Pa55-word";

fn settings(server: &SmtpServer, security: Security) -> EmailSettings {
    EmailSettings {
        host: "localhost".into(),
        port: server.port,
        security,
        allow_plaintext: false,
        user: Some(SMTP_USER.into()),
        password: SecretString::from(SMTP_PASSWORD),
        ca_pem: Some(std::fs::read_to_string(&server.ca_file).unwrap()),
        from: "Portcullis <portcullis@example.org>".into(),
        to: "alice@example.org".into(),
    }
}

fn email(code: &str) -> Factor {
    Factor::Email {
        code: SecretString::from(code),
        method: None,
    }
}

fn pending(path: &Path, clock: &Arc<FixedClock>) -> PendingMfa {
    pending_mfa(path, clock.clone())
}

/// A scratch folder with a server (login required) and a clock at T0; the workspace path.
fn setup(
    security: SmtpSecurity,
    file: &str,
) -> (tempfile::TempDir, SmtpServer, PathBuf, Arc<FixedClock>) {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(dir.path(), security, Some((SMTP_USER, SMTP_PASSWORD)));
    let path = dir.path().join(file);
    (dir, server, path, Arc::new(FixedClock::new(T0)))
}

/// A workspace named after its file, with an email method confirmed at T0.
fn secured(path: &Path, clock: &Arc<FixedClock>, server: &SmtpServer, security: Security) {
    let mut ws = OpenWorkspace::create(path, &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());
    let sent = ws.begin_email("Mail", settings(server, security)).unwrap();
    assert_eq!(sent.to, "alice@example.org");
    assert_eq!(sent.expires, T0 + 600);
    let n = server.messages().len();
    let code = server.code_in_message(n);
    let (label, backup) = ws.confirm_email(&code).unwrap();
    assert_eq!(label, "Mail");
    assert_eq!(backup.unwrap().len(), 10);
}

#[test]
fn starttls_with_login_sends_codes_that_open_once() {
    let (_dir, server, path, clock) = setup(SmtpSecurity::StartTls, "Team vault.pcx");
    secured(&path, &clock, &server, Security::StartTls);

    let confirmation = server.wait_for_message(1);
    assert!(confirmation.contains("X-Envelope-To: alice@example.org"));
    assert!(confirmation.contains("Team vault"), "{confirmation}");
    assert!(
        confirmation.contains("confirm this address"),
        "{confirmation}"
    );

    clock.set(T0 + 120);
    let mut p = pending(&path, &clock);
    assert_eq!(
        p.status().methods[0].kind,
        portcullis_core::mfa::MethodType::Email
    );
    let sent = p.send_email_code(None).unwrap();
    assert_eq!((sent.label.as_str(), sent.expires), ("Mail", T0 + 720));
    let message = server.wait_for_message(2);
    // The workspace and the time of the request; never the SMTP password.
    assert!(
        message.contains("open the Portcullis workspace"),
        "{message}"
    );
    assert!(message.contains("Team vault"), "{message}");
    assert!(message.contains("2027-01-15 08:02 UTC"), "{message}");
    assert!(message.contains("valid for 10 minutes"), "{message}");
    assert!(!message.contains(SMTP_PASSWORD));
    // The greeting names no machine: the mail provider never learns this computer's name.
    assert!(message.contains("X-Helo: [127.0.0.1]"), "{message}");
    let code = server.code_in_message(2);

    // Another send within the minute is refused, and sends nothing.
    let e = p.send_email_code(None).unwrap_err();
    assert!(matches!(
        e,
        Error::Mfa(mfa::Error::EmailRateLimited { wait_secs: 60 })
    ));
    assert_eq!(server.messages().len(), 2);

    let wrong = if code == "000000" { "000001" } else { "000000" };
    let r = p.verify(&email(wrong)).unwrap_err();
    assert!(matches!(r.error, Error::Mfa(mfa::Error::WrongCode)));
    let (mut ws, verified) = r.retry.unwrap().verify(&email(&code)).unwrap();
    assert_eq!(verified.method, "Mail");
    assert!(ws.mfa_status().unwrap().locked_for.is_none());
    drop(ws);

    // Single use, even after reopening.
    let r = pending(&path, &clock).verify(&email(&code)).unwrap_err();
    assert!(matches!(r.error, Error::Mfa(mfa::Error::NoEmailCode)));

    // A code older than 10 minutes is refused.
    clock.set(T0 + 300);
    pending(&path, &clock).send_email_code(None).unwrap();
    let code = server.code_in_message(3);
    clock.set(T0 + 300 + 601);
    let r = pending(&path, &clock).verify(&email(&code)).unwrap_err();
    assert!(matches!(r.error, Error::Mfa(mfa::Error::EmailCodeExpired)));
}

#[test]
fn ten_emails_an_hour_at_most() {
    let (_dir, server, path, clock) = setup(SmtpSecurity::Tls, "w.pcx");
    // TLS from the first byte (the setup sends the first email).
    secured(&path, &clock, &server, Security::Tls);
    let mut p = pending(&path, &clock);
    for i in 1..10 {
        clock.set(T0 + 61 * i);
        p.send_email_code(None).unwrap();
    }
    clock.set(T0 + 61 * 10);
    let e = p.send_email_code(None).unwrap_err();
    // The first of the ten (the confirmation at T0) leaves the hour at T0 + 3600.
    let wait = 3600 - 61 * 10;
    assert!(
        matches!(e, Error::Mfa(mfa::Error::EmailRateLimited { wait_secs }) if wait_secs == wait as u64),
        "{e}"
    );
    assert!(e.to_string().contains("wait 49 min 50 s"), "{e}");
    assert_eq!(server.messages().len(), 10);
    clock.set(T0 + 3600);
    p.send_email_code(None).unwrap();
    assert!(server
        .wait_for_message(11)
        .contains("open the Portcullis workspace"));
}

#[test]
fn a_failed_send_saves_nothing_and_says_why() {
    let (_dir, server, path, clock) = setup(SmtpSecurity::StartTls, "w.pcx");
    let mut ws = OpenWorkspace::create(&path, &password(), cheap_kdf())
        .unwrap()
        .with_clock(clock.clone());

    // Wrong SMTP password: the server refuses the login.
    let mut wrong = settings(&server, Security::StartTls);
    wrong.password = SecretString::from("not-it");
    let e = ws.begin_email("Mail", wrong).unwrap_err().to_string();
    assert!(e.contains("could not be sent") && e.contains("535"), "{e}");
    assert!(!e.contains("not-it"), "{e}");

    // The CA is not trusted: the certificate is refused.
    let mut untrusted = settings(&server, Security::StartTls);
    untrusted.ca_pem = None;
    let e = ws.begin_email("Mail", untrusted).unwrap_err().to_string();
    assert!(e.contains("could not be sent"), "{e}");

    // Plain text to a server that requires STARTTLS: no login is allowed without TLS anyway.
    let mut plain = settings(&server, Security::None);
    plain.user = None;
    plain.password = SecretString::default();
    let e = ws.begin_email("Mail", plain).unwrap_err().to_string();
    assert!(e.contains("could not be sent"), "{e}");

    // Nothing was enabled, nothing is pending, and the failures did not use up the rate limit.
    assert!(!ws.mfa_status().unwrap().enabled);
    assert!(matches!(
        ws.confirm_email("123456"),
        Err(Error::Mfa(mfa::Error::NoEmailEnrolment))
    ));
    ws.begin_email("Mail", settings(&server, Security::StartTls))
        .unwrap();
    let code = server.code_in_message(1);
    ws.confirm_email(&code).unwrap();
    drop(ws);

    // Server down at unlock: a clear error; the password step is not lost.
    drop(server);
    clock.set(T0 + 120);
    let mut p = pending(&path, &clock);
    let e = p.send_email_code(None).unwrap_err().to_string();
    assert!(e.contains("could not be sent"), "{e}");
    assert!(!e.contains(SMTP_PASSWORD));
    // The failed send gave its slot back: the next try is not rate-limited.
    let e = p.send_email_code(None).unwrap_err().to_string();
    assert!(e.contains("could not be sent"), "{e}");
}

#[test]
fn adding_email_to_a_secured_workspace_needs_a_fresh_factor_and_the_sent_code() {
    let (_dir, server, path, clock) = setup(SmtpSecurity::StartTls, "w.pcx");
    secured(&path, &clock, &server, Security::StartTls);

    clock.set(T0 + 120);
    let mut p = pending(&path, &clock);
    p.send_email_code(Some("mail")).unwrap();
    let code = server.code_in_message(2);
    let (mut ws, _) = p.verify(&email(&code)).unwrap();
    clock.set(T0 + 120 + 301);
    assert!(matches!(
        ws.begin_email("Second", settings(&server, Security::StartTls)),
        Err(Error::Mfa(mfa::Error::StepUpRequired))
    ));
    // Step up by email, then add a second address.
    ws.send_email_code(None).unwrap();
    let code = server.code_in_message(3);
    ws.step_up(&email(&code)).unwrap();
    clock.advance(61);
    ws.begin_email("Second", settings(&server, Security::StartTls))
        .unwrap();
    let code = server.code_in_message(4);
    let (label, backup) = ws.confirm_email(&code).unwrap();
    assert_eq!((label.as_str(), backup), ("Second", None));
    assert_eq!(ws.mfa_status().unwrap().methods.len(), 2);
}
