//! The app's own shapes that cross IPC; entries cross as the core's views
//! (`view::{EntrySummary, EntryView}`). No key, no TOTP secret after enrolment, no Duo secret
//! key, no backup-code hash ever appears here; an entry's password only through
//! `reveal_password`, a secret custom field's value only through `reveal_field`.

use portcullis_core::entry_edit::EntryType;
use portcullis_core::mfa::MfaStatus;
use portcullis_core::Protocol;
use serde::{Deserialize, Serialize};

/// A new or changed entry from a form.
#[derive(Deserialize, specta::Type)]
pub struct EntryInput {
    pub kind: EntryType,
    pub title: String,
    #[serde(default)]
    pub username: String,
    /// `None` keeps the current password on update.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub group: Option<String>,
    /// Tags, replacing the current ones; `None` keeps them.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// otpauth URI or Base32 key; `None` keeps, `""` removes.
    #[serde(default)]
    pub otp: Option<String>,
    #[serde(default)]
    pub protocol: Option<Protocol>,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub login: Option<String>,
    /// Custom fields, the whole list as the form shows it; `None` keeps them.
    #[serde(default)]
    pub fields: Option<Vec<FieldInput>>,
}

/// A custom field in the form: a secret one's value is `None` unless typed anew (the form
/// never holds it), `was` its name before a rename.
#[derive(Deserialize, specta::Type)]
pub struct FieldInput {
    pub name: String,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub was: Option<String>,
}

/// Where unlocking stands.
#[derive(Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    Locked,
    Pending {
        name: String,
        status: MfaStatus,
    },
    Open {
        name: String,
        path: String,
        /// A team workspace's: the member's access and, read from the offline copy, since when.
        team: Option<TeamState>,
    },
}

/// What the page shows of an open team workspace.
#[derive(Serialize, specta::Type)]
pub struct TeamState {
    /// `admin`, `editor` or `viewer`; `None` offline (not checked without the server).
    pub access: Option<String>,
    /// Set when the workspace is read from this computer's offline copy (no server
    /// answered): when it was last synced, in Unix seconds. Changes are refused then.
    pub offline_since: Option<i64>,
}

/// A live code.
#[derive(Serialize, specta::Type)]
pub struct OtpCodeDto {
    pub code: String,
    pub seconds_left: u64,
    pub period: u64,
}

/// An authenticator enrolment for the wizard: shown once.
#[derive(Serialize, specta::Type)]
pub struct EnrolmentDto {
    pub label: String,
    pub qr_svg: String,
    pub key: String,
    pub expires: i64,
}

/// The result of enabling a method.
#[derive(Serialize, specta::Type)]
pub struct EnabledDto {
    pub label: String,
    pub backup_codes: Option<Vec<String>>,
}

impl EnabledDto {
    /// The label, and the backup codes to show once when this was the first method.
    pub fn new(label: String, codes: Option<Vec<portcullis_core::SecretString>>) -> Self {
        Self {
            label,
            backup_codes: codes.map(|c| c.iter().map(|s| s.expose_secret().to_owned()).collect()),
        }
    }
}

/// A factor was accepted.
#[derive(Serialize, specta::Type)]
pub struct VerifiedDto {
    pub session: SessionState,
    /// After a backup code: how many are left (the UI warns at zero).
    pub backup_codes_left: Option<usize>,
    /// Duo could not be reached and its failmode is `safe`: opened without it (the UI warns).
    pub failed_open: bool,
}
