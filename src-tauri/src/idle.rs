//! The auto-lock for want of activity, decided here rather than in the page, so that a page
//! that stalls still locks. The page reports activity (throttled); a watcher asks
//! [`IdleLock::due`] every few seconds with the time of a clock, and locks when it says so.

use crate::lock_signals::LockReason;
use crate::state::AppState;
use portcullis_core::clock::{Clock, SystemClock};
use std::time::Duration;

/// How often the watcher looks at the clock: the lock comes at most this late.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// The last activity of an unlocked session, in Unix seconds (`None`: nothing to lock).
#[derive(Debug, Default)]
pub struct IdleLock {
    last_activity: Option<i64>,
}

impl IdleLock {
    /// A session was unlocked at `now`: the wait starts.
    pub fn start(&mut self, now: i64) {
        self.last_activity = Some(now);
    }

    /// The user did something at `now`: the wait starts again (nothing when locked).
    pub fn activity(&mut self, now: i64) {
        if let Some(last) = &mut self.last_activity {
            *last = (*last).max(now);
        }
    }

    /// The session locked: nothing to wait for.
    pub fn stop(&mut self) {
        self.last_activity = None;
    }

    /// Whether the session has been idle for `minutes` at `now`.
    pub fn due(&self, now: i64, minutes: u32) -> bool {
        self.last_activity
            .is_some_and(|last| now.saturating_sub(last) >= i64::from(minutes) * 60)
    }
}

/// Starts the watcher: every few seconds, locks the app's session (and tells the page, with
/// the reason `idle`) once it has been idle for the preferred minutes.
pub fn watch(app: tauri::AppHandle) {
    use tauri::Manager;
    std::thread::spawn(move || loop {
        std::thread::sleep(CHECK_EVERY);
        let state = app.state::<AppState>();
        if state.idle_due(SystemClock.now()) {
            state.lock_for(LockReason::Idle);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::clock::FixedClock;

    #[test]
    fn locks_after_the_idle_minutes_since_the_last_activity() {
        let clock = FixedClock::new(1_000);
        let mut idle = IdleLock::default();
        assert!(!idle.due(clock.now() + 3600, 10), "nothing unlocked");
        idle.start(clock.now());
        clock.advance(9 * 60 + 59);
        assert!(!idle.due(clock.now(), 10));
        clock.advance(1);
        assert!(idle.due(clock.now(), 10));
        // Activity starts the wait again.
        idle.activity(clock.now());
        clock.advance(5 * 60);
        assert!(!idle.due(clock.now(), 10));
        assert!(
            idle.due(clock.now(), 5),
            "a shorter preference applies at once"
        );
        // An activity reported late (an older time) does not move the wait back.
        idle.activity(clock.now() - 600);
        assert!(idle.due(clock.now(), 5));
    }

    #[test]
    fn once_locked_nothing_is_due_and_activity_does_not_restart_it() {
        let mut idle = IdleLock::default();
        idle.start(0);
        idle.stop();
        idle.activity(10);
        assert!(!idle.due(100_000, 1));
    }
}
