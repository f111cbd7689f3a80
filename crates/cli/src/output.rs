//! What the CLI prints: JSON documents for scripts and short text for people.

use portcullis_core::otp::{OtpCode, OtpParams};
use portcullis_core::{Entry, EntryKind};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The fields of an entry in `list` and `search`: never a secret.
#[derive(Serialize)]
pub struct Summary<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub kind: &'static str,
    pub username: Option<&'a str>,
    pub url: Option<String>,
    pub group: Option<&'a str>,
    pub modified: String,
}

impl<'a> Summary<'a> {
    pub fn of(e: &'a Entry) -> Self {
        Self {
            id: &e.id,
            title: &e.title,
            kind: e.kind.name(),
            username: e.username(),
            url: e.url(),
            group: e.group.as_deref(),
            modified: rfc3339(e.modified),
        }
    }
}

/// Everything about one entry, for `show`; secrets only when revealed.
#[derive(Serialize)]
pub struct Detail<'a> {
    #[serde(flatten)]
    pub summary: Summary<'a>,
    pub created: String,
    pub notes: &'a str,
    pub tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_password: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp: Option<OtpDetail<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteDetail<'a>>,
}

#[derive(Serialize)]
pub struct OtpDetail<'a> {
    pub algorithm: &'static str,
    pub digits: u8,
    pub period: u64,
    pub issuer: Option<&'a str>,
    pub account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Serialize)]
pub struct RemoteDetail<'a> {
    pub protocol: String,
    pub host: &'a str,
    pub port: u16,
    pub login: Option<&'a str>,
}

impl<'a> Detail<'a> {
    pub fn of(e: &'a Entry, reveal: bool) -> Self {
        let otp = e.otp().map(|o| otp_detail(o, reveal));
        let (has_password, password, remote) = match &e.kind {
            EntryKind::Login(l) => (
                Some(!l.password.is_empty()),
                reveal.then(|| l.password.expose_secret()),
                None,
            ),
            EntryKind::Remote(r) => (
                None,
                None,
                Some(RemoteDetail {
                    protocol: r.protocol.to_string(),
                    host: &r.host,
                    port: r.port,
                    login: r.login.as_deref(),
                }),
            ),
            _ => (None, None, None),
        };
        Self {
            summary: Summary::of(e),
            created: rfc3339(e.created),
            notes: &e.notes,
            tags: &e.tags,
            has_password,
            password,
            otp,
            remote,
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
        push("group", s.group);
        push("username", s.username);
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
            let summary = format!("{}, {} digits, {} s", o.algorithm, o.digits, o.period);
            push("otp", Some(o.uri.as_deref().unwrap_or(&summary)));
        }
        if let Some(r) = &self.remote {
            push("protocol", Some(&r.protocol));
            push("host", Some(r.host));
            push("port", Some(&r.port.to_string()));
            push("login", r.login);
        }
        let tags = self.tags.join(", ");
        push("tags", Some(&tags));
        push("notes", Some(self.notes));
        push("created", Some(&self.created));
        push("modified", Some(&self.summary.modified));
        lines.join("\n")
    }
}

fn otp_detail(o: &OtpParams, reveal: bool) -> OtpDetail<'_> {
    OtpDetail {
        algorithm: o.algorithm.as_str(),
        digits: o.digits,
        period: o.period,
        issuer: o.issuer.as_deref(),
        account: o.account.as_deref(),
        uri: reveal.then(|| o.to_uri()),
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
pub fn table(entries: &[Entry]) -> String {
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
            e.kind.name(),
            title,
            e.username().unwrap_or(""),
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

/// Prints a JSON document on stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
