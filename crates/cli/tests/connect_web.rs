//! `portcullis connect` on a web entry: `xdg-open` (Debian's xdg-utils, real) hands the
//! address to the browser `$BROWSER` names (here a script that writes down what it got), the
//! password goes to the clipboard (read back with xclip on the test's own Xvfb) marked for
//! password managers' history rules, and is cleared after `--clear-after`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{init, ok, run};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use test_support::Xvfb;

/// What `xclip -o` gives for the clipboard's `target` on `display` (None: nothing there).
fn clipboard(display: &str, target: &str) -> Option<String> {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard", "-t", target])
        .env("DISPLAY", display)
        .output()
        .expect("xclip is installed by scripts/test (Debian package xclip)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn workspace(d: &Path) {
    init(d);
    let out = run(
        d,
        &["add", "w.pcx", "--title", "Login", "--username", "alice"],
        "Web-pass-1\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    ok(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "Console",
            "--kind",
            "remote",
            "--protocol",
            "web",
            "--host",
            "console.example",
            "--port",
            "8443",
            "--login",
            "Login",
        ],
    );
}

#[test]
fn the_browser_gets_the_address_and_the_clipboard_the_password_for_a_while() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    workspace(d);
    let xvfb = Xvfb::start();
    let opened = d.join("opened");
    let browser = d.join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();

    let dry = run(d, &["connect", "w.pcx", "Console", "--dry-run"], "", &[]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .ends_with("xdg-open https://console.example:8443/\n"),
        "{}",
        dry.stdout
    );
    let auth = run(d, &["connect", "w.pcx", "Console", "--auth-only"], "", &[]);
    assert_eq!(
        auth.stderr,
        "error: --auth-only is for SSH, RDP and VNC connections\n"
    );

    let mut session = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["connect", "w.pcx", "Console", "--clear-after", "1"])
        .current_dir(d)
        .env("PORTCULLIS_PASSWORD", "pw")
        .env("DISPLAY", &xvfb.display)
        .env("BROWSER", &browser)
        .env_remove("XDG_CURRENT_DESKTOP")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The note comes once the password is on the clipboard.
    let mut note = String::new();
    BufReader::new(session.stderr.take().unwrap())
        .read_line(&mut note)
        .unwrap();
    assert!(
        note.starts_with("The password of alice is on the clipboard for 1 s"),
        "{note}"
    );
    let held = clipboard(&xvfb.display, "UTF8_STRING");
    let targets = clipboard(&xvfb.display, "TARGETS").unwrap_or_default();
    let status = session.wait().unwrap();
    assert!(status.success());
    assert_eq!(held.as_deref(), Some("Web-pass-1"));
    assert!(targets.contains("x-kde-passwordManagerHint"), "{targets}");
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        "https://console.example:8443/\n"
    );
    // Nothing stays (cleared after the delay; on X11 the owner's end would drop it as well, so
    // this does not tell the two apart: the clearing rule is the app's, tested there).
    assert_eq!(clipboard(&xvfb.display, "UTF8_STRING"), None);
}
