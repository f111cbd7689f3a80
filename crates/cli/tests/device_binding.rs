//! Device binding against real Secret Services: two gnome-keyring daemons on two private
//! session buses stand for two computers. Bound on the first, the file opens there with the
//! password; copied to the second, it does not, even with the password, until the recovery
//! kit's key is restored there. A password change keeps the binding; `disable` ends it.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use test_support::Keyring;

/// Runs `args` in `dir` as a user of the computer whose keyring is `keyring`.
fn on(keyring: &Keyring, dir: &Path, args: &[&str], stdin: &str, pw: &str) -> Out {
    let config = dir.join("config");
    run(
        dir,
        args,
        stdin,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", keyring.bus.as_str()),
            ("XDG_CONFIG_HOME", config.to_str().unwrap()),
            ("PORTCULLIS_PASSWORD", pw),
        ],
    )
}

/// Two computers: a folder and a running keyring each.
fn two_computers(tmp: &Path) -> [(std::path::PathBuf, Keyring); 2] {
    ["first", "second"].map(|name| {
        let dir = tmp.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let keyring = Keyring::start(&dir.join("home"));
        (dir, keyring)
    })
}

fn status(keyring: &Keyring, dir: &Path) -> Value {
    let out = on(
        keyring,
        dir,
        &["device-binding", "status", "w.pcx", "--json"],
        "",
        "pw",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn a_bound_file_opens_only_where_its_key_is() {
    let tmp = tempfile::tempdir().unwrap();
    let [(first, here), (second, there)] = two_computers(tmp.path());
    init(&first);
    ok(
        &first,
        &["add", "w.pcx", "--title", "Mail", "--username", "me"],
    );
    assert_eq!(status(&here, &first)["bound"], false);

    // Enabling writes the kit and warns; a kit path that exists is refused before anything.
    std::fs::write(first.join("taken.txt"), "x").unwrap();
    let enable = |kit: &str| {
        on(
            &here,
            &first,
            &["device-binding", "enable", "w.pcx", "--recovery-kit", kit],
            "",
            "pw",
        )
    };
    let out = enable("taken.txt");
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("exists already"), "{}", out.stderr);
    assert_eq!(status(&here, &first)["bound"], false);
    let out = enable("kit.txt");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("nobody can open this workspace again"));
    let kit = std::fs::read_to_string(first.join("kit.txt")).unwrap();
    assert!(
        kit.contains("RECOVERY KIT") && kit.contains("Workspace:    w\n"),
        "{kit}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(first.join("kit.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let recovery_key = test_support::recovery_key_in(&kit);
    assert_eq!(status(&here, &first)["key_here"], true);

    // Here: the password opens it, as before.
    let out = on(&here, &first, &["list", "w.pcx"], "", "pw");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Mail"));

    // There: the same file and the right password open nothing.
    std::fs::copy(first.join("w.pcx"), second.join("w.pcx")).unwrap();
    assert_eq!(status(&there, &second)["key_here"], false);
    fails(
        on(&there, &second, &["list", "w.pcx"], "", "pw"),
        "this workspace is bound to another computer: its device key is not in this computer's keyring (restore it from the recovery kit)",
    );
    // Nor does a wrong recovery key, or the right key with a wrong password.
    let mut wrong = recovery_key.clone().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    fails(
        on(
            &there,
            &second,
            &["device-binding", "restore", "w.pcx"],
            &format!("{wrong}\n"),
            "pw",
        ),
        "wrong password or recovery key",
    );
    fails(
        on(
            &there,
            &second,
            &["device-binding", "restore", "w.pcx"],
            &format!("{recovery_key}\n"),
            "nope",
        ),
        "wrong password or recovery key",
    );
    fails(
        on(
            &there,
            &second,
            &["device-binding", "restore", "w.pcx"],
            "not a key\n",
            "pw",
        ),
        "that is not a recovery key (52 letters and digits, dashes optional)",
    );
    // The kit's key, typed in lower case, restores it there.
    let out = on(
        &there,
        &second,
        &["device-binding", "restore", "w.pcx"],
        &format!("{}\n", recovery_key.to_lowercase()),
        "pw",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = on(&there, &second, &["list", "w.pcx"], "", "pw");
    assert_eq!(out.code, 0, "{}", out.stderr);

    // A password change keeps the binding (and the new password works only here).
    let out = run(
        &first,
        &["passwd", "w.pcx"],
        "",
        &[
            ("DBUS_SESSION_BUS_ADDRESS", here.bus.as_str()),
            ("PORTCULLIS_PASSWORD", "pw"),
            ("PORTCULLIS_NEW_PASSWORD", "pw2"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(status(&here, &first)["bound"], true);
    assert_eq!(on(&here, &first, &["list", "w.pcx"], "", "pw2").code, 0);

    // Disable: the password alone opens it again, anywhere; the key leaves the keyring.
    let out = on(
        &here,
        &first,
        &["device-binding", "disable", "w.pcx"],
        "",
        "pw2",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(status(&here, &first)["bound"], false);
    let third = tmp.path().join("third");
    std::fs::create_dir_all(&third).unwrap();
    std::fs::copy(first.join("w.pcx"), third.join("w.pcx")).unwrap();
    let out = run(
        &third,
        &["list", "w.pcx"],
        "",
        &[("PORTCULLIS_PASSWORD", "pw2")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn binding_needs_a_keyring_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let out = run(
        d,
        &[
            "device-binding",
            "enable",
            "w.pcx",
            "--recovery-kit",
            "kit.txt",
        ],
        "",
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("the OS keyring is not available"),
        "{}",
        out.stderr
    );
    assert!(!d.join("kit.txt").exists());
    // Nothing changed: the password opens it.
    ok(d, &["list", "w.pcx"]);
}

/// What an attacker writes into a file's binding marker.
enum Marker {
    /// The marker of another file (naming that file's keyring item).
    From(std::path::PathBuf),
    /// An earlier version's marker (the item named by the workspace id).
    V1,
}

/// Sets the file's binding marker as python3's sqlite3 would.
fn set_binding_marker(file: &Path, marker: Marker) {
    let script = "import sqlite3, sys\n\
        marker = \"SELECT value FROM meta WHERE name = 'device_binding'\"\n\
        value = sqlite3.connect(sys.argv[3]).execute(marker).fetchone()[0] if sys.argv[3] else sys.argv[2].encode()\n\
        db = sqlite3.connect(sys.argv[1])\n\
        db.execute(\"UPDATE meta SET value = ? WHERE name = 'device_binding'\", (value,))\n\
        assert db.total_changes == 1\n\
        db.commit()\n";
    let (value, from) = match &marker {
        Marker::From(other) => ("", other.to_str().unwrap()),
        Marker::V1 => ("v1", ""),
    };
    let out = std::process::Command::new("python3")
        .args(["-c", script, file.to_str().unwrap(), value, from])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A quick-unlock enrolment made on another computer (through a synced copy of the file) would
/// open the file without its device secret: binding deletes every enrolment.
#[test]
fn binding_ends_quick_unlock_on_every_computer() {
    let tmp = tempfile::tempdir().unwrap();
    let [(first, here), (second, there)] = two_computers(tmp.path());
    let sync =
        |from: &Path, to: &Path| std::fs::copy(from.join("w.pcx"), to.join("w.pcx")).unwrap();
    init(&first);
    ok(&first, &["add", "w.pcx", "--title", "Mail"]);
    sync(&first, &second);
    let out = on(
        &there,
        &second,
        &["quick-unlock", "enable", "w.pcx"],
        "",
        "pw",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // With a wrong password in the environment, only quick unlock can open it there.
    assert_eq!(on(&there, &second, &["list", "w.pcx"], "", "wrong").code, 0);

    sync(&second, &first);
    let out = on(
        &here,
        &first,
        &[
            "device-binding",
            "enable",
            "w.pcx",
            "--recovery-kit",
            "kit.txt",
        ],
        "",
        "pw",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    sync(&first, &second);
    let out = on(&there, &second, &["list", "w.pcx"], "", "pw");
    assert_ne!(out.code, 0, "the bound file opened there: {}", out.stdout);
    assert!(
        out.stderr.contains("bound to another computer"),
        "{}",
        out.stderr
    );
    assert_eq!(on(&here, &first, &["list", "w.pcx"], "", "pw").code, 0);
}

#[test]
fn binding_or_unbinding_a_copy_leaves_the_original_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let here = Keyring::start(&d.join("home"));
    let go = |args: &[&str], stdin: &str| on(&here, d, args, stdin, "pw");
    let lists = |file: &str| {
        let out = go(&["list", file], "");
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
        assert!(out.stdout.contains("Mail"));
    };
    init(d);
    ok(d, &["add", "w.pcx", "--title", "Mail", "--username", "me"]);

    // Two copies of one file (one workspace id), each bound on this computer.
    std::fs::copy(d.join("w.pcx"), d.join("b.pcx")).unwrap();
    for (file, kit) in [("w.pcx", "kit-a.txt"), ("b.pcx", "kit-b.txt")] {
        let out = go(
            &["device-binding", "enable", file, "--recovery-kit", kit],
            "",
        );
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
    }
    lists("w.pcx");
    lists("b.pcx");
    // Unbinding the copy leaves the original bound and opening.
    assert_eq!(go(&["device-binding", "disable", "b.pcx"], "").code, 0);
    lists("w.pcx");
    lists("b.pcx");

    // A copy of the bound file shares its key; unbinding it, then binding it again, leaves
    // the original alone too.
    std::fs::copy(d.join("w.pcx"), d.join("c.pcx")).unwrap();
    lists("c.pcx");
    assert_eq!(go(&["device-binding", "disable", "c.pcx"], "").code, 0);
    lists("w.pcx");
    let out = go(
        &[
            "device-binding",
            "enable",
            "c.pcx",
            "--recovery-kit",
            "kit-c.txt",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    lists("c.pcx");
    lists("w.pcx");

    // An edited marker is refused: pointed at another binding's keyring item (the original's),
    // or turned into an earlier version's `v1`, it no longer matches the wrap, so even the
    // right recovery key restores nothing, and the item it names is never overwritten.
    let kit_c = std::fs::read_to_string(d.join("kit-c.txt")).unwrap();
    for (edit, name) in [
        (Marker::From(d.join("w.pcx")), "pointed"),
        (Marker::V1, "v1"),
    ] {
        let file = d.join(format!("{name}.pcx"));
        std::fs::copy(d.join("c.pcx"), &file).unwrap();
        set_binding_marker(&file, edit);
        let file = file.file_name().unwrap().to_str().unwrap().to_owned();
        let out = go(
            &["device-binding", "restore", &file],
            &format!("{}\n", test_support::recovery_key_in(&kit_c)),
        );
        assert_ne!(out.code, 0, "{name}: {}", out.stdout);
        assert!(
            out.stderr.contains("wrong password or recovery key"),
            "{}",
            out.stderr
        );
        lists("w.pcx");
        lists("c.pcx");
    }
}
