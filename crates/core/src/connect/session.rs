//! Running a session: the private folder, the known-hosts file and the askpass server are made,
//! the client runs, and all of it is removed when the session ends. The password leaves this
//! process only through the askpass channel.

use super::askpass::{self, Outcome};
use super::command::ClientCommand;
use super::host_key::{self, HostKey};
use super::plan::Plan;
use super::private_dir::{self, PrivateDir};
use super::program::SSH;
use super::ssh::{self, Mode, AUTHENTICATED};
use super::Error;
use crate::entry::Protocol;
use std::io::BufRead;
use std::path::Path;
use std::process::Stdio;

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The client exited with this status (for SSH with a command: the remote command's).
    Exited(i32),
    /// `--auth-only`: the login worked, and the client was stopped.
    Authenticated,
}

/// The command `connect` would run for `plan`, without creating anything (`--dry-run`);
/// `askpass` is the Portcullis binary.
pub fn dry_run(plan: &Plan, askpass: &Path, mode: Mode<'_>) -> Result<ClientCommand, Error> {
    match plan.protocol {
        Protocol::Ssh => {
            let program = SSH.find()?;
            let known = private_dir::base()
                .join("portcullis-connect-RANDOM")
                .join("known_hosts");
            let askpass = has_password(plan).then_some(askpass);
            ssh::command(plan, program, plan.host_key.as_ref(), &known, askpass, mode)
        }
        other => Err(Error::Unsupported(other)),
    }
}

/// Opens the session `plan` describes and waits for its end. SSH needs the host key pinned
/// ([`Error::NotPinned`] otherwise: no connection is made); `askpass` is the Portcullis
/// binary, run by ssh in its helper mode.
pub fn run(plan: &Plan, askpass: &Path, mode: Mode<'_>) -> Result<Ended, Error> {
    match plan.protocol {
        Protocol::Ssh => run_ssh(plan, askpass, mode),
        other => Err(Error::Unsupported(other)),
    }
}

fn has_password(plan: &Plan) -> bool {
    plan.credentials
        .as_ref()
        .is_some_and(|c| !c.password.is_empty())
}

fn run_ssh(plan: &Plan, askpass_program: &Path, mode: Mode<'_>) -> Result<Ended, Error> {
    let key: &HostKey = plan
        .host_key
        .as_ref()
        .ok_or_else(|| Error::NotPinned(format!("{}:{}", plan.host, plan.port)))?;
    let program = SSH.find()?;
    let dir = PrivateDir::new()?;
    let known_hosts = host_key::write_known_hosts(dir.path(), key)?;
    let server = match plan.credentials.as_ref().filter(|_| has_password(plan)) {
        Some(c) => Some(askpass::Server::start(dir.path(), c.password.clone())?),
        None => None,
    };
    let askpass = server.as_ref().map(|_| askpass_program);
    let mut command = ssh::command(plan, program, Some(key), &known_hosts, askpass, mode)?;
    if let Some(s) = &server {
        command.env.extend(s.env());
    }
    let mut process = command.process();
    if mode == Mode::AuthOnly {
        process.stdin(Stdio::null()).stderr(Stdio::piped());
    }
    let mut child = process.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MissingProgram {
            program: SSH.name,
            package: SSH.package,
        },
        _ => Error::Io(e),
    })?;
    if let Some(s) = &server {
        s.watch(child.id());
    }
    let outcome = || server.as_ref().map_or(Outcome::NotAsked, |s| s.outcome());
    let authenticated = match child.stderr.take() {
        Some(stderr) => watch_auth(stderr),
        None => false,
    };
    if authenticated {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(Ended::Authenticated);
    }
    let status = child.wait()?;
    match outcome() {
        Outcome::AskedAgain => Err(Error::AskedTwice),
        Outcome::NotAsked if server.is_some() && status.code() == Some(255) => {
            Err(Error::BeforePassword)
        }
        _ if mode == Mode::AuthOnly => Err(Error::LoginFailed),
        _ => Ok(Ended::Exited(status.code().unwrap_or(255))),
    }
}

/// Reads `ssh -v`'s messages until the login worked (true) or ssh ended (false); passes on
/// the messages that are not debugging.
fn watch_auth(stderr: std::process::ChildStderr) -> bool {
    for line in std::io::BufReader::new(stderr).lines() {
        let Ok(line) = line else { return false };
        if line.contains(AUTHENTICATED) {
            return true;
        }
        if !line.starts_with("debug") && !line.starts_with("OpenSSH_") {
            eprintln!("{line}");
        }
    }
    false
}
