//! Locking when the desktop sleeps or locks its screen, where it says so on D-Bus:
//! logind's `PrepareForSleep(true)` and this session's `Lock` on the system bus, and the
//! screen savers' `ActiveChanged(true)` (freedesktop, GNOME, KDE and others share the
//! freedesktop name) on the session bus. Without a bus nothing is watched and the idle timer
//! and Ctrl+L still lock.

use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;
use zbus::MatchRule;

/// Why the app locked by itself: the desktop asked, or it was idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockReason {
    Sleep,
    ScreenLock,
    /// Nothing was done for the preferred minutes (see `crate::idle`).
    Idle,
}

impl LockReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::Sleep => "sleep",
            LockReason::ScreenLock => "screen_lock",
            LockReason::Idle => "idle",
        }
    }
}

/// A signal that locks when it arrives (with `true` as its argument when `needs_true`).
struct Watch {
    interface: &'static str,
    member: &'static str,
    path: Option<String>,
    needs_true: bool,
    reason: LockReason,
}

const SCREEN_SAVERS: &[&str] = &["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"];

/// Starts one thread per watched signal; each calls `on_lock` whenever its signal arrives.
pub fn start(on_lock: impl Fn(LockReason) + Clone + Send + 'static) {
    if let Ok(session) = Connection::session() {
        for interface in SCREEN_SAVERS {
            spawn(
                session.clone(),
                Watch {
                    interface,
                    member: "ActiveChanged",
                    path: None,
                    needs_true: true,
                    reason: LockReason::ScreenLock,
                },
                on_lock.clone(),
            );
        }
    }
    if let Ok(system) = Connection::system() {
        spawn(
            system.clone(),
            Watch {
                interface: "org.freedesktop.login1.Manager",
                member: "PrepareForSleep",
                path: None,
                needs_true: true,
                reason: LockReason::Sleep,
            },
            on_lock.clone(),
        );
        // Only this login session's Lock (loginctl lock-session), not another user's.
        if let Some(path) = own_login_session(&system) {
            spawn(
                system,
                Watch {
                    interface: "org.freedesktop.login1.Session",
                    member: "Lock",
                    path: Some(path),
                    needs_true: false,
                    reason: LockReason::ScreenLock,
                },
                on_lock,
            );
        }
    }
}

fn own_login_session(system: &Connection) -> Option<String> {
    let reply = system
        .call_method(
            Some("org.freedesktop.login1"),
            "/org/freedesktop/login1",
            Some("org.freedesktop.login1.Manager"),
            "GetSessionByPID",
            &(std::process::id()),
        )
        .ok()?;
    let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize().ok()?;
    Some(path.to_string())
}

fn rule(watch: &Watch) -> zbus::Result<MatchRule<'static>> {
    let mut builder = MatchRule::builder()
        .msg_type(Type::Signal)
        .interface(watch.interface)?
        .member(watch.member)?;
    if let Some(path) = &watch.path {
        builder = builder.path(path.clone())?;
    }
    Ok(builder.build())
}

fn spawn(conn: Connection, watch: Watch, on_lock: impl Fn(LockReason) + Send + 'static) {
    // Subscribe before returning, so a signal sent right after start() is not missed.
    let Ok(messages) = rule(&watch).and_then(|r| MessageIterator::for_match_rule(r, &conn, None))
    else {
        return;
    };
    std::thread::spawn(move || {
        for message in messages.flatten() {
            let fire = !watch.needs_true || message.body().deserialize::<bool>().unwrap_or(false);
            if fire {
                on_lock(watch.reason);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Needs a session bus (the test command runs under dbus-run-session); skipped without.
    #[test]
    fn screen_saver_signal_locks_and_deactivation_does_not() {
        let Ok(bus) = Connection::session() else {
            eprintln!("no session bus: skipped");
            return;
        };
        let (tx, rx) = mpsc::channel();
        start(move |r| {
            let _ = tx.send(r);
        });
        let emit = |active: bool| {
            bus.emit_signal(
                None::<&str>,
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver",
                "ActiveChanged",
                &active,
            )
            .unwrap();
        };
        emit(false);
        assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
        emit(true);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            LockReason::ScreenLock
        );
    }
}
