//! Running a session: the private folder, the known-hosts file and the askpass server or the
//! password pipe are made, the client runs, and all of it is removed when the session ends.
//! The password leaves this process only through those channels.

use super::agent::AgentKey;
use super::askpass::{self, Outcome};
use super::command::ClientCommand;
use super::host_key::{self, HostKey};
use super::password_pipe::PasswordPipe;
use super::plan::Plan;
use super::private_dir::{self, PrivateDir};
use super::program::{Program, SSH, VNCVIEWER, XDG_OPEN, XFREERDP, XFREERDP3};
use super::ssh::{self, Auth, Mode};
use super::{rdp, vnc, web, Error};
use crate::entry::Protocol;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Stdio};

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
    let folder = private_dir::base().join("portcullis-connect-RANDOM");
    match plan.protocol {
        Protocol::Ssh => {
            let public = folder.join("id.pub");
            let auth = if plan.ssh_key().is_some() {
                Auth::AgentKey(&public)
            } else if has_password(plan) {
                Auth::Password(askpass)
            } else {
                Auth::Own
            };
            let known = folder.join("known_hosts");
            ssh::command(
                plan,
                SSH.find()?,
                plan.host_key.as_ref(),
                &known,
                auth,
                mode,
            )
        }
        Protocol::Vnc => {
            let passwd = folder.join("vnc-password");
            let passwd = has_password(plan).then_some(passwd.as_path());
            vnc::command(plan, VNCVIEWER.find()?, passwd)
        }
        Protocol::Rdp => {
            let (path, version, _) = freerdp()?;
            let password = plan.credentials.as_ref().map(|c| &c.password);
            Ok(rdp::run(
                plan,
                path,
                version,
                password.filter(|p| !p.is_empty()),
                mode,
            )?
            .command)
        }
        Protocol::Web => web::command(plan, XDG_OPEN.find()?),
    }
}

/// FreeRDP 3 where it is installed, else FreeRDP 2.
fn freerdp() -> Result<(std::path::PathBuf, rdp::Version, Program), Error> {
    if let Ok(path) = XFREERDP3.find() {
        return Ok((path, rdp::Version::Three, XFREERDP3));
    }
    Ok((XFREERDP.find()?, rdp::Version::Two, XFREERDP))
}

/// Opens the session `plan` describes and waits for its end. SSH needs the host key pinned
/// ([`Error::NotPinned`] otherwise: no connection is made); `askpass` is the Portcullis
/// binary, run by ssh in its helper mode.
pub fn run(plan: &Plan, askpass: &Path, mode: Mode<'_>) -> Result<Ended, Error> {
    match plan.protocol {
        Protocol::Ssh => run_ssh(plan, askpass, mode),
        Protocol::Vnc => run_vnc(plan, mode),
        Protocol::Rdp => run_rdp(plan, mode),
        Protocol::Web if mode == Mode::AuthOnly => Err(Error::NoAuthOnly),
        Protocol::Web => {
            // The opener hands the address to the browser and returns.
            let mut process = web::command(plan, XDG_OPEN.find()?)?.process();
            process.stdin(Stdio::null());
            let status = spawn(XDG_OPEN, process)?.wait()?;
            Ok(Ended::Exited(status.code().unwrap_or(1)))
        }
    }
}

fn has_password(plan: &Plan) -> bool {
    plan.credentials
        .as_ref()
        .is_some_and(|c| !c.password.is_empty())
}

/// Starts `command`, naming the package of a missing `program`.
fn spawn(program: Program, mut process: std::process::Command) -> Result<Child, Error> {
    process.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MissingProgram {
            program: program.name,
            package: program.package,
        },
        _ => Error::Io(e),
    })
}

fn run_ssh(plan: &Plan, askpass_program: &Path, mode: Mode<'_>) -> Result<Ended, Error> {
    let key: &HostKey = plan
        .host_key
        .as_ref()
        .ok_or_else(|| Error::NotPinned(format!("{}:{}", plan.host, plan.port)))?;
    let program = SSH.find()?;
    let dir = PrivateDir::new()?;
    let known_hosts = host_key::write_known_hosts(dir.path(), key)?;
    // A key goes to the agent (and is taken back when this returns, before the folder
    // goes); with none, the password goes through the askpass helper.
    let agent_key = match plan.ssh_key() {
        Some(k) => Some(AgentKey::add(dir.path(), k, plan.key_lifetime)?),
        None => None,
    };
    let server = match plan.credentials.as_ref() {
        Some(c) if agent_key.is_none() && has_password(plan) => {
            Some(askpass::Server::start(dir.path(), c.password.clone())?)
        }
        _ => None,
    };
    let auth = match (&agent_key, &server) {
        (Some(k), _) => Auth::AgentKey(k.public_file()),
        (None, Some(_)) => Auth::Password(askpass_program),
        (None, None) => Auth::Own,
    };
    let mut command = ssh::command(plan, program, Some(key), &known_hosts, auth, mode)?;
    if let Some(s) = &server {
        command.env.extend(s.env());
    }
    let mut process = command.process();
    if mode == Mode::AuthOnly {
        process.stdin(Stdio::null()).stderr(Stdio::piped());
    }
    let mut child = spawn(SSH, process)?;
    if let Some(s) = &server {
        s.watch(child.id());
    }
    let outcome = || server.as_ref().map_or(Outcome::NotAsked, |s| s.outcome());
    if mode == Mode::AuthOnly {
        let watched = watch(&mut child, ssh::AUTHENTICATED, None, true, |l| {
            !l.starts_with("debug") && !l.starts_with("OpenSSH_")
        });
        if watched == Watched::Succeeded {
            stop(&mut child);
            return Ok(Ended::Authenticated);
        }
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

fn run_vnc(plan: &Plan, mode: Mode<'_>) -> Result<Ended, Error> {
    let program = VNCVIEWER.find()?;
    let dir = PrivateDir::new()?;
    let pipe = match plan.credentials.as_ref().filter(|_| has_password(plan)) {
        Some(c) => Some(PasswordPipe::create(
            dir.path(),
            "vnc-password",
            vnc::password_file(&c.password),
        )?),
        None => None,
    };
    let command = vnc::command(plan, program, pipe.as_ref().map(PasswordPipe::path))?;
    let mut process = command.process();
    process.stdin(Stdio::null()).stderr(Stdio::piped());
    let mut child = spawn(VNCVIEWER, process)?;
    let auth_only = mode == Mode::AuthOnly;
    // The viewer's log is passed on in a session, kept quiet for --auth-only.
    let watched = watch(
        &mut child,
        vnc::AUTHENTICATED,
        Some(vnc::REFUSED),
        auth_only,
        |_| !auth_only,
    );
    match watched {
        Watched::Failed => {
            stop(&mut child);
            Err(Error::LoginFailed)
        }
        Watched::Succeeded if auth_only => {
            stop(&mut child);
            Ok(Ended::Authenticated)
        }
        Watched::Succeeded => Ok(Ended::Exited(child.wait()?.code().unwrap_or(1))),
        Watched::Ended => {
            let status = child.wait()?;
            if auth_only || !status.success() {
                return Err(Error::LoginFailed);
            }
            Ok(Ended::Exited(status.code().unwrap_or(1)))
        }
    }
}

fn run_rdp(plan: &Plan, mode: Mode<'_>) -> Result<Ended, Error> {
    use std::io::Write;
    let (path, version, program) = freerdp()?;
    let password = plan
        .credentials
        .as_ref()
        .map(|c| &c.password)
        .filter(|p| !p.is_empty());
    if let Some(p) = password {
        rdp::check_password(p)?;
    }
    let run = rdp::run(plan, path, version, password, mode)?;
    let mut process = run.command.process();
    // FreeRDP logs on both outputs (errors on standard error): one pipe reads them in order.
    let (log, log_writer) = std::io::pipe()?;
    process
        .stdin(Stdio::piped())
        .stdout(log_writer.try_clone()?)
        .stderr(log_writer);
    let auth_only = mode == Mode::AuthOnly;
    // The builder, consumed here, closes this process's copies of the writing ends: the log
    // ends when FreeRDP does.
    let mut child = spawn(program, process)?;
    if let Some(mut stdin) = child.stdin.take() {
        // The password waits in the pipe until FreeRDP reads it; then the pipe is closed.
        let written = stdin.write_all(&run.stdin);
        drop(stdin);
        if let Err(e) = written {
            stop(&mut child);
            return Err(Error::Io(e));
        }
    }
    // The log, after FreeRDP's "Password: " prompt: passed on to standard error in a session
    // (standard output stays the caller's), read for --auth-only.
    let mut certificate_refused = false;
    for line in std::io::BufReader::new(log).lines() {
        let Ok(line) = line else { break };
        certificate_refused |= line.contains(rdp::CERTIFICATE_REFUSED);
        if !auth_only {
            eprintln!("{}", line.strip_prefix("Password: ").unwrap_or(&line));
        }
    }
    let status = child.wait()?;
    match (auth_only, status.code()) {
        (true, Some(0)) => Ok(Ended::Authenticated),
        (true, _) if certificate_refused => Err(Error::Certificate(plan.certificate.as_str())),
        (true, _) => Err(Error::LoginFailed),
        (false, code) => Ok(Ended::Exited(code.unwrap_or(1))),
    }
}

/// What a client's messages said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Watched {
    /// The success line came (and, unless stopping there, the client then ended).
    Succeeded,
    /// The failure line came.
    Failed,
    /// The client ended without either.
    Ended,
}

/// Reads the client's standard error until `success` (when `stop_at_success`), `failure` or
/// its end; passes on the lines `relay` accepts.
fn watch(
    child: &mut Child,
    success: &str,
    failure: Option<&str>,
    stop_at_success: bool,
    relay: impl Fn(&str) -> bool,
) -> Watched {
    let Some(stderr) = child.stderr.take() else {
        return Watched::Ended;
    };
    let mut seen = false;
    for line in std::io::BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if failure.is_some_and(|f| line.contains(f)) {
            eprintln!("{}", line.trim());
            return Watched::Failed;
        }
        if line.contains(success) {
            seen = true;
            if stop_at_success {
                return Watched::Succeeded;
            }
        }
        if relay(&line) {
            eprintln!("{line}");
        }
    }
    if seen {
        Watched::Succeeded
    } else {
        Watched::Ended
    }
}

/// Stops a client that is no longer needed, and reaps it.
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
