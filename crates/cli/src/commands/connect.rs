//! connect, and the askpass helper mode ssh runs.

use super::open_entries;
use crate::cli::ConnectArgs;
use crate::input::SecretInput;
use anyhow::{bail, Context, Result};
use portcullis_core::connect::session::{self, Ended};
use portcullis_core::connect::ssh::Mode;
use portcullis_core::connect::{askpass, host_key, Error, Plan};
use portcullis_core::Protocol;
use std::process::ExitCode;

/// The client ended with this non-zero status: the CLI exits with it, printing nothing more
/// (the client said why).
#[derive(Debug, thiserror::Error)]
#[error("the client exited with status {0}")]
pub struct ExitStatus(pub u8);

pub fn connect(args: ConnectArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let mut plan = Plan::of(ws.as_mut(), &args.entry)?;
    plan.key_lifetime = args.key_lifetime;
    if !args.command.is_empty() && plan.protocol != Protocol::Ssh {
        bail!("a remote command (after --) is for SSH connections only");
    }
    let askpass = std::env::current_exe().context("cannot find the portcullis program")?;
    let mode = if args.auth_only {
        Mode::AuthOnly
    } else {
        Mode::Session(&args.command)
    };
    if args.dry_run {
        let command = session::dry_run(&plan, &askpass, mode)?;
        println!("{}", command.display());
        if plan.protocol == Protocol::Ssh && plan.host_key.is_none() {
            eprintln!("note: the host key is not pinned: on a terminal, connect shows the server's and asks to pin it");
        }
        if plan.protocol == Protocol::Ssh && plan.ssh_key().is_some() {
            eprintln!(
                "note: the login's SSH key goes to the running ssh-agent for the session (ssh-add -t {} -, the key on its standard input), and is removed from it afterwards",
                plan.key_lifetime
            );
        }
        if plan.protocol == Protocol::Rdp {
            eprintln!("note: the password goes to FreeRDP on its standard input");
        }
        return Ok(());
    }
    if plan.protocol == Protocol::Ssh && plan.host_key.is_none() {
        let target = format!("{}:{}", plan.host, plan.port);
        if !input.can_retry() {
            return Err(Error::NotPinned(target).into());
        }
        pin_on_terminal(ws.as_mut(), &mut plan, &target, input)?;
    }
    // The workspace is closed during the session; the plan keeps the one password it needs.
    drop(ws);
    let ended = session::run(&plan, &askpass, mode)?;
    if plan.protocol == Protocol::Web && ended == Ended::Exited(0) {
        if let Some(c) = plan.credentials.as_ref().filter(|c| !c.password.is_empty()) {
            let clear_after = std::time::Duration::from_secs(args.clear_after);
            crate::clipboard::hold(
                &c.password,
                clear_after,
                &format!(
                "The password of {} is on the clipboard for {} s (kept out of clipboard history); \
                 this command waits, then clears it (Ctrl-C clears it now).",
                if c.user.is_empty() { "the login".to_owned() } else { c.user.clone() },
                args.clear_after
            ),
            )?;
        }
    }
    match ended {
        Ended::Authenticated => {
            eprintln!("login to {} worked", plan.title);
            Ok(())
        }
        Ended::Exited(0) => Ok(()),
        Ended::Exited(code) => Err(ExitStatus(u8::try_from(code).unwrap_or(255)).into()),
    }
}

/// Shows the keys the server presents and pins the one the person accepts.
fn pin_on_terminal(
    ws: &mut dyn portcullis_core::EntryStore,
    plan: &mut Plan,
    target: &str,
    input: &mut SecretInput,
) -> Result<()> {
    let keys = host_key::scan(&plan.host, plan.port, 5)?;
    eprintln!("The host key of {target} is not pinned yet. The server presents:");
    for key in &keys {
        eprintln!("  {} {}", key.kind(), key.fingerprint());
    }
    let key = keys[0].clone();
    let question = format!(
        "Compare with the fingerprint the server's administrator gives you. Pin the {} key {} to “{}”? [y/N] ",
        key.kind(),
        key.fingerprint(),
        plan.title
    );
    if !input.confirm(&question)? {
        bail!("the host key was not pinned; nothing was sent");
    }
    plan.pin(ws, key)?;
    Ok(())
}

/// `portcullis` run by ssh as `$SSH_ASKPASS PROMPT` ([`askpass::run_helper`]).
pub fn askpass_helper() -> ExitCode {
    if askpass::run_helper() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
