//! quick-unlock enable|disable|status: the workspace key in the OS keyring.

use super::unlock_keeping_password;
use crate::cli::QuickUnlockCommand;
use crate::input::SecretInput;
use anyhow::Result;
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::quick_unlock;
use portcullis_core::LockedWorkspace;

fn day(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

pub fn run(command: QuickUnlockCommand, input: &mut SecretInput) -> Result<()> {
    match command {
        QuickUnlockCommand::Enable { workspace, days } => {
            // The password is asked even where quick unlock is on already (renewal).
            let (mut ws, password) = unlock_keeping_password(&workspace, input)?;
            let on = quick_unlock::enable(&mut ws, &password, days)?;
            if on.factor_required {
                println!(
                    "quick unlock on until {}: this machine opens {} with the second factor only",
                    day(on.expires),
                    workspace.display()
                );
            } else {
                println!(
                    "quick unlock on until {}: this machine opens {} without the password",
                    day(on.expires),
                    workspace.display()
                );
                eprintln!("warning: this workspace has no second factor: until then, this computer's session alone opens it, with no password and nothing else; anyone or anything using your session can read every entry");
            }
        }
        QuickUnlockCommand::Disable { workspace } => {
            quick_unlock::disable(&mut LockedWorkspace::open(&workspace)?)?;
            println!("quick unlock off: the password is needed again");
        }
        QuickUnlockCommand::Status { workspace, json } => {
            let locked = LockedWorkspace::open(&workspace)?;
            let status = quick_unlock::status_locked(&locked, SystemClock.now())?;
            if json {
                crate::output::print_json(&status)?;
            } else if status.enabled {
                println!("on until {}", day(status.expires.unwrap_or_default()));
            } else {
                println!("off");
            }
        }
    }
    Ok(())
}
