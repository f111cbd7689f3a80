//! Device binding in the app: bind the open workspace to this machine's keyring (writing the
//! recovery kit first), unbind it, and open with a kit's recovery key on another computer.

use super::workspace::open_with;
use super::{with_derived_keys, with_open};
use crate::dto::SessionState;
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::files::Purpose;
use crate::state::AppState;
use portcullis_core::workspace::BindingError as Error;
use portcullis_core::SecretString;
use tauri::State;

fn binding_error(e: Error) -> CommandError {
    match e {
        Error::Workspace(w) => w.into(),
        Error::Kit(k) => CommandError::new(ErrorCode::Io, k.to_string()),
        other => CommandError::new(ErrorCode::DeviceBinding, other.to_string()),
    }
}

/// Whether the open workspace is bound to a device.
#[tauri::command(async)]
#[specta::specta]
pub fn device_binding_on(state: State<'_, AppState>) -> CommandResult<bool> {
    with_open(&state, |ws| Ok(ws.is_bound()?))
}

/// Binds the open workspace to this machine; the recovery kit goes first to the file the user
/// chose to save it in (`kit`, a handle from `pick_file`; a new file). Returns the kit's text,
/// to show and print.
#[tauri::command(async)]
#[specta::specta]
pub fn enable_device_binding(
    state: State<'_, AppState>,
    password: String,
    kit: String,
) -> CommandResult<String> {
    let password = SecretString::new(password);
    let kit_path = state.chosen(&kit, Purpose::Write)?;
    with_derived_keys(
        &state,
        |ws| Ok(ws.password_keys(&password)?),
        |ws, keys| {
            let kit = ws
                .bind_to_device_with(keys, &kit_path)
                .map_err(binding_error)?;
            Ok(kit.text().expose_secret().to_owned())
        },
    )
}

/// Unbinds: the password alone opens the workspace again.
#[tauri::command(async)]
#[specta::specta]
pub fn disable_device_binding(state: State<'_, AppState>, password: String) -> CommandResult<()> {
    let password = SecretString::new(password);
    with_derived_keys(
        &state,
        |ws| Ok(ws.password_keys(&password)?),
        |ws, keys| ws.unbind_device_with(keys).map_err(binding_error),
    )
}

/// Opens the workspace at `path`, bound to another computer, with the password and a recovery
/// kit's key, which then goes into this machine's keyring; the second factor follows as after
/// a password.
#[tauri::command(async)]
#[specta::specta]
pub fn unlock_with_recovery_key(
    state: State<'_, AppState>,
    path: String,
    password: String,
    recovery_key: String,
) -> CommandResult<SessionState> {
    let password = SecretString::new(password);
    open_with(&state, &path, |locked| {
        locked
            .restore_device_key(&password, &recovery_key)
            .map_err(binding_error)
    })
}
