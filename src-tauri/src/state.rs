//! What the app holds: at most one workspace per window, locked, waiting for a factor, or open.
//! Locking drops the open workspace, whose keys zeroize.

use crate::clipboard::SecretClipboard;
use crate::error::CommandResult;
use crate::lock_signals::LockReason;
use crate::preferences::Preferences;
use portcullis_core::workspace::{Lease, PendingMfa, Preview};
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
    preferences: Mutex<Preferences>,
    /// Held while a workspace is unlocked here, so another window says it is open here.
    lease: Mutex<Option<Lease>>,
    /// An import previewed and not yet committed (dropped on lock).
    pending_import: Mutex<Option<Preview>>,
    /// Where the page listens for locks it did not ask for (sleep, screen lock).
    lock_listener: Mutex<Option<Channel<&'static str>>>,
    /// Where the page hears of files dropped on the window.
    drop_listener: Mutex<Option<Channel<String>>>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            session: Mutex::default(),
            duo_cancel: AtomicBool::new(false),
            clipboard: SecretClipboard::new(arboard::Clipboard::new().ok()),
            preferences: Mutex::new(Preferences::load()),
            lease: Mutex::default(),
            pending_import: Mutex::default(),
            lock_listener: Mutex::default(),
            drop_listener: Mutex::default(),
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

    /// Takes the lease of the workspace at `path` (keeping it when this window holds it).
    pub fn lease(&self, path: &std::path::Path) -> CommandResult<()> {
        let mut lease = guard(&self.lease);
        let lock_file = Lease::lock_path(path);
        if lease.as_ref().is_some_and(|l| l.path() == lock_file) {
            return Ok(());
        }
        *lease = None;
        *lease = Some(Lease::acquire(path)?);
        Ok(())
    }

    /// Gives the lease back (an unlock that failed).
    pub fn release_lease(&self) {
        *guard(&self.lease) = None;
    }

    /// Locks: drops the workspace (its keys zeroize) and releases the lease.
    pub fn lock_session(&self) -> Session {
        let was = std::mem::take(&mut *self.lock());
        *guard(&self.lease) = None;
        *guard(&self.pending_import) = None;
        was
    }

    pub fn pending_import(&self) -> MutexGuard<'_, Option<Preview>> {
        guard(&self.pending_import)
    }

    pub fn set_drop_listener(&self, channel: Channel<String>) {
        *guard(&self.drop_listener) = Some(channel);
    }

    /// Hands the page the path of a file dropped on the window (the screen decides).
    pub fn dropped(&self, path: &std::path::Path) {
        if let Some(channel) = &*guard(&self.drop_listener) {
            let _ = channel.send(path.display().to_string());
        }
    }

    pub fn set_lock_listener(&self, channel: Channel<&'static str>) {
        *guard(&self.lock_listener) = Some(channel);
    }

    /// Locks because the desktop asked (sleep, screen lock): stops a Duo wait, drops the
    /// workspace, and tells the page so it clears itself.
    pub fn lock_for(&self, reason: LockReason) {
        self.duo_cancel.store(true, Ordering::SeqCst);
        let was_unlocked = !matches!(self.lock_session(), Session::Locked);
        tracing::info!(
            reason = reason.as_str(),
            was_unlocked,
            "the desktop asked to lock"
        );
        if was_unlocked {
            if let Some(channel) = &*guard(&self.lock_listener) {
                let _ = channel.send(reason.as_str());
            }
        }
    }
}
