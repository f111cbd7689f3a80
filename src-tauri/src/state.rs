//! What the app holds: at most one workspace per window, locked, waiting for a factor, or open.
//! Locking drops the open workspace, whose keys zeroize.

use crate::clipboard::SecretClipboard;
use portcullis_core::workspace::PendingMfa;
use portcullis_core::OpenWorkspace;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

/// The workspace of the window.
#[derive(Default)]
pub enum Session {
    /// Nothing unlocked.
    #[default]
    Locked,
    /// The password was right; a second factor is needed.
    Pending(PendingMfa),
    /// Open.
    Open(OpenWorkspace),
}

/// Managed state.
pub struct AppState {
    pub session: Mutex<Session>,
    /// Set by the UI's Cancel while Duo waits for a push or a call.
    pub duo_cancel: AtomicBool,
    /// The system clipboard, for copying secrets (absent without a display).
    pub clipboard: SecretClipboard<arboard::Clipboard>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            session: Mutex::default(),
            duo_cancel: AtomicBool::new(false),
            clipboard: SecretClipboard::new(arboard::Clipboard::new().ok()),
        }
    }
}

impl AppState {
    /// Locks the session for the duration of a command.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}
