//! The desktop's side of the app: the tray icon's requests to the page.

use crate::tray::{TrayAction, TrayState};
use tauri::State;

/// Hands the app a channel on which the tray asks the page for something: focus the search
/// field, or clear itself after locking.
#[tauri::command]
#[specta::specta]
pub fn watch_tray(tray: State<'_, TrayState>, channel: tauri::ipc::Channel<TrayAction>) {
    tray.set_listener(channel);
}

/// Whether a tray icon is shown (the page then offers to close to the tray).
#[tauri::command]
#[specta::specta]
pub fn tray_present(tray: State<'_, TrayState>) -> bool {
    tray.present()
}
