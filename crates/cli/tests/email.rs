//! The email contract of the CLI against a real SMTP server (aiosmtpd with STARTTLS and a
//! login): `mfa email add` / `confirm`, opening with `--email-send` then `--email-code`, single
//! use, the rate limit, and clear errors for bad settings. Later runs move the CLI's clock
//! (`PORTCULLIS_TEST_CLOCK`), since sends are limited to one a minute.
#![allow(clippy::unwrap_used)]

mod common;

use common::{clock_at, fails, ok, real_now, run, Out};
use serde_json::Value;
use std::path::Path;
use test_support::{SmtpSecurity, SmtpServer};

/// Runs with the clock `minutes` ahead.
fn run_later(dir: &Path, minutes: u32, args: &[&str]) -> Out {
    let (clock, later) = clock_at(real_now() + i64::from(minutes) * 60);
    run(dir, args, "", &[(clock, &later)])
}

fn add_args<'a>(port: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "mfa",
        "email",
        "add",
        "w.pcx",
        "--label",
        "Mail",
        "--smtp-host",
        "localhost",
        "--smtp-port",
        port,
        "--ca-file",
        "ca.pem",
        "--from",
        "Portcullis <portcullis@example.org>",
        "--to",
        "alice@example.org",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn email_contract() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = SmtpServer::start(d, SmtpSecurity::StartTls, Some(("alice", "smtp-Pa55-word")));
    assert_eq!(server.ca_file, d.join("ca.pem"));
    let port = server.port.to_string();
    common::init(d);

    // Bad settings are refused before anything is sent.
    fails(
        run(
            d,
            &add_args(&port, &["--smtp-user", "alice"]),
            "smtp-Pa55-word\n",
            &[],
        ),
        "an SMTP password is never sent unencrypted: choose STARTTLS or TLS",
    );
    let mut bad_to = add_args(&port, &["--starttls"]);
    bad_to[15] = "nope";
    fails(run(d, &bad_to, "", &[]), "“nope” is not an email address");
    // A wrong SMTP password: the server's refusal, never the password.
    let out = run(
        d,
        &add_args(&port, &["--starttls", "--smtp-user", "alice"]),
        "",
        &[("PORTCULLIS_SMTP_PASSWORD", "wrong-smtp-pass")],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("could not be sent") && out.stderr.contains("535"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-smtp-pass"));
    assert!(server.messages().is_empty());

    // Add: the SMTP password on the next stdin line; a confirmation code is emailed.
    let out = run(
        d,
        &add_args(&port, &["--starttls", "--smtp-user", "alice", "--json"]),
        "smtp-Pa55-word\n",
        &[("PORTCULLIS_LOG", "trace")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("weaker than an authenticator"));
    assert!(out.stderr.contains("code sent by email"), "{}", out.stderr);
    let sent: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(sent["label"], "Mail");
    assert_eq!(sent["to"], "alice@example.org");
    assert!(sent["expires"].as_str().unwrap().ends_with('Z'));
    let code = server.code_in_message(1);
    // Trace logs carry neither the SMTP password nor the code.
    assert!(!out.stderr.contains("smtp-Pa55-word") && !out.stderr.contains(&code));
    let confirmed: Value =
        serde_json::from_str(&ok(d, &["mfa", "email", "confirm", "w.pcx", &code, "--json"]).stdout)
            .unwrap();
    assert_eq!(confirmed["label"], "Mail");
    assert_eq!(common::backup_codes(&confirmed).len(), 10);

    // Now the workspace needs the factor.
    let out = run(d, &["list", "w.pcx"], "", &[]);
    assert!(out.stderr.contains("--email-send"), "{}", out.stderr);
    let status: Value =
        serde_json::from_str(&ok(d, &["mfa", "status", "w.pcx", "--json"]).stdout).unwrap();
    assert_eq!(status["methods"][0]["kind"], "email");

    // Within the minute of the confirmation email, no other email.
    let out = run(d, &["list", "w.pcx", "--email-send"], "", &[]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("a code was sent recently; wait"),
        "{}",
        out.stderr
    );

    // --email-send sends and exits successfully; --email-code opens.
    let out = run_later(d, 2, &["list", "w.pcx", "--email-send"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("A code was sent to alice@example.org (“Mail”)"),
        "{}",
        out.stdout
    );
    let message = server.wait_for_message(2);
    assert!(
        message.contains("open the Portcullis workspace"),
        "{message}"
    );
    let code = server.code_in_message(2);
    let listed = run_later(d, 3, &["list", "w.pcx", "--email-code", &code, "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(serde_json::from_str::<Value>(&listed.stdout)
        .unwrap()
        .is_array());

    // Single use.
    fails(
        run_later(d, 3, &["list", "w.pcx", "--email-code", &code]),
        "no code was sent by email, or it was used; send a new one",
    );
    // A wrong code counts as a failure like any wrong code.
    ok_later_send(d, 4);
    fails(
        run_later(d, 4, &["list", "w.pcx", "--email-code", "12345x"]),
        "wrong code",
    );
    // Expired after 10 minutes.
    let code = server.code_in_message(3);
    fails(
        run_later(d, 15, &["list", "w.pcx", "--email-code", &code]),
        "the emailed code expired after 10 minutes; send a new one",
    );
}

fn ok_later_send(d: &Path, minutes: u32) {
    let out = run_later(d, minutes, &["list", "w.pcx", "--email-send"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn plaintext_smtp_goes_only_to_this_machine_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = SmtpServer::start(d, SmtpSecurity::None, None);
    let port = server.port.to_string();
    common::init(d);
    let plain = |host: &'static str, extra: &[&'static str]| {
        let mut args = add_args(&port, extra);
        args[7] = host;
        args.retain(|a| *a != "--ca-file" && *a != "ca.pem");
        run(d, &args, "", &[])
    };

    // A host that is not this machine: refused before anything is sent, whatever its name.
    for host in [
        "mail.example.org",
        "0.0.0.0",
        "10.0.0.1",
        "127.0.0.1.example.org",
    ] {
        fails(
            plain(host, &[]),
            &format!(
                "email codes are never sent unencrypted to another machine ({host}): choose \
                 STARTTLS or TLS, or pass --insecure-plaintext"
            ),
        );
    }
    assert!(server.messages().is_empty());

    // Asked for explicitly: warned, and sent (0.0.0.0 reaches this machine's server).
    let out = plain("0.0.0.0", &["--insecure-plaintext"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: codes to 0.0.0.0 travel unencrypted"),
        "{}",
        out.stderr
    );
    assert_eq!(server.code_in_message(1).len(), 6);
}
