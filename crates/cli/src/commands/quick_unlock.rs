//! quick-unlock enable|disable|status: the workspace key in the OS keyring.

use super::unlock;
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
            let mut ws = unlock(&workspace, input)?;
            let status = quick_unlock::enable(&mut ws, days)?;
            println!(
                "quick unlock on until {}: this machine opens {} with the second factor only",
                day(status.expires.unwrap_or_default()),
                workspace.display()
            );
        }
        QuickUnlockCommand::Disable { workspace } => {
            let id = LockedWorkspace::open(&workspace)?.workspace_id();
            quick_unlock::disable(id)?;
            println!("quick unlock off: the password is needed again");
        }
        QuickUnlockCommand::Status { workspace, json } => {
            let id = LockedWorkspace::open(&workspace)?.workspace_id();
            let status = if quick_unlock::is_on_here(id) {
                quick_unlock::status(id, SystemClock.now())?
            } else {
                quick_unlock::Status {
                    enabled: false,
                    expires: None,
                }
            };
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
