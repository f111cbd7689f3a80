//! The app's preferences: clipboard delay, idle time before locking, language.

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::preferences::Preferences;
use crate::state::AppState;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn get_preferences(state: State<'_, AppState>) -> Preferences {
    state.preferences().clone()
}

/// Saves the preferences (clamped to their bounds) and returns what was saved.
#[tauri::command(async)]
#[specta::specta]
pub fn set_preferences(
    state: State<'_, AppState>,
    preferences: Preferences,
) -> CommandResult<Preferences> {
    let preferences = preferences.clamped();
    preferences
        .save()
        .map_err(|_| CommandError::new(ErrorCode::Io, "the preferences could not be saved"))?;
    *state.preferences() = preferences.clone();
    Ok(preferences)
}
