//! One function per command; each parses its flags, calls the core and prints.

/// Runs `$body` with `$ws` the unlocked keeper of second factors that `$path` names: a file
/// workspace (its password, then its factor), or for a team address the member (their own
/// password, then their own factor). The body is compiled for each.
macro_rules! with_guarded {
    ($path:expr, $input:expr, |$ws:ident| $body:expr) => {
        match $crate::commands::team_url($path) {
            Some(url) => {
                #[allow(unused_mut)]
                let mut $ws = $crate::commands::team::as_member(url, $input)?;
                $body
            }
            None => {
                #[allow(unused_mut)]
                let mut $ws = $crate::commands::unlock($path, $input)?;
                $body
            }
        }
    };
}

pub mod attachments;
pub mod connect;
pub mod device_binding;
pub mod duo;
pub mod email;
pub mod entries;
pub mod export;
pub mod health;
pub mod history;
pub mod import;
pub mod mfa;
pub mod quick_unlock;
pub mod team;
pub mod workspace;

use crate::cli::KdfArgs;
use crate::input::{Answer, SecretInput};
use crate::progress::with_spinner;
use anyhow::{bail, Context, Result};
use portcullis_core::factor_outcome::{sms_passcode, FactorOutcome};
use portcullis_core::mfa::duo::Progress;
use portcullis_core::mfa::{Factor, Verified};
use portcullis_core::new_workspace::KdfChoice;
use portcullis_core::workspace::Error;
use portcullis_core::workspace::{MfaRefusal, PendingMfa, Unlock};
use portcullis_core::{EntryStore, Guarded, KdfParams, LockedWorkspace, OpenWorkspace};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Opens a workspace for its entries: a file (its password, then its second factor) or a team
/// workspace on PostgreSQL (the database password, then the member's master password).
pub fn open_entries(workspace: &Path, input: &mut SecretInput) -> Result<Box<dyn EntryStore>> {
    if let Some(url) = team_url(workspace) {
        return team::open_entries(url, input);
    }
    Ok(Box::new(unlock(workspace, input)?))
}

/// The address of a team workspace, when `workspace` is one.
pub fn team_url(workspace: &Path) -> Option<&str> {
    workspace
        .to_str()
        .filter(|p| portcullis_core::team::is_team_url(p))
}

/// Checks the password only: the workspace may still wait for its second factor.
pub fn unlock_password(path: &Path, input: &mut SecretInput) -> Result<Unlock> {
    // The header is read first, so a wrong file is refused before any prompt.
    let locked = LockedWorkspace::open(path)?;
    // Quick unlock on this machine: the key from the OS keyring (the factor is still asked).
    if portcullis_core::quick_unlock::is_on_here(&locked) {
        let now = portcullis_core::clock::Clock::now(&portcullis_core::clock::SystemClock);
        match portcullis_core::quick_unlock::unlock(locked, now) {
            Ok(unlocked) => return Ok(unlocked),
            Err(e) => eprintln!("note: {e}"),
        }
        return Ok(unlock_with_password(LockedWorkspace::open(path)?, input)?.0);
    }
    Ok(unlock_with_password(locked, input)?.0)
}

/// Refuses, before the password is asked, a file that asks for more than 1 GiB of key
/// derivation, unless `--allow-costly-kdf` accepts it.
pub fn confirm_kdf_cost(locked: LockedWorkspace, input: &SecretInput) -> Result<LockedWorkspace> {
    if !locked.kdf_needs_confirmation() {
        return Ok(locked);
    }
    let kdf = locked.kdf();
    let (memory_mib, passes) = (kdf.memory_kib() / 1024, kdf.iterations());
    if !input.allow_costly_kdf() {
        bail!(
            "this workspace asks for {memory_mib} MiB of memory and {passes} passes of key derivation \
             (more than 1 GiB): a crafted file can stall this computer this way. If you trust the file, \
             run again with --allow-costly-kdf"
        );
    }
    eprintln!("note: key derivation with {memory_mib} MiB of memory and {passes} passes (--allow-costly-kdf)");
    Ok(locked.confirm_kdf_cost())
}

/// The password path alone (quick unlock failed or is off, or the password is needed again).
fn unlock_with_password(
    locked: LockedWorkspace,
    input: &mut SecretInput,
) -> Result<(Unlock, portcullis_core::SecretString)> {
    let locked = confirm_kdf_cost(locked, input)?;
    let password = input.master_password()?;
    let unlocked = with_spinner("Unlocking…", || locked.unlock(&password))?;
    Ok((unlocked, password))
}

/// Opens a workspace with the password even when quick unlock is on, and keeps the password
/// (for changes that seal the key again).
pub fn unlock_keeping_password(
    path: &Path,
    input: &mut SecretInput,
) -> Result<(OpenWorkspace, portcullis_core::SecretString)> {
    let (unlocked, password) = unlock_with_password(LockedWorkspace::open(path)?, input)?;
    Ok((finish_unlock(unlocked, input)?, password))
}

/// Opens a workspace: the master password, then the second factor when MFA is on.
pub fn unlock(path: &Path, input: &mut SecretInput) -> Result<OpenWorkspace> {
    finish_unlock(unlock_password(path, input)?, input)
}

/// The second factor, when the password step asks for one.
fn finish_unlock(unlocked: Unlock, input: &mut SecretInput) -> Result<OpenWorkspace> {
    match unlocked {
        Unlock::Open(ws) => Ok(ws),
        Unlock::PendingMfa(p) => pass_factor(p, input),
    }
}

/// Asks for the second factor until it checks (a file workspace's, or a team member's own).
pub fn pass_factor<G: Guarded>(mut pending: PendingMfa<G>, input: &mut SecretInput) -> Result<G> {
    let mut next: Option<Factor> = None;
    loop {
        let factor = match next.take() {
            Some(f) => f,
            None => match input.factor(pending.status())? {
                Answer::Factor(f) => f,
                Answer::SendEmail { method, exit } => {
                    match email_code(&mut pending, method.as_deref(), exit, input) {
                        Ok(f) => f,
                        Err(e) if input.can_retry() && e.downcast_ref::<Error>().is_some() => {
                            eprintln!("{e}");
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
            },
        };
        let cancel = AtomicBool::new(false);
        let mut last_message = String::new();
        let progress = Progress {
            on_status: &mut |m: &str| {
                if m != last_message {
                    eprintln!("Duo: {m}");
                    last_message = m.to_owned();
                }
            },
            cancel: &cancel,
        };
        let outcome = pending.check(&factor, progress);
        pending = match outcome {
            FactorOutcome::Open(ws, verified) => {
                report(&verified);
                return Ok(*ws);
            }
            FactorOutcome::SmsSent(p) => {
                let Some(passcode) = input.sms_passcode()? else {
                    bail!(
                        "Duo sent SMS passcodes; run again with --duo passcode --duo-passcode CODE"
                    );
                };
                let method = match &factor {
                    Factor::Duo { method, .. } => method.clone(),
                    _ => None,
                };
                next = Some(sms_passcode(method, passcode));
                *p
            }
            FactorOutcome::EnrolFirst { message, .. } => bail!("{message}"),
            FactorOutcome::Refused(MfaRefusal { error, retry }) => {
                let Some(p) = retry else {
                    return Err(error.into());
                };
                if !input.can_retry() {
                    return Err(error.into());
                }
                eprintln!("{error}");
                *p
            }
        };
    }
}

/// `--email-send` succeeded: the process ends here, successfully.
#[derive(Debug, thiserror::Error)]
#[error("a code was sent by email")]
pub struct EmailCodeSent;

/// Emails a code, then reads it on a terminal (or stops with [`EmailCodeSent`]).
fn email_code<G: Guarded>(
    pending: &mut PendingMfa<G>,
    method: Option<&str>,
    exit: bool,
    input: &mut SecretInput,
) -> Result<Factor> {
    let sent = with_spinner("Sending the code…", || pending.send_email_code(method))?;
    println!(
        "A code was sent to {} (“{}”); it works once, until {}.",
        sent.to,
        sent.label,
        crate::output::rfc3339(sent.expires)
    );
    if exit {
        return Err(EmailCodeSent.into());
    }
    let code = input
        .email_code()?
        .context("run again with --email-code CODE")?;
    Ok(Factor::Email {
        code,
        method: Some(sent.label),
    })
}

fn report(verified: &Verified) {
    if verified.failed_open {
        eprintln!("warning: Duo could not be reached; opened without it because this method's failmode is safe");
        match verified.fail_opens_left {
            Some(0) => eprintln!("warning: that was the last time in a row: until Duo verifies you again, this workspace refuses to open without it"),
            Some(left) => eprintln!("note: it opens without Duo at most {left} more time(s) in a row before Duo must verify you again"),
            None => {}
        }
    }
    match verified.backup_codes_left {
        Some(0) => eprintln!(
            "warning: that was your last backup code; run `portcullis mfa backup-codes regenerate` now"
        ),
        Some(left) => eprintln!("note: backup code used; {left} left"),
        None => {}
    }
}

/// Reads the PEM file of an extra CA named by `--ca-file` (Duo, email).
pub fn read_ca_file(path: Option<&Path>) -> Result<Option<String>> {
    path.map(|p| {
        std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the CA file {}", p.display()))
    })
    .transpose()
}

/// The key derivation the flags ask for, or `None` when no flag is set (the core checks the
/// parameters, before any prompt).
pub fn kdf_from_args(args: &KdfArgs) -> Result<Option<KdfChoice>> {
    if let (Some(m), Some(t), Some(p)) = (
        args.kdf_memory_mib,
        args.kdf_iterations,
        args.kdf_parallelism,
    ) {
        return Ok(Some(KdfChoice::fixed_mib(m, t, p)?));
    }
    Ok(args.kdf_time_ms.map(KdfChoice::calibrated_ms))
}

/// The parameters of `choice`, calibrating under a spinner.
pub fn resolve_kdf(choice: KdfChoice) -> Result<KdfParams> {
    match choice {
        KdfChoice::Fixed(k) => Ok(k),
        calibrated => Ok(with_spinner("Calibrating key derivation…", || {
            calibrated.resolve()
        })?),
    }
}
