//! `portcullis connect` over SSH against a real server on loopback (Debian's python3-asyncssh,
//! tests/connect/ssh_server.py): the remote command's output and status come back, a wrong
//! password is tried once, an unpinned or changed host key gets no password, and while a
//! session runs no process's arguments or environment hold the password.
#![allow(clippy::unwrap_used)]

mod common;

use common::{init, ok, run};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

type Server = test_support::SshServer;

/// A password no other process on this machine holds.
fn unique_password() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("Pc-{}-{nanos}-x!", std::process::id())
}

/// A workspace in `dir` with the login `Login` (alice, `password`) and the SSH connection
/// `Srv` to the server, its host key pinned when `key` is given.
fn workspace(dir: &Path, server: &Server, password: &str, key: Option<&str>) {
    init(dir);
    let out = run(
        dir,
        &["add", "w.pcx", "--title", "Login", "--username", "alice"],
        &format!("{password}\n"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let port = server.port.to_string();
    let mut args = vec![
        "add",
        "w.pcx",
        "--title",
        "Srv",
        "--kind",
        "remote",
        "--protocol",
        "ssh",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--login",
        "Login",
    ];
    if let Some(key) = key {
        args.extend(["--host-key", key]);
    }
    ok(dir, &args);
}

/// The private runtime folder the sessions use, to check they leave nothing behind.
fn runtime(dir: &Path) -> PathBuf {
    let path = dir.join("run");
    std::fs::create_dir_all(&path).unwrap();
    path
}

fn connect(dir: &Path, args: &[&str]) -> common::Out {
    let run_dir = runtime(dir);
    let run_dir = run_dir.to_str().unwrap();
    run(
        dir,
        &[&["connect", "w.pcx", "Srv"][..], args].concat(),
        "",
        &[("XDG_RUNTIME_DIR", run_dir)],
    )
}

fn auth_lines(lines: &[String]) -> Vec<&String> {
    lines.iter().filter(|l| l.starts_with("AUTH ")).collect()
}

#[test]
fn a_remote_commands_output_and_exit_status_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let password = unique_password();
    let server = Server::start(dir.path(), "hk", "alice", &password, None);
    workspace(dir.path(), &server, &password, Some(&server.host_key));

    let out = connect(dir.path(), &["--", "hello", "world"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "remote: hello world\n"),
        "{}",
        out.stderr
    );
    let out = connect(dir.path(), &["--", "exit", "7"]);
    assert_eq!(out.code, 7, "{}", out.stderr);
    let out = connect(dir.path(), &["--auth-only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "login to Srv worked\n");
    // Three logins, each with one password attempt.
    let lines = server.lines_so_far();
    assert_eq!(auth_lines(&lines), ["AUTH alice ok"; 3]);

    // --dry-run: the command, no secret, nothing run.
    let out = connect(dir.path(), &["--dry-run", "--", "uptime"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(&password));
    for part in [
        "SSH_ASKPASS_REQUIRE=force",
        "-l alice",
        "StrictHostKeyChecking=yes",
        "NumberOfPasswordPrompts=1",
        "-- 127.0.0.1 uptime",
    ] {
        assert!(out.stdout.contains(part), "{part}: {}", out.stdout);
    }
    assert!(
        server.lines_so_far().is_empty(),
        "a dry run connects to nothing"
    );
    // The sessions left nothing in the runtime folder.
    assert_eq!(std::fs::read_dir(runtime(dir.path())).unwrap().count(), 0);
}

#[test]
fn a_wrong_password_is_tried_once_and_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "hk", "alice", "the-right-one", None);
    workspace(dir.path(), &server, "a-wrong-one", Some(&server.host_key));

    let out = connect(dir.path(), &["--", "hello"]);
    assert_ne!(out.code, 0);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("Permission denied"), "{}", out.stderr);
    assert_eq!(auth_lines(&server.lines_so_far()), ["AUTH alice bad"]);

    let out = connect(dir.path(), &["--auth-only"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.ends_with("error: the login failed\n"),
        "{}",
        out.stderr
    );
    assert_eq!(auth_lines(&server.lines_so_far()), ["AUTH alice bad"]);
}

#[test]
fn an_unpinned_host_key_without_a_terminal_gets_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let password = unique_password();
    let server = Server::start(dir.path(), "hk", "alice", &password, None);
    workspace(dir.path(), &server, &password, None);

    let out = connect(dir.path(), &["--", "hello"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.starts_with(&format!(
            "error: the host key of 127.0.0.1:{} is not pinned",
            server.port
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("no password was sent"));
    assert!(
        server.lines_so_far().is_empty(),
        "the server saw no connection"
    );
    // The dry run says it is not pinned.
    let out = connect(dir.path(), &["--dry-run"]);
    assert!(out.stderr.contains("not pinned"), "{}", out.stderr);

    // Pinned by edit: a key that is not one is refused, the server's works, "" unpins.
    let out = run(
        dir.path(),
        &[
            "edit",
            "w.pcx",
            "Srv",
            "--host-key",
            "ssh-ed25519 bm90IGEga2V5",
        ],
        "",
        &[],
    );
    assert_eq!(
        out.stderr,
        "error: not an SSH host key: the key does not match its type (expected \"TYPE BASE64\", e.g. \"ssh-ed25519 AAAAC3Nza…\")\n"
    );
    ok(
        dir.path(),
        &[
            "edit",
            "w.pcx",
            "Srv",
            "--host-key",
            &format!(" {} ", server.host_key),
        ],
    );
    let out = connect(dir.path(), &["--", "pinned"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "remote: pinned\n"),
        "{}",
        out.stderr
    );
    let show = ok(dir.path(), &["show", "w.pcx", "Srv", "--json"]).stdout;
    let shown: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(shown["host_key"], server.host_key.as_str());
    // The encrypted copy carries it.
    ok(
        dir.path(),
        &["export", "w.pcx", "--to", "portcullis", "copy.pcx"],
    );
    let copy = ok(dir.path(), &["show", "copy.pcx", "Srv", "--json"]).stdout;
    let copy: serde_json::Value = serde_json::from_str(&copy).unwrap();
    assert_eq!(copy["host_key"], server.host_key.as_str());
    ok(dir.path(), &["edit", "w.pcx", "Srv", "--host-key", ""]);
    let show = ok(dir.path(), &["show", "w.pcx", "Srv", "--json"]).stdout;
    assert!(!show.contains("host_key"), "{show}");
}

#[test]
fn a_changed_host_key_is_refused_before_any_password() {
    let dir = tempfile::tempdir().unwrap();
    let password = unique_password();
    let old = Server::start(dir.path(), "old-key", "alice", &password, None);
    let pinned = old.host_key.clone();
    drop(old);
    let server = Server::start(dir.path(), "new-key", "alice", &password, None);
    assert_ne!(pinned, server.host_key);
    workspace(dir.path(), &server, &password, Some(&pinned));

    let out = connect(dir.path(), &["--", "hello"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("Host key verification failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("error: the connection failed before any password was sent"),
        "{}",
        out.stderr
    );
    let lines = server.lines_so_far();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("CONNECT")).count(),
        1,
        "{lines:?}"
    );
    assert!(auth_lines(&lines).is_empty(), "{lines:?}");
}

#[test]
fn while_the_session_runs_no_process_shows_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let password = unique_password();
    let server = Server::start(dir.path(), "hk", "alice", &password, None);
    workspace(dir.path(), &server, &password, Some(&server.host_key));
    let run_dir = runtime(dir.path());

    let mut session = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["connect", "w.pcx", "Srv", "--", "wait-stdin"])
        .current_dir(dir.path())
        .env("PORTCULLIS_PASSWORD", "pw")
        .env("XDG_RUNTIME_DIR", &run_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = session.stdin.take().unwrap();
    // The session is open once the server runs the command.
    let mut seen = Vec::new();
    loop {
        let line = server.next();
        let started = line == "SESSION wait-stdin";
        seen.push(line);
        if started {
            break;
        }
    }
    assert_eq!(auth_lines(&seen), ["AUTH alice ok"]);
    let holding = common::processes_holding;
    // The scan finds a password where `sshpass -p` would put it: in an argument.
    let mut control = Command::new("/bin/sh")
        .args([
            "-c",
            "echo ready; read x",
            "sh",
            &format!("control-{password}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Its arguments are in place once it runs its script.
    let mut ready = String::new();
    BufReader::new(control.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let control_found = holding(&format!("control-{password}"));
    drop(control.stdin.take());
    control.wait().unwrap();
    assert_eq!(control_found.len(), 1, "{control_found:?}");
    let leaks = holding(&password);
    // While it runs, the private folder holds the known-hosts file and the askpass socket.
    let folders = std::fs::read_dir(&run_dir).unwrap().count();
    stdin.write_all(b"").unwrap();
    drop(stdin);
    let out = session.wait_with_output().unwrap();
    // The control's argument holds the password too, as part of a longer word: the one leak
    // allowed is the control (gone by now, but read while it ran).
    let leaks: Vec<&String> = leaks
        .iter()
        .filter(|l| !control_found.contains(l))
        .collect();
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
    assert_eq!(folders, 1);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(&run_dir).unwrap().count(),
        0,
        "removed after the session"
    );
}
