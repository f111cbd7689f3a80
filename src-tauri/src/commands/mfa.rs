//! The second factor: verifying it, and the security settings (each needs a fresh factor; the
//! core enforces it).

use super::{with_open, workspace::open_state};
use crate::dto::{EnabledDto, EnrolmentDto, VerifiedDto};
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Session};
use portcullis_core::mfa::{Factor, MfaStatus};
use portcullis_core::SecretString;
use serde::Deserialize;
use tauri::State;

/// A factor from the unlock screen.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactorInput {
    Totp {
        code: String,
        method: Option<String>,
    },
    BackupCode {
        code: String,
    },
}

impl FactorInput {
    fn into_core(self) -> Factor {
        match self {
            FactorInput::Totp { code, method } => Factor::Totp {
                code: SecretString::new(code),
                method,
            },
            FactorInput::BackupCode { code } => Factor::BackupCode(SecretString::new(code)),
        }
    }
}

#[tauri::command]
pub fn mfa_status(state: State<'_, AppState>) -> CommandResult<MfaStatus> {
    match &mut *state.lock() {
        Session::Open(ws) => Ok(ws.mfa_status()?),
        Session::Pending(p) => Ok(p.status().clone()),
        Session::Locked => Err(CommandError::locked()),
    }
}

/// Checks the second factor of a pending unlock.
#[tauri::command(async)]
pub fn verify_factor(
    state: State<'_, AppState>,
    factor: FactorInput,
) -> CommandResult<VerifiedDto> {
    let mut session = state.lock();
    let Session::Pending(pending) = std::mem::take(&mut *session) else {
        return Err(CommandError::locked());
    };
    match pending.verify(&factor.into_core()) {
        Ok((ws, verified)) => {
            let out = VerifiedDto {
                session: open_state(&ws),
                backup_codes_left: verified.backup_codes_left,
            };
            *session = Session::Open(ws);
            Ok(out)
        }
        Err(refusal) => {
            if let Some(p) = refusal.retry {
                *session = Session::Pending(*p);
            }
            Err(refusal.error.into())
        }
    }
}

/// Verifies a fresh factor so that security settings can change for five minutes.
#[tauri::command]
pub fn step_up(state: State<'_, AppState>, factor: FactorInput) -> CommandResult<()> {
    with_open(&state, |ws| {
        Ok(ws.step_up(&factor.into_core()).map(|_| ())?)
    })
}

#[tauri::command]
pub fn begin_totp(state: State<'_, AppState>, label: String) -> CommandResult<EnrolmentDto> {
    with_open(&state, |ws| {
        let e = ws.begin_totp(&label)?;
        let qr = e.qr().map_err(portcullis_core::workspace::Error::from)?;
        Ok(EnrolmentDto {
            label: e.label.clone(),
            qr_svg: qr.svg(),
            key: e.key.expose_secret().to_owned(),
            expires: e.expires,
        })
    })
}

#[tauri::command]
pub fn confirm_totp(state: State<'_, AppState>, code: String) -> CommandResult<EnabledDto> {
    with_open(&state, |ws| {
        let (label, codes) = ws.confirm_totp(&code)?;
        Ok(EnabledDto {
            label,
            backup_codes: codes.map(|c| c.iter().map(|s| s.expose_secret().to_owned()).collect()),
        })
    })
}

#[tauri::command]
pub fn regenerate_backup_codes(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    with_open(&state, |ws| {
        Ok(ws
            .regenerate_backup_codes()?
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect())
    })
}

#[tauri::command]
pub fn delete_backup_codes(state: State<'_, AppState>) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.delete_backup_codes()?))
}

#[tauri::command]
pub fn remove_method(state: State<'_, AppState>, label: String) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.remove_method(&label)?))
}

#[tauri::command]
pub fn set_default_method(state: State<'_, AppState>, label: String) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.set_default_method(&label)?))
}

#[tauri::command]
pub fn rename_method(
    state: State<'_, AppState>,
    label: String,
    new_label: String,
) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.rename_method(&label, &new_label)?))
}
