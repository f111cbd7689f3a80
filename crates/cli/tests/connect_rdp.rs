//! `portcullis connect --auth-only` over RDP against FreeRDP's shadow server with NLA under
//! Xvfb (`freerdp-shadow-cli /sam-file:FILE /sec:nla`, the SAM line from `winpr-hash -f sam`):
//! the right password logs in, a wrong one fails, and the entry's certificate policy is what
//! FreeRDP applies (trust on first use remembers the first certificate and refuses a changed
//! one; verify refuses a self-signed one it has not seen).
#![allow(clippy::unwrap_used)]

mod common;

use common::{init, ok, run};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use test_support::{terminate, Xvfb};

/// The shadow server of `display` for alice/`password`, its certificate in `home`.
struct Shadow {
    child: Child,
    port: u16,
    /// Its log, shown when it fails.
    log: PathBuf,
}

impl Shadow {
    fn start(dir: &Path, home: &Path, display: &str, password: &str) -> Self {
        Self::start_on(dir, home, display, password, test_support::free_port())
    }

    fn start_on(dir: &Path, home: &Path, display: &str, password: &str, port: u16) -> Self {
        let sam = dir.join("sam");
        let hash = Command::new("winpr-hash")
            .args(["-u", "alice", "-p", password, "-f", "sam"])
            .output()
            .expect("winpr-hash is installed by scripts/test (Debian package winpr-utils)");
        assert!(hash.status.success());
        std::fs::write(&sam, hash.stdout).unwrap();
        let log = home.join("shadow.log");
        let child = Command::new("freerdp-shadow-cli")
            .arg(format!("/port:{port}"))
            .arg(format!("/sam-file:{}", sam.display()))
            .arg("/sec:nla")
            .env("DISPLAY", display)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
            .spawn()
            .expect("freerdp-shadow-cli is installed by scripts/test (Debian package freerdp2-shadow-x11)");
        let mut shadow = Self { child, port, log };
        shadow.wait_until_listening();
        shadow
    }

    /// The server says nothing when it listens: its port is tried until it answers (a
    /// condition, not a clock), for at most about 10 s.
    fn wait_until_listening(&mut self) {
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            assert!(
                matches!(self.child.try_wait(), Ok(None)),
                "the shadow server stopped: {}{}",
                std::fs::read_to_string(&self.log).unwrap_or_default(),
                std::fs::read_to_string(self.log.with_extension("err")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the shadow server does not listen");
    }
}

impl Drop for Shadow {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    d: PathBuf,
    xvfb: Xvfb,
    /// The client's home (FreeRDP's remembered certificates).
    client_home: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_owned();
        let client_home = d.join("client-home");
        std::fs::create_dir_all(&client_home).unwrap();
        Self {
            _dir: dir,
            d,
            xvfb: Xvfb::start(),
            client_home,
        }
    }

    fn shadow(&self, name: &str, password: &str) -> Shadow {
        let home = self.d.join(name);
        std::fs::create_dir_all(&home).unwrap();
        Shadow::start(&self.d, &home, &self.xvfb.display, password)
    }

    fn connect(&self, args: &[&str]) -> common::Out {
        let home = self.client_home.to_str().unwrap();
        let config = self.client_home.join(".config");
        let config = config.to_str().unwrap();
        let run_dir = self.d.join("run");
        std::fs::create_dir_all(&run_dir).unwrap();
        run(
            &self.d,
            &[&["connect", "w.pcx", "Desk"][..], args].concat(),
            "",
            &[
                ("DISPLAY", self.xvfb.display.as_str()),
                ("HOME", home),
                ("XDG_CONFIG_HOME", config),
                ("XDG_RUNTIME_DIR", run_dir.to_str().unwrap()),
            ],
        )
    }
}

/// The login `Login` (alice, `password`) and the RDP connection `Desk` to `port`.
fn workspace(d: &Path, port: u16, password: &str) {
    init(d);
    let out = run(
        d,
        &["add", "w.pcx", "--title", "Login", "--username", "alice"],
        &format!("{password}\n"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let port = port.to_string();
    ok(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "Desk",
            "--kind",
            "remote",
            "--protocol",
            "rdp",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--login",
            "Login",
        ],
    );
}

#[test]
fn auth_only_logs_in_with_the_right_password_and_fails_with_a_wrong_one() {
    let s = Setup::new();
    let shadow = s.shadow("server-home", "Rdp-pass-1");
    workspace(&s.d, shadow.port, "Rdp-pass-1");

    let dry = s.connect(&["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .ends_with("/u:alice /cert:tofu /from-stdin:force\n"),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains("Rdp-pass-1"));

    let good = s.connect(&["--auth-only"]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert_eq!(good.stderr, "login to Desk worked\n");

    // While a login runs, no process's arguments or environment hold the password: scanned
    // over and over until it ends.
    let mut login = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["connect", "w.pcx", "Desk", "--auth-only"])
        .current_dir(&s.d)
        .env("PORTCULLIS_PASSWORD", "pw")
        .env("DISPLAY", &s.xvfb.display)
        .env("HOME", &s.client_home)
        .env("XDG_CONFIG_HOME", s.client_home.join(".config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut scans = 0;
    let mut leaks = Vec::new();
    let status = loop {
        if let Some(status) = login.try_wait().unwrap() {
            break status;
        }
        leaks.extend(common::processes_holding("Rdp-pass-1"));
        scans += 1;
    };
    assert!(status.success());
    assert!(scans > 1, "scanned while it ran");
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
    let out = run(
        &s.d,
        &["edit", "w.pcx", "Login", "--change-password"],
        "Wrong-pass\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bad = s.connect(&["--auth-only"]);
    assert_ne!(bad.code, 0);
    assert_eq!(bad.stderr, "error: the login failed\n");
    assert_eq!(std::fs::read_dir(s.d.join("run")).unwrap().count(), 0);
}

#[test]
fn the_certificate_policy_is_the_entrys() {
    let s = Setup::new();
    let first = s.shadow("first-home", "Rdp-pass-2");
    workspace(&s.d, first.port, "Rdp-pass-2");

    // verify: a self-signed certificate never seen is refused.
    ok(&s.d, &["edit", "w.pcx", "Desk", "--certificate", "verify"]);
    let shown = ok(&s.d, &["show", "w.pcx", "Desk"]).stdout;
    assert!(shown.contains("certificate: verify"), "{shown}");
    let out = s.connect(&["--auth-only"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("certificate was refused (certificate policy verify"),
        "{}",
        out.stderr
    );

    // tofu (the default): the first is remembered…
    ok(&s.d, &["edit", "w.pcx", "Desk", "--certificate", "tofu"]);
    let out = s.connect(&["--auth-only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // …in FreeRDP's store (HOST PORT FINGERPRINT …)…
    let store = s.client_home.join(".config/freerdp/known_hosts2");
    let known = std::fs::read_to_string(&store).unwrap();
    let prefix = format!("127.0.0.1 {} ", first.port);
    let line = known
        .lines()
        .find(|l| l.starts_with(&prefix))
        .expect("remembered");
    // …and a server presenting another certificate is refused (the remembered fingerprint
    // changed here stands for a machine in the middle).
    let fingerprint = line.split(' ').nth(2).unwrap();
    let other: String = fingerprint
        .chars()
        .map(|c| match c {
            '0' => '1',
            ':' => ':',
            _ => '0',
        })
        .collect();
    std::fs::write(&store, known.replace(fingerprint, &other)).unwrap();
    let out = s.connect(&["--auth-only"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("certificate was refused (certificate policy tofu"),
        "{}",
        out.stderr
    );
}
