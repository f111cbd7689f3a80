//! Live refresh of an open team workspace (docs/TEAM.md, "The app"): a thread of its own holds
//! a listening connection (the core's [`Listener`], LISTEN/NOTIFY); when anyone writes, it
//! reads the changes since the open copy's position on that connection, with the session free,
//! then takes the session only to check and keep them ([`TeamWorkspace::apply`]; a copy that
//! moved meanwhile syncs itself) and tells the page, which lists the entries again. The window
//! never waits for the server because of it.
//!
//! The thread ends when the session it serves is gone (locked, or another one installed); its
//! copy of the database password zeroizes then. A lost connection is opened again.
//!
//! [`Listener`]: portcullis_core::team::Listener
//! [`TeamWorkspace::apply`]: portcullis_core::team::TeamWorkspace::apply

use crate::state::{AppState, Session, Ticket};
use crate::team::Link;
use portcullis_core::team::{Listener, Team};
use std::time::Duration;

/// How long one wait for a notification lasts before the thread checks that its session is
/// still the window's.
const WAIT: Duration = Duration::from_millis(500);
/// How long to wait before connecting again after the listening connection failed.
const RETRY: Duration = Duration::from_secs(3);

/// What the live refresh tells the page.
#[derive(Debug, serde::Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TeamEvent {
    /// Another member changed the workspace: the list is asked again.
    Changed,
    /// What the server sent since does not check (an altered or rolled-back history, a
    /// changed record…): nothing of it is shown, and the page says why.
    Refused { error: crate::error::CommandError },
    /// The server was lost: the workspace reads what the copy holds, last synced at
    /// `synced_at` (Unix seconds), and refuses changes (the page shows the offline banner).
    Offline { synced_at: i64 },
    /// The server answers again: changes are accepted (the list is asked again too).
    Online,
}

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

/// The refresh loop for the session `ticket` names, until it is gone. When the listening
/// connection fails, the session's workspace is marked as without its server (reads only, from
/// what the copy holds; the page is told and shows the offline banner), and a new connection
/// is tried at once, then every few seconds; once one is made, the workspace takes a new
/// connection of its own too, accepts changes again (the page is told), and syncs what came
/// meanwhile.
pub fn run(state: &AppState, ticket: Ticket, link: &Link) {
    let mut listener: Option<Listener> = None;
    while state.is_current(ticket) {
        let Some(l) = listener.as_mut() else {
            match connect(state, ticket, link) {
                Ok(Some(mut l)) => {
                    // Whatever came while no connection listened.
                    if !sync(state, ticket, &mut l) {
                        break;
                    }
                    listener = Some(l);
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("live refresh: cannot listen: {e}");
                    mark_offline(state, ticket);
                    pause(state, ticket, RETRY);
                }
            }
            continue;
        };
        match l.wait(WAIT) {
            Ok(false) => {}
            Ok(true) => {
                if !sync(state, ticket, l) {
                    break;
                }
            }
            Err(e) => {
                // The session's own connection is taken as lost with it.
                tracing::warn!("live refresh: the listening connection failed: {e}");
                listener = None;
                mark_offline(state, ticket);
            }
        }
    }
    tracing::debug!("live refresh stopped");
}

/// A listening connection; when the session's workspace had lost its server, it takes a new
/// connection of its own too and accepts changes again (the page is told). `None` when the
/// session is gone.
fn connect(
    state: &AppState,
    ticket: Ticket,
    link: &Link,
) -> Result<Option<Listener>, portcullis_core::team::Error> {
    let listener = Team::connect(&link.url, &link.database_password).and_then(Team::listen)?;
    let lost = {
        let Ok(session) = state.relock(ticket) else {
            return Ok(None);
        };
        match &*session {
            Session::Team(open) => open.offline_since().is_some(),
            _ => return Ok(None),
        }
    };
    if lost {
        let team = Team::connect(&link.url, &link.database_password)?;
        let Ok(mut session) = state.relock(ticket) else {
            return Ok(None);
        };
        let Session::Team(open) = &mut *session else {
            return Ok(None);
        };
        if open.reconnect(team)? {
            drop(session);
            state.team_event(TeamEvent::Online);
        }
    }
    Ok(Some(listener))
}

/// Marks the session's workspace as without its server and tells the page, once.
fn mark_offline(state: &AppState, ticket: Ticket) {
    let synced_at = {
        let Ok(mut session) = state.relock(ticket) else {
            return;
        };
        match &mut *session {
            Session::Team(open) => open.disconnected(),
            _ => None,
        }
    };
    if let Some(synced_at) = synced_at {
        state.team_event(TeamEvent::Offline { synced_at });
    }
}

/// Brings the session `ticket` names up to date and tells the page when something changed;
/// false when the session is gone. The server is read with the session free.
fn sync(state: &AppState, ticket: Ticket, listener: &mut Listener) -> bool {
    let point = {
        let Ok(session) = state.relock(ticket) else {
            return false;
        };
        match &*session {
            Session::Team(open) => match open.sync_point() {
                Some(point) => point,
                None => return false,
            },
            _ => return false,
        }
    };
    let fetched = match listener.fetch(&point) {
        Ok(fetched) => fetched,
        Err(e) => {
            // The next wait on this connection fails too, and a new one syncs first.
            tracing::warn!("live refresh: cannot read the changes: {e}");
            return true;
        }
    };
    let changed = {
        let Ok(mut session) = state.relock(ticket) else {
            return false;
        };
        match &mut *session {
            Session::Team(open) => match open.apply(fetched) {
                Ok(changed) => changed,
                Err(e) => {
                    tracing::warn!("live refresh: the changes were refused: {e}");
                    drop(session);
                    state.team_event(TeamEvent::Refused { error: e.into() });
                    return true;
                }
            },
            _ => return false,
        }
    };
    if changed {
        tracing::debug!("team workspace changed on the server");
        state.team_event(TeamEvent::Changed);
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
