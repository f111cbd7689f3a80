//! Codes by email: the user's SMTP server (plain, STARTTLS or TLS, optional login) sends a
//! 6-digit code, valid 10 minutes and once. The message names the workspace and the time of
//! the request, never a secret of the workspace. Weaker than an authenticator: whoever reads
//! the mailbox holds the factor (NIST SP 800-63B no longer counts email as out-of-band).

use super::policy;
use crate::crypto::{random_below, secret::sealed_string, SecretString};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub(crate) mod sealed;

/// How long the SMTP conversation may stall before the send fails.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why an email method cannot be set up or a code cannot be sent. Never carries the password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server name is empty.
    #[error("the SMTP server name cannot be empty")]
    NoHost,
    /// Port 0.
    #[error("the SMTP port must be between 1 and 65535")]
    BadPort,
    /// `from` or `to` is not an address.
    #[error("“{0}” is not an email address")]
    BadAddress(String),
    /// A password over an unencrypted connection.
    #[error("an SMTP password is never sent unencrypted: choose STARTTLS or TLS")]
    PasswordNeedsTls,
    /// No encryption to a server that is not this machine, not asked for explicitly.
    #[error(
        "email codes are never sent unencrypted to another machine ({0}): choose STARTTLS or TLS"
    )]
    PlaintextToRemote(String),
    /// A password without a user name, or the reverse.
    #[error("an SMTP user name needs a password, and a password needs a user name")]
    IncompleteLogin,
    /// The CA file holds no certificate.
    #[error("the CA file holds no PEM certificate")]
    BadCaFile,
    /// The server could not be reached, refused the login or the message.
    #[error("the email could not be sent: {0}")]
    Send(String),
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Security {
    /// No encryption (a relay on this machine; another host needs `allow_plaintext`; no login
    /// allowed).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and how codes are sent. Holds the SMTP password: implements no serde trait (its
/// record form is private to the core, see `sealed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSettings {
    /// SMTP server name.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// Connection protection.
    pub security: Security,
    /// Whether [`Security::None`] may reach a host that is not this machine (the user asked for
    /// it explicitly: codes then cross the network in clear).
    pub allow_plaintext: bool,
    /// Login user name, if the server needs one.
    pub user: Option<String>,
    /// Login password (empty without a login); sealed with the MFA settings.
    pub password: SecretString,
    /// Extra CA certificate (PEM) to trust, for a server with a private CA.
    pub ca_pem: Option<String>,
    /// Sender address.
    pub from: String,
    /// Where codes go.
    pub to: String,
}

/// Why a code is sent: the message says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Confirming the address while adding the method.
    Confirm,
    /// Opening the workspace or confirming a security change.
    Verify,
}

impl EmailSettings {
    /// Checks everything that can be checked without the network.
    pub fn validate(&self) -> Result<(), Error> {
        if self.host.trim().is_empty() {
            return Err(Error::NoHost);
        }
        if self.port == 0 {
            return Err(Error::BadPort);
        }
        mailbox(&self.from)?;
        mailbox(&self.to)?;
        if self.user.is_some() == self.password.is_empty() {
            return Err(Error::IncompleteLogin);
        }
        if self.user.is_some() && self.security == Security::None {
            return Err(Error::PasswordNeedsTls);
        }
        if self.security == Security::None && !self.allow_plaintext && !is_this_machine(&self.host)
        {
            return Err(Error::PlaintextToRemote(self.host.trim().to_owned()));
        }
        if let Some(pem) = &self.ca_pem {
            certificate(pem)?;
        }
        Ok(())
    }

    /// Sends `code` for the workspace `workspace`, requested at `now` (Unix seconds).
    pub fn send(
        &self,
        code: &SecretString,
        workspace: &str,
        purpose: Purpose,
        now: i64,
    ) -> Result<(), Error> {
        let message = compose(self, code, workspace, purpose, now)?;
        self.transport()?
            .send(&message)
            .map(|_| ())
            .map_err(|e| Error::Send(e.to_string()))
    }

    fn transport(&self) -> Result<SmtpTransport, Error> {
        let tls_parameters = || {
            let mut builder = TlsParameters::builder(self.host.clone());
            if let Some(pem) = &self.ca_pem {
                builder = builder.add_root_certificate(certificate(pem)?);
            }
            builder
                .build_rustls()
                .map_err(|e| Error::Send(e.to_string()))
        };
        let tls = match self.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls_parameters()?),
            Security::Tls => Tls::Wrapper(tls_parameters()?),
        };
        // "dangerous" only because this builder does not impose TLS: `tls` above decides.
        // The EHLO greeting is an address literal, as Thunderbird sends: the machine's name
        // (often its owner's) would otherwise reach the mail provider and its Received headers.
        let mut builder = SmtpTransport::builder_dangerous(self.host.trim())
            .port(self.port)
            .hello_name(ClientId::Ipv4(Ipv4Addr::LOCALHOST))
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &self.user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                self.password.expose_secret().to_owned(),
            ));
        }
        Ok(builder.build())
    }
}

/// Whether `host` names this machine: `localhost`, 127.0.0.0/8 or ::1 (bracketed or not).
pub fn is_this_machine(host: &str) -> bool {
    let host = host.trim();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    ["localhost", "localhost."]
        .iter()
        .any(|l| bare.eq_ignore_ascii_case(l))
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn mailbox(address: &str) -> Result<Mailbox, Error> {
    address
        .trim()
        .parse()
        .map_err(|_| Error::BadAddress(address.to_owned()))
}

fn certificate(pem: &str) -> Result<Certificate, Error> {
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::BadCaFile);
    }
    Certificate::from_pem(pem.as_bytes()).map_err(|_| Error::BadCaFile)
}

fn compose(
    settings: &EmailSettings,
    code: &SecretString,
    workspace: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Message, Error> {
    let minutes = policy::EMAIL_CODE_TTL_SECS / 60;
    let (subject, intro, warning) = match purpose {
        Purpose::Confirm => (
            format!("Confirm your email for Portcullis “{workspace}”"),
            format!("Your code to confirm this address as a second factor of the Portcullis workspace “{workspace}” is:"),
            "If you did not ask for it, ignore this message.",
        ),
        Purpose::Verify => (
            format!("Your Portcullis code for “{workspace}”"),
            format!("Your code to open the Portcullis workspace “{workspace}” is:"),
            "If you did not ask for it, someone who knows the master password of this workspace is trying to open it: change that password.",
        ),
    };
    let body = format!(
        "{intro}\n\n    {}\n\nRequested at {}. It is valid for {minutes} minutes and once.\n\n{warning}\n",
        code.expose_secret(),
        crate::clock::utc_minute(now),
    );
    Message::builder()
        .from(mailbox(&settings.from)?)
        .to(mailbox(&settings.to)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| Error::Send(e.to_string()))
}

/// A code that was sent and not used yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SentCode {
    #[serde(with = "sealed_string")]
    code: SecretString,
    sent: i64,
}

/// An enabled email method: settings and the code in flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EmailMethod {
    /// Server and addresses.
    #[serde(flatten, with = "sealed::Settings")]
    pub settings: EmailSettings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sent: Option<SentCode>,
}

impl EmailMethod {
    /// A method with no code in flight.
    pub fn new(settings: EmailSettings) -> Self {
        Self {
            settings,
            sent: None,
        }
    }

    /// A new random 6-digit code, remembered as the one in flight (replacing any earlier one).
    pub fn issue(&mut self, now: i64) -> Result<SecretString, crate::crypto::Error> {
        let code = SecretString::new(format!("{:06}", random_below(1_000_000)?));
        self.sent = Some(SentCode {
            code: code.clone(),
            sent: now,
        });
        Ok(code)
    }

    /// Forgets the code in flight if it is `code` (its email could not be sent).
    pub fn retract(&mut self, code: &SecretString) {
        if self.sent.as_ref().is_some_and(|s| &s.code == code) {
            self.sent = None;
        }
    }

    /// Checks a typed code: the one in flight, not expired; it is used up when it matches.
    pub fn check(&mut self, code: &str, now: i64) -> Result<(), super::Error> {
        let sent = self.sent.as_ref().ok_or(super::Error::NoEmailCode)?;
        if now - sent.sent > policy::EMAIL_CODE_TTL_SECS || now < sent.sent {
            self.sent = None;
            return Err(super::Error::EmailCodeExpired);
        }
        let typed: Zeroizing<String> =
            Zeroizing::new(code.chars().filter(|c| !c.is_whitespace()).collect());
        if !bool::from(typed.as_bytes().ct_eq(sent.code.expose_secret().as_bytes())) {
            return Err(super::Error::WrongCode);
        }
        self.sent = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> EmailSettings {
        EmailSettings {
            host: "smtp.example.org".into(),
            port: 587,
            security: Security::StartTls,
            allow_plaintext: false,
            user: Some("me".into()),
            password: SecretString::from("smtp-pass"),
            ca_pem: None,
            from: "Portcullis <portcullis@example.org>".into(),
            to: "me@example.org".into(),
        }
    }

    #[test]
    fn validation_catches_what_it_can_offline() {
        assert!(settings().validate().is_ok());
        let bad = |f: fn(&mut EmailSettings)| {
            let mut s = settings();
            f(&mut s);
            s.validate().unwrap_err().to_string()
        };
        assert!(bad(|s| s.host = " ".into()).contains("server name"));
        assert!(bad(|s| s.port = 0).contains("port"));
        assert!(bad(|s| s.to = "not an address".into()).contains("not an email address"));
        assert!(bad(|s| s.security = Security::None).contains("never sent unencrypted"));
        assert!(bad(|s| s.password = SecretString::default()).contains("needs a password"));
        assert!(bad(|s| s.ca_pem = Some("nothing".into())).contains("no PEM certificate"));
    }

    #[test]
    fn plaintext_reaches_this_machine_only_unless_allowed() {
        let mut plain = settings();
        plain.security = Security::None;
        plain.user = None;
        plain.password = SecretString::default();
        for host in [
            "smtp.example.org",
            "10.0.0.1",
            "0.0.0.0",
            "::ffff:127.0.0.1",
            "127.0.0.1.example.org",
            "localhost.example.org",
        ] {
            plain.host = host.into();
            assert_eq!(
                plain.validate().unwrap_err().to_string(),
                format!("email codes are never sent unencrypted to another machine ({host}): choose STARTTLS or TLS")
            );
        }
        for host in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            " localhost ",
        ] {
            plain.host = host.into();
            assert!(plain.validate().is_ok(), "{host}");
        }
        plain.host = "smtp.example.org".into();
        plain.allow_plaintext = true;
        assert!(plain.validate().is_ok());
        // Still no login without TLS, allowed or not.
        plain.user = Some("me".into());
        plain.password = SecretString::from("smtp-pass");
        assert!(matches!(plain.validate(), Err(Error::PasswordNeedsTls)));
        // Older files, which have no such field, read as not allowed; false is not written.
        let json = serde_json::to_value(EmailMethod::new(settings())).unwrap();
        assert!(json.get("allow_plaintext").is_none(), "{json}");
        let back: EmailMethod = serde_json::from_value(json).unwrap();
        assert!(!back.settings.allow_plaintext);
    }

    #[test]
    fn codes_are_six_digits_single_use_and_expire() {
        let mut m = EmailMethod::new(settings());
        assert!(matches!(
            m.check("123456", 100),
            Err(super::super::Error::NoEmailCode)
        ));
        let code = m.issue(100).unwrap();
        let c = code.expose_secret().to_owned();
        assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()));
        let wrong = if c == "000000" { "000001" } else { "000000" };
        assert!(matches!(
            m.check(wrong, 110),
            Err(super::super::Error::WrongCode)
        ));
        m.check(&format!("{} {}", &c[..3], &c[3..]), 120).unwrap();
        assert!(matches!(
            m.check(&c, 121),
            Err(super::super::Error::NoEmailCode)
        ));

        let code = m.issue(1000).unwrap();
        assert!(matches!(
            m.check(code.expose_secret(), 1000 + policy::EMAIL_CODE_TTL_SECS + 1),
            Err(super::super::Error::EmailCodeExpired)
        ));
        let code = m.issue(2000).unwrap();
        m.retract(&code);
        assert!(matches!(
            m.check(code.expose_secret(), 2000),
            Err(super::super::Error::NoEmailCode)
        ));
    }

    #[test]
    fn the_message_names_workspace_and_time_and_no_password() {
        let code = SecretString::from("042917");
        let message = compose(
            &settings(),
            &code,
            "Team vault",
            Purpose::Verify,
            1_795_000_000,
        )
        .unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("042917"), "{text}");
        assert!(text.contains("2026-11-18 11:06 UTC"), "{text}");
        assert!(text.contains("valid for 10 minutes"), "{text}");
        assert!(text.contains("To: me@example.org"), "{text}");
        assert!(!text.contains("smtp-pass"));
        // The subject is encoded (it has quotes outside ASCII); the body names the workspace.
        assert!(text.contains("workspace “Team vault”") || text.contains("Team vault"));
    }

    #[test]
    fn settings_keep_the_password_sealed_not_debug_printed() {
        let debug = format!("{:?}", settings());
        assert!(!debug.contains("smtp-pass"), "{debug}");
    }
}
