//! What a workspace holds: entries of four kinds, each with an id, times and a group path.

use crate::crypto::SecretString;
pub use crate::entry::fields::{CustomField, FieldValue};
use crate::otp::OtpParams;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The limits of files attached to entries (kept by `workspace::attachments`; importers read
/// them too, which sit below the workspace).
pub mod attachment {
    /// The largest file attached unless the caller allows more.
    pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 64 << 20;
    /// The longest attachment name, in characters.
    pub const MAX_NAME_CHARS: usize = 255;

    /// Unicode's invisible formatting characters (bidirectional overrides and isolates, zero-width
    /// ones, the soft hyphen, the byte-order mark): a name holding them can show another name than
    /// the one a file is saved under ("invoice\u{202e}fdp.exe" shows as "invoiceexe.pdf").
    pub fn is_format(c: char) -> bool {
        matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
    }
}
pub mod fields;
pub mod host_key;
pub(crate) mod packed;
pub(crate) mod sealed;
pub mod ssh_key;

/// An entry as stored (sealed) in a workspace. Holds secrets: it implements no serde trait
/// (its record form is private to the core, see `entry::sealed`); front ends show views of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Random UUID, the record id.
    pub id: String,
    /// Shown in lists; need not be unique.
    pub title: String,
    /// Group path such as `Work/Servers`, if any.
    pub group: Option<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Notes (the body of a secure note).
    pub notes: String,
    /// Creation time, Unix seconds.
    pub created: i64,
    /// Last change, Unix seconds.
    pub modified: i64,
    /// What kind of entry this is, with its own fields.
    pub kind: EntryKind,
    /// Custom fields, in the order shown ([`fields`]).
    pub fields: Vec<CustomField>,
}

/// The fields of an entry to create; the id and times are assigned on add
/// ([`crate::OpenWorkspace::add`]). Importers make these too.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Title.
    pub title: String,
    /// Group path.
    pub group: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Notes.
    pub notes: String,
    /// Kind and its fields.
    pub kind: EntryKind,
    /// Custom fields.
    pub fields: Vec<CustomField>,
}

impl NewEntry {
    /// A new entry of `kind` with only a title.
    pub fn new(title: impl Into<String>, kind: EntryKind) -> Self {
        Self {
            title: title.into(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            kind,
            fields: Vec::new(),
        }
    }
}

/// The kind of an entry and the fields that belong to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A website or service login, optionally with its TOTP generator.
    Login(Login),
    /// An authenticator entry: a TOTP generator on its own.
    Otp {
        /// The generator.
        otp: OtpParams,
    },
    /// A secure note: the entry's notes are its body.
    Note,
    /// A remote connection.
    Remote(Remote),
}

/// The four kinds of entry, by name (`login`, `otp`, `note`, `remote`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    /// A website or service login.
    Login,
    /// An authenticator entry.
    Otp,
    /// A secure note.
    Note,
    /// A remote connection.
    Remote,
}

impl EntryType {
    /// The type of an entry's kind.
    pub fn of(kind: &EntryKind) -> Self {
        match kind {
            EntryKind::Login(_) => Self::Login,
            EntryKind::Otp { .. } => Self::Otp,
            EntryKind::Note => Self::Note,
            EntryKind::Remote(_) => Self::Remote,
        }
    }

    /// `login`, `otp`, `note` or `remote`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Otp => "otp",
            Self::Note => "note",
            Self::Remote => "remote",
        }
    }

    /// Parses `login`, `otp`, `note` or `remote`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "login" => Some(Self::Login),
            "otp" => Some(Self::Otp),
            "note" => Some(Self::Note),
            "remote" => Some(Self::Remote),
            _ => None,
        }
    }
}

impl std::fmt::Display for EntryType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EntryKind {
    /// `login`, `otp`, `note` or `remote`.
    pub fn name(&self) -> &'static str {
        EntryType::of(self).as_str()
    }

    /// The user name: a login's, or an OTP entry's account.
    pub fn username(&self) -> Option<&str> {
        match self {
            Self::Login(l) => Some(l.username.as_str()).filter(|u| !u.is_empty()),
            Self::Otp { otp } => otp.account.as_deref(),
            _ => None,
        }
    }

    /// The address: a login's URL or a remote connection's `protocol://host:port`.
    pub fn url(&self) -> Option<String> {
        match self {
            Self::Login(l) => Some(l.url.clone()).filter(|u| !u.is_empty()),
            Self::Remote(r) => Some(format!("{}://{}:{}", r.protocol, r.host, r.port)),
            _ => None,
        }
    }

    /// The OTP generator: an OTP entry's, or a login's when it has one.
    pub fn otp(&self) -> Option<&OtpParams> {
        match self {
            Self::Login(l) => l.otp.as_ref(),
            Self::Otp { otp } => Some(otp),
            _ => None,
        }
    }
}

/// Fields of a login.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Login {
    /// User name.
    pub username: String,
    /// Password.
    pub password: SecretString,
    /// Address of the site.
    pub url: String,
    /// Optional TOTP generator of the account.
    pub otp: Option<OtpParams>,
    /// An OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----` text, checked by
    /// [`ssh_key::SshKey::parse`]) that SSH connections linked to this login use instead of
    /// the password. A secret, as the password is.
    pub ssh_key: Option<SecretString>,
}

/// Remote-connection protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Protocol {
    /// Secure shell.
    Ssh,
    /// Remote Desktop Protocol.
    Rdp,
    /// Virtual Network Computing.
    Vnc,
    /// A web console.
    Web,
}

impl Protocol {
    /// The protocol's usual port.
    pub fn default_port(&self) -> u16 {
        match self {
            Self::Ssh => 22,
            Self::Rdp => 3389,
            Self::Vnc => 5900,
            Self::Web => 443,
        }
    }

    /// Parses `ssh`, `rdp`, `vnc` or `web`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ssh" => Some(Self::Ssh),
            "rdp" => Some(Self::Rdp),
            "vnc" => Some(Self::Vnc),
            "web" => Some(Self::Web),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ssh => "ssh",
            Self::Rdp => "rdp",
            Self::Vnc => "vnc",
            Self::Web => "web",
        })
    }
}

/// Fields of a remote connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remote {
    /// Protocol.
    pub protocol: Protocol,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Id of the login entry whose credentials this connection uses.
    pub login: Option<String>,
    /// SSH: the pinned host key, `TYPE BASE64` as in a known-hosts line (checked by
    /// [`host_key::HostKey::parse`]); `None`: not pinned yet.
    pub host_key: Option<String>,
    /// RDP: what to do with the server's certificate.
    pub certificate: CertPolicy,
}

impl Remote {
    /// A connection to `host` with the protocol's usual port, no login, no pinned key and
    /// the default certificate policy.
    pub fn new(protocol: Protocol, host: impl Into<String>) -> Self {
        Self {
            protocol,
            host: host.into(),
            port: protocol.default_port(),
            login: None,
            host_key: None,
            certificate: CertPolicy::default(),
        }
    }
}

/// What an RDP client does with the server's certificate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum CertPolicy {
    /// Trust on first use: the first certificate is remembered by the client, a later change
    /// is refused.
    #[default]
    Tofu,
    /// Only a certificate valid for the host under the system's authorities.
    Verify,
    /// Any certificate (no protection against a machine in the middle).
    Ignore,
}

impl CertPolicy {
    /// `tofu`, `verify` or `ignore`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Tofu => "tofu",
            Self::Verify => "verify",
            Self::Ignore => "ignore",
        }
    }

    /// Parses `tofu`, `verify` or `ignore`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tofu" => Some(Self::Tofu),
            "verify" => Some(Self::Verify),
            "ignore" => Some(Self::Ignore),
            _ => None,
        }
    }
}

impl Entry {
    /// The user name shown in lists: a login's, or an OTP entry's account.
    pub fn username(&self) -> Option<&str> {
        self.kind.username()
    }

    /// The URL shown in lists: a login's URL or a remote connection's address.
    pub fn url(&self) -> Option<String> {
        self.kind.url()
    }

    /// The entry's TOTP generator, if it has one.
    pub fn otp(&self) -> Option<&OtpParams> {
        self.kind.otp()
    }

    /// The OTP generator, to change it (an HOTP counter advancing).
    pub fn otp_mut(&mut self) -> Option<&mut OtpParams> {
        match &mut self.kind {
            EntryKind::Login(l) => l.otp.as_mut(),
            EntryKind::Otp { otp } => Some(otp),
            _ => None,
        }
    }

    /// Whether `needle` (already lower-cased) occurs in a non-secret field.
    pub fn matches(&self, needle: &str) -> bool {
        let hit = |s: &str| contains_ignore_case(s, needle);
        hit(&self.title)
            || hit(&self.notes)
            || self.group.as_deref().is_some_and(hit)
            || self.tags.iter().any(|t| hit(t))
            || self.username().is_some_and(hit)
            || self.url().is_some_and(|u| hit(&u))
            || self
                .otp()
                .and_then(|o| o.issuer.as_deref())
                .is_some_and(hit)
            || self.plain_fields().any(hit)
    }

    /// The names and values of the plain custom fields (what search reads of them; secret
    /// fields are never searched).
    pub fn plain_fields(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter_map(|f| f.plain_value().map(|v| [f.name.as_str(), v]))
            .flatten()
    }
}

/// Whether `lower_needle` (lower-cased) occurs in `haystack`, ignoring case.
pub(crate) fn contains_ignore_case(haystack: &str, lower_needle: &str) -> bool {
    if haystack.is_ascii() && lower_needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), lower_needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(lower_needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> Entry {
        Entry {
            id: "id".into(),
            title: "GitHub".into(),
            group: Some("Work/Dev".into()),
            tags: vec!["code".into()],
            notes: String::new(),
            created: 1,
            modified: 2,
            kind: EntryKind::Login(Login {
                username: "octocat".into(),
                password: "pw".into(),
                url: "https://github.com".into(),
                otp: None,
                ssh_key: None,
            }),
            fields: vec![
                CustomField::text("Account", "12-34"),
                CustomField::secret("PIN", "9876".into()),
            ],
        }
    }

    #[test]
    fn search_covers_visible_fields_case_insensitively() {
        let e = login();
        for q in ["github", "OCTO", "work/dev", "code", "github.com", "12-34"] {
            assert!(e.matches(&q.to_lowercase()), "{q}");
        }
        assert!(!e.matches("pw"), "passwords are not searched");
        assert!(!e.matches("9876"), "secret fields are not searched");
        assert!(!e.matches("gitlab"));
    }

    #[test]
    fn every_kind_round_trips_through_json() {
        let mut kinds = vec![login()];
        let mut note = login();
        note.kind = EntryKind::Note;
        kinds.push(note);
        let mut otp = login();
        otp.kind = EntryKind::Otp {
            otp: OtpParams::parse("otpauth://totp/I:a?secret=JBSWY3DPEHPK3PXP&digits=7").unwrap(),
        };
        kinds.push(otp);
        let mut remote = login();
        remote.kind = EntryKind::Remote(Remote {
            protocol: Protocol::Rdp,
            host: "10.0.0.5".into(),
            port: 3389,
            login: Some("other".into()),
            host_key: Some("ssh-ed25519 AAAA".into()),
            certificate: CertPolicy::Ignore,
        });
        kinds.push(remote);
        for e in kinds {
            let json = sealed::to_json(&e).unwrap();
            let back = sealed::from_json(&json).unwrap();
            assert_eq!(back, e);
        }
    }
}
