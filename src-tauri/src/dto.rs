//! The shapes that cross IPC. No key, no TOTP secret after enrolment, no Duo secret key, no
//! backup-code hash ever appears here; an entry's password only through `reveal_password`.

use crate::kinds::{EntryKindName, MfaStatusView};
use portcullis_core::otp::OtpKind;
use portcullis_core::{Entry, EntryKind, Protocol};
use serde::{Deserialize, Serialize};

/// An entry in the list.
#[derive(Serialize, specta::Type)]
pub struct EntrySummary {
    pub id: String,
    pub title: String,
    pub kind: EntryKindName,
    pub username: Option<String>,
    pub url: Option<String>,
    pub group: Option<String>,
    pub has_otp: bool,
    pub modified: i64,
}

impl From<&Entry> for EntrySummary {
    fn from(e: &Entry) -> Self {
        Self {
            id: e.id.clone(),
            title: e.title.clone(),
            kind: EntryKindName::of(&e.kind),
            username: e.username().map(str::to_owned),
            url: e.url(),
            group: e.group.clone(),
            has_otp: e.otp().is_some(),
            modified: e.modified,
        }
    }
}

/// One entry's non-secret fields.
#[derive(Serialize, specta::Type)]
pub struct EntryDetail {
    #[serde(flatten)]
    pub summary: EntrySummary,
    pub notes: String,
    pub tags: Vec<String>,
    pub created: i64,
    pub has_password: bool,
    pub otp: Option<OtpInfo>,
    pub remote: Option<RemoteInfo>,
}

#[derive(Serialize, specta::Type)]
pub struct OtpInfo {
    pub algorithm: &'static str,
    pub digits: u8,
    pub period: u64,
    pub issuer: Option<String>,
    pub account: Option<String>,
    /// A counter-based (HOTP) generator's next counter; `None` for time-based ones.
    pub counter: Option<u64>,
}

#[derive(Serialize, specta::Type)]
pub struct RemoteInfo {
    pub protocol: Protocol,
    pub host: String,
    pub port: u16,
    pub login: Option<String>,
}

impl From<&Entry> for EntryDetail {
    fn from(e: &Entry) -> Self {
        let (has_password, remote) = match &e.kind {
            EntryKind::Login(l) => (!l.password.is_empty(), None),
            EntryKind::Remote(r) => (
                false,
                Some(RemoteInfo {
                    protocol: r.protocol,
                    host: r.host.clone(),
                    port: r.port,
                    login: r.login.clone(),
                }),
            ),
            _ => (false, None),
        };
        Self {
            summary: e.into(),
            notes: e.notes.clone(),
            tags: e.tags.clone(),
            created: e.created,
            has_password,
            otp: e.otp().map(|o| OtpInfo {
                algorithm: o.algorithm.as_str(),
                digits: o.digits,
                period: o.period,
                issuer: o.issuer.clone(),
                account: o.account.clone(),
                counter: match o.kind {
                    OtpKind::Hotp { counter } => Some(counter),
                    _ => None,
                },
            }),
            remote,
        }
    }
}

/// A new or changed entry from a form.
#[derive(Deserialize, specta::Type)]
pub struct EntryInput {
    pub kind: EntryKindName,
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
    /// The tags; `None` keeps them on update.
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
}

/// Where unlocking stands.
#[derive(Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    Locked,
    Pending { name: String, status: MfaStatusView },
    Open { name: String, path: String },
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
