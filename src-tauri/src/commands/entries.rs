//! Entries of the open workspace.

use super::with_store;
use crate::dto::{EntryInput, OtpCodeDto};
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::kinds::CopyField;
use crate::state::AppState;
use portcullis_core::entry::fields::FieldEdit;
use portcullis_core::entry_edit::{EntryChanges, EntryType};
use portcullis_core::generator::PasswordPolicy;
use portcullis_core::view::{EntryPage, EntrySummary, EntryView, ListQuery};
use portcullis_core::{EntryKind, SecretString};
use tauri::State;

/// One window of the entry list (a search's matches in a group, from an offset), with the
/// total and the groups: the page holds only the rows in view. Answered from the workspace's
/// verified index: no entry is decrypted for a list.
#[tauri::command(async)]
#[specta::specta]
pub fn list_entries(state: State<'_, AppState>, list: ListQuery) -> CommandResult<EntryPage> {
    list_page(&state, &list)
}

/// [`list_entries`], without the Tauri runtime.
pub fn list_page(state: &AppState, list: &ListQuery) -> CommandResult<EntryPage> {
    with_store(state, |ws| Ok(ws.list_page(list)?))
}

#[tauri::command(async)]
#[specta::specta]
pub fn get_entry(state: State<'_, AppState>, id: String) -> CommandResult<EntryView> {
    with_store(&state, |ws| Ok(EntryView::from(&ws.find(&id)?)))
}

/// The password of a login, on an explicit request (reveal or copy).
#[tauri::command(async)]
#[specta::specta]
pub fn reveal_password(state: State<'_, AppState>, id: String) -> CommandResult<String> {
    with_store(&state, |ws| match ws.find(&id)?.kind {
        EntryKind::Login(l) => Ok(l.password.expose_secret().to_owned()),
        _ => Err(CommandError::new(
            ErrorCode::Invalid,
            "this entry has no password",
        )),
    })
}

/// The value of an entry's custom field (a secret one on an explicit request: reveal).
#[tauri::command(async)]
#[specta::specta]
pub fn reveal_field(state: State<'_, AppState>, id: String, name: String) -> CommandResult<String> {
    with_store(&state, |ws| field_value(&ws.find(&id)?, &name))
}

/// Copies the value of an entry's custom field, cleared as a password is; the delay is
/// returned.
#[tauri::command(async)]
#[specta::specta]
pub fn copy_custom_field(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> CommandResult<u64> {
    let text = with_store(&state, |ws| {
        Ok(zeroize::Zeroizing::new(field_value(&ws.find(&id)?, &name)?))
    })?;
    copy_secret(&state, text)
}

/// The value of the field `name` of `entry`.
fn field_value(entry: &portcullis_core::Entry, name: &str) -> CommandResult<String> {
    entry
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.expose_value().to_owned())
        .ok_or_else(|| CommandError::new(ErrorCode::Invalid, "this entry has no such field"))
}

/// Copies a field of an entry to the clipboard: `password` (of a login, or of the login a
/// remote connection uses), `username` (likewise) or `otp` (the current code). The clipboard
/// is cleared after the preferred delay if it still holds it; the delay is returned.
#[tauri::command(async)]
#[specta::specta]
pub fn copy_field(state: State<'_, AppState>, id: String, field: CopyField) -> CommandResult<u64> {
    let text = with_store(&state, |ws| {
        let entry = ws.find(&id)?;
        let text = match field {
            // An HOTP code is taken: its counter advances, so the next copy is a new code.
            CopyField::Otp => {
                ws.take_otp_code(&entry.id, None)?
                    .ok_or_else(|| {
                        CommandError::new(
                            ErrorCode::Invalid,
                            "this entry has no one-time-password generator",
                        )
                    })?
                    .code
            }
            CopyField::Password | CopyField::Username => {
                let login = ws.credentials(&entry.id)?;
                if field == CopyField::Password {
                    login.password.expose_secret().to_owned()
                } else {
                    login.username
                }
            }
        };
        Ok(zeroize::Zeroizing::new(text))
    })?;
    copy_secret(&state, text)
}

/// Copies text the page already shows (an authenticator key during set-up, backup codes),
/// with the same clearing as any other secret.
#[tauri::command(async)]
#[specta::specta]
pub fn copy_text(state: State<'_, AppState>, text: String) -> CommandResult<u64> {
    copy_secret(&state, zeroize::Zeroizing::new(text))
}

/// Copies `text` to the clipboard, cleared after the preferred delay; the delay is returned.
pub(crate) fn copy_secret(
    state: &AppState,
    text: zeroize::Zeroizing<String>,
) -> CommandResult<u64> {
    let secs = state.preferences().clipboard_clear_secs;
    if state
        .clipboard
        .copy(text, std::time::Duration::from_secs(secs))
    {
        Ok(secs)
    } else {
        Err(CommandError::new(
            ErrorCode::NoClipboard,
            "the clipboard is not available",
        ))
    }
}

#[tauri::command(async)]
#[specta::specta]
pub fn otp_code(state: State<'_, AppState>, id: String) -> CommandResult<OtpCodeDto> {
    with_store(&state, |ws| {
        let entry = ws.find(&id)?;
        let otp = entry.otp().ok_or_else(|| {
            CommandError::new(
                ErrorCode::Invalid,
                "this entry has no one-time-password generator",
            )
        })?;
        let now = u64::try_from(ws.now()).unwrap_or(0);
        let c = otp.code_at(now);
        Ok(OtpCodeDto {
            code: c.code,
            seconds_left: c.seconds_left,
            period: c.period,
        })
    })
}

/// The core's changes from the form: every field is set (the form shows them all), except a
/// password or a generator left as they are.
fn changes_from(input: EntryInput) -> CommandResult<(EntryType, EntryChanges)> {
    let kind = input.kind;
    let protocol =
        match kind {
            EntryType::Remote => Some(input.protocol.ok_or_else(|| {
                CommandError::new(ErrorCode::Invalid, "choose ssh, rdp, vnc or web")
            })?),
            _ => None,
        };
    Ok((
        kind,
        EntryChanges {
            title: Some(input.title),
            group: Some(input.group.unwrap_or_default()),
            tags: input.tags,
            notes: Some(input.notes),
            username: Some(input.username),
            password: input.password.map(SecretString::new),
            url: Some(input.url),
            otp: input.otp.map(SecretString::new),
            protocol,
            host: Some(input.host),
            port: input.port,
            login: Some(input.login.unwrap_or_default()),
            // Not in the form yet: a pinned host key, a certificate policy and a login's SSH
            // key are kept.
            host_key: None,
            certificate: None,
            ssh_key: None,
            fields: input.fields.map(|list| {
                list.into_iter()
                    .map(|f| FieldEdit {
                        name: f.name,
                        secret: f.secret,
                        value: f.value.map(SecretString::new),
                        was: f.was,
                    })
                    .collect()
            }),
            set_fields: Vec::new(),
            remove_fields: Vec::new(),
        },
    ))
}

#[tauri::command(async)]
#[specta::specta]
pub fn add_entry(state: State<'_, AppState>, entry: EntryInput) -> CommandResult<EntrySummary> {
    add(&state, entry)
}

/// [`add_entry`], without the Tauri runtime.
pub fn add(state: &AppState, entry: EntryInput) -> CommandResult<EntrySummary> {
    let (kind, changes) = changes_from(entry)?;
    with_store(state, |ws| {
        Ok(EntrySummary::from(&ws.add_entry(kind, changes)?))
    })
}

#[tauri::command(async)]
#[specta::specta]
pub fn update_entry(
    state: State<'_, AppState>,
    id: String,
    entry: EntryInput,
) -> CommandResult<EntrySummary> {
    update(&state, &id, entry)
}

/// [`update_entry`], without the Tauri runtime.
pub fn update(state: &AppState, id: &str, entry: EntryInput) -> CommandResult<EntrySummary> {
    let (kind, changes) = changes_from(entry)?;
    with_store(state, |ws| {
        Ok(EntrySummary::from(&ws.edit_entry(
            id,
            Some(kind),
            changes,
        )?))
    })
}

#[tauri::command(async)]
#[specta::specta]
pub fn delete_entry(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    delete(&state, &id)
}

/// [`delete_entry`], without the Tauri runtime: to the recycle bin of a file workspace, for
/// good in a team workspace (which has no bin yet).
pub fn delete(state: &AppState, id: &str) -> CommandResult<()> {
    with_store(state, |ws| {
        ws.discard(id)?;
        Ok(())
    })
}

#[tauri::command]
#[specta::specta]
pub fn generate_password(length: Option<usize>, symbols: Option<bool>) -> CommandResult<String> {
    let policy = PasswordPolicy {
        length: length.unwrap_or(20),
        symbols: symbols.unwrap_or(true),
        ..PasswordPolicy::default()
    };
    policy
        .generate()
        .map(|p| p.expose_secret().to_owned())
        .map_err(|e| CommandError::new(ErrorCode::Invalid, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Session;
    use portcullis_core::{KdfParams, OpenWorkspace};

    fn entry(title: &str, group: &str) -> EntryInput {
        serde_json::from_value(serde_json::json!({
            "kind": "note", "title": title, "group": group,
        }))
        .unwrap()
    }

    /// The form's field list: added with values, then a secret renamed and a plain one made
    /// secret without the form ever holding the secret value.
    #[test]
    fn the_forms_custom_fields_keep_a_secret_it_never_held() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let ws = OpenWorkspace::create(dir.path().join("w.pcx"), &SecretString::from("pw"), kdf)
            .unwrap();
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
        let input = |fields: serde_json::Value| -> EntryInput {
            serde_json::from_value(serde_json::json!({
                "kind": "note", "title": "Bank", "fields": fields,
            }))
            .unwrap()
        };
        let added = add(
            &state,
            input(serde_json::json!([
                {"name": "PIN", "secret": true, "value": "4321"},
                {"name": "Account", "secret": false, "value": "12"},
            ])),
        )
        .unwrap();
        update(
            &state,
            &added.id,
            input(serde_json::json!([
                {"name": "Card PIN", "secret": true, "value": null, "was": "PIN"},
                {"name": "Account", "secret": true, "value": null, "was": "Account"},
            ])),
        )
        .unwrap();
        let entry = with_store(&state, |ws| Ok(ws.find(&added.id)?)).unwrap();
        assert_eq!(field_value(&entry, "Card PIN").unwrap(), "4321");
        assert_eq!(field_value(&entry, "Account").unwrap(), "12");
        assert!(entry.fields.iter().all(|f| f.is_secret()));
        let view = EntryView::from(&entry);
        assert!(
            view.fields.iter().all(|f| f.value.is_none()),
            "no secret in the view"
        );
        assert!(field_value(&entry, "PIN").is_err());
    }

    #[test]
    fn the_list_is_a_window_of_the_search_in_a_group_with_counts() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let ws = OpenWorkspace::create(
            dir.path().join("w.pcx"),
            &SecretString::new("pw".into()),
            kdf,
        )
        .unwrap();
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
        for (title, group) in [("alpha", "Work"), ("beta", "Work/Dev"), ("alps", "Home")] {
            add(&state, entry(title, group)).unwrap();
        }
        let list = ListQuery {
            query: Some(" AL ".into()),
            group: Some("Work".into()),
            limit: 10,
            ..ListQuery::default()
        };
        let page = list_page(&state, &list).unwrap();
        let titles: Vec<&str> = page.rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["alpha"]);
        assert_eq!((page.total, page.matches), (1, 2));
        let groups: Vec<(&str, u32)> = page
            .groups
            .iter()
            .map(|g| (g.path.as_str(), g.count))
            .collect();
        assert_eq!(groups, [("Home", 1), ("Work", 1)]);
        state.lock_session();
        assert_eq!(
            list_page(&state, &list).unwrap_err().code,
            ErrorCode::Locked
        );
    }
}
