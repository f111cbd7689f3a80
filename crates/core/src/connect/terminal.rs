//! An SSH session in the user's terminal emulator, for a front end with no terminal of its own
//! (the app). `x-terminal-emulator -e SCRIPT` (Debian's choice of terminal, an alternative any
//! terminal package provides) runs a short shell script kept in the session's owner-only
//! folder. The script holds no secret (the askpass socket's path and one-time token, as ssh's
//! environment has them):
//! - it writes its pid to `pid`: the askpass server answers only a grandchild of that shell
//!   (ssh's askpass helper), once;
//! - it runs ssh with the askpass variables; ssh touches `authenticated` once the login worked
//!   (`-o LocalCommand`, run by ssh after a successful login);
//! - it writes ssh's exit status to `status` and, after a failure, keeps the window open until
//!   Enter so that ssh's message can be read.
//!
//! This process follows the session through those files and the shell's pid (the terminal
//! may hand the command to a server process and return at once, as gnome-terminal does), and
//! removes the folder when the session ends.

use super::agent::AgentKey;
use super::askpass::{self, Outcome};
use super::command::{quote, ClientCommand};
use super::host_key;
use super::plan::Plan;
use super::private_dir::PrivateDir;
use super::program::{Program, SSH};
use super::session::Ended;
use super::ssh::{self, Auth, Mode};
use super::Error;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Debian's terminal emulator of choice (`update-alternatives --config x-terminal-emulator`).
pub const TERMINAL: Program = Program {
    name: "x-terminal-emulator",
    package: "xterm",
};

/// How long the terminal may take to start the session's script.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the session's files are looked at.
const POLL: Duration = Duration::from_millis(100);

/// The status the session has when its shell went away without writing one (the terminal
/// was closed: 128 + SIGHUP, as a shell reports it).
pub const HUNG_UP: i32 = 129;

/// Opens the SSH session `plan` describes in a new terminal window and waits for its end.
/// The host key must be pinned ([`Error::NotPinned`] otherwise: no connection is made);
/// `askpass` is the Portcullis binary, run by ssh in its helper mode.
pub fn run(plan: &Plan, askpass_program: &Path) -> Result<Ended, Error> {
    let key = plan
        .host_key
        .as_ref()
        .ok_or_else(|| Error::NotPinned(format!("{}:{}", plan.host, plan.port)))?;
    let ssh_program = SSH.find()?;
    let terminal = TERMINAL.find()?;
    let dir = PrivateDir::new()?;
    let known_hosts = host_key::write_known_hosts(dir.path(), key)?;
    // A login's key goes to the agent for the session (taken back when this returns); with
    // none, the password goes through the askpass helper.
    let agent_key = match plan.ssh_key() {
        Some(k) => Some(AgentKey::add(dir.path(), k, plan.key_lifetime)?),
        None => None,
    };
    let password = plan
        .credentials
        .as_ref()
        .map(|c| &c.password)
        .filter(|p| !p.is_empty() && agent_key.is_none());
    let server = match password {
        Some(p) => Some(askpass::Server::start(dir.path(), p.clone())?),
        None => None,
    };
    let pid_file = dir.path().join("pid");
    if let Some(s) = &server {
        s.watch_shell(&pid_file);
    }
    let auth = match (&agent_key, &server) {
        (Some(k), _) => Auth::AgentKey(k.public_file()),
        (None, Some(_)) => Auth::Password(askpass_program),
        (None, None) => Auth::Own,
    };
    let mut command = ssh::command(
        plan,
        ssh_program,
        Some(key),
        &known_hosts,
        auth,
        Mode::Session(&[]),
    )?;
    if let Some(s) = &server {
        command.env.extend(s.env());
    }
    mark_login(&mut command, &dir.path().join("authenticated"));
    let script = dir.path().join("session.sh");
    write_script(&script, &session_script(dir.path(), &command))?;

    let mut open = ClientCommand::new(terminal);
    open.arg(&["-e", &script.to_string_lossy()]);
    let mut process = open.process();
    process
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = process.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MissingProgram {
            program: TERMINAL.name,
            package: TERMINAL.package,
        },
        _ => Error::Io(e),
    })?;

    // The shell's pid, once the terminal has started the script.
    let started = Instant::now();
    let shell = loop {
        if let Some(pid) = read_number(&pid_file) {
            break pid;
        }
        let failed = matches!(child.try_wait(), Ok(Some(status)) if !status.success());
        if failed || started.elapsed() > START_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::TerminalFailed);
        }
        std::thread::sleep(POLL);
    };
    // Its end: the status it wrote, or the shell gone without one (the window was closed).
    let status_file = dir.path().join("status");
    let born = start_time(shell);
    let status = loop {
        if let Some(code) = read_number(&status_file) {
            break code;
        }
        if born.is_none() || start_time(shell) != born {
            break read_number(&status_file).unwrap_or(HUNG_UP);
        }
        let _ = child.try_wait();
        std::thread::sleep(POLL);
    };
    // The terminal may stay open (a failure waits for Enter): reaped when it ends.
    std::thread::spawn(move || child.wait());
    let authenticated = dir.path().join("authenticated").exists();
    let outcome = server.as_ref().map_or(Outcome::NotAsked, |s| s.outcome());
    ended(status, authenticated, server.is_some(), outcome)
}

/// How a session that ended with `status` went: the login worked (`authenticated`), the
/// password was asked through the helper or not.
fn ended(
    status: i32,
    authenticated: bool,
    with_password: bool,
    outcome: Outcome,
) -> Result<Ended, Error> {
    match status {
        0 => Ok(Ended::Exited(0)),
        _ if authenticated => Ok(Ended::Exited(status)),
        _ if outcome == Outcome::AskedAgain => Err(Error::AskedTwice),
        _ if outcome == Outcome::Answered => Err(Error::LoginFailed),
        255 if with_password => Err(Error::BeforePassword),
        _ => Ok(Ended::Exited(status)),
    }
}

/// Makes ssh touch `marker` once the login worked (`LocalCommand` runs after a successful
/// login, through the user's shell; `%` is ssh's token character).
fn mark_login(command: &mut ClientCommand, marker: &Path) {
    let touch = format!("touch -- {}", quote(&marker.to_string_lossy())).replace('%', "%%");
    let at = command
        .args
        .iter()
        .position(|a| a == "--")
        .unwrap_or(command.args.len());
    let options = [
        "-o".to_owned(),
        "PermitLocalCommand=yes".to_owned(),
        "-o".to_owned(),
        format!("LocalCommand={touch}"),
    ];
    command.args.splice(at..at, options);
}

/// The script the terminal runs: its pid to `dir/pid`, ssh with its environment, ssh's
/// status to `dir/status`, and the window kept open after a failure.
fn session_script(dir: &Path, command: &ClientCommand) -> String {
    let file = |name: &str| quote(&dir.join(name).to_string_lossy());
    let mut s = String::from(
        "#!/bin/sh\n# A Portcullis SSH session (no secret here; removed when the session ends).\n",
    );
    s += &format!(
        "printf '%s\\n' \"$$\" > {part} && mv -f {part} {pid} || exit 1\n",
        part = file("pid.part"),
        pid = file("pid"),
    );
    for (k, v) in &command.env {
        s += &format!("export {k}={}\n", quote(&v.to_string_lossy()));
    }
    let argv = std::iter::once(quote(&command.program.to_string_lossy()))
        .chain(command.args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    s += &argv;
    s += "\nstatus=$?\n";
    s += &format!(
        "printf '%s\\n' \"$status\" > {part} && mv -f {part} {status}\n",
        part = file("status.part"),
        status = file("status"),
    );
    s += "if [ \"$status\" -ne 0 ]; then\n  printf '\\n[Portcullis] ssh ended with status %s. Press Enter to close this window.' \"$status\"\n  read -r _\nfi\nexit \"$status\"\n";
    s
}

/// Writes the owner-only script `path`.
fn write_script(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// The number a session file holds, once it is written.
fn read_number(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// When process `pid` started (`/proc/PID/stat`'s 22nd field), to tell it from a later
/// process with the same pid; none when it is gone.
fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_ascii_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_records_the_shell_and_the_status_and_holds_no_secret() {
        let mut c = ClientCommand::new("/usr/bin/ssh".into());
        c.arg(&["-p", "22", "--", "h"]);
        c.env
            .push(("SSH_ASKPASS".into(), "/opt/my app/portcullis".into()));
        mark_login(&mut c, Path::new("/run/u/p-1/authenticated"));
        assert_eq!(
            c.args,
            [
                "-p",
                "22",
                "-o",
                "PermitLocalCommand=yes",
                "-o",
                "LocalCommand=touch -- /run/u/p-1/authenticated",
                "--",
                "h"
            ]
        );
        let s = session_script(Path::new("/run/u/p-1"), &c);
        assert!(s.starts_with("#!/bin/sh\n"), "{s}");
        assert!(s.contains("\"$$\" > /run/u/p-1/pid.part && mv -f /run/u/p-1/pid.part /run/u/p-1/pid || exit 1\n"), "{s}");
        assert!(
            s.contains("export SSH_ASKPASS='/opt/my app/portcullis'\n"),
            "{s}"
        );
        assert!(s.contains("\n/usr/bin/ssh -p 22 -o PermitLocalCommand=yes -o 'LocalCommand=touch -- /run/u/p-1/authenticated' -- h\nstatus=$?\n"), "{s}");
        assert!(
            s.contains(
                "> /run/u/p-1/status.part && mv -f /run/u/p-1/status.part /run/u/p-1/status\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn a_script_run_by_a_shell_reports_its_pid_and_status() {
        let dir = PrivateDir::new_in(&std::env::temp_dir()).unwrap();
        let mut c = ClientCommand::new("/bin/sh".into());
        c.arg(&["-c", "test \"$PORTCULLIS_X\" = 'a b' && exit 7"]);
        c.env.push(("PORTCULLIS_X".into(), "a b".into()));
        let script = dir.path().join("session.sh");
        write_script(&script, &session_script(dir.path(), &c)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let child = std::process::Command::new(&script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(7), "Enter (end of input) closes it");
        assert_eq!(read_number(&dir.path().join("pid")), Some(pid));
        assert_eq!(read_number(&dir.path().join("status")), Some(7));
        assert_eq!(start_time(pid), None, "gone");
        let me = i32::try_from(std::process::id()).unwrap();
        assert!(start_time(me).is_some());
    }

    #[test]
    fn how_a_session_ended_is_told_from_its_status_and_the_login() {
        use Outcome::*;
        assert!(matches!(
            ended(0, true, true, Answered),
            Ok(Ended::Exited(0))
        ));
        assert!(matches!(
            ended(3, true, true, Answered),
            Ok(Ended::Exited(3))
        ));
        assert!(matches!(
            ended(HUNG_UP, true, true, Answered),
            Ok(Ended::Exited(HUNG_UP))
        ));
        assert!(matches!(
            ended(255, false, true, Answered),
            Err(Error::LoginFailed)
        ));
        assert!(matches!(
            ended(255, false, true, AskedAgain),
            Err(Error::AskedTwice)
        ));
        assert!(matches!(
            ended(255, false, true, NotAsked),
            Err(Error::BeforePassword)
        ));
        assert!(matches!(
            ended(255, false, false, NotAsked),
            Ok(Ended::Exited(255))
        ));
    }
}
