//! init and passwd.

use super::{kdf_for_new, kdf_from_args, unlock};
use crate::cli::{InitArgs, PasswdArgs};
use crate::input::{SecretInput, NEW_PASSWORD_ENV, PASSWORD_ENV};
use crate::progress::with_spinner;
use anyhow::Result;
use portcullis_core::{KdfParams, OpenWorkspace};

pub fn init(args: InitArgs, input: &mut SecretInput) -> Result<()> {
    if args.workspace.exists() {
        anyhow::bail!("{} already exists", args.workspace.display());
    }
    let password = input.new_master_password(PASSWORD_ENV)?;
    let kdf = kdf_for_new(&args.kdf)?;
    with_spinner("Creating workspace…", || {
        OpenWorkspace::create(&args.workspace, &password, kdf)
    })?;
    println!("created {} ({})", args.workspace.display(), describe(&kdf));
    Ok(())
}

pub fn passwd(args: PasswdArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
    let new_password = input.new_master_password(NEW_PASSWORD_ENV)?;
    let kdf = kdf_from_args(&args.kdf)?.unwrap_or_else(|| ws.kdf());
    with_spinner("Re-sealing the workspace…", || {
        ws.change_password(&new_password, kdf)
    })?;
    println!("master password changed ({})", describe(&kdf));
    Ok(())
}

fn describe(kdf: &KdfParams) -> String {
    format!(
        "Argon2id: {} KiB, {} passes, {} lanes",
        kdf.memory_kib(),
        kdf.iterations(),
        kdf.parallelism()
    )
}
