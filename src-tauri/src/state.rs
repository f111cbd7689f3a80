//! What the app holds: at most one workspace per window, locked, waiting for a factor, or open.
//! Locking drops the open workspace, whose keys zeroize.

use crate::clipboard::SecretClipboard;
use crate::lock_signals::LockReason;
use crate::preferences::Preferences;
use portcullis_core::workspace::PendingMfa;
use portcullis_core::OpenWorkspace;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use tauri::ipc::Channel;

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
    pub preferences: Mutex<Preferences>,
    /// Where the page listens for locks it did not ask for (sleep, screen lock).
    pub lock_listener: Mutex<Option<Channel<&'static str>>>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            session: Mutex::default(),
            duo_cancel: AtomicBool::new(false),
            clipboard: SecretClipboard::new(arboard::Clipboard::new().ok()),
            preferences: Mutex::new(Preferences::load()),
            lock_listener: Mutex::default(),
        }
    }
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// Locks the session for the duration of a command.
    pub fn lock(&self) -> MutexGuard<'_, Session> {
        guard(&self.session)
    }

    pub fn preferences(&self) -> MutexGuard<'_, Preferences> {
        guard(&self.preferences)
    }

    pub fn set_lock_listener(&self, channel: Channel<&'static str>) {
        *guard(&self.lock_listener) = Some(channel);
    }

    /// Locks because the desktop asked (sleep, screen lock): stops a Duo wait, drops the
    /// workspace, and tells the page so it clears itself.
    pub fn lock_for(&self, reason: LockReason) {
        self.duo_cancel.store(true, Ordering::SeqCst);
        let was_unlocked = !matches!(std::mem::take(&mut *self.lock()), Session::Locked);
        if was_unlocked {
            if let Some(channel) = &*guard(&self.lock_listener) {
                let _ = channel.send(reason.as_str());
            }
        }
    }
}
