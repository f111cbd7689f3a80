//! The Duo contract of the CLI against the emulator: setup with device choice and a test
//! approval, unlock by push, call, SMS and passcode, denials, and Duo being down.
#![allow(clippy::unwrap_used)]

use duo_emulator::{Answer, Config, ConnectProxy, Emulator};
mod common;

use common::{fails, ok, Out};
use serde_json::Value;
use std::path::Path;

const PHONE: &str = "DPFZRS9FB0D46QFTM891";
const TABLET: &str = "DPAAAAAAAAAAAAAAAAAA";

fn run(dir: &Path, args: &[&str], stdin: &str, skey: Option<&str>) -> Out {
    match skey {
        Some(k) => common::run(dir, args, stdin, &[("PORTCULLIS_DUO_SKEY", k)]),
        None => common::run(dir, args, stdin, &[]),
    }
}

fn add_args<'a>(emu_host: &'a str, config: &'a Config, user: &'a str) -> Vec<&'a str> {
    vec![
        "mfa",
        "duo",
        "add",
        "w.pcx",
        "--label",
        "Duo work",
        "--host",
        emu_host,
        "--ikey",
        &config.ikey,
        "--username",
        user,
        "--ca-file",
        "ca.pem",
    ]
}

#[test]
fn duo_contract() {
    let (config, emu, dir) = emulator_and_workspace();
    let host = emu.api_host();
    let d = dir.path();

    // Keys are checked and each error is named; the secret key comes from stdin here.
    let mut bad_ikey = add_args(&host, &config, "alice");
    bad_ikey[9] = "DIWRONG";
    fails(
        run(d, &bad_ikey, &format!("{}\n", config.skey), None),
        "Duo refused the integration key: check it",
    );
    fails(
        run(d, &add_args(&host, &config, "alice"), "not-the-key\n", None),
        "Duo refused the signature: check the secret key",
    );
    let dave = run(d, &add_args(&host, &config, "dave"), "", Some(&config.skey));
    assert!(dave
        .stderr
        .starts_with("error: this Duo user has no device yet: enroll at https://"));

    // Several devices and no terminal: the command lists them and stops.
    let several = run(
        d,
        &add_args(&host, &config, "alice"),
        "",
        Some(&config.skey),
    );
    assert_ne!(several.code, 0);
    assert_eq!(several.stderr.lines().count(), 1);
    assert!(several.stderr.contains(PHONE) && several.stderr.contains(TABLET));

    let mut args = add_args(&host, &config, "alice");
    args.extend(["--device", PHONE, "--json"]);
    let added = run(d, &args, "", Some(&config.skey));
    assert_eq!(added.code, 0, "{}", added.stderr);
    let added: Value = serde_json::from_str(&added.stdout).unwrap();
    assert_eq!(added["device"], PHONE);
    assert_eq!(added["factor"], "auto");
    let backup = common::backup_codes(&added);
    assert_eq!(backup.len(), 10);
    let status: Value =
        serde_json::from_str(&ok(d, &["mfa", "status", "w.pcx", "--json"]).stdout).unwrap();
    assert_eq!(status["methods"][0]["kind"], "duo");
    assert!(!std::fs::read_to_string(d.join("w.pcx"))
        .unwrap_or_default()
        .contains(&config.skey));

    // Unlock by push on the saved device, then a call, then another device.
    fails(
        run(d, &["list", "w.pcx"], "", None),
        "this workspace needs a second factor: add --totp CODE [--method LABEL], --duo FACTOR or --backup-code CODE",
    );
    let pushed = ok(d, &["list", "w.pcx", "--duo", "push"]);
    assert!(pushed
        .stderr
        .contains("Duo: Pushed a login request to your device..."));
    ok(
        d,
        &["list", "w.pcx", "--duo", "phone", "--method", "Duo work"],
    );
    let devices: Value =
        serde_json::from_str(&ok(d, &["mfa", "duo", "devices", "w.pcx", "--json"]).stdout).unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 2);
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[1].push = Answer::Deny);
    let denied = run(
        d,
        &["list", "w.pcx", "--duo", "push", "--duo-device", TABLET],
        "",
        None,
    );
    assert_eq!(
        denied.stderr.lines().last().unwrap(),
        "error: Duo refused: Login request denied."
    );

    // SMS, then a passcode it sent.
    fails(
        run(d, &["list", "w.pcx", "--duo", "sms"], "", None),
        "Duo sent SMS passcodes; run again with --duo passcode --duo-passcode CODE",
    );
    let code = emu.sms_passcodes("alice")[0].clone();
    ok(
        d,
        &[
            "list",
            "w.pcx",
            "--duo",
            "passcode",
            "--duo-passcode",
            &code,
        ],
    );
    fails(
        run(
            d,
            &[
                "list",
                "w.pcx",
                "--duo",
                "passcode",
                "--duo-passcode",
                &code,
            ],
            "",
            None,
        ),
        "Duo refused: Invalid passcode, please try again.",
    );

    // Duo down: refused (failmode secure), and a backup code still opens.
    drop(emu);
    fails(
        run(d, &["list", "w.pcx", "--duo", "push"], "", None),
        "Duo could not be reached (connection failed); try another method",
    );
    ok(d, &["list", "w.pcx", "--backup-code", &backup[0]]);
}

/// A port where nothing listens.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The demo emulator (quick pushes), and a folder with a workspace `w.pcx` and the emulator's
/// CA in `ca.pem`.
fn emulator_and_workspace() -> (Config, Emulator, tempfile::TempDir) {
    let mut config = Config::demo();
    for d in &mut config.users.get_mut("alice").unwrap().devices {
        d.delay_ms = 30;
    }
    let emu = Emulator::start(config.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), emu.ca_pem()).unwrap();
    common::init(dir.path());
    (config, emu, dir)
}

/// The emulator, and a workspace `w.pcx` whose Duo method (alice's phone) has failmode safe.
fn safe_workspace() -> (Emulator, tempfile::TempDir) {
    let (config, emu, dir) = emulator_and_workspace();
    let host = emu.api_host();
    let d = dir.path();
    let mut args = add_args(&host, &config, "alice");
    args.extend(["--device", PHONE, "--failmode", "safe"]);
    let added = run(d, &args, "", Some(&config.skey));
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert!(
        added.stderr.contains("at most 3 times in a row"),
        "{}",
        added.stderr
    );
    (emu, dir)
}

#[test]
fn failmode_safe_opens_three_times_in_a_row_and_says_so() {
    let (emu, dir) = safe_workspace();
    let d = dir.path();
    emu.set_reachable(false);
    for note in [
        "note: it opens without Duo at most 2 more time(s) in a row before Duo must verify you again",
        "note: it opens without Duo at most 1 more time(s) in a row before Duo must verify you again",
        "warning: that was the last time in a row: until Duo verifies you again, this workspace refuses to open without it",
    ] {
        let opened = ok(d, &["list", "w.pcx", "--duo", "push"]);
        assert_eq!(
            opened.stderr.lines().collect::<Vec<_>>(),
            [
                "warning: Duo could not be reached; opened without it because this method's failmode is safe",
                note
            ]
        );
    }
    fails(
        run(d, &["list", "w.pcx", "--duo", "push"], "", None),
        "Duo could not be reached (connection failed); failmode safe opened without Duo 3 times \
         in a row, so Duo must verify you before it does again: try another method",
    );
    emu.set_reachable(true);
    ok(d, &["list", "w.pcx", "--duo", "push"]);
    emu.set_reachable(false);
    ok(d, &["list", "w.pcx", "--duo", "push"]);
}

#[test]
fn proxy_variables_cannot_open_a_failmode_safe_workspace() {
    let (emu, dir) = safe_workspace();
    let d = dir.path();

    // The user denies; whoever has the password points the proxy variables at a dead port.
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[0].push = Answer::Deny);
    let proxy = format!("http://127.0.0.1:{}", dead_port());
    let out = common::run(
        d,
        &["list", "w.pcx", "--duo", "push"],
        "",
        &[
            ("HTTPS_PROXY", &proxy),
            ("https_proxy", &proxy),
            ("ALL_PROXY", &proxy),
            ("all_proxy", &proxy),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
    );
    assert_ne!(out.code, 0, "opened through a dead proxy: {}", out.stderr);
    assert_eq!(
        out.stderr.lines().last().unwrap(),
        "error: Duo refused: Login request denied."
    );
}

#[test]
fn a_proxy_named_at_setup_is_saved_and_used() {
    let mut config = Config::demo();
    for d in &mut config.users.get_mut("alice").unwrap().devices {
        d.delay_ms = 30;
    }
    let emu = Emulator::start(config.clone()).unwrap();
    let proxy = ConnectProxy::start().unwrap();
    let host = emu.api_host();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("ca.pem"), emu.ca_pem()).unwrap();
    common::init(d);
    let mut args = add_args(&host, &config, "alice");
    args.extend(["--device", PHONE, "--proxy", "socks5://127.0.0.1:1080"]);
    fails(
        run(d, &args, "", Some(&config.skey)),
        "the proxy must be an http:// or https:// URL",
    );
    let url = proxy.url();
    let mut args = add_args(&host, &config, "alice");
    args.extend(["--device", PHONE, "--proxy", &url]);
    let added = run(d, &args, "", Some(&config.skey));
    assert_eq!(added.code, 0, "{}", added.stderr);
    let before = proxy.tunnels();
    assert!(before > 0);
    ok(d, &["list", "w.pcx", "--duo", "push"]);
    assert!(
        proxy.tunnels() > before,
        "the saved proxy is used to unlock"
    );
}
