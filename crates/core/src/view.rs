//! What the front ends show of an entry: one projection, with no secret in it. A password or
//! a generator's key is handed out only on an explicit request, never through a view.

use crate::entry::{Entry, EntryKind, EntryType, Protocol};
use crate::otp::{Algorithm, OtpKind, OtpParams};
use serde::Serialize;

/// An entry in a list: never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntrySummary {
    /// The entry's id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Its type.
    pub kind: EntryType,
    /// A login's user name, or an OTP entry's account.
    pub username: Option<String>,
    /// A login's address, or a remote connection's `protocol://host:port`.
    pub url: Option<String>,
    /// Group path.
    pub group: Option<String>,
    /// Whether it has an OTP generator.
    pub has_otp: bool,
    /// Last change, Unix seconds.
    pub modified: i64,
}

impl From<&Entry> for EntrySummary {
    fn from(e: &Entry) -> Self {
        Self {
            id: e.id.clone(),
            title: e.title.clone(),
            kind: EntryType::of(&e.kind),
            username: e.username().map(str::to_owned),
            url: e.url(),
            group: e.group.clone(),
            has_otp: e.otp().is_some(),
            modified: e.modified,
        }
    }
}

/// One entry's fields, without its password or its generator's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntryView {
    /// What a list shows.
    #[serde(flatten)]
    pub summary: EntrySummary,
    /// Creation time, Unix seconds.
    pub created: i64,
    /// Notes.
    pub notes: String,
    /// Tags.
    pub tags: Vec<String>,
    /// For a login: whether it has a password (`None` for other kinds).
    pub has_password: Option<bool>,
    /// The OTP generator's settings, if it has one.
    pub otp: Option<OtpView>,
    /// A remote connection's fields.
    pub remote: Option<RemoteView>,
}

/// An OTP generator's settings (not its key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OtpView {
    /// Time, counter or Steam.
    #[serde(rename = "type")]
    pub otp_type: OtpType,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: u8,
    /// Step in seconds (time-based codes).
    pub period: u64,
    /// The service.
    pub issuer: Option<String>,
    /// The account.
    pub account: Option<String>,
    /// For HOTP: the counter of the next code.
    pub counter: Option<u64>,
}

/// What drives a generator's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum OtpType {
    /// Time-based (TOTP).
    Totp,
    /// Counter-based (HOTP).
    Hotp,
    /// Steam Guard.
    Steam,
}

impl From<&OtpParams> for OtpView {
    fn from(o: &OtpParams) -> Self {
        let (otp_type, counter) = match o.kind {
            OtpKind::Totp => (OtpType::Totp, None),
            OtpKind::Hotp { counter } => (OtpType::Hotp, Some(counter)),
            OtpKind::Steam => (OtpType::Steam, None),
        };
        Self {
            otp_type,
            algorithm: o.algorithm,
            digits: o.digits,
            period: o.period,
            issuer: o.issuer.clone(),
            account: o.account.clone(),
            counter,
        }
    }
}

/// A remote connection's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoteView {
    /// Protocol.
    pub protocol: Protocol,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The id of the login it uses.
    pub login: Option<String>,
}

impl From<&Entry> for EntryView {
    fn from(e: &Entry) -> Self {
        let (has_password, remote) = match &e.kind {
            EntryKind::Login(l) => (Some(!l.password.is_empty()), None),
            EntryKind::Remote(r) => (
                None,
                Some(RemoteView {
                    protocol: r.protocol,
                    host: r.host.clone(),
                    port: r.port,
                    login: r.login.clone(),
                }),
            ),
            _ => (None, None),
        };
        Self {
            summary: e.into(),
            created: e.created,
            notes: e.notes.clone(),
            tags: e.tags.clone(),
            has_password,
            otp: e.otp().map(OtpView::from),
            remote,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Login, Remote};

    fn entry(kind: EntryKind) -> Entry {
        Entry {
            id: "id".into(),
            title: "T".into(),
            group: None,
            tags: vec!["a".into()],
            notes: "n".into(),
            created: 1,
            modified: 2,
            kind,
        }
    }

    #[test]
    fn a_login_view_says_it_has_a_password_and_never_shows_it() {
        let otp =
            OtpParams::parse("otpauth://hotp/I:acc?secret=JBSWY3DPEHPK3PXP&counter=7").unwrap();
        let e = entry(EntryKind::Login(Login {
            username: "u".into(),
            password: "hunter2".into(),
            url: String::new(),
            otp: Some(otp),
        }));
        let view = EntryView::from(&e);
        assert_eq!(view.has_password, Some(true));
        assert!(view.summary.has_otp);
        let otp = view.otp.as_ref().unwrap();
        assert_eq!((otp.otp_type, otp.counter), (OtpType::Hotp, Some(7)));
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(!json.contains("JBSWY3DP"), "{json}");
        assert!(json.contains("\"kind\":\"login\""), "{json}");
        assert!(json.contains("\"algorithm\":\"SHA1\""), "{json}");
    }

    #[test]
    fn a_remote_view_has_its_connection_and_no_password_flag() {
        let view = EntryView::from(&entry(EntryKind::Remote(Remote {
            protocol: Protocol::Ssh,
            host: "h".into(),
            port: 22,
            login: Some("l".into()),
        })));
        assert_eq!(view.has_password, None);
        assert_eq!(view.summary.url.as_deref(), Some("ssh://h:22"));
        let remote = view.remote.unwrap();
        assert_eq!(remote.login.as_deref(), Some("l"));
        assert_eq!(remote.protocol, Protocol::Ssh);
    }
}
