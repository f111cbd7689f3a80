//! A real SMTP server on loopback: aiosmtpd from PyPI (tests/smtp/server.py, in a venv under
//! target/), with STARTTLS or TLS and one login. Messages land as files.

use crate::tls::certificates;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the server protects connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No encryption.
    None,
    /// STARTTLS, required before MAIL and AUTH.
    StartTls,
    /// TLS from the first byte.
    Tls,
}

/// A running server; stopped on drop.
pub struct SmtpServer {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// The CA (PEM file) that signed its certificate.
    pub ca_file: PathBuf,
    maildir: PathBuf,
    child: Child,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl SmtpServer {
    /// Starts a server keeping its files under `dir`; with `login`, AUTH is required (and only
    /// over TLS).
    pub fn start(dir: &Path, security: SmtpSecurity, login: Option<(&str, &str)>) -> SmtpServer {
        let maildir = dir.join("mail");
        std::fs::create_dir_all(&maildir).unwrap();
        let certs = certificates().unwrap();
        let (ca_file, cert, key) = (
            dir.join("ca.pem"),
            dir.join("cert.pem"),
            dir.join("key.pem"),
        );
        std::fs::write(&ca_file, certs.ca).unwrap();
        std::fs::write(&cert, certs.cert).unwrap();
        std::fs::write(&key, certs.key).unwrap();
        let root = workspace_root();
        let python = crate::venv("smtp-venv", "aiosmtpd==1.4.6", "aiosmtpd");
        let mut command = Command::new(&python);
        command
            .arg(root.join("tests/smtp/server.py"))
            .arg("--maildir")
            .arg(&maildir)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its tracebacks (a refused certificate, say) are expected: kept beside the mail.
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap());
        match security {
            SmtpSecurity::None => {}
            SmtpSecurity::StartTls => {
                command.arg("--starttls");
            }
            SmtpSecurity::Tls => {
                command.arg("--tls");
            }
        }
        if let Some((user, password)) = login {
            command.args(["--user", user, "--password", password]);
        }
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "{} (aiosmtpd in a venv under target/): {e}",
                python.display()
            )
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        SmtpServer {
            port,
            ca_file,
            maildir,
            child,
        }
    }

    /// The messages received so far, oldest first (headers and body as sent).
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(&self.maildir)
            .unwrap()
            .filter_map(|e| {
                let path = e.ok()?.path();
                let n = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".eml")?
                    .parse()
                    .ok()?;
                Some((n, path))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// Waits up to 10 s for the `n`-th message (1-based) and returns it.
    pub fn wait_for_message(&self, n: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(m) = self.messages().into_iter().nth(n - 1) {
                return m;
            }
            assert!(Instant::now() < deadline, "message {n} never arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The 6-digit code in the `n`-th message.
    pub fn code_in_message(&self, n: usize) -> String {
        let message = self.wait_for_message(n);
        message
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_else(|| panic!("no code in message {n}:\n{message}"))
            .to_owned()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
