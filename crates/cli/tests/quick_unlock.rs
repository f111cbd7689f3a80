//! Quick unlock against a real Secret Service: a gnome-keyring daemon (Debian package
//! gnome-keyring) on a private D-Bus session bus started by the test, with its keyrings in a
//! temporary folder. The key goes into the keyring; later opens skip the password but still
//! need the second factor; a password change, expiry and `disable` end it; without a Secret
//! Service the reason is given.
#![allow(clippy::unwrap_used)]

mod common;

use test_support::Keyring;

use common::*;
use portcullis_core::otp::OtpParams;
use serde_json::Value;

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

    // A password change ends it: the key in the keyring no longer matches.
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
    let after = go(&["list", "w.pcx", "--backup-code", &backup[3]], "new-pw");
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert!(
        after.stderr.contains("quick unlock no longer matches"),
        "{}",
        after.stderr
    );
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

    // Expired: an item past its date is refused and deleted (the core at a later time).
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
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &keyring.bus);
    let locked = portcullis_core::LockedWorkspace::open(d.join("w.pcx")).unwrap();
    let later = now as i64 + 2 * 86_400;
    let err = portcullis_core::quick_unlock::unlock(locked, later)
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "quick unlock expired; enter the password");
    let id = portcullis_core::LockedWorkspace::open(d.join("w.pcx"))
        .unwrap()
        .workspace_id();
    assert!(
        !portcullis_core::quick_unlock::status(id, now as i64)
            .unwrap()
            .enabled
    );

    // No Secret Service: the reason is given.
    let nowhere = run(
        d,
        &[
            "quick-unlock",
            "enable",
            "w.pcx",
            "--backup-code",
            &backup[7],
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
