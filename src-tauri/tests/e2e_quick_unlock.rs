//! Quick unlock in the real app, against a real gnome-keyring on a private session bus:
//! "Remember on this computer" in Security, lock, then "Open without the password" on the
//! start screen; "Forget" removes the option.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const PASSWORD: &str = "correct horse battery staple";

/// A private session bus with an unlocked gnome-keyring on it; both stop on drop.
struct Keyring {
    bus: String,
    pids: Vec<u32>,
}

impl Keyring {
    fn start(home: &Path) -> Keyring {
        for d in ["data", "config", "run"] {
            std::fs::create_dir_all(home.join(d)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home.join("run"), std::fs::Permissions::from_mode(0o700))
                .unwrap();
        }
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-address=1", "--print-pid=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (Debian package dbus) is installed by scripts/test");
        let mut lines = BufReader::new(bus.stdout.take().unwrap()).lines();
        let address = lines.next().unwrap().unwrap();
        let pid: u32 = lines.next().unwrap().unwrap().trim().parse().unwrap();
        bus.wait().unwrap();
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect(
                "gnome-keyring-daemon (Debian package gnome-keyring) is installed by scripts/test",
            );
        daemon
            .stdin
            .take()
            .unwrap()
            .write_all(b"test-keyring-password")
            .unwrap();
        let out = daemon.wait_with_output().unwrap();
        assert!(out.status.success());
        let mut pids = vec![pid];
        // The daemon forks; find it by its private runtime folder.
        let found = Command::new("pgrep")
            .args(["-f", "gnome-keyring-daemon"])
            .output()
            .unwrap();
        for line in String::from_utf8_lossy(&found.stdout).lines() {
            if let Ok(p) = line.trim().parse::<u32>() {
                let environ = std::fs::read(format!("/proc/{p}/environ")).unwrap_or_default();
                if String::from_utf8_lossy(&environ).contains(&address) {
                    pids.push(p);
                }
            }
        }
        Keyring { bus: address, pids }
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        for pid in &self.pids {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn remember_then_open_without_the_password() {
    let keyring_home = tempfile::tempdir().unwrap();
    let keyring = Keyring::start(keyring_home.path());
    let (app, _) = App::start_with(
        "quick",
        &[("DBUS_SESSION_BUS_ADDRESS", keyring.bus.clone())],
    )
    .await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.type_into(r#"[data-testid="repeat"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="quick-enable"]"#).await;
    app.wait_text(r#"[data-testid="quick-state"]"#, |t| {
        t.starts_with("Quick unlock is on until")
    })
    .await;
    app.shot("01-remembered").await;
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;

    // The start screen offers to open without the password, and does.
    app.click(r#"[data-testid="quick-open"]"#).await;
    app.wait(r#"[data-testid="add"]"#).await;
    app.shot("02-opened").await;

    // Forgotten: the option is gone.
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="quick-disable"]"#).await;
    app.wait_text(r#"[data-testid="quick-state"]"#, |t| {
        t == "Quick unlock is off."
    })
    .await;
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="password"]"#).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        app.client
            .find(fantoccini::Locator::Css(r#"[data-testid="quick-open"]"#))
            .await
            .is_err(),
        "no quick open after forgetting"
    );
    app.stop().await;
}
