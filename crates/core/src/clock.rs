//! Time as a parameter, so tests set it.
//!
//! Debug builds of the binaries (what the tests run) also accept a test clock from the
//! environment, `PORTCULLIS_TEST_CLOCK` (see [`install_test_clock_from_env`]): then
//! [`SystemClock`] reads it, so a test moves the binaries' time instead of waiting for it.
//! Release builds compile it out and never read the variable (`scripts/check-release` checks
//! that its name is absent from them).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(debug_assertions)]
mod test_env;
#[cfg(debug_assertions)]
pub use test_env::{install_test_clock_from_env, TestClock, TestClockError, TEST_CLOCK_VAR};

/// A source of the current time in Unix seconds.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system clock (in a debug build whose binary installed a test clock with
/// [`install_test_clock_from_env`], that clock).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        #[cfg(debug_assertions)]
        if let Some(test) = test_env::installed() {
            return test.now();
        }
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// "2026-11-24 09:30 UTC", for messages people read (emails, the recovery kit).
pub fn utc_minute(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("{unix} (Unix time)"))
}

/// A clock that stays where it is set: for tests.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock at `now`.
    pub fn new(now: i64) -> Self {
        Self(AtomicI64::new(now))
    }

    /// Moves the clock.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
