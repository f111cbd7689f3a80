//! The MFA contract of the CLI, end to end, with codes computed by oathtool and the QR code
//! read back by zbarimg (Debian packages oathtool and zbar-tools, installed by scripts/test).
#![allow(clippy::unwrap_used)]

mod common;

use common::{run, Out};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn portcullis(dir: &Path, args: &[&str]) -> Out {
    run(dir, args, "", &[])
}

fn ok(dir: &Path, args: &[&str]) -> String {
    common::ok(dir, args).stdout
}

fn fails(dir: &Path, args: &[&str], message: &str) {
    common::fails(run(dir, args, "", &[]), message);
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Codes of one authenticator, as an app would show them: computed by oathtool, each for a
/// later 30-second step than the last one used (waiting for the next step when needed).
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

    fn next(&mut self) -> String {
        loop {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let current = now / 30;
            let step = (self.last_step + 1).max(current.saturating_sub(1));
            if step <= current + 1 {
                self.last_step = step;
                return self.code_at_step(step);
            }
            std::thread::sleep(std::time::Duration::from_secs(30 - now % 30));
        }
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
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::init(d);
    ok(d, &["add", "w.pcx", "--title", "Mail", "--username", "me"]);
    assert_eq!(
        json(&ok(d, &["mfa", "status", "w.pcx", "--json"]))["state"],
        "not enabled"
    );

    // A wrong code enables nothing.
    ok(d, &["mfa", "totp", "begin", "w.pcx", "--label", "Pixel 8"]);
    fails(
        d,
        &["mfa", "totp", "confirm", "w.pcx", "000000"],
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
    fails(
        d,
        &[
            "list",
            "w.pcx",
            "--totp",
            &phone.next(),
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
    for _ in 0..4 {
        fails(d, &["list", "w.pcx", "--totp", "000000"], "wrong code");
    }
    fails(d, &["list", "w.pcx", "--totp", "000000"], "wrong code");
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
