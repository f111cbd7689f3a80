//! Device binding in the app: bind the open workspace to this machine's keyring (writing the
//! recovery kit first), unbind it, and restore the device key from a kit on the unlock screen.

use super::with_open;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;
use portcullis_core::device_binding::{self, Error};
use portcullis_core::{LockedWorkspace, SecretString};
use tauri::State;

fn binding_error(e: Error) -> CommandError {
    match e {
        Error::Workspace(w) => w.into(),
        Error::Kit(k) => CommandError::new("io", k.to_string()),
        other => CommandError::new("device_binding", other.to_string()),
    }
}

/// Whether the open workspace is bound to a device.
#[tauri::command]
pub fn device_binding_on(state: State<'_, AppState>) -> CommandResult<bool> {
    with_open(&state, |ws| Ok(ws.is_bound()?))
}

/// Binds the open workspace to this machine; the recovery kit goes to `kit_path` (a new file)
/// before anything changes. Returns the kit's text, to show and print.
#[tauri::command(async)]
pub fn enable_device_binding(
    state: State<'_, AppState>,
    password: String,
    kit_path: String,
) -> CommandResult<String> {
    let password = SecretString::new(password);
    with_open(&state, |ws| {
        let kit = device_binding::enable(ws, &password, std::path::Path::new(kit_path.trim()))
            .map_err(binding_error)?;
        Ok(kit.text().expose_secret().to_owned())
    })
}

/// Unbinds: the password alone opens the workspace again.
#[tauri::command(async)]
pub fn disable_device_binding(state: State<'_, AppState>, password: String) -> CommandResult<()> {
    let password = SecretString::new(password);
    with_open(&state, |ws| {
        device_binding::disable(ws, &password).map_err(binding_error)
    })
}

/// Puts a recovery kit's key into this machine's keyring, once it and the password are checked
/// to open the workspace at `path`.
#[tauri::command(async)]
pub fn restore_device_key(
    path: String,
    password: String,
    recovery_key: String,
) -> CommandResult<()> {
    let locked = LockedWorkspace::open(&path)?;
    device_binding::restore(&locked, &SecretString::new(password), &recovery_key)
        .map_err(binding_error)
}
