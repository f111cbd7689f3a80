//! The Duo Auth API v2 client: signed HTTPS requests (rustls; system roots plus an optional
//! extra CA), timeouts on every call, bounded retries on 429, and replies parsed into types.
//! Errors say which key is wrong, or that Duo could not be reached, never a secret.
//!
//! The proxy environment variables are ignored (a method may name a proxy in its settings) and
//! redirects are never followed: whoever controls a process's environment or a server on the
//! way must not be able to make Duo look unreachable or send its requests elsewhere.

use super::signing::{self, Digest, Request, SigVersion};
use crate::crypto::SecretString;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Long enough for a blocking auth or a long-polled auth_status (Duo waits about 60 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(75);
const MAX_TRIES: u32 = 4;
const MAX_RETRY_WAIT: Duration = Duration::from_secs(8);

/// Why a Duo call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The API hostname is not usable.
    #[error("the Duo API hostname is not valid")]
    BadHost,
    /// The extra CA file is not a PEM certificate.
    #[error("the CA file is not a PEM certificate")]
    BadCa,
    /// The proxy setting is not an `http://` or `https://` URL.
    #[error("the proxy must be an http:// or https:// URL")]
    BadProxy,
    /// No connection could be made (refused, no route, DNS failure, connect timeout): nothing
    /// was sent.
    #[error("Duo could not be reached (connection failed)")]
    NoConnection,
    /// The connection failed once made: timed out or cut.
    #[error("Duo could not be reached ({0})")]
    Unreachable(String),
    /// The TLS handshake failed, or the server's certificate is not trusted: not Duo.
    #[error("Duo's certificate was not accepted: check the API hostname and the CA file")]
    Tls,
    /// An HTTP redirect, never followed.
    #[error("Duo answered with a redirect (HTTP {0}), which is never followed")]
    Redirect(u16),
    /// HTTP 5xx.
    #[error("Duo could not be reached (server error {0})")]
    ServerError(u16),
    /// A reply that is not Duo's JSON.
    #[error("Duo could not be reached (its answer was not understood)")]
    Malformed,
    /// HTTP 429 after the retries.
    #[error("Duo is rate-limiting requests; try again in a minute")]
    RateLimited,
    /// 40102.
    #[error("Duo refused the integration key: check it")]
    BadIntegrationKey,
    /// 40103.
    #[error("Duo refused the signature: check the secret key")]
    BadSecretKey,
    /// 40104 or 40105.
    #[error("Duo refused the request time: check this computer's clock")]
    BadClock,
    /// 40301.
    #[error("Duo refused these keys for the Auth API: use a Partner Auth API application")]
    Forbidden,
    /// Any other FAIL reply.
    #[error("Duo refused the request: {message} ({code})")]
    Api {
        /// Duo's five-digit code.
        code: u32,
        /// Duo's message and detail.
        message: String,
    },
}

impl Error {
    /// Whether Duo could not be reached or failed (network, 5xx, nonsense), for messages. Key,
    /// signature, clock, request, TLS and redirect errors are never "unavailable". What
    /// `failmode = safe` lets through is narrower: see [`DuoMethod::run`](super::DuoMethod::run).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::NoConnection | Error::Unreachable(_) | Error::ServerError(_) | Error::Malformed
        )
    }
}

/// A device preauth offers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Device {
    /// Duo's device id.
    pub device: String,
    /// `phone` or `token`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The user's name for it.
    #[serde(default)]
    pub name: String,
    /// Masked number.
    #[serde(default)]
    pub number: String,
    /// Name and number for display.
    #[serde(default)]
    pub display_name: String,
    /// What it can do: auto, push, sms, phone, mobile_otp.
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// The preauth verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preauth {
    /// Authenticate on one of these devices.
    Auth {
        /// The user's devices.
        devices: Vec<Device>,
    },
    /// Duo lets the user in without a factor (bypass).
    Allow {
        /// Duo's message.
        status_msg: String,
    },
    /// Duo refuses the user.
    Deny {
        /// Duo's message.
        status_msg: String,
    },
    /// The user has no device: enroll at this link.
    Enroll {
        /// Duo's message.
        status_msg: String,
        /// The enrolment portal.
        portal_url: String,
    },
}

/// How to ask the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Factor {
    /// Duo chooses (push when possible, else a call).
    Auto,
    /// Duo Push.
    Push,
    /// A phone call.
    Phone,
    /// SMS passcodes, then `Passcode`.
    Sms,
    /// A passcode (Duo Mobile, SMS or token).
    Passcode,
}

impl Factor {
    /// Duo's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Push => "push",
            Self::Phone => "phone",
            Self::Sms => "sms",
            Self::Passcode => "passcode",
        }
    }
}

/// `auth` and `auth_status` results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthStatus {
    /// `waiting`, `allow` or `deny`.
    pub result: String,
    /// Machine-readable status (pushed, allow, deny, timeout, fraud, sent…).
    pub status: String,
    /// Duo's message for the user.
    pub status_msg: String,
}

impl AuthStatus {
    /// Whether the user is let in.
    pub fn allowed(&self) -> bool {
        self.result == "allow"
    }

    /// Whether a decision is still pending.
    pub fn waiting(&self) -> bool {
        self.result == "waiting"
    }
}

/// A signed Auth API client for one application.
pub struct Client {
    http: reqwest::blocking::Client,
    host: String,
    ikey: String,
    skey: SecretString,
    sig: SigVersion,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("ikey", &self.ikey)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `host` (`api-xxxx.duosecurity.com`, optionally `:port`), trusting the
    /// system's roots and `extra_ca_pem` if given, connecting directly.
    pub fn new(
        host: &str,
        ikey: &str,
        skey: SecretString,
        extra_ca_pem: Option<&str>,
        sig: SigVersion,
    ) -> Result<Self, Error> {
        Self::with_proxy(host, ikey, skey, extra_ca_pem, sig, None)
    }

    /// Like [`new`](Self::new), through `proxy` (an `http://` or `https://` URL) when given.
    /// The proxy environment variables are never used.
    pub fn with_proxy(
        host: &str,
        ikey: &str,
        skey: SecretString,
        extra_ca_pem: Option<&str>,
        sig: SigVersion,
        proxy: Option<&str>,
    ) -> Result<Self, Error> {
        let host = host.trim().trim_end_matches('/').to_ascii_lowercase();
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            && url::Url::parse(&format!("https://{host}/")).is_ok();
        if !valid {
            return Err(Error::BadHost);
        }
        let mut builder = reqwest::blocking::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("Portcullis/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = extra_ca_pem {
            let certs =
                reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| Error::BadCa)?;
            if certs.is_empty() {
                return Err(Error::BadCa);
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(proxy) = proxy {
            builder = builder.proxy(parse_proxy(proxy)?);
        }
        let http = builder
            .build()
            .map_err(|_| Error::Unreachable("TLS setup failed".into()))?;
        Ok(Self {
            http,
            host,
            ikey: ikey.trim().to_owned(),
            skey,
            sig,
        })
    }

    /// Duo's clock (Unix seconds); needs no valid keys.
    pub fn ping(&self) -> Result<i64, Error> {
        let v = self.call("GET", "/auth/v2/ping", &[])?;
        v.get("time")
            .and_then(Value::as_i64)
            .ok_or(Error::Malformed)
    }

    /// Checks the integration key, secret key and signing.
    pub fn check(&self) -> Result<(), Error> {
        self.call("GET", "/auth/v2/check", &[]).map(|_| ())
    }

    /// What Duo would do for `username`.
    pub fn preauth(&self, username: &str) -> Result<Preauth, Error> {
        preauth_from(&self.call("POST", "/auth/v2/preauth", &[("username", username)])?)
    }

    /// Starts an authentication. Push and phone run asynchronously: poll
    /// [`auth_status`](Self::auth_status) with the returned transaction id. SMS and passcode
    /// answer at once.
    pub fn auth(
        &self,
        username: &str,
        factor: Factor,
        device: &str,
        passcode: Option<&SecretString>,
    ) -> Result<AuthStart, Error> {
        let mut params = vec![("username", username), ("factor", factor.as_str())];
        match factor {
            Factor::Passcode => {
                let code = passcode
                    .map(SecretString::expose_secret)
                    .unwrap_or_default();
                params.push(("passcode", code));
            }
            Factor::Sms => params.push(("device", device)),
            Factor::Auto | Factor::Push | Factor::Phone => {
                params.push(("device", device));
                params.push(("async", "1"));
                params.push(("type", "Portcullis unlock"));
            }
        }
        auth_start_from(&self.call("POST", "/auth/v2/auth", &params)?)
    }

    /// The state of an asynchronous authentication (long-polled by Duo).
    pub fn auth_status(&self, txid: &str) -> Result<AuthStatus, Error> {
        status(&self.call("GET", "/auth/v2/auth_status", &[("txid", txid)])?)
    }

    fn call(&self, method: &str, path: &str, params: &[(&str, &str)]) -> Result<Value, Error> {
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=MAX_TRIES {
            let started = std::time::Instant::now();
            let response = self.send(method, path, params).inspect_err(
                |e| tracing::warn!(host = %self.host, path, error = %e, "Duo request failed"),
            )?;
            let status = response.status().as_u16();
            tracing::debug!(
                host = %self.host,
                method,
                path,
                status,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "Duo answered"
            );
            if status != 429 {
                return parse(response)
                    .inspect_err(|e| tracing::info!(path, error = %e, "Duo refused the request"));
            }
            tracing::warn!(path, attempt, "Duo rate limit (HTTP 429); retrying");
            if attempt == MAX_TRIES {
                break;
            }
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            std::thread::sleep(retry_after.unwrap_or(wait).min(MAX_RETRY_WAIT));
            wait *= 2;
        }
        Err(Error::RateLimited)
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<reqwest::blocking::Response, Error> {
        let date = OffsetDateTime::now_utc()
            .format(&Rfc2822)
            .map_err(|_| Error::Unreachable("clock".into()))?;
        let (body, query_params, content_type) = match (method, self.sig) {
            ("POST", SigVersion::V5) => {
                let map: BTreeMap<&str, &str> = params.iter().copied().collect();
                let json = serde_json::to_string(&map).map_err(|_| Error::Malformed)?;
                (json, &[][..], "application/json")
            }
            ("POST", SigVersion::V2) => (
                signing::canon_params(params),
                &[][..],
                "application/x-www-form-urlencoded",
            ),
            _ => (String::new(), params, ""),
        };
        let signed_params = if self.sig == SigVersion::V2 && method == "POST" {
            params
        } else {
            query_params
        };
        let req = Request {
            date: &date,
            method,
            host: &self.host,
            path,
            params: signed_params,
            body: &body,
            x_duo_headers: &[],
        };
        let authorization =
            signing::authorization(&self.ikey, &self.skey, &req, self.sig, Digest::Sha512);
        let query = signing::canon_params(query_params);
        let url = if query.is_empty() {
            format!("https://{}{path}", self.host)
        } else {
            format!("https://{}{path}?{query}", self.host)
        };
        let mut builder = match method {
            "POST" => self.http.post(&url).body(body),
            _ => self.http.get(&url),
        }
        .header("Date", &date)
        .header("Authorization", authorization);
        if !content_type.is_empty() {
            builder = builder.header("Content-Type", content_type);
        }
        builder.send().map_err(|e| network_error(&e))
    }
}

/// A proxy setting: an `http://` or `https://` URL with a host.
fn parse_proxy(proxy: &str) -> Result<reqwest::Proxy, Error> {
    let url = url::Url::parse(proxy.trim()).map_err(|_| Error::BadProxy)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::BadProxy);
    }
    reqwest::Proxy::all(url).map_err(|_| Error::BadProxy)
}

/// Names a failed request: a TLS failure (anywhere, even while connecting), no connection at
/// all, or a connection lost or timed out once made.
fn network_error(e: &reqwest::Error) -> Error {
    if is_tls(e) {
        Error::Tls
    } else if e.is_connect() {
        Error::NoConnection
    } else if e.is_timeout() {
        Error::Unreachable("timed out".into())
    } else {
        Error::Unreachable("connection lost".into())
    }
}

/// Whether a TLS error is among the causes: rustls's errors reach us as I/O errors of kind
/// `InvalidData` (tokio-rustls), which a plain TCP failure never is.
fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                if is_tls(inner) {
                    return true;
                }
            }
        }
        next = err.source();
    }
    false
}

/// What `auth` started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStart {
    /// Poll `auth_status` with this transaction id.
    Pending {
        /// Transaction id.
        txid: String,
    },
    /// Already decided.
    Done(AuthStatus),
}

fn str_field(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// Reads the `response` of a preauth.
pub fn preauth_from(v: &Value) -> Result<Preauth, Error> {
    let msg = str_field(v, "status_msg").unwrap_or_default();
    match str_field(v, "result").as_deref() {
        Some("auth") => {
            let devices = v.get("devices").cloned().unwrap_or(Value::Array(vec![]));
            let devices: Vec<Device> =
                serde_json::from_value(devices).map_err(|_| Error::Malformed)?;
            Ok(Preauth::Auth { devices })
        }
        Some("allow") => Ok(Preauth::Allow { status_msg: msg }),
        Some("deny") => Ok(Preauth::Deny { status_msg: msg }),
        Some("enroll") => Ok(Preauth::Enroll {
            status_msg: msg,
            portal_url: str_field(v, "enroll_portal_url").unwrap_or_default(),
        }),
        _ => Err(Error::Malformed),
    }
}

/// Reads the `response` of an auth: a transaction to poll, or a decision.
pub fn auth_start_from(v: &Value) -> Result<AuthStart, Error> {
    if let Some(txid) = str_field(v, "txid") {
        return Ok(AuthStart::Pending { txid });
    }
    Ok(AuthStart::Done(status(v)?))
}

/// Reads the `response` of an auth or auth_status.
pub fn status(v: &Value) -> Result<AuthStatus, Error> {
    Ok(AuthStatus {
        result: str_field(v, "result").ok_or(Error::Malformed)?,
        status: str_field(v, "status").unwrap_or_default(),
        status_msg: str_field(v, "status_msg").unwrap_or_default(),
    })
}

fn parse(response: reqwest::blocking::Response) -> Result<Value, Error> {
    let code = response.status().as_u16();
    let text = response.text().map_err(|_| Error::Malformed)?;
    parse_body(code, &text)
}

/// Reads Duo's envelope (`stat`, `response`, or `code`/`message` on failure) from an HTTP
/// status and body; a redirect is [`Error::Redirect`], every other answer that is not Duo's
/// JSON is [`Error::Malformed`].
pub fn parse_body(code: u16, text: &str) -> Result<Value, Error> {
    if (300..400).contains(&code) {
        return Err(Error::Redirect(code));
    }
    let json: Option<Value> = serde_json::from_str(text).ok();
    if code >= 500 {
        return Err(Error::ServerError(code));
    }
    let json = json.ok_or(Error::Malformed)?;
    match json.get("stat").and_then(Value::as_str) {
        Some("OK") if code == 200 => json.get("response").cloned().ok_or(Error::Malformed),
        Some("FAIL") => {
            let duo_code = json.get("code").and_then(Value::as_u64).unwrap_or(0) as u32;
            Err(match duo_code {
                40102 => Error::BadIntegrationKey,
                40103 => Error::BadSecretKey,
                40104 | 40105 => Error::BadClock,
                40301 => Error::Forbidden,
                _ => {
                    let message = str_field(&json, "message").unwrap_or_default();
                    let message = match str_field(&json, "message_detail") {
                        Some(d) => format!("{message}: {d}"),
                        None => message,
                    };
                    Error::Api {
                        code: duo_code,
                        message: message.chars().take(200).collect(),
                    }
                }
            })
        }
        _ => Err(Error::Malformed),
    }
}
