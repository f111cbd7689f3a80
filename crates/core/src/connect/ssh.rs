//! OpenSSH's command line for a plan, without any secret: the user from the linked login, the
//! pinned host key through a private known-hosts file with `StrictHostKeyChecking=yes`, the
//! password through the askpass helper (`SSH_ASKPASS` at the Portcullis binary,
//! `SSH_ASKPASS_REQUIRE=force`), one password prompt only; or, for a login with an SSH key,
//! that key only, from the agent (`IdentitiesOnly`, the public half as `IdentityFile`).

use super::command::ClientCommand;
use super::host_key::{HostKey, ALIAS};
use super::plan::Plan;
use super::Error;
use std::path::{Path, PathBuf};

/// What the session is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode<'a> {
    /// An interactive shell, or the remote command when there is one.
    Session(&'a [String]),
    /// Log in and stop (`-N`; `-v` reports "Authenticated to").
    AuthOnly,
}

/// How ssh logs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth<'a> {
    /// ssh's own ways (its prompts, the user's keys).
    Own,
    /// The password, through the askpass helper: this program.
    Password(&'a Path),
    /// The key whose public half is this file, held by the agent; no password.
    AgentKey(&'a Path),
}

/// The line `ssh -v` prints once the login worked.
pub const AUTHENTICATED: &str = "Authenticated to ";

/// The `ssh` command for `plan`: `program` is ssh, `known_hosts` the private file holding
/// `key` (the pinned key; none only to show the command), `auth` how it logs in.
pub fn command(
    plan: &Plan,
    program: PathBuf,
    key: Option<&HostKey>,
    known_hosts: &Path,
    auth: Auth<'_>,
    mode: Mode<'_>,
) -> Result<ClientCommand, Error> {
    check_host(&plan.host)?;
    let mut c = ClientCommand::new(program);
    if let Some(user) = plan.credentials.as_ref().map(|c| c.user.as_str()) {
        if !user.is_empty() {
            check_user(user)?;
            c.arg(&["-l", user]);
        }
    }
    c.arg(&["-p", &plan.port.to_string()]);
    let known = format!("UserKnownHostsFile={}", known_hosts.display());
    c.arg(&[
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        &known,
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        &format!("HostKeyAlias={ALIAS}"),
        "-o",
        "UpdateHostKeys=no",
        "-o",
        "CheckHostIP=no",
    ]);
    if let Some(key) = key {
        c.arg(&["-o", &format!("HostKeyAlgorithms={}", key.algorithms())]);
    }
    match auth {
        Auth::Own => {}
        Auth::Password(_) => {
            c.arg(&[
                "-o",
                "PreferredAuthentications=password,keyboard-interactive",
                "-o",
                "NumberOfPasswordPrompts=1",
                "-o",
                "BatchMode=no",
            ]);
        }
        Auth::AgentKey(public) => {
            // BatchMode: ssh asks nothing (no password, no passphrase) if the key is refused.
            c.arg(&[
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                &format!("IdentityFile={}", public.display()),
                "-o",
                "PreferredAuthentications=publickey",
                "-o",
                "BatchMode=yes",
            ]);
        }
    }
    let command: &[String] = match mode {
        Mode::AuthOnly => {
            c.arg(&["-N", "-v"]);
            &[]
        }
        Mode::Session(command) => command,
    };
    c.arg(&["--", &plan.host]);
    c.args.extend(command.iter().cloned());
    if let Auth::Password(askpass) = auth {
        c.env.push(("SSH_ASKPASS".into(), askpass.into()));
        c.env.push(("SSH_ASKPASS_REQUIRE".into(), "force".into()));
    }
    Ok(c)
}

/// A host name or address that no client reads as an option or a user.
pub fn check_host(host: &str) -> Result<(), Error> {
    let bad = host.is_empty()
        || host.starts_with('-')
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '/');
    if bad {
        return Err(Error::Unsafe(
            "the host is empty, starts with '-' or holds a blank, '@' or '/'",
        ));
    }
    Ok(())
}

fn check_user(user: &str) -> Result<(), Error> {
    if user.starts_with('-') || user.chars().any(|c| c.is_control()) {
        return Err(Error::Unsafe(
            "the user name starts with '-' or holds a control character",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::plan::Credentials;
    use crate::entry::{CertPolicy, Protocol};

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJf864ti/5ClNSbSOS92Nn6ObNgRsC2JRkhwPBtaoIn5";

    fn plan(host: &str, user: &str) -> Plan {
        Plan {
            entry_id: "id".into(),
            title: "T".into(),
            protocol: Protocol::Ssh,
            host: host.into(),
            port: 2222,
            credentials: Some(Credentials {
                user: user.into(),
                password: "hunter2".into(),
                ssh_key: None,
            }),
            host_key: Some(HostKey::parse(KEY).unwrap()),
            certificate: CertPolicy::Tofu,
            key_lifetime: 300,
        }
    }

    #[test]
    fn the_command_pins_the_key_asks_once_and_holds_no_secret() {
        let key = HostKey::parse(KEY).unwrap();
        let remote = ["echo".to_owned(), "hi".to_owned()];
        let c = command(
            &plan("h.example", "alice"),
            "/usr/bin/ssh".into(),
            Some(&key),
            Path::new("/run/p/known_hosts"),
            Auth::Password(Path::new("/usr/bin/portcullis")),
            Mode::Session(&remote),
        )
        .unwrap();
        let shown = c.display();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(
            shown,
            "SSH_ASKPASS=/usr/bin/portcullis SSH_ASKPASS_REQUIRE=force /usr/bin/ssh -l alice -p 2222 \
             -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/run/p/known_hosts \
             -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=portcullis-pinned-host \
             -o UpdateHostKeys=no -o CheckHostIP=no -o HostKeyAlgorithms=ssh-ed25519 \
             -o PreferredAuthentications=password,keyboard-interactive \
             -o NumberOfPasswordPrompts=1 -o BatchMode=no -- h.example echo hi"
        );
        let auth = command(
            &plan("h", "alice"),
            "ssh".into(),
            Some(&key),
            Path::new("k"),
            Auth::Own,
            Mode::AuthOnly,
        )
        .unwrap();
        assert!(auth.display().ends_with("-N -v -- h"), "{}", auth.display());
        assert!(auth.env.is_empty());
    }

    #[test]
    fn with_an_agent_key_ssh_offers_that_key_only_and_no_password() {
        let key = HostKey::parse(KEY).unwrap();
        let c = command(
            &plan("h", "alice"),
            "ssh".into(),
            Some(&key),
            Path::new("k"),
            Auth::AgentKey(Path::new("/run/p/id.pub")),
            Mode::Session(&[]),
        )
        .unwrap();
        let shown = c.display();
        assert!(
            shown.contains(
                "-o IdentitiesOnly=yes -o IdentityFile=/run/p/id.pub \
                 -o PreferredAuthentications=publickey -o BatchMode=yes -- h"
            ),
            "{shown}"
        );
        assert!(!shown.contains("password"), "{shown}");
        assert!(c.env.is_empty(), "no askpass");
    }

    #[test]
    fn a_host_or_user_that_would_be_an_option_is_refused() {
        let key = HostKey::parse(KEY).unwrap();
        for (host, user) in [
            ("-oProxyCommand=x", "a"),
            ("a b", "a"),
            ("u@h", "a"),
            ("", "a"),
            ("h", "-oProxyCommand=x"),
        ] {
            let r = command(
                &plan(host, user),
                "ssh".into(),
                Some(&key),
                Path::new("k"),
                Auth::Own,
                Mode::AuthOnly,
            );
            assert!(matches!(r, Err(Error::Unsafe(_))), "{host} {user}");
        }
    }
}
