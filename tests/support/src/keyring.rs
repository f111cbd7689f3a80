//! A private D-Bus session bus (dbus-daemon) with an unlocked gnome-keyring daemon on it
//! (Debian packages dbus and gnome-keyring, installed by scripts/test), its keyrings in a folder
//! of the test's.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// A private session bus with an unlocked gnome-keyring on it; both stop on drop.
pub struct Keyring {
    /// The bus address, for DBUS_SESSION_BUS_ADDRESS.
    pub bus: String,
    pids: Vec<u32>,
}

impl Keyring {
    /// Starts both, with the keyrings under `home`.
    pub fn start(home: &Path) -> Keyring {
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
