//! The numbers of the MFA rules: lockout schedule, enrolment lifetime, step-up window, expiry.

/// Consecutive failures allowed before delays start.
pub const FREE_FAILURES: u32 = 5;
/// First delay, doubled after each further failure.
pub const FIRST_DELAY_SECS: u64 = 30;
/// Longest delay.
pub const MAX_DELAY_SECS: u64 = 3600;
/// After this many consecutive failures the password must be entered again for each try
/// (NIST SP 800-63B §5.2.2 allows at most 100).
pub const HARD_LIMIT: u32 = 100;
/// Duo fail-opens (failmode `safe`) allowed in a row; then `secure` applies until Duo verifies.
pub const MAX_FAIL_OPENS: u32 = 3;
/// How long an authenticator enrolment waits for its first code.
pub const ENROLMENT_TTL_SECS: i64 = 600;
/// How recent a factor must be for a security change.
pub const STEP_UP_WINDOW_SECS: i64 = 300;
/// Default number of days after which an unchanged method shows as expired.
pub const DEFAULT_EXPIRY_DAYS: u32 = 180;

/// How long an emailed code is valid.
pub const EMAIL_CODE_TTL_SECS: i64 = 600;
/// At most one email a minute…
pub const EMAIL_MIN_INTERVAL_SECS: i64 = 60;
/// …and ten an hour.
pub const EMAIL_MAX_PER_HOUR: usize = 10;

pub(crate) fn default_expiry_days() -> u32 {
    DEFAULT_EXPIRY_DAYS
}

/// Delay imposed after the `failures`-th consecutive failure: none for the first four, then
/// 30 s, 1 min, 2 min … capped at 1 h.
pub fn delay_after(failures: u32) -> u64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
}

/// Seconds to wait before the next attempt, if any.
pub fn wait(failures: u32, locked_until: i64, now: i64) -> Option<u64> {
    (failures >= FREE_FAILURES && now < locked_until).then(|| (locked_until - now) as u64)
}

/// Seconds to wait before another email may be sent, given the send times of the last hour.
pub fn email_send_wait(sends: &[i64], now: i64) -> Option<u64> {
    let recent: Vec<i64> = sends
        .iter()
        .copied()
        .filter(|t| now - t < 3600 && *t <= now)
        .collect();
    let last = recent.iter().max()?;
    let wait_minute = last + EMAIL_MIN_INTERVAL_SECS - now;
    let wait_hour = if recent.len() >= EMAIL_MAX_PER_HOUR {
        let mut sorted = recent.clone();
        sorted.sort_unstable();
        sorted[sorted.len() - EMAIL_MAX_PER_HOUR] + 3600 - now
    } else {
        0
    };
    let wait = wait_minute.max(wait_hour);
    (wait > 0).then_some(wait as u64)
}

/// Whether a method unchanged since `changed` counts as expired at `now`.
pub fn is_expired(changed: i64, now: i64, expiry_days: u32) -> bool {
    now - changed > i64::from(expiry_days) * 86_400
}

/// Whether a factor verified at `verified_at` still allows a security change at `now`.
pub fn step_up_fresh(verified_at: Option<i64>, now: i64) -> bool {
    verified_at.is_some_and(|t| now >= t && now - t <= STEP_UP_WINDOW_SECS)
}

/// "45 s", "2 min 5 s", "1 h".
pub fn human_wait(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ if secs.is_multiple_of(3600) => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600).div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule() {
        let delays: Vec<u64> = (1..=13).map(delay_after).collect();
        assert_eq!(
            delays,
            [0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        );
        assert_eq!(delay_after(100), 3600);
        assert_eq!(wait(5, 130, 100), Some(30));
        assert_eq!(wait(5, 130, 130), None);
        assert_eq!(wait(4, 130, 100), None);
    }

    #[test]
    fn expiry_and_step_up() {
        let day = 86_400;
        assert!(!is_expired(0, 180 * day, 180));
        assert!(is_expired(0, 180 * day + 1, 180));
        assert!(step_up_fresh(Some(1000), 1300));
        assert!(!step_up_fresh(Some(1000), 1301));
        assert!(!step_up_fresh(None, 1000));
        assert!(!step_up_fresh(Some(1000), 999));
    }

    #[test]
    fn email_sends_are_limited_per_minute_and_hour() {
        assert_eq!(email_send_wait(&[], 1000), None);
        assert_eq!(email_send_wait(&[990], 1000), Some(50));
        assert_eq!(email_send_wait(&[940], 1000), None);
        // Ten in the hour: the oldest must leave the window first.
        let sends: Vec<i64> = (0..10).map(|i| 100 + i * 120).collect();
        assert_eq!(email_send_wait(&sends, 1300), Some(3600 + 100 - 1300));
        assert_eq!(email_send_wait(&sends, 3700), None);
        // A clock set back does not block forever.
        assert_eq!(email_send_wait(&[5000], 1000), None);
    }

    #[test]
    fn waits_read_well() {
        assert_eq!(human_wait(30), "30 s");
        assert_eq!(human_wait(120), "2 min");
        assert_eq!(human_wait(125), "2 min 5 s");
        assert_eq!(human_wait(3600), "1 h");
    }
}
