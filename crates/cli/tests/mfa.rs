//! The MFA contract of the CLI, end to end, with codes computed by oathtool and the QR code
//! read back by zbarimg (Debian packages oathtool and zbar-tools, installed by scripts/test).
//! The CLI runs on a test clock (`PORTCULLIS_TEST_CLOCK`) that the authenticators move to
//! their next step, so nothing waits for the real one.
#![allow(clippy::unwrap_used)]

mod common;

use common::{clock_at, real_now, run, Out};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicI64, Ordering};

/// The computer's clock: every run of the CLI in this file reads it.
static NOW: AtomicI64 = AtomicI64::new(0);

fn now() -> i64 {
    NOW.load(Ordering::SeqCst)
}

fn portcullis(dir: &Path, args: &[&str]) -> Out {
    let (clock, now) = clock_at(now());
    run(dir, args, "", &[(clock, &now)])
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = portcullis(dir, args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out.stdout
}

fn fails(dir: &Path, args: &[&str], message: &str) {
    common::fails(portcullis(dir, args), message);
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Codes of one authenticator, as an app would show them: computed by oathtool, each for a
/// later 30-second step than the last one used (the computer's clock moved to it when needed).
struct App {
    secret: String,
    last_step: u64,
}

impl App {
    fn new(secret: &str) -> Self {
        Self {
            secret: secret.to_owned(),
            last_step: 0,
        }
    }

    fn code_at_step(&self, step: u64) -> String {
        let out = Command::new("oathtool")
            .args([
                "--totp",
                "-b",
                "-N",
                &format!("@{}", step * 30),
                &self.secret,
            ])
            .output()
            .expect("oathtool is installed by scripts/test (Debian package oathtool)");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The CLI accepts a code one step early: the clock moves only when the next step is
    /// further on, to the step before it.
    fn next(&mut self) -> String {
        let current = now() as u64 / 30;
        let step = (self.last_step + 1).max(current.saturating_sub(1));
        if step > current + 1 {
            NOW.store((step as i64 - 1) * 30, Ordering::SeqCst);
        }
        self.last_step = step;
        self.code_at_step(step)
    }

    /// The codes the CLI accepts now (the current step and the two beside it).
    fn accepted_now(&self) -> Vec<String> {
        let current = now() as u64 / 30;
        (current - 1..=current + 1)
            .map(|step| self.code_at_step(step))
            .collect()
    }

    /// A code the CLI refuses now, by construction.
    fn wrong(&self) -> String {
        test_support::wrong_code(&self.accepted_now())
    }

    fn last(&self) -> String {
        self.code_at_step(self.last_step)
    }
}

/// Adds an authenticator; `begin` and `confirm` are the factors each step opens with.
fn enrol(dir: &Path, label: &str, begin: &[&str], confirm: &[&str]) -> (App, Value) {
    let qr = dir.join(format!("{label}.png"));
    let mut args = vec!["mfa", "totp", "begin", "w.pcx", "--label", label, "--json"];
    args.extend(["--qr-png", qr.to_str().unwrap()]);
    args.extend(begin);
    let begun = json(&ok(dir, &args));
    let uri = begun["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Portcullis:w?secret="));
    assert!(begun["expires"].as_str().unwrap().ends_with('Z'));
    let decoded = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&qr)
        .output()
        .expect("zbarimg is installed by scripts/test (Debian package zbar-tools)");
    assert_eq!(String::from_utf8(decoded.stdout).unwrap().trim_end(), uri);
    let mut app = App::new(begun["secret"].as_str().unwrap());
    let code = app.next();
    let mut args = vec!["mfa", "totp", "confirm", "w.pcx", &code, "--json"];
    args.extend(confirm);
    let confirmed = json(&ok(dir, &args));
    assert_eq!(confirmed["label"], label);
    (app, confirmed)
}

#[test]
fn mfa_contract() {
    NOW.store(real_now(), Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::init(d);
    ok(d, &["add", "w.pcx", "--title", "Mail", "--username", "me"]);
    assert_eq!(
        json(&ok(d, &["mfa", "status", "w.pcx", "--json"]))["state"],
        "not enabled"
    );

    // A wrong code enables nothing.
    let begun = json(&ok(
        d,
        &[
            "mfa", "totp", "begin", "w.pcx", "--label", "Pixel 8", "--json",
        ],
    ));
    let wrong = App::new(begun["secret"].as_str().unwrap()).wrong();
    fails(
        d,
        &["mfa", "totp", "confirm", "w.pcx", &wrong],
        "wrong code",
    );
    fails(d, &["mfa", "totp", "confirm", "w.pcx", "12"], "wrong code");
    assert_eq!(
        json(&ok(d, &["mfa", "status", "w.pcx", "--json"]))["state"],
        "not enabled"
    );

    let (mut pixel, confirmed) = enrol(d, "Pixel 8", &[], &[]);
    let backup = common::backup_codes(&confirmed);
    assert_eq!(backup.len(), 10);

    // Opening now needs the factor; the enrolment code is spent.
    fails(
        d,
        &["list", "w.pcx"],
        "this workspace needs a second factor: add --totp CODE [--method LABEL], --duo FACTOR or --backup-code CODE",
    );
    fails(
        d,
        &["list", "w.pcx", "--totp", &pixel.last()],
        "this code was already used; wait for the next one",
    );
    let listed = json(&ok(
        d,
        &["list", "w.pcx", "--json", "--totp", &pixel.next()],
    ));
    assert_eq!(listed[0]["title"], "Mail");

    // Backup codes: single use, counted.
    let out = portcullis(d, &["show", "w.pcx", "Mail", "--backup-code", &backup[0]]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "note: backup code used; 9 left\n");
    fails(
        d,
        &["list", "w.pcx", "--backup-code", &backup[0]],
        "wrong or already used backup code",
    );

    // Status needs only the password.
    let status = json(&ok(d, &["mfa", "status", "w.pcx", "--json"]));
    assert_eq!(status["state"], "enabled");
    assert_eq!(status["backup_codes_left"], 9);
    assert_eq!(status["methods"][0]["label"], "Pixel 8");
    assert_eq!(status["methods"][0]["kind"], "totp");
    assert_eq!(status["methods"][0]["state"], "enabled");
    assert_eq!(status["methods"][0]["default"], true);

    // A second authenticator: no new backup codes; its codes open with --method.
    let (mut phone, confirmed) = enrol(
        d,
        "work phone",
        &["--backup-code", &backup[1]],
        &["--totp", &pixel.next(), "--method", "Pixel 8"],
    );
    assert!(confirmed["backup_codes"].is_null());
    // The phone's next code that the Pixel would not accept (a step on when they agree).
    let phone_code = loop {
        let code = phone.next();
        if !pixel.accepted_now().contains(&code) {
            break code;
        }
    };
    fails(
        d,
        &[
            "list",
            "w.pcx",
            "--totp",
            &phone_code,
            "--method",
            "Pixel 8",
        ],
        "wrong code",
    );
    ok(
        d,
        &[
            "list",
            "w.pcx",
            "--totp",
            &phone.next(),
            "--method",
            "work phone",
        ],
    );
    ok(
        d,
        &[
            "mfa",
            "default",
            "w.pcx",
            "work phone",
            "--backup-code",
            &backup[2],
        ],
    );
    let status = json(&ok(d, &["mfa", "status", "w.pcx", "--json"]));
    assert_eq!(status["methods"][0]["label"], "work phone");
    assert_eq!(status["methods"][0]["default"], true);

    // Regenerating kills the old codes.
    let fresh = json(&ok(
        d,
        &[
            "mfa",
            "backup-codes",
            "regenerate",
            "w.pcx",
            "--json",
            "--backup-code",
            &backup[3],
        ],
    ));
    fails(
        d,
        &["list", "w.pcx", "--backup-code", &backup[4]],
        "wrong or already used backup code",
    );
    let fresh: Vec<&str> = fresh["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(fresh.len(), 10);

    // Removing every method turns MFA off.
    ok(
        d,
        &[
            "mfa",
            "remove",
            "w.pcx",
            "Pixel 8",
            "--backup-code",
            fresh[0],
        ],
    );
    let out = ok(
        d,
        &[
            "mfa",
            "remove",
            "w.pcx",
            "work phone",
            "--backup-code",
            fresh[1],
        ],
    );
    assert_eq!(
        out,
        "removed “work phone”; MFA is now off for this workspace\n"
    );
    ok(d, &["list", "w.pcx"]);
    let _ = pixel.next();

    // Lockout: five wrong codes, then even a right one waits.
    let (mut app, _) = enrol(d, "again", &[], &[]);
    for _ in 0..5 {
        fails(d, &["list", "w.pcx", "--totp", &app.wrong()], "wrong code");
    }
    let out = portcullis(d, &["list", "w.pcx", "--totp", &app.next()]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .starts_with("error: too many wrong codes; try again in "),
        "{}",
        out.stderr
    );
    let status = json(&ok(d, &["mfa", "status", "w.pcx", "--json"]));
    assert!(status["locked_for_seconds"].as_u64().unwrap() <= 30);
}
