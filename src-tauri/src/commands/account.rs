//! Workspace-wide settings of the open workspace that the CLI also changes: the master
//! password (`portcullis passwd`) and after how many days a second-factor method shows as
//! expired (`portcullis mfa expiry-days`).

use super::{with_derived_keys, with_open};
use crate::error::CommandResult;
use crate::state::AppState;
use portcullis_core::Guarded;
use portcullis_core::{quick_unlock, SecretString};
use tauri::State;

/// Changes the master password: `current_password` is checked again whatever opened the workspace (as
/// `passwd` does), and with MFA on the core wants a fresh factor (`step_up_required`). The
/// workspace keeps its key-derivation cost; a costly one (above 1 GiB) not confirmed at unlock
/// is refused with `costly_kdf` and its cost until the page confirmed it and sends
/// `allow_costly_kdf`. Both derivations run without holding the session. This machine's
/// quick-unlock items go, since they open nothing afterwards.
#[tauri::command(async)]
#[specta::specta]
pub fn change_master_password(
    state: State<'_, AppState>,
    current_password: String,
    new_password: String,
    allow_costly_kdf: Option<bool>,
) -> CommandResult<()> {
    let current = SecretString::new(current_password);
    let new = SecretString::new(new_password);
    with_derived_keys(
        &state,
        |ws| {
            if allow_costly_kdf == Some(true) {
                ws.confirm_kdf_cost();
            }
            let kdf = ws.kdf();
            Ok(ws.password_keys(&current)?.with_new_password(&new, kdf)?)
        },
        |ws, keys| {
            quick_unlock::change_password_with(ws, keys)?;
            tracing::info!("master password changed");
            Ok(())
        },
    )
}

/// Sets after how many days an unchanged second-factor method shows as expired (at least 1;
/// needs a fresh factor, like every MFA change).
#[tauri::command(async)]
#[specta::specta]
pub fn set_mfa_expiry_days(state: State<'_, AppState>, days: u32) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.set_mfa_expiry_days(days)?))
}
