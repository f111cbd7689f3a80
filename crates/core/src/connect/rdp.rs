//! FreeRDP's command line for a plan, without any secret: the user, the domain and the host as
//! arguments, the password on standard input, the certificate policy of the entry.
//! - FreeRDP 2 (`xfreerdp`, Debian's `freerdp2-x11`): `/from-stdin:force` reads the password
//!   from standard input before connecting.
//! - FreeRDP 3 (`xfreerdp3`, used where it is installed): `/args-from:stdin` reads every
//!   argument from standard input, one a line, the password (`/p:`) among them.

use super::command::ClientCommand;
use super::plan::Plan;
use super::ssh::Mode;
use super::Error;
use crate::crypto::SecretString;
use crate::entry::CertPolicy;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// What FreeRDP logs when it refuses the server's certificate (before any credential is sent:
/// NLA runs inside the TLS channel).
pub const CERTIFICATE_REFUSED: &str = "certificate not trusted, aborting";

/// The FreeRDP generation of a client program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// FreeRDP 2 (`xfreerdp`).
    Two,
    /// FreeRDP 3 (`xfreerdp3`).
    Three,
}

/// A FreeRDP run: the command (no secret) and what to write on its standard input (the
/// password, and for FreeRDP 3 every argument).
pub struct RdpRun {
    /// The command.
    pub command: ClientCommand,
    /// Its standard input.
    pub stdin: Zeroizing<Vec<u8>>,
}

/// The client's arguments for `plan` (user, domain, host, certificate policy, auth-only).
fn arguments(plan: &Plan, mode: Mode<'_>) -> Result<Vec<String>, Error> {
    super::ssh::check_host(&plan.host)?;
    let mut args = vec![format!("/v:{}:{}", plan.host, plan.port)];
    if let Some(c) = &plan.credentials {
        let (domain, user) = match c.user.split_once('\\') {
            Some((d, u)) => (Some(d), u),
            None => (None, c.user.as_str()),
        };
        if user.chars().any(char::is_control)
            || domain.is_some_and(|d| d.chars().any(char::is_control))
        {
            return Err(Error::Unsafe("the user name holds a control character"));
        }
        if !user.is_empty() {
            args.push(format!("/u:{user}"));
        }
        if let Some(d) = domain {
            args.push(format!("/d:{d}"));
        }
    }
    args.push(
        match plan.certificate {
            CertPolicy::Tofu => "/cert:tofu",
            CertPolicy::Verify => "/cert:deny",
            CertPolicy::Ignore => "/cert:ignore",
        }
        .to_owned(),
    );
    if mode == Mode::AuthOnly {
        args.push("/auth-only".to_owned());
    }
    Ok(args)
}

/// The run of `program` (of FreeRDP `version`) for `plan` with `password` (none: FreeRDP asks).
pub fn run(
    plan: &Plan,
    program: PathBuf,
    version: Version,
    password: Option<&SecretString>,
    mode: Mode<'_>,
) -> Result<RdpRun, Error> {
    let args = arguments(plan, mode)?;
    let mut command = ClientCommand::new(program);
    let mut stdin = Zeroizing::new(Vec::new());
    match version {
        Version::Two => {
            command.args = args;
            if let Some(p) = password {
                command.arg(&["/from-stdin:force"]);
                stdin.extend_from_slice(p.expose_secret().as_bytes());
                stdin.push(b'\n');
            }
        }
        Version::Three => {
            command.arg(&["/args-from:stdin"]);
            for a in &args {
                stdin.extend_from_slice(a.as_bytes());
                stdin.push(b'\n');
            }
            if let Some(p) = password {
                stdin.extend_from_slice(b"/p:");
                stdin.extend_from_slice(p.expose_secret().as_bytes());
                stdin.push(b'\n');
            }
        }
    }
    Ok(RdpRun { command, stdin })
}

/// A password that cannot travel on one line of standard input.
pub fn check_password(password: &SecretString) -> Result<(), Error> {
    if password.expose_secret().contains(['\n', '\r']) {
        return Err(Error::Unsafe("an RDP password cannot hold a line break"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::plan::Credentials;
    use crate::entry::Protocol;

    fn plan(user: &str, certificate: CertPolicy) -> Plan {
        Plan {
            entry_id: "id".into(),
            title: "T".into(),
            protocol: Protocol::Rdp,
            host: "10.0.0.5".into(),
            port: 3390,
            credentials: Some(Credentials {
                user: user.into(),
                password: "hunter2".into(),
                ssh_key: None,
            }),
            host_key: None,
            certificate,
            key_lifetime: 300,
        }
    }

    #[test]
    fn freerdp_2_gets_the_password_on_stdin_and_the_rest_as_arguments() {
        let p = plan("CORP\\alice", CertPolicy::Tofu);
        let pw: SecretString = "hunter2".into();
        let r = run(
            &p,
            "xfreerdp".into(),
            Version::Two,
            Some(&pw),
            Mode::AuthOnly,
        )
        .unwrap();
        assert_eq!(
            r.command.display(),
            "xfreerdp /v:10.0.0.5:3390 /u:alice /d:CORP /cert:tofu /auth-only /from-stdin:force"
        );
        assert_eq!(&r.stdin[..], b"hunter2\n");
        let r = run(
            &plan("bob", CertPolicy::Verify),
            "xfreerdp".into(),
            Version::Two,
            None,
            Mode::Session(&[]),
        )
        .unwrap();
        assert_eq!(
            r.command.display(),
            "xfreerdp /v:10.0.0.5:3390 /u:bob /cert:deny"
        );
        assert!(r.stdin.is_empty());
    }

    #[test]
    fn freerdp_3_gets_every_argument_on_stdin() {
        let pw: SecretString = "hunter2".into();
        let r = run(
            &plan("alice", CertPolicy::Ignore),
            "xfreerdp3".into(),
            Version::Three,
            Some(&pw),
            Mode::Session(&[]),
        )
        .unwrap();
        assert_eq!(r.command.display(), "xfreerdp3 /args-from:stdin");
        assert_eq!(
            &r.stdin[..],
            b"/v:10.0.0.5:3390\n/u:alice\n/cert:ignore\n/p:hunter2\n"
        );
    }

    #[test]
    fn a_password_with_a_line_break_is_refused() {
        assert!(check_password(&"a\nb".into()).is_err());
        assert!(check_password(&"a b".into()).is_ok());
    }
}
