//! What the CLI prints: JSON documents for scripts and short text for people.

use portcullis_core::connect::host_key::HostKey;
use portcullis_core::entry::ssh_key::SshKey;
use portcullis_core::entry_edit::EntryType;
use portcullis_core::otp::{Algorithm, OtpCode, OtpParams};
use portcullis_core::view::{EntrySummary, EntryView, RemoteView};
use portcullis_core::{Entry, EntryKind, Protocol};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The fields of an entry in `list` and `search`: never a secret. The core's
/// [`EntrySummary`], with the time in RFC 3339 and without `has_otp` (the JSON contract).
#[derive(Serialize)]
pub struct Summary {
    pub id: String,
    pub title: String,
    pub kind: EntryType,
    pub username: Option<String>,
    pub url: Option<String>,
    pub group: Option<String>,
    pub modified: String,
}

impl Summary {
    pub fn of(s: EntrySummary) -> Self {
        Self::from_view(s)
    }

    fn from_view(s: EntrySummary) -> Self {
        Self {
            id: s.id,
            title: s.title,
            kind: s.kind,
            username: s.username,
            url: s.url,
            group: s.group,
            modified: rfc3339(s.modified),
        }
    }
}

/// Everything about one entry, for `show`: the core's [`EntryView`], and the secrets only
/// when revealed.
#[derive(Serialize)]
pub struct Detail<'a> {
    #[serde(flatten)]
    pub summary: Summary,
    pub created: String,
    pub notes: String,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_password: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp: Option<OtpDetail>,
    /// A login's SSH key: its public half, `TYPE BASE64` (not a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_public_key: Option<String>,
    /// A login's SSH private key, when revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteView>,
    /// SSH: the pinned host key, `TYPE BASE64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_key: Option<String>,
    /// RDP: the certificate policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<&'static str>,
    /// Custom fields, in order; a secret one's value only when revealed.
    pub fields: Vec<FieldDetail<'a>>,
}

/// A custom field in `show`.
#[derive(Serialize)]
pub struct FieldDetail<'a> {
    pub name: &'a str,
    pub secret: bool,
    /// Absent for a secret field unless revealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
}

#[derive(Serialize)]
pub struct OtpDetail {
    pub algorithm: Algorithm,
    pub digits: u8,
    pub period: u64,
    pub issuer: Option<String>,
    pub account: Option<String>,
    /// HOTP only: the counter of the next code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

impl<'a> Detail<'a> {
    pub fn of(e: &'a Entry, reveal: bool) -> Self {
        let view = EntryView::from(e);
        let password = match &e.kind {
            EntryKind::Login(l) if reveal => Some(l.password.expose_secret()),
            _ => None,
        };
        let stored_key = match &e.kind {
            EntryKind::Login(l) => l.ssh_key.as_ref(),
            _ => None,
        };
        // Checked when it was kept; a key that no longer parses is shown as such.
        let ssh_public_key = stored_key.map(|k| match SshKey::parse(k.expose_secret()) {
            Ok(key) => key.public(),
            Err(_) => "(not a valid key)".to_owned(),
        });
        let ssh_key = stored_key.filter(|_| reveal).map(|k| k.expose_secret());
        let otp = view.otp.map(|o| OtpDetail {
            algorithm: o.algorithm,
            digits: o.digits,
            period: o.period,
            issuer: o.issuer,
            account: o.account,
            counter: o.counter,
            uri: e.otp().filter(|_| reveal).map(OtpParams::to_uri),
        });
        let (host_key, certificate) = match &e.kind {
            EntryKind::Remote(r) => (
                r.host_key.clone(),
                (r.protocol == Protocol::Rdp).then_some(r.certificate.as_str()),
            ),
            _ => (None, None),
        };
        let fields = e
            .fields
            .iter()
            .map(|f| FieldDetail {
                name: &f.name,
                secret: f.is_secret(),
                value: (reveal || !f.is_secret()).then(|| f.expose_value()),
            })
            .collect();
        Self {
            fields,
            summary: Summary::from_view(view.summary),
            created: rfc3339(view.created),
            notes: view.notes,
            tags: view.tags,
            has_password: view.has_password,
            password,
            otp,
            ssh_public_key,
            ssh_key,
            remote: view.remote,
            host_key,
            certificate,
        }
    }

    /// `key: value` lines for a person.
    pub fn to_text(&self) -> String {
        let s = &self.summary;
        let mut lines = vec![
            format!("id:       {}", s.id),
            format!("title:    {}", s.title),
            format!("kind:     {}", s.kind),
        ];
        let mut push = |k: &str, v: Option<&str>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                lines.push(format!("{:<9} {v}", format!("{k}:")));
            }
        };
        push("group", s.group.as_deref());
        push("username", s.username.as_deref());
        push("url", s.url.as_deref());
        if let Some(has) = self.has_password {
            let shown = match self.password {
                Some(p) => p,
                None if has => "******** (use --reveal)",
                None => "",
            };
            push("password", Some(shown));
        }
        if let Some(o) = &self.otp {
            let summary = match o.counter {
                Some(c) => format!("{}, {} digits, counter {c}", o.algorithm, o.digits),
                None => format!("{}, {} digits, {} s", o.algorithm, o.digits, o.period),
            };
            push("otp", Some(o.uri.as_deref().unwrap_or(&summary)));
        }
        if let Some(public) = &self.ssh_public_key {
            let shown = match SshKey::parse(self.ssh_key.unwrap_or_default()) {
                Ok(_) => format!("{public}\n{}", self.ssh_key.unwrap_or_default().trim_end()),
                Err(_) => format!("{public} (private key: use --reveal)"),
            };
            push("ssh key", Some(&shown));
        }
        if let Some(r) = &self.remote {
            push("protocol", Some(&r.protocol.to_string()));
            push("host", Some(&r.host));
            push("port", Some(&r.port.to_string()));
            push("login", r.login.as_deref());
        }
        if let Some(key) = &self.host_key {
            let shown = match HostKey::parse(key) {
                Ok(k) => format!("{} {}", k.kind(), k.fingerprint()),
                Err(_) => key.clone(),
            };
            push("host key", Some(&shown));
        }
        push("certificate", self.certificate);
        for f in &self.fields {
            let shown = match f.value {
                Some(v) => printable_lines(v),
                None => "******** (use --reveal)".to_owned(),
            };
            push("field", Some(&format!("{} = {shown}", printable(f.name))));
        }
        let tags = self.tags.join(", ");
        push("tags", Some(&tags));
        push("notes", Some(&self.notes));
        push("created", Some(&self.created));
        push("modified", Some(&self.summary.modified));
        lines.join("\n")
    }
}

/// `otp --json`.
#[derive(Serialize)]
pub struct OtpJson<'a> {
    pub code: &'a str,
    pub seconds_left: u64,
    pub period: u64,
}

impl<'a> OtpJson<'a> {
    pub fn of(code: &'a OtpCode) -> Self {
        Self {
            code: &code.code,
            seconds_left: code.seconds_left,
            period: code.period,
        }
    }
}

/// A table of entries for a person.
pub fn table(entries: &[EntrySummary]) -> String {
    if entries.is_empty() {
        return "no entries".into();
    }
    let width = entries
        .iter()
        .map(|e| e.title.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 40);
    let mut out = format!(
        "{:<8}  {:<6}  {:<width$}  {:<24}  GROUP",
        "ID", "KIND", "TITLE", "USERNAME"
    );
    for e in entries {
        let title: String = e.title.chars().take(width).collect();
        out.push_str(&format!(
            "\n{:<8}  {:<6}  {:<width$}  {:<24}  {}",
            &e.id[..8.min(e.id.len())],
            e.kind.as_str(),
            title,
            e.username.as_deref().unwrap_or(""),
            e.group.as_deref().unwrap_or("")
        ));
    }
    out
}

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// `text` for a terminal: control characters (which could move the cursor or fake other lines)
/// shown as escapes. For text that others wrote, such as a team's member names and audit log.
pub fn printable(text: &str) -> String {
    escape_controls(text, &[])
}

/// [`printable`], keeping line breaks and tabs (an error message may hold several lines, and
/// text from a server or a file inside it must not drive the terminal).
pub fn printable_lines(text: &str) -> String {
    escape_controls(text, &['\n', '\t'])
}

fn escape_controls(text: &str, kept: &[char]) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !kept.contains(&c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Prints a JSON document on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
