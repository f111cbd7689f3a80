//! The test SSH server (`tests/connect/ssh_server.py`, python3-asyncssh) on a loopback port:
//! password and, when given, public-key authentication, a line on its standard output for each
//! connection, authentication and session; stopped when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(20);

/// A running server.
pub struct SshServer {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its host key, `TYPE BASE64`.
    pub host_key: String,
}

impl SshServer {
    /// A server whose host key is the file `key` in `dir` (made when missing), accepting `user`
    /// with `password` and, when given, the public key in the file `authorized`.
    pub fn start(
        dir: &Path,
        key: &str,
        user: &str,
        password: &str,
        authorized: Option<&Path>,
    ) -> Self {
        let password_file = dir.join(format!("{key}.password"));
        std::fs::write(&password_file, password).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../connect/ssh_server.py");
        let mut command = Command::new("/usr/bin/python3");
        command
            .args(["-W", "ignore"])
            .arg(script)
            .arg(dir.join(key))
            .arg(user)
            .arg(&password_file);
        if let Some(authorized) = authorized {
            command.arg(authorized);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3-asyncssh is installed by scripts/test");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            stdin: child.stdin.take().unwrap(),
            child,
            lines,
            port: 0,
            host_key: String::new(),
        };
        server.host_key = server.next_with("HOSTKEY ");
        server.port = server.next_with("PORT ").parse().unwrap();
        server
    }

    /// The next line the server prints.
    pub fn next(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("the server answers")
    }

    /// The next line, which must start with `prefix`: what follows it.
    pub fn next_with(&self, prefix: &str) -> String {
        let line = self.next();
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("expected {prefix}…, got {line}"))
            .to_owned()
    }

    /// The lines up to the first that `last` accepts, that one included.
    pub fn until(&self, last: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self.next();
            let done = last(&line);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    /// Every line printed before a marker connection made now (the server takes connections
    /// in order, so an earlier client's lines are all there).
    pub fn lines_so_far(&self) -> Vec<String> {
        let marker = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mark = format!("CONNECT {}", marker.local_addr().unwrap().port());
        let mut seen = self.until(|l| l == mark);
        seen.pop();
        seen
    }

    /// Ends the open shell sessions (the server's "end" on its standard input).
    pub fn end_sessions(&mut self) {
        self.stdin.write_all(b"end\n").unwrap();
        self.stdin.flush().unwrap();
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
