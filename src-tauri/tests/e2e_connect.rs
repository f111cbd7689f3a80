//! End to end in the real app: the Connect button of an SSH entry against a real SSH server on
//! loopback (tests/connect/ssh_server.py, Debian's python3-asyncssh). The entry has no pinned
//! host key: the app shows the fingerprint the server presents and sends nothing until it is
//! pinned (Cancel, then Ctrl+Enter asks again). Once pinned, the session opens in a real xterm
//! (`x-terminal-emulator` on the app's PATH names it) and logs in with the linked login's
//! password, given through the app's binary as ssh's askpass helper: the server logs one good
//! password. A wrong password is one attempt on the server and an error in the app, in French
//! once the page is.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PASSWORD: &str = "correct horse battery staple";

type Server = test_support::SshServer;

/// A folder for the app's PATH whose `x-terminal-emulator` is xterm, kept open after the
/// session (`-hold`, for the screenshot); each start records its arguments and pid in `dir`.
fn terminal(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("x-terminal-emulator");
    let log = dir.join("terminal.log");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf 'pid %s args %s\\n' \"$$\" \"$*\" >> '{}'\nexec xterm -hold -geometry 80x12+0+0 \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The terminals started so far: (pid, arguments).
fn terminals(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("terminal.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("pid ")?;
            let (pid, args) = rest.split_once(" args ")?;
            Some((pid.to_owned(), args.to_owned()))
        })
        .collect()
}

/// The processes whose arguments or environment hold `needle`: `PID/cmdline`, `PID/environ`.
fn holding(needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for file in ["cmdline", "environ"] {
            let Ok(bytes) = std::fs::read(entry.path().join(file)) else {
                continue;
            };
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                out.push(format!("{name}/{file}"));
            }
        }
    }
    out
}

fn auth_lines(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.starts_with("AUTH "))
        .map(String::as_str)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_pins_the_host_key_then_logs_in_through_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let ssh_password = format!("Pc-{}-{nanos}-x!", std::process::id());
    let mut server = Server::start(dir.path(), "hostkey", "alice", &ssh_password, None);
    let bin = terminal(dir.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (app, _) = App::start_with("connect", &[("PATH", path)]).await;
    app.create_workspace(PASSWORD).await;

    // The login, and the SSH connection that uses it (no host key pinned).
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "Login").await;
    app.type_into(r#"[data-testid="username"]"#, "alice").await;
    app.type_into(r#"[data-testid="entry-password"]"#, &ssh_password)
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Login")
        .await;
    app.click(r#"[data-testid="add"]"#).await;
    app.select(r#"[data-testid="kind"]"#, "remote").await;
    app.type_into(r#"[data-testid="title"]"#, "Srv").await;
    app.type_into(r#"[data-testid="host"]"#, "127.0.0.1").await;
    app.type_into("#port", &server.port.to_string()).await;
    app.wait(r#"[data-testid="remote-login-choice"] option:nth-child(2)"#)
        .await
        .click()
        .await
        .unwrap();
    app.click(r#"[data-testid="save"]"#).await;
    assert_eq!(
        app.wait_text(r#"[data-testid="remote-address"]"#, |t| !t.is_empty())
            .await,
        format!("ssh://127.0.0.1:{}", server.port)
    );

    // Connect: the key the server presents, to compare; nothing was sent.
    let fingerprint = portcullis_core::connect::host_key::HostKey::parse(&server.host_key)
        .unwrap()
        .fingerprint();
    app.click(r#"[data-testid="connect"]"#).await;
    assert_eq!(
        app.text(r#"[data-testid="host-fingerprint"]"#).await,
        fingerprint
    );
    app.shot("01-pin-dialog").await;
    app.click(r#"[data-testid="pin-cancel"]"#).await;
    app.wait_text(r#"[data-testid="connect-status"]"#, |t| {
        t == "Not pinned; nothing was sent."
    })
    .await;
    assert!(auth_lines(&server.lines_so_far()).is_empty());
    assert!(terminals(dir.path()).is_empty(), "no session was started");

    // Ctrl+Enter asks again; pinned, the session logs in once, in a terminal window.
    app.wait(r#"[data-testid="connect"]"#)
        .await
        .send_keys("\u{E009}\u{E007}")
        .await
        .unwrap();
    app.wait(r#"[data-testid="pin-dialog"]"#).await;
    app.click(r#"[data-testid="pin-host-key"]"#).await;
    let lines = server.until(|l| l.starts_with("SESSION"));
    assert_eq!(auth_lines(&lines), ["AUTH alice ok"], "{lines:?}");
    assert_eq!(lines.last().unwrap(), "SESSION ", "a shell");
    // While the shell runs, no process's arguments or environment hold the password; the
    // scan finds it where `sshpass -p` would put it.
    let mut control = Command::new("/bin/sh")
        .args([
            "-c",
            "echo ready; read x",
            "sh",
            &format!("control-{ssh_password}"),
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
    let found = holding(&ssh_password);
    drop(control.stdin.take());
    control.wait().unwrap();
    let control_pid = control.id().to_string();
    assert!(
        found.iter().any(|p| p == &format!("{control_pid}/cmdline")),
        "{found:?}"
    );
    let leaks: Vec<&String> = found
        .iter()
        .filter(|p| !p.starts_with(&format!("{control_pid}/")))
        .collect();
    assert!(leaks.is_empty(), "the password is in {leaks:?}");
    app.wait_text(r#"[data-testid="connect-running"]"#, |t| {
        t == "SSH session in a terminal window…"
    })
    .await;
    app.shot("02-session-running").await;
    server.end_sessions();
    app.wait_text(r#"[data-testid="connect-status"]"#, |t| {
        t == "The session ended."
    })
    .await;
    let started = terminals(dir.path());
    assert_eq!(started.len(), 1, "{started:?}");
    // The terminal got the session's script, no secret.
    let args = &started[0].1;
    assert!(
        args.starts_with("-e ") && args.ends_with("/session.sh"),
        "{args}"
    );
    assert!(!args.contains(&ssh_password));
    app.shot("03-session-ended").await;

    // A wrong password: one attempt on the server, and the app says so (in French here).
    app.click(r#"[data-testid="entry-Login"]"#).await;
    app.click(r#"[data-testid="edit"]"#).await;
    app.type_into(r#"[data-testid="entry-password"]"#, "not-the-password")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Login")
        .await;
    app.select("#locale", "fr").await;
    app.click(r#"[data-testid="entry-Srv"]"#).await;
    app.click(r#"[data-testid="connect"]"#).await;
    let error = app
        .wait_text(r#"[data-testid="connect-error"]"#, |t| !t.is_empty())
        .await;
    assert_eq!(
        error,
        "Le serveur n’a pas accepté le mot de passe (il a été envoyé une seule fois)."
    );
    let lines = server.lines_so_far();
    assert_eq!(auth_lines(&lines), ["AUTH alice bad"], "{lines:?}");
    app.shot("04-wrong-password-fr").await;
    // Nothing of the sessions stays in the runtime folder.
    let left: Vec<_> = std::fs::read_dir(app.home.path().join("run"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("portcullis-connect-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // The terminals (kept open by -hold) are this test's to close.
    for (pid, _) in terminals(dir.path()) {
        let _ = Command::new("kill").arg(&pid).status();
    }
    app.stop().await;
}
