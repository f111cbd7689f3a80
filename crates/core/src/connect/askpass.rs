//! The askpass channel. `ssh` runs `$SSH_ASKPASS PROMPT` and reads the password from its
//! standard output; here that program is Portcullis itself in its helper mode, which gets the
//! password from the running Portcullis over a one-shot Unix socket in an owner-only folder
//! (`$XDG_RUNTIME_DIR`), never from its arguments or environment.
//!
//! `ssh` closes every inherited descriptor above 2 when it starts, so an inherited pipe cannot
//! reach its askpass child: the socket is the channel. Its path and a one-time token (random,
//! not the secret, good for one answer) are in the helper's environment. The server answers:
//! - only a peer of this user whose parent is the client Portcullis started,
//! - only with the token,
//! - only a password prompt (never a yes/no host-key question, a key passphrase or a new
//!   password),
//! - once: a second password prompt (the server refused the first answer) gets no answer and
//!   stops the client, so a wrong password costs one attempt, not a retry storm.

use crate::crypto::SecretString;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The helper's environment variable naming the socket; its presence is the helper mode.
pub const SOCKET_ENV: &str = "PORTCULLIS_ASKPASS_SOCKET";
/// The helper's environment variable holding the one-time token.
pub const TOKEN_ENV: &str = "PORTCULLIS_ASKPASS_TOKEN";

/// The most a request may hold (token and prompt).
const MAX_REQUEST: u64 = 8 << 10;
/// The most an answer may hold.
const MAX_ANSWER: u64 = 64 << 10;
/// How long either side waits for the other.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the client asked so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No password was asked.
    NotAsked,
    /// The password was given, once.
    Answered,
    /// A password was asked again after the one answer: the client was stopped.
    AskedAgain,
}

/// Why the helper got no password.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The helper was run without its channel.
    #[error("portcullis: no askpass channel (this mode is for ssh run by `portcullis connect`)")]
    NoChannel,
    /// The channel failed.
    #[error("portcullis: the askpass channel failed: {0}")]
    Io(#[from] std::io::Error),
    /// The running Portcullis refused to answer this prompt.
    #[error(
        "portcullis: not answered (only one password prompt is answered, never a yes/no question)"
    )]
    Refused,
}

/// Whether `prompt` asks for the login password: ssh's `user@host's password:` or a
/// keyboard-interactive `Password:`; never a yes/no question, a key passphrase or a new
/// password.
pub fn is_password_prompt(prompt: &str) -> bool {
    let p = prompt.trim().to_lowercase();
    let refused = [
        "yes/no",
        "fingerprint",
        "passphrase",
        "new ",
        "current",
        "again",
        "retype",
    ];
    p.ends_with("password:") && !refused.iter().any(|r| p.contains(r))
}

/// The answering end: a thread serving the socket until dropped.
pub struct Server {
    path: PathBuf,
    token: Zeroizing<String>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    token: Zeroizing<String>,
    password: Mutex<Option<SecretString>>,
    /// The client's pid: only its children are answered; 0 until known.
    client: AtomicI32,
    /// Where the client's pid is written, when this process did not start it (a session in
    /// a terminal): read at the first request if [`Shared::client`] is not known yet.
    client_file: Mutex<Option<PathBuf>>,
    /// How far up from the peer the client is: 1, its parent (ssh started here); 2, its
    /// grandparent (the session's shell, which runs ssh).
    depth: AtomicU8,
    /// Whether a second ask stops the client (always, outside tests).
    stop_client: bool,
    outcome: AtomicU8,
    stop: AtomicBool,
}

impl Server {
    /// Listens on `askpass.sock` in `dir` (an owner-only folder) to give `password` once.
    pub fn start(dir: &Path, password: SecretString) -> std::io::Result<Self> {
        Self::start_with(dir, password, true)
    }

    fn start_with(dir: &Path, password: SecretString, stop_client: bool) -> std::io::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("askpass.sock");
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        let token = Zeroizing::new(super::private_dir::random_hex(32)?);
        let shared = Arc::new(Shared {
            token: token.clone(),
            password: Mutex::new(Some(password)),
            client: AtomicI32::new(0),
            client_file: Mutex::new(None),
            depth: AtomicU8::new(1),
            stop_client,
            outcome: AtomicU8::new(0),
            stop: AtomicBool::new(false),
        });
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("askpass".into())
            .spawn(move || serve(&listener, &serving))?;
        Ok(Self {
            path,
            token,
            shared,
            thread: Some(thread),
        })
    }

    /// The helper's environment: the socket and the token (not the secret).
    pub fn env(&self) -> Vec<(String, OsString)> {
        vec![
            (SOCKET_ENV.into(), self.path.clone().into()),
            (TOKEN_ENV.into(), self.token.as_str().into()),
        ]
    }

    /// The client started: only its children are answered from now on.
    pub fn watch(&self, client_pid: u32) {
        let pid = i32::try_from(client_pid).unwrap_or(0);
        self.shared.client.store(pid, Ordering::SeqCst);
    }

    /// A session run by a shell this process did not start (in a terminal emulator): the
    /// shell writes its pid to `pid_file` before it runs ssh, and only the children of its
    /// children (ssh's askpass helper) are answered. A second password request gets no answer
    /// (the shell is not stopped: ssh is asked for one prompt only).
    pub fn watch_shell(&self, pid_file: &Path) {
        self.shared.depth.store(2, Ordering::SeqCst);
        if let Ok(mut f) = self.shared.client_file.lock() {
            *f = Some(pid_file.to_owned());
        }
    }

    /// What the client asked so far.
    pub fn outcome(&self) -> Outcome {
        match self.shared.outcome.load(Ordering::SeqCst) {
            0 => Outcome::NotAsked,
            1 => Outcome::Answered,
            _ => Outcome::AskedAgain,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the stop flag.
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn serve(listener: &UnixListener, shared: &Shared) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(stream) = stream {
            // A failed exchange answers nothing; the next one may still be served.
            let _ = answer(stream, shared);
        }
    }
}

/// One exchange: `TOKEN\nPROMPT` in, `OK\nPASSWORD` or `NO\n` out.
fn answer(mut stream: UnixStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let allowed = peer_descends_from(
        &stream,
        shared.client(),
        shared.depth.load(Ordering::SeqCst),
    );
    let mut request = Zeroizing::new(Vec::new());
    (&mut stream).take(MAX_REQUEST).read_to_end(&mut request)?;
    let text = String::from_utf8_lossy(&request);
    let (token, prompt) = text.split_once('\n').unwrap_or((&text, ""));
    let token_ok = bool::from(token.as_bytes().ct_eq(shared.token.as_bytes()));
    if !(allowed && token_ok && is_password_prompt(prompt)) {
        tracing::warn!(allowed, token_ok, "askpass request refused");
        return stream.write_all(b"NO\n");
    }
    let password = shared
        .password
        .lock()
        .map_err(|_| std::io::Error::other("poisoned"))?
        .take();
    let Some(password) = password else {
        // Asked again: the one answer was refused. No second attempt: the client stops.
        shared.outcome.store(2, Ordering::SeqCst);
        stream.write_all(b"NO\n")?;
        if shared.stop_client && shared.depth.load(Ordering::SeqCst) == 1 {
            stop(shared.client.load(Ordering::SeqCst));
        }
        return Ok(());
    };
    let mut reply = Zeroizing::new(Vec::with_capacity(3 + password.expose_secret().len()));
    reply.extend_from_slice(b"OK\n");
    reply.extend_from_slice(password.expose_secret().as_bytes());
    shared.outcome.store(1, Ordering::SeqCst);
    stream.write_all(&reply)
}

impl Shared {
    /// The client's pid, read from its pid file if it is not known yet; 0 when unknown.
    fn client(&self) -> i32 {
        let known = self.client.load(Ordering::SeqCst);
        if known > 0 {
            return known;
        }
        let file = self.client_file.lock().ok().and_then(|f| f.clone());
        let pid = file
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|s| s.trim().parse::<i32>().ok())
            .filter(|p| *p > 0)
            .unwrap_or(0);
        if pid > 0 {
            self.client.store(pid, Ordering::SeqCst);
        }
        pid
    }
}

/// Whether the peer is this user's process and descends from `client`, `depth` generations
/// up (1: a child of the client).
fn peer_descends_from(stream: &UnixStream, client: i32, depth: u8) -> bool {
    let Ok(cred) = rustix::net::sockopt::socket_peercred(stream) else {
        return false;
    };
    if cred.uid != rustix::process::getuid() || client <= 0 {
        return false;
    }
    let mut pid = cred.pid.as_raw_nonzero().get();
    for _ in 0..depth {
        match parent_of(pid) {
            Some(p) => pid = p,
            None => return false,
        }
    }
    pid == client
}

/// The parent pid of `pid`, from `/proc/PID/stat` (the field after the command's `)`).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_ascii_whitespace().nth(1)?.parse().ok()
}

/// Stops the client (SIGTERM); it is this process's child, not yet waited for.
fn stop(pid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
}

/// Whether this process was started by ssh as the askpass helper (its channel is in the
/// environment).
pub fn is_helper() -> bool {
    std::env::var_os(SOCKET_ENV).is_some()
}

/// The helper's whole run, in either binary: answers ssh's prompt (the first argument) on
/// standard output with what the running Portcullis gives, once. Whether it answered (a
/// refusal is said on standard error, without the secret).
pub fn run_helper() -> bool {
    use std::io::Write;
    let prompt = std::env::args_os()
        .nth(1)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    match helper_answer(&prompt) {
        Ok(password) => {
            let mut out = std::io::stdout().lock();
            out.write_all(password.expose_secret().as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush())
                .is_ok()
        }
        Err(e) => {
            eprintln!("{e}");
            false
        }
    }
}

/// The helper: asks the running Portcullis named by the environment for the answer to
/// `prompt`.
pub fn helper_answer(prompt: &str) -> Result<SecretString, HelperError> {
    let socket = std::env::var_os(SOCKET_ENV).ok_or(HelperError::NoChannel)?;
    let token = Zeroizing::new(std::env::var(TOKEN_ENV).map_err(|_| HelperError::NoChannel)?);
    ask(Path::new(&socket), &token, prompt)
}

/// Asks the server at `socket` with `token`.
fn ask(socket: &Path, token: &str, prompt: &str) -> Result<SecretString, HelperError> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let prompt: String = prompt.chars().filter(|c| *c != '\n').take(1024).collect();
    stream.write_all(format!("{token}\n{prompt}").as_bytes())?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut reply = Zeroizing::new(Vec::new());
    (&mut stream).take(MAX_ANSWER).read_to_end(&mut reply)?;
    let Some(password) = reply.strip_prefix(b"OK\n") else {
        return Err(HelperError::Refused);
    };
    let password = std::str::from_utf8(password).map_err(|_| HelperError::Refused)?;
    Ok(SecretString::from(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_password_prompts_are_answered() {
        for yes in [
            "alice@127.0.0.1's password: ",
            "Password: ",
            "(alice@host) Password:",
        ] {
            assert!(is_password_prompt(yes), "{yes}");
        }
        for no in [
            "The authenticity of host '[127.0.0.1]:2222' can't be established.\nAre you sure you want to continue connecting (yes/no/[fingerprint])? ",
            "Enter passphrase for key '/root/.ssh/id_ed25519': ",
            "New password: ",
            "Retype new password: ",
            "(current) UNIX password: ",
            "Verification code: ",
            "",
        ] {
            assert!(!is_password_prompt(no), "{no}");
        }
    }

    /// The test process is the peer here: it is a child of its own parent, which the server
    /// is told to watch (and, in this test only, not to stop).
    fn server(password: &str) -> (crate::connect::private_dir::PrivateDir, Server) {
        let dir = crate::connect::private_dir::PrivateDir::new_in(&std::env::temp_dir()).unwrap();
        let server = Server::start_with(dir.path(), password.into(), false).unwrap();
        server.watch(rustix::process::getppid().unwrap().as_raw_nonzero().get() as u32);
        (dir, server)
    }

    fn token(server: &Server) -> String {
        server.env()[1].1.to_string_lossy().into_owned()
    }

    #[test]
    fn the_password_is_given_once_to_the_right_token_and_prompt() {
        let (_dir, server) = server("s3cret");
        let socket = server.path.clone();
        assert_eq!(server.outcome(), Outcome::NotAsked);
        // A yes/no question and a wrong token get nothing, and use nothing up.
        let question = "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
        assert!(matches!(
            ask(&socket, &token(&server), question),
            Err(HelperError::Refused)
        ));
        assert!(matches!(
            ask(&socket, "00", "Password: "),
            Err(HelperError::Refused)
        ));
        assert_eq!(server.outcome(), Outcome::NotAsked);
        let pw = ask(&socket, &token(&server), "alice@h's password: ").unwrap();
        assert_eq!(pw.expose_secret(), "s3cret");
        assert_eq!(server.outcome(), Outcome::Answered);
        // Asked again: no answer.
        assert!(matches!(
            ask(&socket, &token(&server), "Password: "),
            Err(HelperError::Refused)
        ));
        assert_eq!(server.outcome(), Outcome::AskedAgain);
        drop(server);
        assert!(!socket.exists(), "the socket goes with the server");
    }

    #[test]
    fn a_peer_that_is_not_the_clients_child_gets_nothing() {
        let (_dir, server) = server("s3cret");
        server.watch(1);
        assert!(matches!(
            ask(&server.path, &token(&server), "Password: "),
            Err(HelperError::Refused)
        ));
        assert_eq!(server.outcome(), Outcome::NotAsked);
    }

    #[test]
    fn a_session_shell_named_by_its_pid_file_has_its_grandchildren_answered() {
        let dir = crate::connect::private_dir::PrivateDir::new_in(&std::env::temp_dir()).unwrap();
        let pid_file = dir.path().join("pid");
        let parent = rustix::process::getppid().unwrap().as_raw_nonzero().get();
        let grandparent = parent_of(parent).unwrap();
        // The pid file names the peer's parent: one generation short, nothing is given.
        let server = Server::start_with(dir.path(), "s3cret".into(), false).unwrap();
        server.watch_shell(&pid_file);
        std::fs::write(&pid_file, format!("{parent}\n")).unwrap();
        assert!(matches!(
            ask(&server.path, &token(&server), "Password: "),
            Err(HelperError::Refused)
        ));
        drop(server);
        // The pid file names the grandparent (as the shell is ssh's parent, and ssh the
        // helper's): answered once.
        let server = Server::start_with(dir.path(), "s3cret".into(), false).unwrap();
        server.watch_shell(&pid_file);
        std::fs::write(&pid_file, format!("{grandparent}\n")).unwrap();
        let pw = ask(&server.path, &token(&server), "Password: ").unwrap();
        assert_eq!(pw.expose_secret(), "s3cret");
        assert!(matches!(
            ask(&server.path, &token(&server), "Password: "),
            Err(HelperError::Refused)
        ));
        assert_eq!(server.outcome(), Outcome::AskedAgain);
    }

    #[test]
    fn the_socket_is_owner_only_and_the_environment_holds_no_secret() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, server) = server("s3cret");
        let mode = std::fs::metadata(&server.path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let env = server.env();
        assert_eq!(env[0].0, SOCKET_ENV);
        assert_eq!(token(&server).len(), 64);
        assert!(env
            .iter()
            .all(|(_, v)| !v.to_string_lossy().contains("s3cret")));
    }
}
