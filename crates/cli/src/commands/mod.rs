//! One function per command; each parses its flags, calls the core and prints.

pub mod entries;
pub mod import;
pub mod mfa;
pub mod workspace;

use crate::cli::KdfArgs;
use crate::input::SecretInput;
use crate::progress::with_spinner;
use anyhow::{Context, Result};
use portcullis_core::crypto::kdf::DEFAULT_TARGET;
use portcullis_core::workspace::{MfaRefusal, Unlock};
use portcullis_core::{KdfParams, LockedWorkspace, OpenWorkspace};
use std::path::Path;
use std::time::Duration;

/// Checks the password only: the workspace may still wait for its second factor.
pub fn unlock_password(path: &Path, input: &mut SecretInput) -> Result<Unlock> {
    // The header is read first, so a wrong file is refused before any prompt.
    let locked = LockedWorkspace::open(path)?;
    let password = input.master_password()?;
    Ok(with_spinner("Unlocking…", || locked.unlock(&password))?)
}

/// Opens a workspace: the master password, then the second factor when MFA is on.
pub fn unlock(path: &Path, input: &mut SecretInput) -> Result<OpenWorkspace> {
    let mut pending = match unlock_password(path, input)? {
        Unlock::Open(ws) => return Ok(ws),
        Unlock::PendingMfa(p) => p,
    };
    loop {
        let factor = input.factor(pending.status())?;
        match pending.verify(&factor) {
            Ok((ws, verified)) => {
                if let Some(left) = verified.backup_codes_left {
                    if left == 0 {
                        eprintln!("warning: that was your last backup code; run `portcullis mfa backup-codes regenerate` now");
                    } else {
                        eprintln!("note: backup code used; {left} left");
                    }
                }
                return Ok(ws);
            }
            Err(MfaRefusal { error, retry }) => match retry {
                Some(p) if input.can_retry() => {
                    eprintln!("{error}");
                    pending = *p;
                }
                _ => return Err(error.into()),
            },
        }
    }
}

/// The KDF parameters the flags ask for, or `None` when no flag is set.
pub fn kdf_from_args(args: &KdfArgs) -> Result<Option<KdfParams>> {
    if let (Some(m), Some(t), Some(p)) = (
        args.kdf_memory_mib,
        args.kdf_iterations,
        args.kdf_parallelism,
    ) {
        let kib = m
            .checked_mul(1024)
            .context("--kdf-memory-mib is too large")?;
        return Ok(Some(KdfParams::new(kib, t, p).context(
            "key-derivation parameters out of bounds (memory 1 MiB to 4 GiB, 1 to 1000 passes, 1 to 16 lanes)",
        )?));
    }
    match args.kdf_time_ms {
        Some(ms) => calibrate(Duration::from_millis(ms)).map(Some),
        None => Ok(None),
    }
}

/// Calibrated parameters for `target`.
pub fn calibrate(target: Duration) -> Result<KdfParams> {
    Ok(with_spinner("Calibrating key derivation…", || {
        KdfParams::calibrate(target)
    })?)
}

/// The parameters for a new workspace: the flags', or calibrated to the default target.
pub fn kdf_for_new(args: &KdfArgs) -> Result<KdfParams> {
    match kdf_from_args(args)? {
        Some(k) => Ok(k),
        None => calibrate(DEFAULT_TARGET),
    }
}
