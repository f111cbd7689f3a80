//! Entries of the open workspace.

use super::with_open;
use crate::dto::{EntryDetail, EntryInput, EntrySummary, OtpCodeDto};
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::kinds::{CopyField, EntryKindName};
use crate::state::AppState;
use portcullis_core::generator::PasswordPolicy;
use portcullis_core::otp::OtpParams;
use portcullis_core::workspace::Error;
use portcullis_core::{EntryKind, Login, NewEntry, Remote, SecretString};
use tauri::State;

#[tauri::command]
#[specta::specta]
pub fn list_entries(
    state: State<'_, AppState>,
    query: Option<String>,
) -> CommandResult<Vec<EntrySummary>> {
    with_open(&state, |ws| {
        let entries = match query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => ws.search(q)?,
            None => ws.entries()?,
        };
        Ok(entries.iter().map(EntrySummary::from).collect())
    })
}

#[tauri::command]
#[specta::specta]
pub fn get_entry(state: State<'_, AppState>, id: String) -> CommandResult<EntryDetail> {
    with_open(&state, |ws| Ok(EntryDetail::from(&ws.find(&id)?)))
}

/// The password of a login, on an explicit request (reveal or copy).
#[tauri::command]
#[specta::specta]
pub fn reveal_password(state: State<'_, AppState>, id: String) -> CommandResult<String> {
    with_open(&state, |ws| match ws.find(&id)?.kind {
        EntryKind::Login(l) => Ok(l.password.expose_secret().to_owned()),
        _ => Err(CommandError::new(
            ErrorCode::Invalid,
            "this entry has no password",
        )),
    })
}

/// Copies a field of an entry to the clipboard: `password` (of a login, or of the login a
/// remote connection uses), `username` (likewise) or `otp` (the current code). The clipboard
/// is cleared after the preferred delay if it still holds it; the delay is returned.
#[tauri::command]
#[specta::specta]
pub fn copy_field(state: State<'_, AppState>, id: String, field: CopyField) -> CommandResult<u64> {
    let text = with_open(&state, |ws| {
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
#[tauri::command]
#[specta::specta]
pub fn copy_text(state: State<'_, AppState>, text: String) -> CommandResult<u64> {
    copy_secret(&state, zeroize::Zeroizing::new(text))
}

fn copy_secret(state: &AppState, text: zeroize::Zeroizing<String>) -> CommandResult<u64> {
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

#[tauri::command]
#[specta::specta]
pub fn otp_code(state: State<'_, AppState>, id: String) -> CommandResult<OtpCodeDto> {
    with_open(&state, |ws| {
        let entry = ws.find(&id)?;
        let otp = entry.otp().ok_or_else(|| {
            CommandError::new(
                ErrorCode::Invalid,
                "this entry has no one-time-password generator",
            )
        })?;
        let now = u64::try_from(ws.clock().now()).unwrap_or(0);
        let c = otp.code_at(now);
        Ok(OtpCodeDto {
            code: c.code,
            seconds_left: c.seconds_left,
            period: c.period,
        })
    })
}

fn parse_otp(text: &str) -> Result<OtpParams, Error> {
    Ok(OtpParams::parse(text)?)
}

fn kind_from(input: &EntryInput, current: Option<EntryKind>) -> CommandResult<EntryKind> {
    let otp = |current: Option<OtpParams>| -> Result<Option<OtpParams>, Error> {
        match input.otp.as_deref().map(str::trim) {
            None => Ok(current),
            Some("") => Ok(None),
            Some(text) => parse_otp(text).map(Some),
        }
    };
    Ok(match input.kind {
        EntryKindName::Login => {
            let (password, current_otp) = match current {
                Some(EntryKind::Login(l)) => (l.password, l.otp),
                _ => (SecretString::default(), None),
            };
            EntryKind::Login(Login {
                username: input.username.clone(),
                password: input
                    .password
                    .clone()
                    .map(SecretString::new)
                    .unwrap_or(password),
                url: input.url.clone(),
                otp: otp(current_otp)?,
            })
        }
        EntryKindName::Otp => {
            let current_otp = match current {
                Some(EntryKind::Otp { otp }) => Some(otp),
                _ => None,
            };
            let mut otp = otp(current_otp)?.ok_or_else(|| {
                CommandError::new(
                    ErrorCode::InvalidOtp,
                    "enter an otpauth URI or a Base32 key",
                )
            })?;
            if !input.username.is_empty() {
                otp.account = Some(input.username.clone());
            }
            EntryKind::Otp { otp }
        }
        EntryKindName::Note => EntryKind::Note,
        EntryKindName::Remote => {
            let protocol = input.protocol.ok_or_else(|| {
                CommandError::new(ErrorCode::Invalid, "choose ssh, rdp, vnc or web")
            })?;
            EntryKind::Remote(Remote {
                protocol,
                host: input.host.trim().to_owned(),
                port: input.port.unwrap_or_else(|| protocol.default_port()),
                login: input.login.clone().filter(|l| !l.is_empty()),
            })
        }
    })
}

#[tauri::command]
#[specta::specta]
pub fn add_entry(state: State<'_, AppState>, entry: EntryInput) -> CommandResult<EntrySummary> {
    let kind = kind_from(&entry, None)?;
    with_open(&state, |ws| {
        let added = ws.add(NewEntry {
            title: entry.title.clone(),
            group: entry.group.clone(),
            tags: entry.tags.clone().unwrap_or_default(),
            notes: entry.notes.clone(),
            kind,
        })?;
        Ok(EntrySummary::from(&added))
    })
}

#[tauri::command]
#[specta::specta]
pub fn update_entry(
    state: State<'_, AppState>,
    id: String,
    entry: EntryInput,
) -> CommandResult<EntrySummary> {
    with_open(&state, |ws| {
        let mut current = ws.find(&id)?;
        current.kind = kind_from(&entry, Some(current.kind.clone()))?;
        current.title = entry.title.clone();
        current.group = entry.group.clone();
        current.notes = entry.notes.clone();
        if let Some(tags) = &entry.tags {
            current.tags = tags.clone();
        }
        Ok(EntrySummary::from(&ws.update(current)?))
    })
}

#[tauri::command]
#[specta::specta]
pub fn delete_entry(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.remove(&id)?))
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
