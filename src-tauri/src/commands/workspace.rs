//! Creating, unlocking and locking the window's workspace.

use crate::dto::SessionState;
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Session};
use portcullis_core::workspace::Unlock;
use portcullis_core::{LockedWorkspace, OpenWorkspace, SecretString};
use std::path::PathBuf;
use tauri::State;

/// `$XDG_DATA_HOME/portcullis/default.pcx`.
#[tauri::command]
pub fn default_workspace_path() -> String {
    crate::paths::default_workspace().display().to_string()
}

#[tauri::command]
pub fn workspace_exists(path: String) -> bool {
    PathBuf::from(path).is_file()
}

/// Creates a workspace (key derivation calibrated to about a second) and opens it.
#[tauri::command(async)]
pub fn create_workspace(
    state: State<'_, AppState>,
    path: String,
    password: String,
) -> CommandResult<SessionState> {
    let password = SecretString::new(password);
    if password.is_empty() {
        return Err(CommandError::new(
            "invalid",
            "the master password cannot be empty",
        ));
    }
    let path = PathBuf::from(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|_| CommandError::new("io", "cannot create the folder"))?;
    }
    let kdf = crate::kdf_for_new()?;
    state.lease(&path)?;
    let ws = OpenWorkspace::create(&path, &password, kdf).inspect_err(|_| state.release_lease())?;
    crate::recent::remember(&path);
    let out = open_state(&ws);
    *state.lock() = Session::Open(ws);
    Ok(out)
}

/// Checks the password; the result says whether a second factor is needed. A file that asks
/// for more than 1 GiB of key derivation is refused (`costly_kdf`, with the cost) until the
/// user confirmed it and the page sends `allow_costly_kdf`.
#[tauri::command(async)]
pub fn unlock_workspace(
    state: State<'_, AppState>,
    path: String,
    password: String,
    allow_costly_kdf: Option<bool>,
) -> CommandResult<SessionState> {
    let mut locked = LockedWorkspace::open(&path)?;
    if allow_costly_kdf == Some(true) {
        locked = locked.confirm_kdf_cost();
    }
    state.lease(std::path::Path::new(&path))?;
    let unlocked = locked
        .unlock(&SecretString::new(password))
        .inspect_err(|_| state.release_lease())?;
    crate::recent::remember(std::path::Path::new(&path));
    Ok(enter(&state, unlocked))
}

/// Makes an unlock the window's session: open, or waiting for the second factor.
pub fn enter(state: &AppState, unlocked: Unlock) -> SessionState {
    let mut session = state.lock();
    match unlocked {
        Unlock::Open(ws) => {
            let out = open_state(&ws);
            *session = Session::Open(ws);
            out
        }
        Unlock::PendingMfa(p) => {
            let out = SessionState::Pending {
                name: p.name(),
                status: p.status().clone(),
            };
            *session = Session::Pending(p);
            out
        }
    }
}

/// Hands the app a channel on which it says when it locked by itself (the desktop went to
/// sleep or locked its screen): the page then clears what it shows.
#[tauri::command]
pub fn watch_locks(state: State<'_, AppState>, channel: tauri::ipc::Channel<&'static str>) {
    state.set_lock_listener(channel);
}

/// Drops the open workspace (its keys zeroize).
#[tauri::command]
pub fn lock_workspace(state: State<'_, AppState>) {
    state.lock_session();
}

#[tauri::command]
pub fn session_state(state: State<'_, AppState>) -> SessionState {
    match &*state.lock() {
        Session::Locked => SessionState::Locked,
        Session::Pending(p) => SessionState::Pending {
            name: p.name(),
            status: p.status().clone(),
        },
        Session::Open(ws) => open_state(ws),
    }
}

pub fn open_state(ws: &OpenWorkspace) -> SessionState {
    SessionState::Open {
        name: ws.name(),
        path: ws.path().display().to_string(),
    }
}

/// Recently opened workspaces, newest first.
#[tauri::command]
pub fn recent_workspaces() -> Vec<String> {
    crate::recent::list()
}

/// The native "open file" dialog, run from Rust so the page gets no file-system access.
#[tauri::command(async)]
pub fn pick_workspace_file(app: tauri::AppHandle) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    app.dialog()
        .file()
        .add_filter("Portcullis workspace", &["pcx"])
        .blocking_pick_file()
        .and_then(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
}
