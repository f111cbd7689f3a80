//! init and passwd.

use super::{kdf_from_args, resolve_kdf, unlock_keeping_password};
use crate::cli::{InitArgs, PasswdArgs};
use crate::input::{SecretInput, NEW_PASSWORD_ENV, PASSWORD_ENV};
use crate::progress::with_spinner;
use anyhow::Result;
use portcullis_core::new_workspace::{self, describe, KdfChoice};
use portcullis_core::quick_unlock;

pub fn init(args: InitArgs, input: &mut SecretInput) -> Result<()> {
    if let Some(url) = super::team_url(&args.workspace) {
        return super::team::init(url, &args.kdf, input);
    }
    if args.workspace.exists() {
        anyhow::bail!("{} already exists", args.workspace.display());
    }
    let choice = kdf_from_args(&args.kdf)?.unwrap_or_default();
    let password = input.new_master_password(PASSWORD_ENV)?;
    let kdf = resolve_kdf(choice)?;
    with_spinner("Creating workspace…", || {
        new_workspace::create(&args.workspace, &password, KdfChoice::Fixed(kdf))
    })?;
    println!("created {} ({})", args.workspace.display(), describe(&kdf));
    Ok(())
}

/// Always asks for the current password, even where quick unlock is on.
pub fn passwd(args: PasswdArgs, input: &mut SecretInput) -> Result<()> {
    if let Some(url) = super::team_url(&args.workspace) {
        return super::team::passwd(url, &args.kdf, input);
    }
    let (mut ws, password) = unlock_keeping_password(&args.workspace, input)?;
    let new_password = input.new_master_password(NEW_PASSWORD_ENV)?;
    let kdf = match kdf_from_args(&args.kdf)? {
        Some(choice) => resolve_kdf(choice)?,
        None => ws.kdf(),
    };
    with_spinner("Re-sealing the workspace…", || {
        quick_unlock::change_password(&mut ws, &password, &new_password, kdf)
    })?;
    println!("master password changed ({})", describe(&kdf));
    Ok(())
}
