//! Workspace-wide settings of the open workspace that the CLI also changes: the master
//! password (`portcullis passwd`) and after how many days a second-factor method shows as
//! expired (`portcullis mfa expiry-days`). On a team workspace both are the member's own.

use super::{with_derived_keys, with_guarded};
use crate::error::CommandResult;
use crate::state::{AppState, Session};
use crate::team::TeamOpen;
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
    change_password(&state, &current, &new, allow_costly_kdf == Some(true))
}

/// [`change_master_password`], without the Tauri runtime. A team member's own password (the
/// core's `TeamWorkspace::change_password`, as `portcullis passwd URL`): their identity and
/// second-factor settings sealed again at the cost it has, the offline copy following; the
/// two derivations hold the session (a member's identity is small, and they chose its cost).
pub fn change_password(
    state: &AppState,
    current: &SecretString,
    new: &SecretString,
    allow_costly_kdf: bool,
) -> CommandResult<()> {
    let team = super::blocking(|| -> Option<CommandResult<()>> {
        match &mut *state.lock() {
            Session::Team(open) => Some(match &mut **open {
                TeamOpen::Online(ws, _) => ws.change_password(current, new).map_err(Into::into),
                TeamOpen::Offline(ws) => Err(super::team::offline(ws)),
            }),
            _ => None,
        }
    });
    if let Some(done) = team {
        if done.is_ok() {
            tracing::info!("member's master password changed");
        }
        return done;
    }
    with_derived_keys(
        state,
        |ws| {
            if allow_costly_kdf {
                ws.confirm_kdf_cost();
            }
            let kdf = ws.kdf();
            Ok(ws.password_keys(current)?.with_new_password(new, kdf)?)
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
    with_guarded!(state, |ws| Ok(ws.set_mfa_expiry_days(days)?))
}
