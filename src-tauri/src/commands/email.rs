//! Codes by email: adding the method (a confirmation code proves the SMTP settings), and
//! sending a code to open or to step up.

use super::{off_runtime, read_guarded, with_guarded, with_same_guarded};
use crate::dto::EnabledDto;
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Session};
use crate::team::{each_pending, TeamOpen};
use portcullis_core::mfa::email::{EmailSettings, Security};
use portcullis_core::workspace::EmailSent;
use portcullis_core::Guarded;
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
    // The session is not held while the mail goes.
    off_runtime(|| {
        let (outgoing, ticket) = read_guarded!(state, |ws| {
            Ok(ws.issue_email_confirmation(&label, settings)?)
        })?;
        let sent = outgoing.send();
        with_same_guarded!(state, ticket, |ws| Ok(ws.record_email(sent)?))
    })
}

/// Enables the pending email method with the code it received.
#[tauri::command(async)]
#[specta::specta]
pub fn confirm_email(state: State<'_, AppState>, code: String) -> CommandResult<EnabledDto> {
    with_guarded!(state, |ws| {
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
    // The session is not held while the mail goes.
    off_runtime(|| {
        let (outgoing, ticket) = {
            let mut session = state.lock();
            let ticket = session.ticket();
            let outgoing = match &mut *session {
                Session::Pending(p) => p.issue_email_code(method.as_deref())?,
                Session::TeamPending(t) => {
                    each_pending!(&mut **t, p => p.issue_email_code(method.as_deref())?)
                }
                Session::Open(ws) => ws.issue_email_code(method.as_deref())?,
                Session::Team(open) => match &mut **open {
                    TeamOpen::Online(ws, _) => ws.issue_email_code(method.as_deref())?,
                    TeamOpen::Offline(_) => return Err(CommandError::team_workspace()),
                },
                Session::Locked => return Err(CommandError::locked()),
            };
            (outgoing, ticket)
        };
        let sent = outgoing.send();
        match &mut *state.relock(ticket)? {
            Session::Pending(p) => Ok(p.record_email(sent)?),
            Session::TeamPending(t) => Ok(each_pending!(&mut **t, p => p.record_email(sent)?)),
            Session::Open(ws) => Ok(ws.record_email(sent)?),
            Session::Team(open) => match &mut **open {
                TeamOpen::Online(ws, _) => Ok(ws.record_email(sent)?),
                TeamOpen::Offline(_) => Err(CommandError::team_workspace()),
            },
            Session::Locked => Err(CommandError::locked()),
        }
    })
}
