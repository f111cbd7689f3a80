//! `portcullis connect` over VNC against TigerVNC's `Xvnc` on loopback with a password file
//! (written by `tigervncpasswd -f`, the reference for the format): the viewer authenticates
//! with the right password and is refused with a wrong one, the server's log says so, the
//! password pipe is gone once read, and no process's arguments or environment hold the
//! password while the viewer runs.
#![allow(clippy::unwrap_used)]

mod common;

use common::{init, ok, run};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A VNC server on its own display, stopped when dropped.
struct Xvnc {
    child: Child,
    display: String,
    port: u16,
    log: PathBuf,
}

impl Xvnc {
    fn start(dir: &Path, password: &str) -> Self {
        let passwd = dir.join("server-passwd");
        let mut tool = Command::new("tigervncpasswd")
            .arg("-f")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("tigervncpasswd is installed by scripts/test (Debian package tigervnc-tools)");
        tool.stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let out = tool.wait_with_output().unwrap();
        assert!(out.status.success());
        std::fs::write(&passwd, out.stdout).unwrap();
        let port = test_support::free_port();
        let log = dir.join("xvnc.log");
        let mut child = Command::new("Xvnc")
            .args(["-displayfd", "1", "-rfbport", &port.to_string()])
            .args(["-interface", "127.0.0.1", "-localhost", "-nolisten", "tcp"])
            .args([
                "-SecurityTypes",
                "VncAuth",
                "-geometry",
                "64x64",
                "-noreset",
            ])
            .arg("-PasswordFile")
            .arg(&passwd)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect(
                "Xvnc is installed by scripts/test (Debian package tigervnc-standalone-server)",
            );
        // -displayfd: the display number, once the server listens.
        let mut number = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut number)
            .unwrap();
        let display = format!(":{}", number.trim());
        assert!(number.trim().parse::<u32>().is_ok(), "Xvnc said {number:?}");
        Self {
            child,
            display,
            port,
            log,
        }
    }

    fn log(&self) -> String {
        let mut text = String::new();
        std::fs::File::open(&self.log)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }
}

impl Xvnc {
    /// Stops the server with SIGTERM, so that it removes its X socket and lock file.
    fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Xvnc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The login `Login` with `password` and the VNC connection `Desk` to `server`.
fn workspace(dir: &Path, server: &Xvnc, password: &str) {
    init(dir);
    let out = run(
        dir,
        &["add", "w.pcx", "--title", "Login"],
        &format!("{password}\n"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let port = server.port.to_string();
    ok(
        dir,
        &[
            "add",
            "w.pcx",
            "--title",
            "Desk",
            "--kind",
            "remote",
            "--protocol",
            "vnc",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--login",
            "Login",
        ],
    );
}

fn runtime(dir: &Path) -> PathBuf {
    let path = dir.join("run");
    std::fs::create_dir_all(&path).unwrap();
    path
}

/// An 8-character password (VNC uses 8) that no other process holds.
fn unique_password() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("v{:07}", nanos % 10_000_000)
}

#[test]
fn the_viewer_authenticates_with_the_right_password_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let password = unique_password();
    let server = Xvnc::start(d, &password);
    workspace(d, &server, &password);
    let run_dir = runtime(d);
    let env = [
        ("DISPLAY", server.display.as_str()),
        ("XDG_RUNTIME_DIR", run_dir.to_str().unwrap()),
    ];

    let dry = run(d, &["connect", "w.pcx", "Desk", "--dry-run"], "", &env);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("-passwd "), "{}", dry.stdout);
    assert!(!dry.stdout.contains(&password));

    let good = run(d, &["connect", "w.pcx", "Desk", "--auth-only"], "", &env);
    assert_eq!(good.code, 0, "{}", good.stderr);
    assert_eq!(good.stderr, "login to Desk worked\n");
    assert!(
        server.log().contains("Server default pixel format"),
        "{}",
        server.log()
    );
    assert!(!server.log().contains("Authentication failure"));

    let out = run(
        d,
        &["edit", "w.pcx", "Login", "--change-password"],
        "wrong-pw\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bad = run(d, &["connect", "w.pcx", "Desk", "--auth-only"], "", &env);
    assert_ne!(bad.code, 0);
    assert!(
        bad.stderr.ends_with("error: the login failed\n"),
        "{}",
        bad.stderr
    );
    assert!(
        server.log().contains("Authentication failure"),
        "{}",
        server.log()
    );
    assert_eq!(
        std::fs::read_dir(&run_dir).unwrap().count(),
        0,
        "nothing left behind"
    );
}

#[test]
fn while_the_viewer_runs_no_process_shows_the_password_and_the_pipe_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let password = unique_password();
    let mut server = Xvnc::start(d, &password);
    workspace(d, &server, &password);
    let run_dir = runtime(d);

    let mut session = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["connect", "w.pcx", "Desk"])
        .current_dir(d)
        .env("PORTCULLIS_PASSWORD", "pw")
        .env("DISPLAY", &server.display)
        .env("XDG_RUNTIME_DIR", &run_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The viewer's log, passed on: the session is open once the server's pixel format came.
    let mut log = BufReader::new(session.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("Using pixel format") {
        let mut line = String::new();
        assert_ne!(
            log.read_line(&mut line).unwrap(),
            0,
            "the viewer ended: {seen}"
        );
        seen.push_str(&line);
    }
    let leaks = common::processes_holding(&password);
    let left: Vec<PathBuf> = std::fs::read_dir(&run_dir)
        .unwrap()
        .flatten()
        .flat_map(|folder| std::fs::read_dir(folder.path()).unwrap().flatten())
        .map(|f| f.path())
        .collect();
    // The server going away ends the viewer, and the session.
    server.stop();
    let mut rest = String::new();
    log.read_to_string(&mut rest).unwrap();
    session.wait().unwrap();
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
    assert!(
        left.is_empty(),
        "the password pipe is gone once read: {left:?}"
    );
    assert_eq!(
        std::fs::read_dir(&run_dir).unwrap().count(),
        0,
        "removed after the session"
    );
}
