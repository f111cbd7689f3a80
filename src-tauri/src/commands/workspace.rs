//! Creating, unlocking and locking the window's workspace.

use crate::dto::SessionState;
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::{AppState, Leased, Session};
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::new_workspace;
use portcullis_core::workspace::Unlock;
use portcullis_core::{LockedWorkspace, OpenWorkspace, SecretString};
use std::path::{Path, PathBuf};
use tauri::State;

/// `$XDG_DATA_HOME/portcullis/default.pcx`.
#[tauri::command(async)]
#[specta::specta]
pub fn default_workspace_path() -> String {
    crate::paths::default_workspace().display().to_string()
}

#[tauri::command(async)]
#[specta::specta]
pub fn workspace_exists(path: String) -> bool {
    PathBuf::from(path).is_file()
}

/// Creates a workspace (key derivation calibrated to about a second) and opens it.
#[tauri::command(async)]
#[specta::specta]
pub fn create_workspace(
    state: State<'_, AppState>,
    path: String,
    password: String,
) -> CommandResult<SessionState> {
    let password = SecretString::new(password);
    new_workspace::check_master_password(&password)?;
    let path = PathBuf::from(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|_| CommandError::new(ErrorCode::Io, "cannot create the folder"))?;
    }
    let kdf = crate::kdf_for_new();
    enter_workspace(&state, &path, || {
        Ok(Unlock::Open(new_workspace::create(&path, &password, kdf)?))
    })
}

/// Checks the password; the result says whether a second factor is needed. A file that asks
/// for more than 1 GiB of key derivation is refused (`costly_kdf`, with the cost) until the
/// user confirmed it and the page sends `allow_costly_kdf`.
#[tauri::command(async)]
#[specta::specta]
pub fn unlock_workspace(
    state: State<'_, AppState>,
    path: String,
    password: String,
    allow_costly_kdf: Option<bool>,
) -> CommandResult<SessionState> {
    let password = SecretString::new(password);
    open_with(&state, &path, |locked| {
        let locked = if allow_costly_kdf == Some(true) {
            locked.confirm_kdf_cost()
        } else {
            locked
        };
        Ok(locked.unlock(&password)?)
    })
}

/// Opens the workspace at `path` with `unlock` (a password, a recovery key, quick unlock).
/// The file is read before anything else, so a wrong file is refused at once.
pub fn open_with(
    state: &AppState,
    path: &str,
    unlock: impl FnOnce(LockedWorkspace) -> CommandResult<Unlock>,
) -> CommandResult<SessionState> {
    let locked = LockedWorkspace::open(path)?;
    enter_workspace(state, Path::new(path), || unlock(locked))
}

/// The one way a workspace becomes the window's: its lease is taken, `open` runs (creating
/// or unlocking it), it is remembered among the recent ones, and it becomes the session
/// (open, or waiting for its second factor). A failure gives back only a lease taken for it,
/// never the one of the session open here; a lock while `open` ran (sleep, screen lock) wins.
pub fn enter_workspace(
    state: &AppState,
    path: &Path,
    open: impl FnOnce() -> CommandResult<Unlock>,
) -> CommandResult<SessionState> {
    let since = state.epoch();
    let leased = state.lease(path)?;
    let unlocked = open().inspect_err(|_| state.release_lease(leased))?;
    crate::recent::remember(path);
    enter(state, since, leased, unlocked)
}

/// Makes an unlock begun at `since` the window's session (open, or waiting for the second
/// factor), unless the app locked since then.
fn enter(
    state: &AppState,
    since: u64,
    leased: Leased,
    unlocked: Unlock,
) -> CommandResult<SessionState> {
    let (session, out) = match unlocked {
        Unlock::Open(ws) => {
            let out = open_state(&ws);
            (Session::Open(ws), out)
        }
        Unlock::PendingMfa(p) => {
            let out = SessionState::Pending {
                name: p.name(),
                status: p.status().clone(),
            };
            (Session::Pending(p), out)
        }
    };
    state
        .lock()
        .install(session, since)
        .inspect_err(|_| state.release_lease(leased))?;
    Ok(out)
}

/// Hands the app a channel on which it says when it locked by itself (the desktop went to
/// sleep or locked its screen): the page then clears what it shows.
#[tauri::command]
#[specta::specta]
pub fn watch_locks(state: State<'_, AppState>, channel: tauri::ipc::Channel<&'static str>) {
    state.set_lock_listener(channel);
}

/// The user did something in the window (the page reports it at most every few seconds):
/// the idle auto-lock waits again.
#[tauri::command]
#[specta::specta]
pub fn note_activity(state: State<'_, AppState>) {
    state.note_activity(SystemClock.now());
}

/// Drops the open workspace (its keys zeroize).
#[tauri::command]
#[specta::specta]
pub fn lock_workspace(state: State<'_, AppState>) {
    state.lock_session();
}

#[tauri::command(async)]
#[specta::specta]
pub fn session_state(state: State<'_, AppState>) -> SessionState {
    super::team::describe(&state.lock())
}

pub fn open_state(ws: &OpenWorkspace) -> SessionState {
    SessionState::Open {
        name: ws.name(),
        path: ws.path().display().to_string(),
        team: None,
    }
}

/// Recently opened workspaces, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn recent_workspaces() -> Vec<String> {
    crate::recent::list()
}

/// The native "open file" dialog, run from Rust so the page gets no file-system access.
#[tauri::command(async)]
#[specta::specta]
pub fn pick_workspace_file(app: tauri::AppHandle) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    app.dialog()
        .file()
        .add_filter("Portcullis workspace", &["pcx"])
        .blocking_pick_file()
        .and_then(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock_signals::LockReason;
    use portcullis_core::workspace::Lease;
    use portcullis_core::KdfParams;

    const PASSWORD: &str = "correct horse";

    fn workspace(dir: &tempfile::TempDir) -> String {
        let path = dir.path().join("w.pcx");
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        OpenWorkspace::create(&path, &SecretString::new(PASSWORD.into()), kdf).unwrap();
        path.display().to_string()
    }

    fn unlock(state: &AppState, path: &str, password: &str) -> CommandResult<SessionState> {
        let password = SecretString::new(password.into());
        open_with(state, path, |locked| Ok(locked.unlock(&password)?))
    }

    #[test]
    fn an_unlock_that_ends_after_a_sleep_signal_ends_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace(&dir);
        let state = AppState::default();
        let password = SecretString::new(PASSWORD.into());
        let err = open_with(&state, &path, |locked| {
            let unlocked = locked.unlock(&password)?;
            // The desktop goes to sleep while the key is being derived.
            state.lock_for(LockReason::Sleep);
            Ok(unlocked)
        })
        .map(|_| ())
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Locked);
        assert!(matches!(*state.lock(), Session::Locked));
        assert!(Lease::acquire(std::path::Path::new(&path)).is_ok());
    }

    #[test]
    fn a_wrong_password_keeps_the_lease_of_the_session_open_here() {
        let dir = tempfile::tempdir().unwrap();
        let path = workspace(&dir);
        let state = AppState::default();
        unlock(&state, &path, PASSWORD).unwrap();
        assert!(unlock(&state, &path, "wrong").is_err());
        assert!(matches!(*state.lock(), Session::Open(_)));
        assert!(
            Lease::acquire(std::path::Path::new(&path)).is_err(),
            "another window could open the workspace open here"
        );
    }
}
