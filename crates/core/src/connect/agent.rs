//! An SSH key kept in the workspace, lent to the running ssh-agent for one session:
//! `ssh-add -t LIFETIME -` reads the private key on its standard input (never a file, never an
//! argument), ssh is pointed at the public half (a `.pub` file in the session's owner-only
//! folder) so that it asks the agent for that key only, and `ssh-add -d` takes the key back
//! when the session ends. The lifetime bounds how long the agent keeps it if Portcullis is
//! killed before it can take it back.

use super::command::ClientCommand;
use super::program::{Program, SSH_ADD};
use super::Error;
use crate::entry::ssh_key::SshKey;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// How long the agent keeps a key by default, in seconds.
pub const DEFAULT_LIFETIME: u32 = 300;

/// The variable that names the running agent's socket.
pub const AUTH_SOCK: &str = "SSH_AUTH_SOCK";

/// A key added to the agent; taken back when dropped.
#[derive(Debug)]
pub struct AgentKey {
    program: PathBuf,
    public_file: PathBuf,
}

impl AgentKey {
    /// Adds `key` to the agent `$SSH_AUTH_SOCK` names for `lifetime` seconds (at least 1);
    /// its public half is written to `dir` (an owner-only folder).
    pub fn add(dir: &Path, key: &SshKey, lifetime: u32) -> Result<Self, Error> {
        if std::env::var_os(AUTH_SOCK).is_none_or(|s| s.is_empty()) {
            return Err(Error::NoAgent);
        }
        let program = SSH_ADD.find()?;
        let public_file = public_file(dir, key)?;
        let mut add = ClientCommand::new(program.clone());
        add.arg(&["-q", "-t", &lifetime.max(1).to_string(), "-"]);
        let mut process = add.process();
        process
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = spawn(SSH_ADD, process)?;
        // ssh-add reads the whole key before it answers: the pipe is closed after it.
        let written = child
            .stdin
            .take()
            .map(|mut stdin| stdin.write_all(key.private().expose_secret().as_bytes()));
        let mut message = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut message);
        }
        let status = child.wait()?;
        if !status.success() || !matches!(written, Some(Ok(()))) {
            return Err(Error::Agent(message.trim().to_owned()));
        }
        Ok(Self {
            program,
            public_file,
        })
    }

    /// The public half, for `ssh -o IdentityFile=…`.
    pub fn public_file(&self) -> &Path {
        &self.public_file
    }
}

impl Drop for AgentKey {
    fn drop(&mut self) {
        let mut remove = ClientCommand::new(self.program.clone());
        remove.arg(&["-q", "-d", &self.public_file.to_string_lossy()]);
        let mut process = remove.process();
        process
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = process.status();
    }
}

/// Writes `key`'s public half, `TYPE BASE64`, to `id.pub` in `dir` (owner-only).
pub fn public_file(dir: &Path, key: &SshKey) -> Result<PathBuf, Error> {
    let path = dir.join("id.pub");
    crate::secret_file::write_new(&path, format!("{}\n", key.public()).as_bytes())
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(path)
}

fn spawn(
    program: Program,
    mut process: std::process::Command,
) -> Result<std::process::Child, Error> {
    process.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MissingProgram {
            program: program.name,
            package: program.package,
        },
        _ => Error::Io(e),
    })
}
