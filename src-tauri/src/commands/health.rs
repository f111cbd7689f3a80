//! The password health report of the open workspace (the core's `health` module).

use super::with_store;
use crate::error::CommandResult;
use crate::state::AppState;
use portcullis_core::health::{self, HealthReport};
use tauri::State;

/// Weak, reused and old passwords and logins without the second factor their site offers,
/// each with its entry's id and title. Computed here, offline; it holds no secret.
#[tauri::command(async)]
#[specta::specta]
pub fn password_health(state: State<'_, AppState>) -> CommandResult<HealthReport> {
    with_store(&state, |ws| Ok(health::report(ws)?))
}
