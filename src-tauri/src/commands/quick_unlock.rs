//! Quick unlock in the app: this machine's OS keyring keeps the workspace key, so the unlock
//! screen can open it with the second factor only.

use super::workspace::open_with;
use super::{with_derived_keys, with_open};
use crate::dto::SessionState;
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::AppState;
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::quick_unlock::{self, Error};
use portcullis_core::{LockedWorkspace, SecretString};
use serde::Serialize;
use tauri::State;

#[derive(Serialize, specta::Type)]
pub struct QuickUnlockDto {
    /// Whether this desktop has a usable keyring; when not, `reason` says why.
    available: bool,
    reason: Option<String>,
    enabled: bool,
    expires: Option<i64>,
}

fn quick_error(e: Error) -> CommandError {
    match e {
        Error::Workspace(w) => w.into(),
        Error::Unavailable(_) => CommandError::new(ErrorCode::KeyringUnavailable, e.to_string()),
        _ => CommandError::new(ErrorCode::QuickUnlock, e.to_string()),
    }
}

/// Whether quick unlock is on for the workspace at `path` on this machine (no keyring access).
#[tauri::command(async)]
#[specta::specta]
pub fn quick_unlock_on(path: String) -> bool {
    LockedWorkspace::open(&path).is_ok_and(|l| quick_unlock::is_on_here(&l))
}

/// The open workspace's quick-unlock state, and whether the keyring can hold it at all.
#[tauri::command(async)]
#[specta::specta]
pub fn quick_unlock_status(state: State<'_, AppState>) -> CommandResult<QuickUnlockDto> {
    let status = with_open(&state, |ws| Ok(quick_unlock::status(ws)))?;
    Ok(match status {
        Ok(s) => QuickUnlockDto {
            available: true,
            reason: None,
            enabled: s.enabled,
            expires: s.expires,
        },
        Err(e) => QuickUnlockDto {
            available: false,
            reason: Some(match e {
                Error::Unavailable(reason) => reason,
                other => other.to_string(),
            }),
            enabled: false,
            expires: None,
        },
    })
}

/// Lets this computer open the workspace without the password for `days`, or renews it: the
/// current password is needed, and a fresh factor when MFA is on.
#[tauri::command(async)]
#[specta::specta]
pub fn enable_quick_unlock(
    state: State<'_, AppState>,
    password: String,
    days: Option<u32>,
) -> CommandResult<()> {
    let password = SecretString::new(password);
    with_derived_keys(
        &state,
        |ws| Ok(ws.password_keys(&password)?),
        |ws, keys| {
            quick_unlock::enable_with(ws, keys, days.unwrap_or(quick_unlock::DEFAULT_DAYS))
                .map(|_| ())
                .map_err(quick_error)
        },
    )
}

/// Turns quick unlock off here: the file's copy of the key goes, then the keyring item.
#[tauri::command(async)]
#[specta::specta]
pub fn disable_quick_unlock(state: State<'_, AppState>) -> CommandResult<()> {
    with_open(&state, |ws| {
        quick_unlock::disable_open(ws).map_err(quick_error)
    })
}

/// Opens the workspace at `path` with the key from the keyring; the second factor follows
/// as after a password.
#[tauri::command(async)]
#[specta::specta]
pub fn unlock_quick(state: State<'_, AppState>, path: String) -> CommandResult<SessionState> {
    open_with(&state, &path, |locked| {
        quick_unlock::unlock(locked, SystemClock.now()).map_err(quick_error)
    })
}
