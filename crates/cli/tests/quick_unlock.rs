//! Quick unlock against a real Secret Service: a gnome-keyring daemon (Debian package
//! gnome-keyring) on a private D-Bus session bus started by the test, with its keyrings in a
//! temporary folder. The key goes into the keyring; later opens skip the password but still
//! need the second factor; a password change, expiry and `disable` end it; without a Secret
//! Service the reason is given. Then the attacks: with quick unlock on, `passwd` and a renewal
//! need the password; a keyring item saved before `disable` or expiry (the CLI's clock moved
//! with `PORTCULLIS_TEST_CLOCK`) and put back opens nothing, because the file no longer holds
//! the copy of the key it unwraps.
#![allow(clippy::unwrap_used)]

mod common;

use test_support::Keyring;

use common::*;
use portcullis_core::otp::OtpParams;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A computer with its own keyring and settings folder, running the CLI in `dir`.
struct Computer {
    keyring: Keyring,
    dir: PathBuf,
}

impl Computer {
    fn start(dir: &Path) -> Self {
        Computer {
            keyring: Keyring::start(&dir.join("home")),
            dir: dir.to_owned(),
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.join("home/config")
    }

    /// Runs with `pw` as the password in the environment and `extra` variables.
    fn run_with(&self, args: &[&str], pw: &str, extra: &[(&str, &str)]) -> Out {
        let config = self.config();
        let mut env = vec![
            ("DBUS_SESSION_BUS_ADDRESS", self.keyring.bus.as_str()),
            ("XDG_CONFIG_HOME", config.to_str().unwrap()),
            ("PORTCULLIS_PASSWORD", pw),
        ];
        env.extend_from_slice(extra);
        run(&self.dir, args, "", &env)
    }

    fn run(&self, args: &[&str], pw: &str) -> Out {
        self.run_with(args, pw, &[])
    }

    /// The markers of this computer's quick-unlock items (their names are the keyring users).
    fn markers(&self) -> Vec<String> {
        std::fs::read_dir(self.config().join("portcullis/quick-unlock"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[test]
fn quick_unlock_skips_the_password_but_not_the_factor() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keyring = Keyring::start(&d.join("home"));
    let config = d.join("home/config");
    let env = |pw: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS", keyring.bus.clone()),
            ("XDG_CONFIG_HOME", config.display().to_string()),
            ("PORTCULLIS_PASSWORD", pw.to_owned()),
        ]
    };
    let go = |args: &[&str], pw: &'static str| {
        let e = env(pw);
        let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run(d, args, "", &e)
    };
    init(d);
    ok(d, &["add", "w.pcx", "--title", "Mail", "--username", "me"]);

    // An authenticator: from now on every open needs a factor.
    let begun: Value = serde_json::from_str(
        &ok(
            d,
            &[
                "mfa", "totp", "begin", "w.pcx", "--label", "phone", "--json",
            ],
        )
        .stdout,
    )
    .unwrap();
    let otp = OtpParams::from_base32(begun["secret"].as_str().unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let confirmed: Value = serde_json::from_str(
        &ok(
            d,
            &[
                "mfa",
                "totp",
                "confirm",
                "w.pcx",
                &otp.code_at(now).code,
                "--json",
            ],
        )
        .stdout,
    )
    .unwrap();
    let backup = common::backup_codes(&confirmed);

    // Quick unlock on: the password now, and a fresh factor.
    let on = go(
        &[
            "quick-unlock",
            "enable",
            "w.pcx",
            "--backup-code",
            &backup[0],
        ],
        "pw",
    );
    assert_eq!(on.code, 0, "{}", on.stderr);
    let status: Value =
        serde_json::from_str(&go(&["quick-unlock", "status", "w.pcx", "--json"], "pw").stdout)
            .unwrap();
    assert_eq!(status["enabled"], true);
    let days = (status["expires"].as_i64().unwrap() - now as i64) / 86_400;
    assert!((13..=14).contains(&days), "14 days by default: {days}");

    // Later opens: a wrong password in the environment is never used, the factor still is.
    let listed = go(
        &["list", "w.pcx", "--backup-code", &backup[1]],
        "not-the-password",
    );
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.contains("Mail"));
    let no_factor = go(&["list", "w.pcx"], "not-the-password");
    assert_ne!(no_factor.code, 0);
    assert!(
        no_factor.stderr.contains("needs a second factor"),
        "{}",
        no_factor.stderr
    );

    // A password change (the current password is asked) ends it: the file's copy of the key
    // is gone, and the keyring item with it.
    let changed = run(
        d,
        &["passwd", "w.pcx", "--backup-code", &backup[2]],
        "",
        &[
            ("DBUS_SESSION_BUS_ADDRESS", keyring.bus.as_str()),
            ("XDG_CONFIG_HOME", config.to_str().unwrap()),
            ("PORTCULLIS_NEW_PASSWORD", "new-pw"),
        ],
    );
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    let after = go(
        &["list", "w.pcx", "--backup-code", &backup[3]],
        "not-the-password",
    );
    assert_ne!(after.code, 0, "the old quick key no longer opens it");
    let after = go(&["list", "w.pcx", "--backup-code", &backup[3]], "new-pw");
    assert_eq!(after.code, 0, "{}", after.stderr);
    let status: Value =
        serde_json::from_str(&go(&["quick-unlock", "status", "w.pcx", "--json"], "new-pw").stdout)
            .unwrap();
    assert_eq!(status["enabled"], false, "the stale item was deleted");

    // On again, then off: the password is needed again.
    assert_eq!(
        go(
            &[
                "quick-unlock",
                "enable",
                "w.pcx",
                "--backup-code",
                &backup[4]
            ],
            "new-pw"
        )
        .code,
        0
    );
    assert_eq!(go(&["quick-unlock", "disable", "w.pcx"], "new-pw").code, 0);
    let wrong = go(
        &["list", "w.pcx", "--backup-code", &backup[5]],
        "not-the-password",
    );
    assert_eq!(
        wrong.stderr.trim(),
        "error: wrong password or damaged workspace"
    );

    // A lifetime of 1 to 90 days, refused before any password is asked.
    let too_long = go(&["quick-unlock", "enable", "w.pcx", "--days", "91"], "");
    assert_eq!(too_long.code, 2);
    assert!(
        too_long.stderr.contains("91 is not in 1..=90"),
        "{}",
        too_long.stderr
    );

    // Expired: past its date it is refused and deleted (the CLI's clock moved two days on).
    assert_eq!(
        go(
            &[
                "quick-unlock",
                "enable",
                "w.pcx",
                "--days",
                "1",
                "--backup-code",
                &backup[6]
            ],
            "new-pw"
        )
        .code,
        0
    );
    let (clock, two_days_on) = clock_at(real_now() + 2 * 86_400);
    let later = run(
        d,
        &["list", "w.pcx", "--backup-code", &backup[7]],
        "",
        &[
            ("DBUS_SESSION_BUS_ADDRESS", keyring.bus.as_str()),
            ("XDG_CONFIG_HOME", config.to_str().unwrap()),
            ("PORTCULLIS_PASSWORD", "new-pw"),
            (clock, &two_days_on),
        ],
    );
    assert_eq!(later.code, 0, "{}", later.stderr);
    assert!(
        later
            .stderr
            .contains("quick unlock expired; enter the password"),
        "{}",
        later.stderr
    );
    let status: Value =
        serde_json::from_str(&go(&["quick-unlock", "status", "w.pcx", "--json"], "new-pw").stdout)
            .unwrap();
    assert_eq!(status["enabled"], false);

    // No Secret Service: the reason is given.
    let nowhere = run(
        d,
        &[
            "quick-unlock",
            "enable",
            "w.pcx",
            "--backup-code",
            &backup[8],
        ],
        "",
        &[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
            ("XDG_CONFIG_HOME", config.to_str().unwrap()),
            ("PORTCULLIS_PASSWORD", "new-pw"),
        ],
    );
    assert_ne!(nowhere.code, 0);
    assert!(
        nowhere.stderr.contains("the OS keyring is not available"),
        "{}",
        nowhere.stderr
    );
}

#[test]
fn changing_the_password_or_renewing_needs_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let pc = Computer::start(dir.path());
    let d = dir.path();
    init(d);
    ok(d, &["add", "w.pcx", "--title", "Mail", "--username", "me"]);
    let on = pc.run(&["quick-unlock", "enable", "w.pcx"], "pw");
    assert_eq!(on.code, 0, "{}", on.stderr);
    let expires = |pc: &Computer| -> i64 {
        let out = pc.run(&["quick-unlock", "status", "w.pcx", "--json"], "pw");
        let status: Value = serde_json::from_str(&out.stdout).unwrap();
        status["expires"].as_i64().unwrap()
    };
    let first = expires(&pc);

    // Quick unlock opens it, but `passwd` with a wrong password changes nothing.
    let out = pc.run_with(
        &["passwd", "w.pcx"],
        "not-the-password",
        &[("PORTCULLIS_NEW_PASSWORD", "taken-over")],
    );
    assert_ne!(out.code, 0, "passwd without the password: {}", out.stdout);
    assert!(
        out.stderr.contains("wrong password or damaged workspace"),
        "{}",
        out.stderr
    );
    // Nor does a renewal for 90 days.
    let out = pc.run(
        &["quick-unlock", "enable", "w.pcx", "--days", "90"],
        "not-the-password",
    );
    assert_ne!(out.code, 0, "renewed without the password: {}", out.stdout);
    assert!(
        out.stderr.contains("wrong password or damaged workspace"),
        "{}",
        out.stderr
    );
    assert_eq!(expires(&pc), first);

    // The password is still "pw": with quick unlock off, it opens the workspace.
    assert_eq!(pc.run(&["quick-unlock", "disable", "w.pcx"], "pw").code, 0);
    let out = pc.run(&["list", "w.pcx"], "pw");
    assert_eq!(out.code, 0, "{}", out.stderr);
    // With the password, a renewal works (and replaces this computer's earlier one).
    assert_eq!(pc.run(&["quick-unlock", "enable", "w.pcx"], "pw").code, 0);
    let out = pc.run(&["quick-unlock", "enable", "w.pcx", "--days", "30"], "pw");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(pc.markers().len(), 1, "{:?}", pc.markers());

    // Without a second factor, enabling says plainly what that means.
    assert!(
        on.stderr
            .contains("this computer's session alone opens it, with no password"),
        "{}",
        on.stderr
    );
}

/// The only test here that reads the keyring itself (the keyring crate connects once per
/// process), as an attacker who copies the item would.
#[test]
fn a_saved_keyring_item_opens_nothing_after_disable_or_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let pc = Computer::start(dir.path());
    let d = dir.path();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &pc.keyring.bus);
    init(d);
    ok(d, &["add", "w.pcx", "--title", "Mail", "--username", "me"]);
    let service = portcullis_core::quick_unlock::SERVICE;

    // Saves this computer's newest item (and its marker's name; `old` is a name put back
    // before), as an attacker with the session would, and puts them back later.
    let save = |old: &[&str]| -> (String, Vec<u8>) {
        let mut markers = pc.markers();
        markers.retain(|m| !old.contains(&m.as_str()));
        assert_eq!(markers.len(), 1, "{markers:?}");
        let name = markers[0].clone();
        let secret = keyring::Entry::new(service, &name)
            .unwrap()
            .get_secret()
            .unwrap();
        (name, secret)
    };
    let put_back = |(name, secret): &(String, Vec<u8>)| {
        keyring::Entry::new(service, name)
            .unwrap()
            .set_secret(secret)
            .unwrap();
        let markers = pc.config().join("portcullis/quick-unlock");
        std::fs::create_dir_all(&markers).unwrap();
        std::fs::write(markers.join(name), b"").unwrap();
    };
    let opens_without_password = || {
        let out = pc.run(&["list", "w.pcx"], "not-the-password");
        if out.code == 0 {
            assert!(out.stdout.contains("Mail"));
        } else {
            assert!(
                out.stderr.contains("wrong password or damaged workspace"),
                "{}",
                out.stderr
            );
        }
        out.code == 0
    };

    // Disable, then the saved item put back: the file refuses.
    assert_eq!(pc.run(&["quick-unlock", "enable", "w.pcx"], "pw").code, 0);
    assert!(opens_without_password());
    let saved = save(&[]);
    assert_eq!(pc.run(&["quick-unlock", "disable", "w.pcx"], "pw").code, 0);
    assert!(!opens_without_password());
    put_back(&saved);
    assert!(
        !opens_without_password(),
        "a keyring item saved before disable still opens the file"
    );

    // Expired (the CLI's clock two days on), then the saved item put back at today's time:
    // the file refuses.
    assert_eq!(
        pc.run(&["quick-unlock", "enable", "w.pcx", "--days", "1"], "pw")
            .code,
        0
    );
    let saved = save(&[saved.0.as_str()]);
    let (clock, two_days_on) = clock_at(real_now() + 2 * 86_400);
    let later = pc.run_with(
        &["list", "w.pcx"],
        "not-the-password",
        &[(clock, &two_days_on)],
    );
    assert_ne!(later.code, 0, "expired, it still opened: {}", later.stdout);
    assert!(
        later.stderr.contains("quick unlock expired"),
        "{}",
        later.stderr
    );
    put_back(&saved);
    assert!(
        !opens_without_password(),
        "a keyring item saved before expiry still opens the file"
    );

    // An item of an earlier version (the master key itself, named by the workspace id) is
    // never used: it is deleted, and the password asked.
    let id = portcullis_core::LockedWorkspace::open(d.join("w.pcx"))
        .unwrap()
        .workspace_id();
    let legacy = data_encoding::HEXLOWER.encode(&id);
    put_back(&(
        legacy.clone(),
        br#"{"key":"AAAA","expires":99999999999}"#.to_vec(),
    ));
    let out = pc.run(&["list", "w.pcx"], "not-the-password");
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("quick unlock must be turned on again with the password"),
        "{}",
        out.stderr
    );
    assert!(matches!(
        keyring::Entry::new(service, &legacy).unwrap().get_secret(),
        Err(keyring::Error::NoEntry)
    ));
    assert!(!pc.markers().contains(&legacy));
}
