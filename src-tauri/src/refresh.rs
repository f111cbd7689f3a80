//! Live refresh of an open team workspace (docs/TEAM.md, "Sync"): a thread of its own holds a
//! listening connection (the core's [`Listener`], LISTEN/NOTIFY); when anyone writes, it takes
//! the session for the time of one [`TeamWorkspace::sync`] (only the changes since the last
//! one, checked) and tells the page, which lists the entries again. The window never waits for
//! it: the wait for a notification holds nothing, and commands run between syncs.
//!
//! The thread ends when the session it serves is gone (locked, or another one installed); its
//! copy of the database password zeroizes then. A lost connection is opened again.
//!
//! [`Listener`]: portcullis_core::team::Listener
//! [`TeamWorkspace::sync`]: portcullis_core::team::TeamWorkspace::sync

use crate::state::{AppState, Session, Ticket};
use crate::team::Link;
use portcullis_core::team::{Listener, Team};
use std::time::Duration;

/// How long one wait for a notification lasts before the thread checks that its session is
/// still the window's.
const WAIT: Duration = Duration::from_millis(500);
/// How long to wait before connecting again after the listening connection failed.
const RETRY: Duration = Duration::from_secs(3);

/// What the page is told when the open workspace changed.
pub const CHANGED: &str = "changed";

/// Starts the live refresh of the session now open, when it is a team workspace on its
/// server and none serves it yet. Called after every command that may open one.
pub fn ensure(app: &tauri::AppHandle) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    let Some((ticket, link)) = state.team_to_watch() else {
        return;
    };
    let app = app.clone();
    let started = std::thread::Builder::new()
        .name("team-refresh".into())
        .spawn(move || {
            let state = app.state::<AppState>();
            run(&state, ticket, &link);
        });
    if let Err(e) = started {
        tracing::warn!("the live refresh did not start: {e}");
    }
}

/// The refresh loop for the session `ticket` names, until it is gone.
pub fn run(state: &AppState, ticket: Ticket, link: &Link) {
    let mut listener: Option<Listener> = None;
    while state.is_current(ticket) {
        let Some(l) = listener.as_mut() else {
            match Team::connect(&link.url, &link.database_password).and_then(Team::listen) {
                Ok(l) => {
                    listener = Some(l);
                    // Whatever came while no connection listened.
                    if !sync(state, ticket) {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("live refresh: cannot listen: {e}");
                    pause(state, ticket, RETRY);
                }
            }
            continue;
        };
        match l.wait(WAIT) {
            Ok(false) => {}
            Ok(true) => {
                if !sync(state, ticket) {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!("live refresh: the listening connection failed: {e}");
                listener = None;
                pause(state, ticket, RETRY);
            }
        }
    }
    tracing::debug!("live refresh stopped");
}

/// Syncs the session `ticket` names and tells the page when something changed; false when the
/// session is gone.
fn sync(state: &AppState, ticket: Ticket) -> bool {
    let changed = {
        let Ok(mut session) = state.relock(ticket) else {
            return false;
        };
        match &mut *session {
            Session::Team(open) => match open.sync() {
                Ok(changed) => changed,
                Err(e) => {
                    tracing::warn!("live refresh: sync refused: {e}");
                    false
                }
            },
            _ => return false,
        }
    };
    if changed {
        tracing::debug!("team workspace changed on the server");
        state.team_changed();
    }
    true
}

/// Waits `total` in short steps, returning early when the session is gone.
fn pause(state: &AppState, ticket: Ticket, total: Duration) {
    let step = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while waited < total && state.is_current(ticket) {
        std::thread::sleep(step);
        waited += step;
    }
}
