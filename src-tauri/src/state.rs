//! What the app holds: at most one workspace per window, locked, waiting for a factor, or open.
//! Locking drops the open workspace, whose keys zeroize.
//!
//! Every lock bumps an epoch. A session is installed only if no lock came since its unlock
//! began (an unlock that ends after a sleep signal ends locked), and a lock never waits for a
//! command that holds the session: it cancels a Duo wait and the command drops the session
//! when it lets go of it. Commands that wait on the network (Duo, a mail send) let go of the
//! session meanwhile: they read what they need with a [`Ticket`], and record the result with
//! [`AppState::relock`] only if the session is still the same one.

use crate::clipboard::SecretClipboard;
use crate::error::{CommandError, CommandResult};
use crate::files::{Chosen, ChosenFile, Purpose};
use crate::idle::IdleLock;
use crate::lock_signals::LockReason;
use crate::preferences::Preferences;
use crate::refresh::TeamEvent;
use crate::team::{Link, TeamOpen, TeamPending};
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::workspace::duo_enrolment::DuoEnrolment;
use portcullis_core::workspace::{Lease, PendingMfa, Preview};
use portcullis_core::OpenWorkspace;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};
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
    /// A team member's password was right; their second factor is needed.
    TeamPending(Box<TeamPending>),
    /// A team workspace, open from its server or from the offline copy.
    Team(Box<TeamOpen>),
}

impl Session {
    /// A team workspace, open.
    pub fn team(open: TeamOpen) -> Self {
        Session::Team(Box::new(open))
    }

    /// A team member waiting for their second factor.
    pub fn team_pending(pending: TeamPending) -> Self {
        Session::TeamPending(Box::new(pending))
    }
}

/// The session and the epoch it belongs to.
#[derive(Default)]
pub struct Slot {
    session: Session,
    epoch: u64,
    /// Bumped by every install, so a command that let go of the session while Duo or a mail
    /// ran can tell that it is still the same one when it records the result.
    generation: u64,
    /// The generation whose team workspace a live refresh serves.
    watched: Option<u64>,
}

/// Which session a command read before letting go of it (to wait for Duo or a mail send):
/// [`AppState::relock`] gives the session back only if it is still that one, with no lock or
/// other unlock in between.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ticket {
    epoch: u64,
    generation: u64,
}

impl Ticket {
    /// The lock epoch the session belongs to.
    pub fn epoch(self) -> u64 {
        self.epoch
    }
}

/// Whether `AppState::lease` took the lease now or this window already held it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Leased {
    Kept,
    Taken,
}

/// Managed state.
pub struct AppState {
    session: Mutex<Slot>,
    /// Bumped by every lock.
    epoch: AtomicU64,
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
    drop_listener: Mutex<Option<Channel<ChosenFile>>>,
    /// Where the page hears that another member changed the open team workspace.
    team_listener: Mutex<Option<Channel<TeamEvent>>>,
    /// Files chosen in a dialog or dropped, by handle (forgotten on lock).
    chosen: Mutex<Chosen>,
    /// A Duo set-up started by the wizard and not finished (dropped on lock).
    duo_enrolment: Mutex<Option<DuoEnrolment>>,
    /// When the open workspace locks for want of activity.
    idle: Mutex<IdleLock>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            session: Mutex::default(),
            epoch: AtomicU64::new(0),
            duo_cancel: AtomicBool::new(false),
            clipboard: SecretClipboard::new(arboard::Clipboard::new().ok()),
            preferences: Mutex::new(Preferences::load()),
            lease: Mutex::default(),
            pending_import: Mutex::default(),
            lock_listener: Mutex::default(),
            drop_listener: Mutex::default(),
            team_listener: Mutex::default(),
            chosen: Mutex::default(),
            duo_enrolment: Mutex::default(),
            idle: Mutex::default(),
        }
    }
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The session, held for the duration of a command. A lock that came meanwhile takes effect
/// when it is let go of (and a stale session is dropped when it is taken).
pub struct SessionGuard<'a> {
    slot: MutexGuard<'a, Slot>,
    state: &'a AppState,
}

impl SessionGuard<'_> {
    fn drop_if_stale(&mut self) {
        let now = self.state.epoch();
        if self.slot.epoch != now {
            release(std::mem::take(&mut self.slot.session));
            self.slot.epoch = now;
        }
    }

    /// Makes `session` the window's, unless a lock came since `since` (the epoch read when
    /// its unlock began): then it is dropped and the answer is `locked`.
    pub fn install(&mut self, session: Session, since: u64) -> CommandResult<()> {
        if since != self.state.epoch() {
            release(session);
            return Err(CommandError::locked());
        }
        if matches!(session, Session::Open(_) | Session::Team(_)) {
            guard(&self.state.idle).start(SystemClock.now());
        }
        release(std::mem::replace(&mut self.slot.session, session));
        self.slot.epoch = since;
        self.slot.generation += 1;
        Ok(())
    }

    /// Names this session, to take it back with [`AppState::relock`] after a wait without it.
    pub fn ticket(&self) -> Ticket {
        Ticket {
            epoch: self.slot.epoch,
            generation: self.slot.generation,
        }
    }
}

impl Deref for SessionGuard<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.slot.session
    }
}

impl DerefMut for SessionGuard<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.slot.session
    }
}

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        if self.slot.epoch != self.state.epoch() {
            release(std::mem::take(&mut self.slot.session));
            self.state.forget_after_lock();
        }
    }
}

impl AppState {
    /// Locks the session for the duration of a command.
    pub fn lock(&self) -> SessionGuard<'_> {
        let mut g = SessionGuard {
            slot: guard(&self.session),
            state: self,
        };
        g.drop_if_stale();
        g
    }

    /// The session again after a wait without it (Duo, a mail send), if it is still the one
    /// `ticket` names; `locked` if a lock or another unlock came meanwhile (the result of the
    /// wait is then dropped).
    pub fn relock(&self, ticket: Ticket) -> CommandResult<SessionGuard<'_>> {
        let session = self.lock();
        if session.ticket() != ticket || ticket.epoch != self.epoch() {
            return Err(CommandError::locked());
        }
        Ok(session)
    }

    /// Whether `ticket` still names the window's session (no lock or other unlock since).
    pub fn is_current(&self, ticket: Ticket) -> bool {
        self.relock(ticket).is_ok()
    }

    /// The session and how to reach its server, when it is a team workspace open on its
    /// server that no live refresh serves yet; from then on, one does.
    pub fn team_to_watch(&self) -> Option<(Ticket, Link)> {
        let mut session = self.lock();
        let ticket = session.ticket();
        if session.slot.watched == Some(ticket.generation) {
            return None;
        }
        let Session::Team(open) = &*session else {
            return None;
        };
        let TeamOpen::Online(_, link) = &**open else {
            return None;
        };
        let link = Link {
            url: link.url.clone(),
            database_password: link.database_password.clone(),
        };
        session.slot.watched = Some(ticket.generation);
        Some((ticket, link))
    }

    pub fn set_team_listener(&self, channel: Channel<TeamEvent>) {
        *guard(&self.team_listener) = Some(channel);
    }

    /// Tells the page what the live refresh saw: a change to show, or changes refused.
    pub fn team_event(&self, event: TeamEvent) {
        if let Some(channel) = &*guard(&self.team_listener) {
            let _ = channel.send(event);
        }
    }

    /// The lock epoch: read it before an unlock, and install the result with it.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    pub fn preferences(&self) -> MutexGuard<'_, Preferences> {
        guard(&self.preferences)
    }

    /// Takes the lease of the workspace at `path`, or keeps it when this window holds it.
    /// A window holds one workspace: taking another's lease locks the one open here.
    pub fn lease(&self, path: &Path) -> CommandResult<Leased> {
        let lock_file = Lease::lock_path(path);
        let held = guard(&self.lease).as_ref().map(|l| l.path() == lock_file);
        match held {
            Some(true) => return Ok(Leased::Kept),
            Some(false) => {
                self.lock_session();
            }
            None => {}
        }
        let lease = Lease::acquire(path)?;
        *guard(&self.lease) = Some(lease);
        Ok(Leased::Taken)
    }

    /// Gives back a lease taken for an unlock that failed (one this window held before stays).
    pub fn release_lease(&self, leased: Leased) {
        if leased == Leased::Taken {
            *guard(&self.lease) = None;
        }
    }

    /// Locks: stops a Duo wait, drops the workspace (its keys zeroize), the lease, a pending
    /// import, the chosen files and a copied secret. Returns at once: a command holding the
    /// session (a step-up waiting for Duo) drops it when it lets go. Whether a session was
    /// unlocked.
    pub fn lock_session(&self) -> bool {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.duo_cancel.store(true, Ordering::SeqCst);
        let taken = match self.session.try_lock() {
            Ok(mut slot) => {
                slot.epoch = self.epoch();
                Some(std::mem::take(&mut slot.session))
            }
            Err(TryLockError::Poisoned(p)) => {
                let mut slot = p.into_inner();
                slot.epoch = self.epoch();
                Some(std::mem::take(&mut slot.session))
            }
            // Busy: a command holds it, so something is unlocked; it drops it on release.
            Err(TryLockError::WouldBlock) => None,
        };
        let was_unlocked = !matches!(taken, Some(Session::Locked));
        if let Some(session) = taken {
            release(session);
        }
        self.forget_after_lock();
        was_unlocked
    }

    /// Whether a command holds the session now.
    #[cfg(test)]
    pub fn session_held(&self) -> bool {
        matches!(self.session.try_lock(), Err(TryLockError::WouldBlock))
    }

    fn forget_after_lock(&self) {
        guard(&self.idle).stop();
        *guard(&self.lease) = None;
        *guard(&self.pending_import) = None;
        guard(&self.chosen).clear();
        *guard(&self.duo_enrolment) = None;
        self.clipboard.forget();
    }

    /// Keeps a Duo set-up the wizard started, for its last step, unless the app locked since
    /// `since` (then it is dropped with its secret key). The check runs under the slot's
    /// mutex, which a lock takes after moving the epoch on, so a lock in between always wins.
    pub fn keep_duo_enrolment(&self, since: u64, enrolment: DuoEnrolment) {
        let mut slot = guard(&self.duo_enrolment);
        if self.epoch() == since {
            *slot = Some(enrolment);
        }
    }

    /// The user did something at `now`: the idle wait starts again.
    pub fn note_activity(&self, now: i64) {
        guard(&self.idle).activity(now);
    }

    /// Whether the open workspace has been idle for the preferred minutes at `now`.
    pub fn idle_due(&self, now: i64) -> bool {
        let minutes = self.preferences().auto_lock_minutes;
        guard(&self.idle).due(now, minutes)
    }

    /// Takes the Duo set-up the wizard started (give it back with `keep_duo_enrolment` when
    /// it is not finished).
    pub fn take_duo_enrolment(&self) -> Option<DuoEnrolment> {
        guard(&self.duo_enrolment).take()
    }

    /// Remembers a file the user chose (in a dialog, or dropped) for `purpose`.
    pub fn choose(&self, path: PathBuf, purpose: Purpose) -> CommandResult<ChosenFile> {
        guard(&self.chosen).add(path, purpose)
    }

    /// The path of a chosen file, by the handle the page holds.
    pub fn chosen(&self, handle: &str, purpose: Purpose) -> CommandResult<PathBuf> {
        guard(&self.chosen).path(handle, purpose)
    }

    pub fn pending_import(&self) -> MutexGuard<'_, Option<Preview>> {
        guard(&self.pending_import)
    }

    pub fn set_drop_listener(&self, channel: Channel<ChosenFile>) {
        *guard(&self.drop_listener) = Some(channel);
    }

    /// Hands the page a file dropped on the window, by handle (the screen decides what for).
    pub fn dropped(&self, path: &Path) {
        if let Some(channel) = &*guard(&self.drop_listener) {
            if let Ok(file) = self.choose(path.to_owned(), Purpose::Read) {
                let _ = channel.send(file);
            }
        }
    }

    pub fn set_lock_listener(&self, channel: Channel<&'static str>) {
        *guard(&self.lock_listener) = Some(channel);
    }

    /// Locks by itself (the desktop asked: sleep, screen lock; or the workspace was idle):
    /// stops a Duo wait, drops the workspace, and tells the page so it clears itself.
    pub fn lock_for(&self, reason: LockReason) {
        let was_unlocked = self.lock_session();
        tracing::info!(reason = reason.as_str(), was_unlocked, "locked by itself");
        if was_unlocked {
            if let Some(channel) = &*guard(&self.lock_listener) {
                let _ = channel.send(reason.as_str());
            }
        }
    }
}

/// Drops a session taken out of the slot. An open workspace of 100,000 entries takes tens of
/// milliseconds to free (its index, its verified rows): that happens on a thread of its own,
/// so the lock answers at once. The session is already out of reach of every command; its keys
/// zeroize when the drop runs, moments later. A team workspace's connection must be closed
/// off the async runtime too (the blocking PostgreSQL client runs a runtime of its own).
fn release(session: Session) {
    if matches!(session, Session::Locked) {
        return;
    }
    // Should no thread start, the closure, and the session with it, is dropped right here.
    let _ = std::thread::Builder::new()
        .name("drop-session".into())
        .spawn(move || drop(session));
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{KdfParams, SecretString};
    use std::sync::mpsc;
    use std::time::Duration;

    /// Opens a new workspace in `dir` as `state`'s session.
    fn open_in(state: &AppState, dir: &std::path::Path) {
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let ws =
            OpenWorkspace::create(dir.join("w.pcx"), &SecretString::new("pw".into()), kdf).unwrap();
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
    }

    #[test]
    fn a_drop_hands_the_page_a_handle_to_read_and_no_path() {
        let state = AppState::default();
        let sent = std::sync::Arc::new(Mutex::new(Vec::new()));
        let to = sent.clone();
        state.set_drop_listener(Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(json) = body {
                to.lock().unwrap().push(json);
            }
            Ok(())
        }));
        state.dropped(Path::new("/home/me/Pictures/qr.png"));
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert!(!sent[0].contains("/home/me"), "{}", sent[0]);
        let file: serde_json::Value = serde_json::from_str(&sent[0]).unwrap();
        assert_eq!(file["name"], "qr.png");
        let handle = file["handle"].as_str().unwrap();
        assert_eq!(
            state.chosen(handle, Purpose::Read).unwrap(),
            Path::new("/home/me/Pictures/qr.png")
        );
        assert!(state.chosen(handle, Purpose::Write).is_err());
        state.lock_session();
        assert!(state.chosen(handle, Purpose::Read).is_err());
    }

    #[test]
    fn an_open_workspace_locks_when_idle_and_a_locked_one_has_nothing_due() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        // Longer than the longest preference, whatever this machine's preferences say.
        let after_the_longest_wait = |now: i64| now + 241 * 60;
        let now = SystemClock.now();
        assert!(!state.idle_due(after_the_longest_wait(now)), "nothing open");
        open_in(&state, dir.path());
        assert!(!state.idle_due(now));
        assert!(state.idle_due(after_the_longest_wait(now)));
        // Activity then starts the wait again.
        state.note_activity(after_the_longest_wait(now));
        assert!(!state.idle_due(after_the_longest_wait(now)));
        state.lock_session();
        assert!(!state.idle_due(after_the_longest_wait(after_the_longest_wait(now))));
    }

    #[test]
    fn a_lock_does_not_wait_for_a_command_holding_the_session() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        open_in(&state, dir.path());
        let (held_tx, held_rx) = mpsc::channel();
        let (locked_tx, locked_rx) = mpsc::channel();
        std::thread::scope(|s| {
            // A command holding the session until it is done or its wait is cancelled.
            s.spawn(|| {
                let session = state.lock();
                held_tx.send(()).unwrap();
                let started = std::time::Instant::now();
                while !state.duo_cancel.load(Ordering::SeqCst)
                    && started.elapsed() < Duration::from_secs(3)
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                assert!(matches!(*session, Session::Open(_)));
            });
            held_rx.recv().unwrap();
            s.spawn(|| locked_tx.send(state.lock_session()).unwrap());
            assert_eq!(
                locked_rx.recv_timeout(Duration::from_secs(2)),
                Ok(true),
                "the lock waited for the command"
            );
        });
        assert!(matches!(*state.lock(), Session::Locked));
    }
}
