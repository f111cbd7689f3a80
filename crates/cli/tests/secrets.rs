//! No secret reaches a log, an error or the output: every flow of the CLI runs with trace
//! logging on (`PORTCULLIS_LOG=trace`), and the master passwords, an entry's password and OTP
//! secret, a secret custom field (also the content of an attachment), the authenticator's
//! secret, the backup codes, the Duo secret key and a Duo passcode
//! are looked for in everything printed. They may appear only where the user asked for them
//! (`show --reveal`, the enrolment's key, the backup codes when they are made).
#![allow(clippy::unwrap_used)]

mod common;

use duo_emulator::{Config, Emulator};
use portcullis_core::otp::OtpParams;
use serde_json::Value;
use std::path::Path;

const MASTER: &str = "Master-Pw-Zq8kRt";
const NEW_MASTER: &str = "New-Master-Pw-Q3vLm";
const ENTRY_PASSWORD: &str = "Entry-Pw-Yx7jWc";
const ENTRY_OTP_SECRET: &str = "ENTRYOTPSECRETAAQZ";
const DUO_PASSCODE: &str = "739251";
const SECRET_FIELD: &str = "Field-Secret-Pq4nVb";
const WRONG_BACKUP: &str = "ZZZZ-YYYY-XXXX";
const PHONE: &str = "DPFZRS9FB0D46QFTM891";

/// Everything the runs printed, and what the user asked to see.
#[derive(Default)]
struct Transcript {
    printed: Vec<(String, String)>,
    shown_on_request: Vec<(String, String)>,
}

impl Transcript {
    fn run(&mut self, dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> String {
        let mut all_env = vec![("PORTCULLIS_LOG", "trace"), ("PORTCULLIS_PASSWORD", MASTER)];
        all_env.extend_from_slice(env);
        let out = common::run(dir, args, stdin, &all_env);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        let name = args.join(" ");
        self.printed.push((format!("{name} (stderr)"), out.stderr));
        self.printed
            .push((format!("{name} (stdout)"), out.stdout.clone()));
        out.stdout
    }

    /// A run whose standard output legitimately holds secrets the user asked for.
    fn run_revealing(&mut self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
        let stdout = self.run(dir, args, "", env);
        let shown = self.printed.pop().unwrap();
        self.shown_on_request.push(shown);
        stdout
    }

    fn refused(&mut self, dir: &Path, args: &[&str], env: &[(&str, &str)]) {
        let mut all_env = vec![("PORTCULLIS_LOG", "trace"), ("PORTCULLIS_PASSWORD", MASTER)];
        all_env.extend_from_slice(env);
        let out = common::run(dir, args, "", &all_env);
        assert_ne!(out.code, 0, "{args:?} should fail");
        self.printed.push((
            format!("{} (refused)", args.join(" ")),
            out.stderr + &out.stdout,
        ));
    }

    fn assert_nowhere(&self, what: &str, secret: &str) {
        for (run, text) in &self.printed {
            assert!(!text.contains(secret), "{what} printed by `{run}`:\n{text}");
        }
    }
}

fn code_at_step(secret: &str, step: u64) -> String {
    OtpParams::from_base32(secret)
        .unwrap()
        .code_at(step * 30)
        .code
}

#[test]
fn no_secret_is_printed_or_logged() {
    let mut config = Config::demo();
    let alice = config.users.get_mut("alice").unwrap();
    alice.passcodes = vec![DUO_PASSCODE.into()];
    for d in &mut alice.devices {
        d.delay_ms = 30;
    }
    let emu = Emulator::start(config.clone()).unwrap();
    let host = emu.api_host();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("ca.pem"), emu.ca_pem()).unwrap();
    let mut t = Transcript::default();

    // Workspace and entries.
    t.run(
        d,
        &[&["init", "w.pcx"][..], &common::CHEAP_KDF].concat(),
        "",
        &[],
    );
    let uri = format!("otpauth://totp/Site:me?secret={ENTRY_OTP_SECRET}");
    t.run(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "Site",
            "--username",
            "me",
            "--otp",
            &uri,
        ],
        &format!("{ENTRY_PASSWORD}\n"),
        &[],
    );
    for args in [
        &["list", "w.pcx"][..],
        &["list", "w.pcx", "--json"],
        &["search", "w.pcx", "Site", "--json"],
        &["show", "w.pcx", "Site"],
        &["show", "w.pcx", "Site", "--json"],
        &["otp", "w.pcx", "Site", "--json"],
    ] {
        t.run(d, args, "", &[]);
    }
    let revealed = t.run_revealing(d, &["show", "w.pcx", "Site", "--reveal"], &[]);
    assert!(revealed.contains(ENTRY_PASSWORD), "--reveal shows it");
    // A secret custom field, and an attachment going in and out.
    t.run(
        d,
        &[
            "edit",
            "w.pcx",
            "Site",
            "--secret-field",
            "PIN",
            "--field",
            "Account=1",
        ],
        &format!("{SECRET_FIELD}\n"),
        &[],
    );
    for args in [
        &["show", "w.pcx", "Site"][..],
        &["show", "w.pcx", "Site", "--json"],
        &["search", "w.pcx", "Field-Secret", "--json"],
    ] {
        t.run(d, args, "", &[]);
    }
    let revealed = t.run_revealing(d, &["show", "w.pcx", "Site", "--reveal", "--json"], &[]);
    assert!(revealed.contains(SECRET_FIELD), "--reveal shows it");
    std::fs::write(d.join("key.txt"), SECRET_FIELD).unwrap();
    for args in [
        &["attach", "w.pcx", "Site", "key.txt"][..],
        &["attachments", "w.pcx", "Site", "--json"],
        &["attachment", "w.pcx", "Site", "key.txt", "--out", "key.out"],
    ] {
        t.run(d, args, "", &[]);
    }

    // An authenticator: its key is shown once at enrolment, the backup codes once at confirm.
    let begun: Value = serde_json::from_str(&t.run_revealing(
        d,
        &[
            "mfa", "totp", "begin", "w.pcx", "--label", "phone", "--json",
        ],
        &[],
    ))
    .unwrap();
    let totp_secret = begun["secret"].as_str().unwrap().to_owned();
    let step = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30;
    let confirmed: Value = serde_json::from_str(&t.run_revealing(
        d,
        &[
            "mfa",
            "totp",
            "confirm",
            "w.pcx",
            &code_at_step(&totp_secret, step),
            "--json",
        ],
        &[],
    ))
    .unwrap();
    let backup = common::backup_codes(&confirmed);

    // Opening with each factor, a wrong one, and a password change.
    t.run(
        d,
        &[
            "list",
            "w.pcx",
            "--totp",
            &code_at_step(&totp_secret, step + 1),
        ],
        "",
        &[],
    );
    t.refused(d, &["list", "w.pcx", "--backup-code", WRONG_BACKUP], &[]);
    // A code that is wrong by construction, on a clock pinned to `step`.
    let accepted: Vec<String> = (step - 1..=step + 1)
        .map(|s| code_at_step(&totp_secret, s))
        .collect();
    let (clock, at) = common::clock_at(step as i64 * 30);
    t.refused(
        d,
        &[
            "list",
            "w.pcx",
            "--totp",
            &test_support::wrong_code(&accepted),
        ],
        &[("PORTCULLIS_PASSWORD", "Wrong-Pw-Kk2"), (clock, &at)],
    );
    t.run(d, &["list", "w.pcx", "--backup-code", &backup[0]], "", &[]);
    t.run(
        d,
        &["passwd", "w.pcx", "--backup-code", &backup[1]],
        "",
        &[("PORTCULLIS_NEW_PASSWORD", NEW_MASTER)],
    );
    let new_pw = [("PORTCULLIS_PASSWORD", NEW_MASTER)];

    // Duo: the secret key from the environment, a wrong one, then a passcode.
    let skey = config.skey.clone();
    let duo_add = |backup_code: &str| -> Vec<String> {
        [
            "mfa",
            "duo",
            "add",
            "w.pcx",
            "--label",
            "Duo work",
            "--host",
            &host,
            "--ikey",
            &config.ikey,
            "--username",
            "alice",
            "--ca-file",
            "ca.pem",
            "--device",
            PHONE,
            "--backup-code",
            backup_code,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let args = duo_add(&backup[2]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    t.refused(
        d,
        &args,
        &[
            new_pw[0],
            (
                "PORTCULLIS_DUO_SKEY",
                "Wrong-Skey-0000000000000000000000000000",
            ),
        ],
    );
    let args = duo_add(&backup[3]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    t.run_revealing(d, &args, &[new_pw[0], ("PORTCULLIS_DUO_SKEY", &skey)]);
    t.run(
        d,
        &[
            "list",
            "w.pcx",
            "--method",
            "Duo work",
            "--duo",
            "passcode",
            "--duo-passcode",
            DUO_PASSCODE,
        ],
        "",
        &new_pw,
    );
    t.run(d, &["mfa", "status", "w.pcx", "--json"], "", &new_pw);

    // Trace logging was on: the runs did log what happened.
    let logged: String = t.printed.iter().map(|(_, text)| text.as_str()).collect();
    for event in [
        "password accepted",
        "second factor accepted",
        "second factor refused",
        "Duo answered",
    ] {
        assert!(logged.contains(event), "no `{event}` event in the logs");
    }
    t.assert_nowhere("the master password", MASTER);
    t.assert_nowhere("the new master password", NEW_MASTER);
    t.assert_nowhere("a wrong master password", "Wrong-Pw-Kk2");
    t.assert_nowhere("an entry password", ENTRY_PASSWORD);
    t.assert_nowhere("an entry's OTP secret", ENTRY_OTP_SECRET);
    t.assert_nowhere("the authenticator secret", &totp_secret);
    t.assert_nowhere("a wrong backup code", WRONG_BACKUP);
    for code in &backup {
        t.assert_nowhere("a backup code", code);
    }
    t.assert_nowhere("the Duo secret key", &skey);
    t.assert_nowhere("a wrong Duo secret key", "Wrong-Skey-0000");
    t.assert_nowhere("a Duo passcode", DUO_PASSCODE);
    t.assert_nowhere("a secret custom field", SECRET_FIELD);
}
