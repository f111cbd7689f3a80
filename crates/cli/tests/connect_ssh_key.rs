//! `portcullis connect` over SSH with a private key kept in the workspace, against a real
//! server on loopback (tests/connect/ssh_server.py with an authorized key) and a private
//! `ssh-agent` started here: the key is in the agent, with its lifetime, while the session
//! runs and gone afterwards; no password is sent; no process's arguments or environment hold
//! the key; the key is kept, shown and removed as a secret.
#![allow(clippy::unwrap_used)]

mod common;

use common::{init, ok, run};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

/// How long a test waits for a line that must come.
const PATIENCE: Duration = Duration::from_secs(20);

/// The lines a child prints on `output`, read on a thread.
fn lines_of(output: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

type Server = test_support::SshServer;

/// A private `ssh-agent -d` (foreground, its log on standard error) on a socket in `dir`;
/// stopped when dropped.
struct Agent {
    child: Child,
    socket: PathBuf,
    log: Receiver<String>,
}

impl Agent {
    fn start(dir: &Path) -> Self {
        let socket = dir.join("agent.sock");
        let mut child = Command::new("ssh-agent")
            .arg("-d")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssh-agent (openssh-client) is installed by scripts/test");
        let log = lines_of(child.stderr.take().unwrap());
        // The socket exists once the agent listens.
        let started = std::time::Instant::now();
        while !socket.exists() {
            assert!(started.elapsed() < PATIENCE, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, socket, log }
    }

    fn sock(&self) -> &str {
        self.socket.to_str().unwrap()
    }

    /// `ssh-add -l`: the fingerprints of the keys the agent holds.
    fn keys(&self) -> String {
        let out = Command::new("ssh-add")
            .arg("-l")
            .env("SSH_AUTH_SOCK", &self.socket)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    /// The agent's log so far.
    fn log_so_far(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A key made with `ssh-keygen -t ed25519 -N ''` in `dir`: its file and fingerprint.
fn make_key(dir: &Path) -> (PathBuf, String) {
    let key = dir.join("id");
    let made = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "portcullis-test",
            "-f",
        ])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    let listed = String::from_utf8(out.stdout).unwrap();
    let fingerprint = listed.split_whitespace().nth(1).unwrap().to_owned();
    assert!(fingerprint.starts_with("SHA256:"), "{listed}");
    (key, fingerprint)
}

/// A password no other process holds.
fn unique_password() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("Pk-{}-{nanos}-x!", std::process::id())
}

/// The workspace `w.pcx` in `dir`: the login `Login` (alice, `password`, the key file `key`)
/// and the SSH connection `Srv` to the server, its host key pinned.
fn workspace(dir: &Path, server: &Server, password: &str, key: &Path) {
    init(dir);
    let out = run(
        dir,
        &[
            "add",
            "w.pcx",
            "--title",
            "Login",
            "--username",
            "alice",
            "--ssh-key-file",
            key.to_str().unwrap(),
        ],
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
            "--host-key",
            &server.host_key,
        ],
    );
}

fn runtime(dir: &Path) -> PathBuf {
    let path = dir.join("run");
    std::fs::create_dir_all(&path).unwrap();
    path
}

fn connect(dir: &Path, sock: &str, args: &[&str]) -> common::Out {
    let run_dir = runtime(dir);
    run(
        dir,
        &[&["connect", "w.pcx", "Srv"][..], args].concat(),
        "",
        &[
            ("XDG_RUNTIME_DIR", run_dir.to_str().unwrap()),
            ("SSH_AUTH_SOCK", sock),
        ],
    )
}

fn password_attempts(lines: &[String]) -> Vec<&String> {
    lines.iter().filter(|l| l.starts_with("AUTH ")).collect()
}

#[test]
fn the_key_is_lent_to_the_agent_for_the_session_and_no_password_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, fingerprint) = make_key(dir.path());
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    // A line of the private part (the third of the file): what a leak would show.
    let secret_line = key_text.lines().nth(3).unwrap().to_owned();
    let password = unique_password();
    let server = Server::start(
        dir.path(),
        "hk",
        "alice",
        &password,
        Some(&key_file.with_extension("pub")),
    );
    let agent = Agent::start(dir.path());
    workspace(dir.path(), &server, &password, &key_file);
    assert!(!agent.keys().contains(&fingerprint), "not lent before");

    // A remote command: its output comes back, with the key and no password.
    let out = connect(
        dir.path(),
        agent.sock(),
        &["--key-lifetime", "120", "--", "hello", "world"],
    );
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "remote: hello world\n"),
        "{}",
        out.stderr
    );
    let lines = server.lines_so_far();
    assert!(lines.contains(&"KEY alice ok".to_owned()), "{lines:?}");
    assert!(password_attempts(&lines).is_empty(), "{lines:?}");
    // The agent was given the key with the lifetime asked for, and has it no more.
    let log = agent.log_so_far();
    assert!(
        log.iter()
            .any(|l| l.contains(&fingerprint) && l.contains("life: 120")),
        "{log:?}"
    );
    assert!(!agent.keys().contains(&fingerprint), "taken back");
    // --auth-only, with the default lifetime.
    let out = connect(dir.path(), agent.sock(), &["--auth-only"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(agent
        .log_so_far()
        .iter()
        .any(|l| l.contains(&fingerprint) && l.contains("life: 300")));
    assert!(password_attempts(&server.lines_so_far()).is_empty());

    // While a session runs: the key is in the agent, and in no process's arguments or
    // environment.
    let run_dir = runtime(dir.path());
    let mut session = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(["connect", "w.pcx", "Srv", "--", "wait-stdin"])
        .current_dir(dir.path())
        .env("PORTCULLIS_PASSWORD", "pw")
        .env("XDG_RUNTIME_DIR", &run_dir)
        .env("SSH_AUTH_SOCK", agent.sock())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = session.stdin.take().unwrap();
    loop {
        if server.next() == "SESSION wait-stdin" {
            break;
        }
    }
    let held = agent.keys();
    // The scan finds the key where a careless client would put it: in an argument.
    let mut control = Command::new("/bin/sh")
        .args([
            "-c",
            "echo ready; read x",
            "sh",
            &format!("control-{secret_line}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(control.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let control_found = common::processes_holding(&format!("control-{secret_line}"));
    let leaks: Vec<String> = common::processes_holding(&secret_line)
        .into_iter()
        .filter(|l| !control_found.contains(l))
        .collect();
    drop(control.stdin.take());
    control.wait().unwrap();
    assert_eq!(control_found.len(), 1, "{control_found:?}");
    let password_leaks = common::processes_holding(&password);
    // The session's folder holds the public half and the known-hosts file, not the key.
    let folder = std::fs::read_dir(&run_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let public = std::fs::read_to_string(folder.join("id.pub")).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(folder.join("id.pub"))
            .unwrap()
            .permissions(),
    );
    stdin.write_all(b"").unwrap();
    drop(stdin);
    let out = session.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(held.contains(&fingerprint), "in the agent during: {held}");
    assert!(leaks.is_empty(), "the key is in {leaks:?}");
    assert!(
        password_leaks.is_empty(),
        "the password is in {password_leaks:?}"
    );
    assert_eq!(files, ["id.pub", "known_hosts"]);
    let expected_public = std::fs::read_to_string(key_file.with_extension("pub")).unwrap();
    assert_eq!(
        public.split_whitespace().take(2).collect::<Vec<_>>(),
        expected_public
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
    );
    assert_eq!(mode & 0o777, 0o600);
    assert!(!agent.keys().contains(&fingerprint), "taken back after");
    assert_eq!(std::fs::read_dir(&run_dir).unwrap().count(), 0);
    assert!(password_attempts(&server.lines_so_far()).is_empty());

    // --dry-run: ssh offers the key only; no secret.
    let out = connect(dir.path(), agent.sock(), &["--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for part in [
        "IdentitiesOnly=yes",
        "id.pub",
        "PreferredAuthentications=publickey",
    ] {
        assert!(out.stdout.contains(part), "{part}: {}", out.stdout);
    }
    assert!(!out.stdout.contains("SSH_ASKPASS"), "{}", out.stdout);
    assert!(out.stderr.contains("ssh-agent"), "{}", out.stderr);
}

#[test]
fn without_an_agent_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, _) = make_key(dir.path());
    let password = unique_password();
    let server = Server::start(
        dir.path(),
        "hk",
        "alice",
        &password,
        Some(&key_file.with_extension("pub")),
    );
    workspace(dir.path(), &server, &password, &key_file);
    let out = connect(dir.path(), "", &["--", "hello"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.starts_with("error: ")
            && out.stderr.contains("ssh-agent")
            && out.stderr.contains("SSH_AUTH_SOCK"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    assert!(server.lines_so_far().is_empty(), "no connection");
    assert_eq!(std::fs::read_dir(runtime(dir.path())).unwrap().count(), 0);
}

#[test]
fn the_key_is_kept_checked_shown_as_a_secret_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, _) = make_key(dir.path());
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    let secret_line = key_text.lines().nth(3).unwrap().to_owned();
    let public = std::fs::read_to_string(key_file.with_extension("pub")).unwrap();
    let public: Vec<&str> = public.split_whitespace().take(2).collect();
    init(dir.path());
    let add = |args: &[&str]| {
        run(
            dir.path(),
            &[&["add", "w.pcx", "--title", "Login"][..], args].concat(),
            "pw1\n",
            &[],
        )
    };
    // Not a key: refused, nothing added.
    let not_key = dir.path().join("not-a-key");
    std::fs::write(&not_key, "hello").unwrap();
    let out = add(&["--ssh-key-file", not_key.to_str().unwrap()]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.starts_with("error: not an OpenSSH private key"),
        "{}",
        out.stderr
    );
    let big = dir.path().join("big");
    std::fs::write(&big, "x".repeat(64 * 1024 + 1)).unwrap();
    let out = add(&["--ssh-key-file", big.to_str().unwrap()]);
    assert!(out.stderr.contains("larger than 64 KiB"), "{}", out.stderr);
    let listed = ok(dir.path(), &["list", "w.pcx", "--json"]).stdout;
    assert_eq!(listed.trim(), "[]");
    // Kept: list, search and show hold the public half at most; show --reveal the key.
    let out = add(&["--ssh-key-file", key_file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let search_word = &secret_line[..12];
    for args in [
        &["list", "w.pcx", "--json"][..],
        &["search", "w.pcx", search_word],
        &["show", "w.pcx", "Login"],
        &["show", "w.pcx", "Login", "--json"],
    ] {
        let out = ok(dir.path(), args).stdout;
        assert!(!out.contains(&secret_line), "{args:?}: {out}");
    }
    assert_eq!(
        ok(dir.path(), &["search", "w.pcx", search_word])
            .stdout
            .trim(),
        "no entries"
    );
    let shown = ok(dir.path(), &["show", "w.pcx", "Login"]).stdout;
    assert!(shown.contains(&public.join(" ")), "{shown}");
    assert!(shown.contains("use --reveal"), "{shown}");
    let revealed = ok(
        dir.path(),
        &["show", "w.pcx", "Login", "--reveal", "--json"],
    )
    .stdout;
    let revealed: serde_json::Value = serde_json::from_str(&revealed).unwrap();
    assert_eq!(revealed["ssh_key"], key_text.as_str());
    assert_eq!(revealed["ssh_public_key"], public.join(" ").as_str());
    // The encrypted copy carries it.
    ok(
        dir.path(),
        &["export", "w.pcx", "--to", "portcullis", "copy.pcx"],
    );
    let copy = ok(
        dir.path(),
        &["show", "copy.pcx", "Login", "--reveal", "--json"],
    )
    .stdout;
    let copy: serde_json::Value = serde_json::from_str(&copy).unwrap();
    assert_eq!(copy["ssh_key"], key_text.as_str());
    // An edit that does not name it keeps it; "" removes it.
    ok(
        dir.path(),
        &["edit", "w.pcx", "Login", "--url", "https://x"],
    );
    let shown = ok(dir.path(), &["show", "w.pcx", "Login", "--json"]).stdout;
    assert!(shown.contains("ssh_public_key"), "{shown}");
    ok(
        dir.path(),
        &["edit", "w.pcx", "Login", "--ssh-key-file", ""],
    );
    let shown = ok(
        dir.path(),
        &["show", "w.pcx", "Login", "--reveal", "--json"],
    )
    .stdout;
    assert!(!shown.contains("ssh_"), "{shown}");
}
