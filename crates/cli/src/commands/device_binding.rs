//! device-binding enable|disable|status|restore: the workspace key also needs a secret kept in
//! this machine's OS keyring.

use super::{unlock_keeping_password, with_spinner};
use crate::cli::DeviceBindingCommand;
use crate::input::SecretInput;
use anyhow::Result;
use portcullis_core::LockedWorkspace;

pub fn run(command: DeviceBindingCommand, input: &mut SecretInput) -> Result<()> {
    match command {
        DeviceBindingCommand::Enable {
            workspace,
            recovery_kit,
        } => {
            let (mut ws, password) = unlock_keeping_password(&workspace, input)?;
            ws.bind_to_device(&password, &recovery_kit)?;
            println!(
                "{} is now bound to this computer: the file alone, even with the password, opens nowhere else.",
                workspace.display()
            );
            println!(
                "The recovery kit is in {}: print it, keep it offline, then delete the file.",
                recovery_kit.display()
            );
            eprintln!("warning: without this computer's keyring and without the recovery kit, nobody can open this workspace again, not even you");
        }
        DeviceBindingCommand::Disable { workspace } => {
            let (mut ws, password) = unlock_keeping_password(&workspace, input)?;
            ws.unbind_device(&password)?;
            println!("device binding off: the password opens the workspace on any computer again");
        }
        DeviceBindingCommand::Status { workspace, json } => {
            let status = LockedWorkspace::open(&workspace)?.device_binding();
            if json {
                crate::output::print_json(&status)?;
            } else if !status.bound {
                println!("not bound");
            } else if status.key_here {
                println!("bound to this computer");
            } else {
                println!("bound to another computer: restore its key from the recovery kit");
            }
        }
        DeviceBindingCommand::Restore { workspace } => {
            let locked = super::confirm_kdf_cost(LockedWorkspace::open(&workspace)?, input)?;
            let password = input.master_password()?;
            let key = input.recovery_key()?;
            with_spinner("Checking…", || {
                locked.restore_device_key(&password, key.expose_secret())
            })?;
            println!("device key restored: this computer opens the workspace again");
        }
    }
    Ok(())
}
