//! Thin commands, grouped per domain, registered in `crate::ipc` (which generates their
//! TypeScript wrappers) and wrapped for the page by `ui/src/ipc/<domain>.ts`: each parses its
//! input, calls the core, and maps the error.

pub mod account;
pub mod attachments;
pub mod connect;
pub mod desktop;
pub mod device_binding;
pub mod email;
pub mod entries;
pub mod health;
pub mod history;
pub mod mfa;
pub mod preferences;
pub mod quick_unlock;
pub mod team;
pub mod transfer;
pub mod workspace;

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::{AppState, Session, Ticket};
use portcullis_core::workspace::{DerivedKeys, PasswordKeys};
use portcullis_core::{EntryStore, OpenWorkspace};

/// Why a command that needs an open file workspace cannot run: `locked`, or `team_workspace`
/// when the session holds a team workspace (or a member waiting for their factor).
fn not_a_file(session: &Session) -> CommandError {
    match session {
        Session::Team(_) | Session::TeamPending(_) => CommandError::team_workspace(),
        _ => CommandError::locked(),
    }
}

/// Runs `f` on the open file workspace: `locked` when none is open, `team_workspace` when
/// the window holds a team workspace (the command is the file's: its security, device
/// binding, quick unlock, its Portcullis-format export…).
pub fn with_open<T>(
    state: &AppState,
    f: impl FnOnce(&mut OpenWorkspace) -> CommandResult<T>,
) -> CommandResult<T> {
    blocking(|| match &mut *state.lock() {
        Session::Open(ws) => f(ws),
        other => Err(not_a_file(other)),
    })
}

/// Runs `$body` with `$g` bound to what keeps the open workspace's second factors (both
/// implement the core's `Guarded`, whose rules are written once): a file workspace, or the
/// member of a team workspace on its server. A team workspace read from its offline copy
/// answers with the core's offline message (a member's settings change on the server only);
/// nothing open: `locked`. (`Guarded` is not object-safe: the body is expanded for each.)
macro_rules! with_guarded {
    ($state:expr, |$g:ident| $body:expr) => {
        $crate::commands::blocking(|| match &mut *$state.lock() {
            $crate::state::Session::Open($g) => $body,
            $crate::state::Session::Team(open) => match &mut **open {
                $crate::team::TeamOpen::Online(ws, _) if ws.offline_since().is_some() => Err(
                    $crate::commands::team::offline_at(ws.offline_since().unwrap_or_default()),
                ),
                $crate::team::TeamOpen::Online($g, _) => $body,
                $crate::team::TeamOpen::Offline(ws) => Err($crate::commands::team::offline(ws)),
            },
            _ => Err($crate::error::CommandError::locked()),
        })
    };
}
pub(crate) use with_guarded;

/// [`with_guarded`] that also names the session it ran on, for a command that lets go of the
/// session while Duo or a mail send runs and records the result with [`with_same_guarded`].
macro_rules! read_guarded {
    ($state:expr, |$g:ident| $body:expr) => {{
        let mut session = $state.lock();
        let ticket = session.ticket();
        let out: $crate::error::CommandResult<_> = match &mut *session {
            $crate::state::Session::Open($g) => $body,
            $crate::state::Session::Team(open) => match &mut **open {
                $crate::team::TeamOpen::Online($g, _) => $body,
                $crate::team::TeamOpen::Offline(ws) => Err($crate::commands::team::offline(ws)),
            },
            _ => Err($crate::error::CommandError::locked()),
        };
        out.map(|v| (v, ticket))
    }};
}
pub(crate) use read_guarded;

/// [`with_guarded`] on the session `ticket` names only; `locked` when a lock (or another
/// unlock) came since.
macro_rules! with_same_guarded {
    ($state:expr, $ticket:expr, |$g:ident| $body:expr) => {
        match $state.relock($ticket) {
            Err(e) => Err(e),
            Ok(mut session) => match &mut *session {
                $crate::state::Session::Open($g) => $body,
                $crate::state::Session::Team(open) => match &mut **open {
                    $crate::team::TeamOpen::Online($g, _) => $body,
                    $crate::team::TeamOpen::Offline(ws) => Err($crate::commands::team::offline(ws)),
                },
                _ => Err($crate::error::CommandError::locked()),
            },
        }
    };
}
pub(crate) use with_same_guarded;

/// Runs `f` on the entries of the open workspace, whatever keeps them: a file, a team
/// workspace on its server, or its offline copy (whose writes the core refuses).
pub fn with_store<T>(
    state: &AppState,
    f: impl FnOnce(&mut dyn EntryStore) -> CommandResult<T>,
) -> CommandResult<T> {
    blocking(|| match &mut *state.lock() {
        Session::Open(ws) => f(ws),
        Session::Team(team) => f(team.store()),
        _ => Err(CommandError::locked()),
    })
}

/// Runs blocking work (the disk, the keyring, key derivation, the network) from a command,
/// which Tauri runs on a worker of its tokio runtime (`#[tauri::command(async)]`): the runtime
/// is told, so that the other commands it holds move to another worker meanwhile instead of
/// waiting. Outside a multi-threaded runtime (unit tests, plain threads) `f` just runs.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Runs `f` on the open workspace and names the session it ran on, for a command that lets go
/// of the session while Duo or a mail send runs and records the result with [`with_same_open`].
pub fn read_open<T>(
    state: &AppState,
    f: impl FnOnce(&mut OpenWorkspace) -> CommandResult<T>,
) -> CommandResult<(T, Ticket)> {
    let mut session = state.lock();
    let ticket = session.ticket();
    match &mut *session {
        Session::Open(ws) => Ok((f(ws)?, ticket)),
        other => Err(not_a_file(other)),
    }
}

/// Runs `f` on the open workspace if it is still the session `ticket` names; `locked` when a
/// lock (or another unlock) came since (a lock while Duo waited wins over the approval).
pub fn with_same_open<T>(
    state: &AppState,
    ticket: Ticket,
    f: impl FnOnce(&mut OpenWorkspace) -> CommandResult<T>,
) -> CommandResult<T> {
    match &mut *state.relock(ticket)? {
        Session::Open(ws) => f(ws),
        other => Err(not_a_file(other)),
    }
}

/// Runs a security change whose key derivation must not hold the session: `take` reads the
/// derivation job from the open workspace, the derivation runs with the session free (a lock
/// meanwhile wins), and `apply` uses the keys on that same session.
pub fn with_derived_keys<T>(
    state: &AppState,
    take: impl FnOnce(&mut OpenWorkspace) -> CommandResult<PasswordKeys>,
    apply: impl FnOnce(&mut OpenWorkspace, &DerivedKeys) -> CommandResult<T>,
) -> CommandResult<T> {
    derive_then(state, take, |job| Ok(job.derive()?), apply)
}

fn derive_then<T>(
    state: &AppState,
    take: impl FnOnce(&mut OpenWorkspace) -> CommandResult<PasswordKeys>,
    derive: impl FnOnce(PasswordKeys) -> CommandResult<DerivedKeys>,
    apply: impl FnOnce(&mut OpenWorkspace, &DerivedKeys) -> CommandResult<T>,
) -> CommandResult<T> {
    blocking(|| {
        let (job, ticket) = read_open(state, take)?;
        let keys = derive(job)?;
        with_same_open(state, ticket, |ws| apply(ws, &keys))
    })
}

/// Runs `f` on a plain thread and waits for it (see [`blocking`]): the Duo and SMTP clients
/// block on the network for long, which a worker of the async runtime must not do unannounced.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> CommandResult<T> + Send) -> CommandResult<T> {
    blocking(|| std::thread::scope(|s| s.spawn(f).join()))
        .unwrap_or_else(|_| Err(CommandError::new(ErrorCode::Internal, "internal error")))
}

/// Reads the PEM file of an extra CA that a Duo or email form names (blank: none).
pub fn read_ca_file(path: Option<&str>) -> CommandResult<Option<String>> {
    match path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(path) => std::fs::read_to_string(path).map(Some).map_err(|e| {
            CommandError::new(ErrorCode::Invalid, format!("cannot read the CA file: {e}"))
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{KdfParams, SecretString};

    fn secret(s: &str) -> SecretString {
        SecretString::new(s.into())
    }

    #[test]
    fn the_session_is_free_while_keys_derive_and_a_lock_meanwhile_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let state = AppState::default();
        let ws = OpenWorkspace::create(&path, &secret("old"), kdf).unwrap();
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();

        let change = |state: &AppState, lock_meanwhile: bool| {
            derive_then(
                state,
                |ws| {
                    let kdf = ws.kdf();
                    Ok(ws
                        .password_keys(&secret("old"))?
                        .with_new_password(&secret("new"), kdf)?)
                },
                |job| {
                    assert!(!state.session_held(), "the derivation holds the session");
                    if lock_meanwhile {
                        state.lock_session();
                    }
                    Ok(job.derive()?)
                },
                |ws, keys| Ok(ws.change_password_with(keys)?),
            )
        };
        let e = change(&state, true).unwrap_err();
        assert_eq!(e.code, ErrorCode::Locked);
        let opens = |password: &str| {
            portcullis_core::LockedWorkspace::open(&path)
                .unwrap()
                .unlock(&secret(password))
                .is_ok()
        };
        assert!(opens("old"), "a lock during the derivation changed nothing");

        let ws = portcullis_core::LockedWorkspace::open(&path)
            .unwrap()
            .unlock(&secret("old"))
            .unwrap();
        let portcullis_core::workspace::Unlock::Open(ws) = ws else {
            panic!("no MFA here")
        };
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
        change(&state, false).unwrap();
        assert!(opens("new") && !opens("old"));
    }
}
