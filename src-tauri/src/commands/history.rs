//! An entry's history and the recycle bin: the core keeps both (`workspace::history`); these
//! commands only translate. No password crosses except through `reveal_version_password`.

use super::with_store;
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::AppState;
use portcullis_core::entry_edit::EntryType;
use portcullis_core::view::EntrySummary;
use portcullis_core::EntryKind;
use serde::Serialize;
use tauri::State;

/// One version of an entry, without its secrets.
#[derive(Serialize, specta::Type)]
pub struct VersionDto {
    /// 1 for the entry as created; the current version has the highest.
    pub number: u32,
    /// When it was made, Unix seconds.
    pub modified: i64,
    /// The fields it changed (core names: `title`, `password`, `url` …).
    pub changed: Vec<String>,
    pub current: bool,
    pub title: String,
    /// Whether it holds a password ([`reveal_version_password`] shows it).
    pub has_password: bool,
}

/// An entry in the recycle bin, without its secrets.
#[derive(Serialize, specta::Type)]
pub struct TrashedDto {
    pub id: String,
    pub title: String,
    pub kind: EntryType,
    /// When it was deleted, Unix seconds.
    pub deleted: i64,
}

fn number(n: u64) -> CommandResult<u32> {
    u32::try_from(n).map_err(|_| CommandError::new(ErrorCode::Invalid, "no such version"))
}

/// The versions of an entry, newest (current) first.
#[tauri::command(async)]
#[specta::specta]
pub fn entry_history(state: State<'_, AppState>, id: String) -> CommandResult<Vec<VersionDto>> {
    history(&state, &id)
}

/// [`entry_history`], without the Tauri runtime.
pub fn history(state: &AppState, id: &str) -> CommandResult<Vec<VersionDto>> {
    with_store(state, |ws| {
        ws.history(id)?
            .into_iter()
            .map(|v| {
                Ok(VersionDto {
                    number: number(v.number)?,
                    modified: v.modified,
                    changed: v.changed,
                    current: v.current,
                    title: v.entry.title.clone(),
                    has_password: matches!(v.entry.kind, EntryKind::Login(_)),
                })
            })
            .collect()
    })
}

/// The password an earlier version of a login held, on an explicit request.
#[tauri::command(async)]
#[specta::specta]
pub fn reveal_version_password(
    state: State<'_, AppState>,
    id: String,
    number: u32,
) -> CommandResult<String> {
    version_password(&state, &id, number)
}

/// [`reveal_version_password`], without the Tauri runtime.
pub fn version_password(state: &AppState, id: &str, number: u32) -> CommandResult<String> {
    with_store(state, |ws| {
        let version = ws
            .history(id)?
            .into_iter()
            .find(|v| v.number == u64::from(number))
            .ok_or_else(|| CommandError::new(ErrorCode::Invalid, "no such version"))?;
        match version.entry.kind {
            EntryKind::Login(l) => Ok(l.password.expose_secret().to_owned()),
            _ => Err(CommandError::new(
                ErrorCode::Invalid,
                "this version has no password",
            )),
        }
    })
}

/// Makes an earlier version current again (as a new version).
#[tauri::command(async)]
#[specta::specta]
pub fn restore_version(
    state: State<'_, AppState>,
    id: String,
    number: u32,
) -> CommandResult<EntrySummary> {
    with_store(&state, |ws| {
        Ok(EntrySummary::from(
            &ws.restore_version(&id, u64::from(number))?,
        ))
    })
}

/// The entries in the recycle bin, most recently deleted first.
#[tauri::command(async)]
#[specta::specta]
pub fn trash_list(state: State<'_, AppState>) -> CommandResult<Vec<TrashedDto>> {
    trashed(&state)
}

/// [`trash_list`], without the Tauri runtime.
pub fn trashed(state: &AppState) -> CommandResult<Vec<TrashedDto>> {
    with_store(state, |ws| {
        Ok(ws
            .trashed()?
            .into_iter()
            .map(|t| TrashedDto {
                id: t.entry.id.clone(),
                title: t.entry.title.clone(),
                kind: EntryType::of(&t.entry.kind),
                deleted: t.deleted,
            })
            .collect())
    })
}

/// Puts an entry of the bin back.
#[tauri::command(async)]
#[specta::specta]
pub fn untrash_entry(state: State<'_, AppState>, id: String) -> CommandResult<EntrySummary> {
    with_store(&state, |ws| Ok(EntrySummary::from(&ws.untrash(&id)?)))
}

/// Deletes an entry of the bin (or a current one) for good, with its history.
#[tauri::command(async)]
#[specta::specta]
pub fn purge_entry(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    with_store(&state, |ws| {
        ws.purge(&id)?;
        Ok(())
    })
}

/// Deletes every entry of the bin for good; how many went.
#[tauri::command(async)]
#[specta::specta]
pub fn empty_trash(state: State<'_, AppState>) -> CommandResult<u32> {
    with_store(&state, |ws| {
        Ok(u32::try_from(ws.empty_trash()?).unwrap_or(u32::MAX))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::entries::{add, delete};
    use crate::dto::EntryInput;
    use crate::state::Session;
    use portcullis_core::{KdfParams, OpenWorkspace, SecretString};

    fn login(password: &str) -> EntryInput {
        serde_json::from_value(serde_json::json!({
            "kind": "login", "title": "Mail", "username": "me", "password": password,
        }))
        .unwrap()
    }

    #[test]
    fn history_reveal_restore_and_the_bin() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        let ws = OpenWorkspace::create(
            dir.path().join("w.pcx"),
            &SecretString::new("pw".into()),
            KdfParams::new(1024, 1, 1).unwrap(),
        )
        .unwrap();
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
        let id = add(&state, login("first")).unwrap().id;
        crate::commands::entries::update(&state, &id, login("second")).unwrap();
        let versions = history(&state, &id).unwrap();
        let numbers: Vec<(u32, bool)> = versions.iter().map(|v| (v.number, v.current)).collect();
        assert_eq!(numbers, [(2, true), (1, false)]);
        assert_eq!(versions[0].changed, ["password"]);
        assert_eq!(version_password(&state, &id, 1).unwrap(), "first");
        // Deleting moves to the bin.
        delete(&state, &id).unwrap();
        let bin = trashed(&state).unwrap();
        assert_eq!(bin.len(), 1);
        assert_eq!(bin[0].title, "Mail");
    }
}
