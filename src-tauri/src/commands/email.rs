//! Codes by email: adding the method (a confirmation code proves the SMTP settings), and
//! sending a code to open or to step up.

use super::{off_runtime, with_open};
use crate::dto::EnabledDto;
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Session};
use portcullis_core::mfa::email::{EmailSettings, Security};
use portcullis_core::workspace::EmailSent;
use portcullis_core::SecretString;
use serde::Deserialize;
use tauri::State;

/// The setup form.
#[derive(Deserialize, specta::Type)]
pub struct EmailSettingsInput {
    host: String,
    port: u16,
    security: Security,
    user: Option<String>,
    password: Option<String>,
    /// A PEM file of an extra CA to trust.
    ca_file: Option<String>,
    from: String,
    to: String,
}

impl EmailSettingsInput {
    fn into_core(self) -> CommandResult<EmailSettings> {
        let ca_pem = super::read_ca_file(self.ca_file.as_deref())?;
        let user = self.user.filter(|u| !u.trim().is_empty());
        Ok(EmailSettings {
            host: self.host,
            port: self.port,
            security: self.security,
            // The app offers no plaintext to another machine: the core refuses it.
            allow_plaintext: false,
            password: match &user {
                Some(_) => SecretString::new(self.password.unwrap_or_default()),
                None => SecretString::default(),
            },
            user,
            ca_pem,
            from: self.from,
            to: self.to,
        })
    }
}

/// Checks the settings and emails a confirmation code (needs a fresh factor when MFA is on).
#[tauri::command(async)]
#[specta::specta]
pub fn begin_email(
    state: State<'_, AppState>,
    label: String,
    settings: EmailSettingsInput,
) -> CommandResult<EmailSent> {
    let settings = settings.into_core()?;
    off_runtime(|| with_open(&state, |ws| Ok(ws.begin_email(&label, settings)?)))
}

/// Enables the pending email method with the code it received.
#[tauri::command]
#[specta::specta]
pub fn confirm_email(state: State<'_, AppState>, code: String) -> CommandResult<EnabledDto> {
    with_open(&state, |ws| {
        let (label, codes) = ws.confirm_email(&code)?;
        Ok(EnabledDto::new(label, codes))
    })
}

/// Emails a code: to finish opening, or to step up while open.
#[tauri::command(async)]
#[specta::specta]
pub fn send_email_code(
    state: State<'_, AppState>,
    method: Option<String>,
) -> CommandResult<EmailSent> {
    off_runtime(|| match &mut *state.lock() {
        Session::Pending(p) => Ok(p.send_email_code(method.as_deref())?),
        Session::Open(ws) => Ok(ws.send_email_code(method.as_deref())?),
        Session::Locked => Err(CommandError::locked()),
    })
}
