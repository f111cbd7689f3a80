//! An X server of the test's own (Xvfb on a free display), for clients that need one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Stops a child with SIGTERM (an X server then removes its socket and lock), and reaps it.
pub fn terminate(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
    }
}

/// Xvfb on a free display, stopped when dropped.
pub struct Xvfb {
    child: Child,
    /// Its display, as `DISPLAY` names it.
    pub display: String,
}

impl Xvfb {
    /// Starts one and waits until it names its display.
    pub fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "320x240x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed by scripts/test (Debian package xvfb)");
        let mut number = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut number)
            .unwrap();
        assert!(number.trim().parse::<u32>().is_ok(), "Xvfb said {number:?}");
        Self {
            child,
            display: format!(":{}", number.trim()),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}
