//! Team workspace addresses: `postgresql://ROLE@HOST:PORT/DB?workspace=NAME[&sslmode=…]`.
//! The address never carries the database password: one given in it is refused, since it would
//! sit in the argument list and the shell's history.

use url::Url;

/// Why an address is not a usable team workspace address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    /// Not a `postgresql://` or `postgres://` URL.
    #[error("not a PostgreSQL address (postgresql://ROLE@HOST:PORT/DB?workspace=NAME)")]
    NotPostgres,
    /// A part is missing or malformed.
    #[error("PostgreSQL address: {0}")]
    Invalid(&'static str),
    /// A password in the address.
    #[error(
        "PostgreSQL address: leave the password out (use PGPASSWORD, ~/.pgpass or the prompt)"
    )]
    PasswordInUrl,
    /// A query parameter Portcullis does not pass on.
    #[error("PostgreSQL address: unknown parameter “{0}”")]
    UnknownParameter(String),
    /// An `sslmode` libpq does not know.
    #[error(
        "PostgreSQL address: sslmode must be disable, prefer, require, verify-ca or verify-full"
    )]
    SslMode,
}

/// libpq's `sslmode`: whether and how the connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it (libpq's default).
    #[default]
    Prefer,
    /// TLS or no connection, without checking the certificate.
    Require,
    /// TLS with a certificate signed by a trusted CA.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<Self, UrlError> {
        Ok(match s {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return Err(UrlError::SslMode),
        })
    }
}

/// A parsed team address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamUrl {
    /// The PostgreSQL login role (the member).
    pub role: String,
    /// Host name or address.
    pub host: String,
    /// Port (5432 when absent).
    pub port: u16,
    /// Database name.
    pub database: String,
    /// The team workspace's name (`workspace=`); absent for `team setup`.
    pub workspace: Option<String>,
    /// TLS use.
    pub sslmode: SslMode,
    /// The CA certificates (PEM) to check the server's certificate against (`sslrootcert`);
    /// the system's when absent.
    pub sslrootcert: Option<std::path::PathBuf>,
}

/// A team address as a form gives it, field by field ([`TeamUrl::from_parts`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts<'a> {
    /// The PostgreSQL login role.
    pub role: &'a str,
    /// Host name or address.
    pub host: &'a str,
    /// Port; PostgreSQL's 5432 when `None`.
    pub port: Option<u16>,
    /// Database name.
    pub database: &'a str,
    /// The team workspace's name.
    pub workspace: &'a str,
    /// libpq's `sslmode` (empty: `prefer`).
    pub sslmode: &'a str,
}

pub use crate::address::is_team_url;

impl TeamUrl {
    /// Parses an address; the role, host and database are required.
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        if !is_team_url(s) {
            return Err(UrlError::NotPostgres);
        }
        let url = Url::parse(s).map_err(|_| UrlError::Invalid("not a valid URL"))?;
        if url.password().is_some() {
            return Err(UrlError::PasswordInUrl);
        }
        let role = decode(url.username())?;
        if role.is_empty() {
            return Err(UrlError::Invalid("the role is missing (ROLE@HOST)"));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => decode(d)?,
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(UrlError::Invalid("the host is missing")),
        };
        if host.is_empty() {
            return Err(UrlError::Invalid("the host is missing"));
        }
        let database = decode(url.path().trim_start_matches('/'))?;
        if database.is_empty() || database.contains('/') {
            return Err(UrlError::Invalid("the database name is missing (/DB)"));
        }
        let mut workspace = None;
        let mut sslmode = SslMode::default();
        let mut sslrootcert = None;
        for (name, value) in url.query_pairs() {
            match &*name {
                "workspace" if !value.trim().is_empty() => workspace = Some(value.into_owned()),
                "workspace" => return Err(UrlError::Invalid("the workspace name is empty")),
                "sslmode" => sslmode = SslMode::parse(&value)?,
                "sslrootcert" => sslrootcert = Some(value.into_owned().into()),
                "password" => return Err(UrlError::PasswordInUrl),
                other => return Err(UrlError::UnknownParameter(other.to_owned())),
            }
        }
        Ok(Self {
            role,
            host,
            port: url.port().unwrap_or(5432),
            database,
            workspace,
            sslmode,
            sslrootcert,
        })
    }

    /// The address a form names field by field (the app's start screen): each name is
    /// percent-encoded into an address, which is then checked as a typed one is. An empty
    /// port is PostgreSQL's 5432; an empty `sslmode`, libpq's default.
    pub fn from_parts(parts: &Parts<'_>) -> Result<Self, UrlError> {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let enc = |s: &str| utf8_percent_encode(s.trim(), NON_ALPHANUMERIC).to_string();
        let host = parts.host.trim();
        if host.is_empty() || host.contains(['/', '@', '?', '#', ' ']) {
            return Err(UrlError::Invalid("the host is missing"));
        }
        // An IPv6 address goes in brackets.
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let mut url = format!(
            "postgresql://{}@{host}:{}/{}?workspace={}",
            enc(parts.role),
            parts.port.unwrap_or(5432),
            enc(parts.database),
            enc(parts.workspace),
        );
        let sslmode = parts.sslmode.trim();
        if !sslmode.is_empty() {
            url.push_str("&sslmode=");
            url.push_str(&enc(sslmode));
        }
        let parsed = Self::parse(&url)?;
        if parsed.workspace.is_none() {
            return Err(UrlError::Invalid("the workspace name is empty"));
        }
        Ok(parsed)
    }

    /// The address without the workspace, for messages (it holds no secret).
    pub fn server(&self) -> String {
        format!(
            "{}@{}:{}/{}",
            self.role, self.host, self.port, self.database
        )
    }
}

/// `%XX` decoding (role and database names may hold any character).
fn decode(s: &str) -> Result<String, UrlError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| UrlError::Invalid("bad percent-encoding"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_address_parses() {
        let u = TeamUrl::parse(
            "postgresql://alice@db.example:6543/vault?workspace=ops&sslmode=require",
        )
        .unwrap();
        assert_eq!(
            u,
            TeamUrl {
                role: "alice".into(),
                host: "db.example".into(),
                port: 6543,
                database: "vault".into(),
                workspace: Some("ops".into()),
                sslmode: SslMode::Require,
                sslrootcert: None,
            }
        );
        assert_eq!(u.server(), "alice@db.example:6543/vault");
    }

    #[test]
    fn defaults_and_encoded_names() {
        let u = TeamUrl::parse("postgres://j%C3%BCrgen@127.0.0.1/team%20db").unwrap();
        assert_eq!(u.role, "jürgen");
        assert_eq!(u.database, "team db");
        assert_eq!(
            (u.port, u.workspace, u.sslmode),
            (5432, None, SslMode::Prefer)
        );
    }

    #[test]
    fn a_form_gives_the_address_a_typed_one_would() {
        let parts = Parts {
            role: "jürgen",
            host: " 127.0.0.1 ",
            port: Some(6543),
            database: "team db",
            workspace: "ops & co",
            sslmode: "disable",
        };
        let u = TeamUrl::from_parts(&parts).unwrap();
        assert_eq!(
            (
                u.role.as_str(),
                u.host.as_str(),
                u.port,
                u.database.as_str()
            ),
            ("jürgen", "127.0.0.1", 6543, "team db")
        );
        assert_eq!(u.workspace.as_deref(), Some("ops & co"));
        assert_eq!(u.sslmode, SslMode::Disable);
        let v6 = TeamUrl::from_parts(&Parts {
            host: "::1",
            port: None,
            sslmode: "",
            ..parts
        });
        assert_eq!(v6.unwrap().port, 5432);
        let e = |p: Parts| TeamUrl::from_parts(&p).unwrap_err();
        assert!(matches!(
            e(Parts { role: " ", ..parts }),
            UrlError::Invalid(_)
        ));
        assert!(matches!(
            e(Parts { host: "", ..parts }),
            UrlError::Invalid(_)
        ));
        assert!(matches!(
            e(Parts {
                host: "h/x",
                ..parts
            }),
            UrlError::Invalid(_)
        ));
        assert!(matches!(
            e(Parts {
                database: "",
                ..parts
            }),
            UrlError::Invalid(_)
        ));
        assert!(matches!(
            e(Parts {
                workspace: " ",
                ..parts
            }),
            UrlError::Invalid(_)
        ));
        assert_eq!(
            e(Parts {
                sslmode: "maybe",
                ..parts
            }),
            UrlError::SslMode
        );
    }

    #[test]
    fn bad_addresses_are_refused_with_the_reason() {
        let e = |s| TeamUrl::parse(s).unwrap_err();
        assert_eq!(e("/tmp/w.pcx"), UrlError::NotPostgres);
        assert_eq!(e("postgresql://alice:pw@h/db"), UrlError::PasswordInUrl);
        assert_eq!(
            e("postgresql://alice@h/db?password=pw"),
            UrlError::PasswordInUrl
        );
        assert!(matches!(e("postgresql://h/db"), UrlError::Invalid(_)));
        assert!(matches!(e("postgresql://alice@h/"), UrlError::Invalid(_)));
        assert!(matches!(
            e("postgresql://alice@h/db?workspace="),
            UrlError::Invalid(_)
        ));
        assert_eq!(
            e("postgresql://alice@h/db?sslmode=maybe"),
            UrlError::SslMode
        );
        assert_eq!(
            e("postgresql://alice@h/db?options=-c%20x"),
            UrlError::UnknownParameter("options".into())
        );
        assert!(!e("postgresql://alice:hunter2@h/db")
            .to_string()
            .contains("hunter2"));
    }
}
