//! Connect: opens a remote-connection entry's session with its linked login (issue 17). The
//! rules are the core's (`connect::Plan`, `session`, `terminal`); this translates. The plan is
//! read with the workspace held for a moment; the host-key scan and the session run on a plain
//! thread with the workspace free (a lock meanwhile does not wait for them; the plan keeps the
//! one password it needs until the client has taken it).

use super::entries::copy_secret;
use super::{off_runtime, with_store};
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::AppState;
use portcullis_core::connect::host_key::{self, HostKey};
use portcullis_core::connect::session::{self, Ended};
use portcullis_core::connect::ssh::Mode;
use portcullis_core::connect::{terminal, Plan};
use portcullis_core::Protocol;
use serde::Serialize;
use tauri::State;

/// How long `ssh-keyscan` may take to read the server's host keys, in seconds.
const SCAN_SECS: u32 = 5;

/// What a Connect did.
#[derive(Debug, Serialize, specta::Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ConnectOutcome {
    /// The session ended: the client's exit status (SSH in a terminal: 129 when the window
    /// was closed).
    Ended { status: i32 },
    /// SSH: the entry has no pinned host key and nothing was sent. The server presents `key`
    /// (`TYPE BASE64`, its `SHA256:` fingerprint): the page shows the fingerprint and, if the
    /// person accepts it, pins it with `pin_host_key` and connects again.
    PinHostKey {
        key: String,
        kind: String,
        fingerprint: String,
        /// `HOST:PORT`.
        target: String,
    },
    /// Web: the address opened in the browser; the linked login's password, if any, is on
    /// the clipboard for `clipboard_secs` seconds.
    Opened { clipboard_secs: Option<u64> },
}

/// Opens the session of the remote connection `id`: SSH in a new window of the user's
/// terminal emulator (`x-terminal-emulator`), RDP and VNC in their viewers, a web entry in
/// the browser (its password copied). Returns when the session ends; an SSH entry with no
/// pinned host key gets the key the server presents, to confirm, and no connection is made.
#[tauri::command(async)]
#[specta::specta]
pub fn connect_entry(state: State<'_, AppState>, id: String) -> CommandResult<ConnectOutcome> {
    connect(&state, &id)
}

/// [`connect_entry`], without the Tauri runtime.
pub fn connect(state: &AppState, id: &str) -> CommandResult<ConnectOutcome> {
    let plan = with_store(state, |ws| Ok(Plan::of(ws, id)?))?;
    if plan.protocol == Protocol::Ssh && plan.host_key.is_none() {
        let keys = off_runtime(|| Ok(host_key::scan(&plan.host, plan.port, SCAN_SECS)?))?;
        let key = keys
            .into_iter()
            .next()
            .ok_or_else(|| CommandError::new(ErrorCode::NoHostKey, "no host key"))?;
        return Ok(ConnectOutcome::PinHostKey {
            kind: key.kind().to_owned(),
            fingerprint: key.fingerprint(),
            key: key.to_string(),
            target: format!("{}:{}", plan.host, plan.port),
        });
    }
    // ssh runs this binary as its askpass helper (see `main`).
    let program = std::env::current_exe().map_err(|e| {
        CommandError::new(
            ErrorCode::Internal,
            format!("cannot find the app's program: {e}"),
        )
    })?;
    let ended = off_runtime(|| {
        Ok(match plan.protocol {
            Protocol::Ssh => terminal::run(&plan, &program)?,
            _ => session::run(&plan, &program, Mode::Session(&[]))?,
        })
    })?;
    let status = match ended {
        Ended::Exited(status) => status,
        Ended::Authenticated => 0,
    };
    if plan.protocol != Protocol::Web {
        return Ok(ConnectOutcome::Ended { status });
    }
    let password = plan
        .credentials
        .as_ref()
        .map(|c| &c.password)
        .filter(|p| status == 0 && !p.is_empty());
    let clipboard_secs = match password {
        Some(p) => Some(copy_secret(
            state,
            zeroize::Zeroizing::new(p.expose_secret().to_owned()),
        )?),
        None => None,
    };
    Ok(ConnectOutcome::Opened { clipboard_secs })
}

/// Pins `key` (`TYPE BASE64`, as `connect_entry` showed it) as the host key of the SSH
/// connection `id`.
#[tauri::command(async)]
#[specta::specta]
pub fn pin_host_key(state: State<'_, AppState>, id: String, key: String) -> CommandResult<()> {
    pin(&state, &id, &key)
}

/// [`pin_host_key`], without the Tauri runtime.
pub fn pin(state: &AppState, id: &str, key: &str) -> CommandResult<()> {
    let key = HostKey::parse(key).map_err(portcullis_core::connect::Error::from)?;
    with_store(state, |ws| {
        let mut plan = Plan::of(ws, id)?;
        Ok(plan.pin(ws, key)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Session;
    use portcullis_core::entry_edit::{EntryChanges, EntryType};
    use portcullis_core::{EntryStore, KdfParams, OpenWorkspace, SecretString};

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJf864ti/5ClNSbSOS92Nn6ObNgRsC2JRkhwPBtaoIn5";

    #[test]
    fn a_pinned_key_is_kept_in_the_entry_and_a_bad_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(
            dir.path().join("w.pcx"),
            &SecretString::new("pw".into()),
            kdf,
        )
        .unwrap();
        let changes = EntryChanges {
            title: Some("Srv".into()),
            protocol: Some(Protocol::Ssh),
            host: Some("127.0.0.1".into()),
            ..EntryChanges::default()
        };
        let id = ws.add_entry(EntryType::Remote, changes).unwrap().id;
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
        let e = pin(&state, &id, "ssh-ed25519 AAAA").unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        pin(&state, &id, KEY).unwrap();
        let plan = with_store(&state, |ws| Ok(Plan::of(ws, &id)?)).unwrap();
        assert_eq!(plan.host_key.unwrap().to_string(), KEY);
        state.lock_session();
        assert_eq!(connect(&state, &id).unwrap_err().code, ErrorCode::Locked);
    }
}
