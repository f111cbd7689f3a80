//! Why a connection could not be opened. No variant carries a secret.

/// Why a connection could not be planned, prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workspace refused (no such entry, damaged…).
    #[error(transparent)]
    Workspace(#[from] crate::workspace::Error),
    /// The entry is not a remote connection.
    #[error("“{0}” is not a remote connection")]
    NotRemote(String),
    /// The connection needs a linked login and has none.
    #[error("this connection has no linked login: choose one with `portcullis edit WORKSPACE ENTRY --login LOGIN`")]
    NoLogin,
    /// The linked entry is not a login.
    #[error("the linked entry of this connection is not a login")]
    NotALogin,
    /// The host, user name or a command argument would be read as an option of the client.
    #[error("{0}")]
    Unsafe(&'static str),
    /// A host key given to pin is not one.
    #[error(transparent)]
    HostKey(#[from] crate::entry::host_key::InvalidHostKey),
    /// An SSH connection whose host key is not pinned, with nobody to ask.
    #[error(
        "the host key of {0} is not pinned, and there is no terminal to show its fingerprint: \
         run `portcullis connect` on a terminal, or pin it with `portcullis edit WORKSPACE ENTRY --host-key \"TYPE BASE64\"`; \
         no password was sent"
    )]
    NotPinned(String),
    /// A login's SSH key is not one (it was checked when kept: the record is damaged).
    #[error(transparent)]
    SshKey(#[from] crate::entry::ssh_key::InvalidSshKey),
    /// The server presented no host key to pin.
    #[error("ssh-keyscan got no host key from {0}")]
    NoHostKey(String),
    /// The client program is not installed.
    #[error("{program} is not installed: install the Debian package {package} (sudo apt install {package})")]
    MissingProgram {
        /// The program.
        program: &'static str,
        /// The Debian package that has it.
        package: &'static str,
    },
    /// `--auth-only` for a protocol with no login to check (web).
    #[error("--auth-only is for SSH, RDP and VNC connections")]
    NoAuthOnly,
    /// The client asked for the password a second time: the one answer was refused.
    #[error("the server did not accept the password (it was sent once; the client was stopped when it asked again)")]
    AskedTwice,
    /// The client stopped before a password was asked (unreachable host, changed host key…).
    #[error(
        "the connection failed before any password was sent (see ssh's message above); a changed host key \
         is refused: if the server's key really changed, check the new one with its administrator and pin it \
         with `portcullis edit WORKSPACE ENTRY --host-key \"TYPE BASE64\"`"
    )]
    BeforePassword,
    /// The RDP client refused the server's certificate under the entry's policy.
    #[error(
        "the server's certificate was refused (certificate policy {0}; under tofu, it is not the one seen \
         the first time): no password was sent"
    )]
    Certificate(&'static str),
    /// The terminal emulator did not start the session.
    #[error(
        "the terminal emulator (x-terminal-emulator) did not start the session; no password was sent"
    )]
    TerminalFailed,
    /// The login has an SSH key and no ssh-agent is running to lend it to.
    #[error(
        "the login's SSH key goes to the running ssh-agent, and there is none (SSH_AUTH_SOCK is not set): \
         start one (eval \"$(ssh-agent)\") and try again; nothing was sent"
    )]
    NoAgent,
    /// `ssh-add` refused the key (its message, which holds no secret).
    #[error("ssh-add could not add the login's SSH key to the agent: {0}")]
    Agent(String),
    /// The client refused the login.
    #[error("the login failed")]
    LoginFailed,
    /// A file, socket or process could not be prepared.
    #[error("cannot prepare the connection: {0}")]
    Io(#[from] std::io::Error),
}
