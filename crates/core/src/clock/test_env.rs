//! Debug builds only: the test clock named by `PORTCULLIS_TEST_CLOCK`, which the binaries
//! install at start, so that their tests move time instead of sleeping (to the next TOTP
//! step, past the one-email-a-minute limit, past a quick-unlock expiry).

use super::Clock;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

/// The variable debug builds read the test clock from: Unix seconds (a clock that stays
/// there), or the absolute path of a file holding Unix seconds (read again at every reading,
/// so a test moves the time of a running binary by rewriting the file).
pub const TEST_CLOCK_VAR: &str = "PORTCULLIS_TEST_CLOCK";

/// A clock set from outside the process, for tests.
#[derive(Debug)]
pub enum TestClock {
    /// Stays at these Unix seconds.
    Fixed(i64),
    /// The Unix seconds written in a file.
    File {
        /// The file.
        path: PathBuf,
        /// The last good reading, kept while the file cannot be read (being rewritten).
        last: AtomicI64,
    },
}

/// A value of `PORTCULLIS_TEST_CLOCK` that names no time.
#[derive(Debug, thiserror::Error)]
pub enum TestClockError {
    /// Neither Unix seconds nor an absolute path.
    #[error("PORTCULLIS_TEST_CLOCK must be Unix seconds or the absolute path of a file holding them, not {0:?}")]
    Malformed(String),
    /// The file cannot be read or does not hold Unix seconds.
    #[error("PORTCULLIS_TEST_CLOCK names {path}, which does not hold Unix seconds: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl TestClock {
    /// Reads a value of `PORTCULLIS_TEST_CLOCK` (a file must already hold a time).
    pub fn parse(value: &str) -> Result<Self, TestClockError> {
        if let Ok(seconds) = value.trim().parse::<i64>() {
            return Ok(Self::Fixed(seconds));
        }
        let path = Path::new(value);
        if !path.is_absolute() {
            return Err(TestClockError::Malformed(value.to_owned()));
        }
        let now = read_file(path)?;
        Ok(Self::File {
            path: path.to_owned(),
            last: AtomicI64::new(now),
        })
    }
}

fn read_file(path: &Path) -> Result<i64, TestClockError> {
    let bad = |reason: String| TestClockError::BadFile {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    text.trim()
        .parse()
        .map_err(|_| bad(format!("it holds {:?}", text.trim())))
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        match self {
            Self::Fixed(seconds) => *seconds,
            Self::File { path, last } => match read_file(path) {
                Ok(now) => {
                    last.store(now, Ordering::SeqCst);
                    now
                }
                Err(e) => {
                    tracing::warn!("{e}; the test clock stays where it was");
                    last.load(Ordering::SeqCst)
                }
            },
        }
    }
}

static INSTALLED: OnceLock<TestClock> = OnceLock::new();

/// The test clock, once a binary installed one.
pub(super) fn installed() -> Option<&'static TestClock> {
    INSTALLED.get()
}

/// For the binaries, once at start (debug builds only): when `PORTCULLIS_TEST_CLOCK` is set,
/// [`super::SystemClock`] reads the clock it names from then on. Says whether it is set; a
/// value that names no time is an error (the binary should stop, not run on the real clock).
/// Library tests never call this: their clocks are parameters.
pub fn install_test_clock_from_env() -> Result<bool, TestClockError> {
    let Some(value) = std::env::var_os(TEST_CLOCK_VAR) else {
        return Ok(false);
    };
    let value = value
        .into_string()
        .map_err(|v| TestClockError::Malformed(v.to_string_lossy().into_owned()))?;
    let clock = TestClock::parse(&value)?;
    tracing::info!(
        now = clock.now(),
        "debug build: the clock is the test clock of {TEST_CLOCK_VAR}"
    );
    // A second call keeps the first clock.
    let _ = INSTALLED.set(clock);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_fix_the_clock() {
        let clock = TestClock::parse("1767225600").unwrap();
        assert_eq!(clock.now(), 1_767_225_600);
        assert_eq!(TestClock::parse(" 42\n").unwrap().now(), 42);
    }

    #[test]
    fn a_file_moves_the_clock_when_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clock");
        std::fs::write(&file, "1000\n").unwrap();
        let clock = TestClock::parse(file.to_str().unwrap()).unwrap();
        assert_eq!(clock.now(), 1000);
        std::fs::write(&file, "1030").unwrap();
        assert_eq!(clock.now(), 1030);
        // Half-written: the last good reading holds.
        std::fs::write(&file, "").unwrap();
        assert_eq!(clock.now(), 1030);
        std::fs::write(&file, "1090").unwrap();
        assert_eq!(clock.now(), 1090);
    }

    #[test]
    fn values_that_name_no_time_are_refused_with_the_reason() {
        let e = TestClock::parse("tomorrow").unwrap_err().to_string();
        assert!(
            e.contains("must be Unix seconds or the absolute path") && e.contains("tomorrow"),
            "{e}"
        );
        assert!(matches!(
            TestClock::parse("relative/clock"),
            Err(TestClockError::Malformed(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let e = TestClock::parse(missing.to_str().unwrap()).unwrap_err();
        assert!(matches!(e, TestClockError::BadFile { .. }), "{e}");
        let file = dir.path().join("clock");
        std::fs::write(&file, "noon").unwrap();
        let e = TestClock::parse(file.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"noon\""), "{e}");
    }
}
