//! The app's preferences: clipboard delay, idle time before locking, language, theme, closing
//! to the tray.

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::preferences::Preferences;
use crate::state::AppState;
use crate::tray::{self, TrayState};
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
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    tray: State<'_, TrayState>,
    preferences: Preferences,
) -> CommandResult<Preferences> {
    let preferences = preferences.clamped();
    preferences
        .save()
        .map_err(|_| CommandError::new(ErrorCode::Io, "the preferences could not be saved"))?;
    *state.preferences() = preferences.clone();
    // The tray menu follows the language.
    tray.relabel(tray::locale(preferences.locale.as_deref()));
    // The window's light or dark look follows the theme.
    crate::appearance::apply(&app);
    Ok(preferences)
}
