//! The shapes that cross IPC. No key, no TOTP secret after enrolment, no Duo secret key, no
//! backup-code hash ever appears here; an entry's password only through `reveal_password`.

use portcullis_core::entry_edit::EntryType;
use portcullis_core::mfa::MfaStatus;
use portcullis_core::view;
use portcullis_core::{Entry, Protocol};
use serde::{Deserialize, Serialize};

/// An entry in the list: the core's summary.
#[derive(Serialize, specta::Type)]
pub struct EntrySummary {
    pub id: String,
    pub title: String,
    pub kind: EntryType,
    pub username: Option<String>,
    pub url: Option<String>,
    pub group: Option<String>,
    pub has_otp: bool,
    pub modified: i64,
}

impl From<view::EntrySummary> for EntrySummary {
    fn from(s: view::EntrySummary) -> Self {
        Self {
            id: s.id,
            title: s.title,
            kind: s.kind,
            username: s.username,
            url: s.url,
            group: s.group,
            has_otp: s.has_otp,
            modified: s.modified,
        }
    }
}

impl From<&Entry> for EntrySummary {
    fn from(e: &Entry) -> Self {
        view::EntrySummary::from(e).into()
    }
}

/// One entry's non-secret fields: the core's view.
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
    /// HOTP only: the counter of the next code.
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
        let v = view::EntryView::from(e);
        Self {
            summary: v.summary.into(),
            notes: v.notes,
            tags: v.tags,
            created: v.created,
            has_password: v.has_password.unwrap_or(false),
            otp: v.otp.map(|o| OtpInfo {
                algorithm: o.algorithm.as_str(),
                digits: o.digits,
                period: o.period,
                issuer: o.issuer,
                account: o.account,
                counter: o.counter,
            }),
            remote: v.remote.map(|r| RemoteInfo {
                protocol: r.protocol,
                host: r.host,
                port: r.port,
                login: r.login,
            }),
        }
    }
}

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
}

/// Where unlocking stands.
#[derive(Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    Locked,
    Pending { name: String, status: MfaStatus },
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
