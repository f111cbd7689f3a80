//! Duo as an enabled method: its sealed settings, and one authentication run (preauth, then
//! auth on the chosen device and factor, polling a push or call until Duo decides).

use super::client::{AuthStart, Client, Device, Error, Factor, Preauth};
use super::signing::SigVersion;
use crate::crypto::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) mod sealed;

/// What to do when Duo cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Failmode {
    /// Refuse (the default).
    #[default]
    Secure,
    /// Let the user in without Duo only when no connection to Duo could be made before any
    /// authentication request was sent (at preauth), and at most
    /// [`MAX_FAIL_OPENS`](crate::mfa::policy::MAX_FAIL_OPENS) times in a row; never on a TLS
    /// error, a redirect, an error from Duo, bad keys, a refusal or a denial, nor once the push
    /// or call went out.
    Safe,
}

/// The settings of a Duo method, sealed in the workspace; the secret key never leaves it.
/// Implements no serde trait (its record form is private to the core, see `sealed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuoMethod {
    /// API hostname, optionally with `:port`.
    pub host: String,
    /// Integration key.
    pub ikey: String,
    skey: SecretString,
    /// The Duo user name.
    pub username: String,
    /// Extra CA certificate (PEM) to trust, for an on-premises proxy or the emulator.
    pub ca_pem: Option<String>,
    /// Signature scheme.
    pub sig: SigVersion,
    /// Fail closed or open.
    pub failmode: Failmode,
    /// The device chosen at setup.
    pub device: String,
    /// The factor chosen at setup.
    pub factor: Factor,
    /// An HTTP(S) proxy to reach Duo through; the proxy environment variables are never used.
    pub proxy: Option<String>,
}

/// How a run asks: which factor and device (the saved ones by default), and a passcode.
#[derive(Debug, Clone, Default)]
pub struct DuoRequest {
    /// Factor to use instead of the saved one.
    pub factor: Option<Factor>,
    /// Device to use instead of the saved one.
    pub device: Option<String>,
    /// Passcode, for the passcode factor.
    pub passcode: Option<SecretString>,
}

/// What Duo decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let in (an approval, a valid passcode, or a preauth bypass).
    Allow {
        /// Duo's message.
        status_msg: String,
    },
    /// Refused (deny, timeout, fraud, locked out, wrong passcode, preauth deny).
    Deny {
        /// Duo's status (`deny`, `timeout`, `fraud`…).
        status: String,
        /// Duo's message.
        status_msg: String,
    },
    /// SMS passcodes were sent; run again with the passcode factor.
    SmsSent,
    /// The user has no device: enroll at this portal.
    Enroll {
        /// Duo's enrolment portal.
        portal_url: String,
    },
}

/// Progress of a run: Duo's status messages, and a flag to cancel between polls.
pub struct Progress<'a> {
    /// Called with each status message ("Pushed a login request to your device...").
    pub on_status: &'a mut dyn FnMut(&str),
    /// Set to stop waiting.
    pub cancel: &'a AtomicBool,
}

/// Why a run could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// A Duo call failed.
    #[error(transparent)]
    Duo(#[from] Error),
    /// No connection to Duo could be made at preauth, before any authentication request: the
    /// one case failmode `safe` may open.
    #[error(transparent)]
    NoConnection(Error),
    /// A Duo call failed once the authentication request was sent (a push or call may be out):
    /// never failed open.
    #[error("{0}, after the authentication request was sent")]
    AfterAuth(Error),
    /// The device is not among the user's devices now.
    #[error("the Duo device {0} is not available for this user")]
    UnknownDevice(String),
    /// The device cannot do the factor.
    #[error("this Duo device cannot do {0}")]
    Incapable(&'static str),
    /// The passcode factor needs a passcode.
    #[error("enter a Duo passcode")]
    MissingPasscode,
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl DuoMethod {
    /// Settings for a new method.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: &str,
        ikey: &str,
        skey: SecretString,
        username: &str,
        ca_pem: Option<String>,
        sig: SigVersion,
        failmode: Failmode,
        device: &str,
        factor: Factor,
    ) -> Self {
        Self {
            host: host.trim().to_owned(),
            ikey: ikey.trim().to_owned(),
            skey,
            username: username.trim().to_owned(),
            ca_pem,
            sig,
            failmode,
            device: device.to_owned(),
            factor,
            proxy: None,
        }
    }

    /// These settings reaching Duo through `proxy` (checked by [`client`](Self::client)).
    pub fn with_proxy(mut self, proxy: Option<String>) -> Self {
        self.proxy = proxy.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        self
    }

    /// A client for these settings.
    pub fn client(&self) -> Result<Client, Error> {
        Client::with_proxy(
            &self.host,
            &self.ikey,
            self.skey.clone(),
            self.ca_pem.as_deref(),
            self.sig,
            self.proxy.as_deref(),
        )
    }

    /// The devices Duo offers the user now (empty for bypassed users).
    pub fn devices(&self) -> Result<Vec<Device>, RunError> {
        match self.client()?.preauth(&self.username)? {
            Preauth::Auth { devices } => Ok(devices),
            _ => Ok(Vec::new()),
        }
    }

    /// One authentication: preauth, then auth on the device and factor, waiting for a push or
    /// a call to be answered. Failing to connect at preauth is [`RunError::NoConnection`]; any
    /// failure from the auth request on is [`RunError::AfterAuth`].
    pub fn run(&self, request: &DuoRequest, progress: Progress<'_>) -> Result<Verdict, RunError> {
        let client = self.client()?;
        let preauth = client.preauth(&self.username).map_err(|e| match e {
            Error::NoConnection => RunError::NoConnection(e),
            e => RunError::Duo(e),
        })?;
        let devices = match preauth {
            Preauth::Auth { devices } => devices,
            Preauth::Allow { status_msg } => return Ok(Verdict::Allow { status_msg }),
            Preauth::Deny { status_msg } => {
                return Ok(Verdict::Deny {
                    status: "deny".into(),
                    status_msg,
                })
            }
            Preauth::Enroll { portal_url, .. } => return Ok(Verdict::Enroll { portal_url }),
        };
        let factor = request.factor.unwrap_or(self.factor);
        let device_id = request
            .device
            .clone()
            .unwrap_or_else(|| self.device.clone());
        if factor != Factor::Passcode {
            let device = devices
                .iter()
                .find(|d| d.device == device_id)
                .ok_or_else(|| RunError::UnknownDevice(device_id.clone()))?;
            if !device.capabilities.iter().any(|c| c == factor.as_str()) {
                return Err(RunError::Incapable(factor.as_str()));
            }
        }
        let passcode = request.passcode.as_ref();
        if factor == Factor::Passcode && passcode.is_none() {
            return Err(RunError::MissingPasscode);
        }
        let txid = match client
            .auth(&self.username, factor, &device_id, passcode)
            .map_err(after_auth)?
        {
            AuthStart::Done(s) if s.allowed() => {
                return Ok(Verdict::Allow {
                    status_msg: s.status_msg,
                })
            }
            AuthStart::Done(s) if s.status == "sent" => return Ok(Verdict::SmsSent),
            AuthStart::Done(s) => {
                return Ok(Verdict::Deny {
                    status: s.status,
                    status_msg: s.status_msg,
                })
            }
            AuthStart::Pending { txid } => txid,
        };
        // Duo long-polls; bound the number of polls like duo_unix does.
        for _ in 0..40 {
            if progress.cancel.load(Ordering::SeqCst) {
                return Err(RunError::Cancelled);
            }
            let status = client.auth_status(&txid).map_err(after_auth)?;
            (progress.on_status)(&status.status_msg);
            if status.allowed() {
                return Ok(Verdict::Allow {
                    status_msg: status.status_msg,
                });
            }
            if !status.waiting() {
                return Ok(Verdict::Deny {
                    status: status.status,
                    status_msg: status.status_msg,
                });
            }
        }
        Ok(Verdict::Deny {
            status: "timeout".into(),
            status_msg: "Authentication timed out.".into(),
        })
    }
}

/// A failure once the auth request went out: a network, TLS or redirect failure says so (it
/// never fails open); Duo's own refusals stay as they are.
fn after_auth(e: Error) -> RunError {
    if e.is_unavailable() || matches!(e, Error::Tls | Error::Redirect(_)) {
        RunError::AfterAuth(e)
    } else {
        RunError::Duo(e)
    }
}

/// The factor to offer first for a device: Duo's `auto` when it can, else push, phone, SMS.
pub fn default_factor(device: &Device) -> Factor {
    let can = |f: &str| device.capabilities.iter().any(|c| c == f);
    [
        ("auto", Factor::Auto),
        ("push", Factor::Push),
        ("phone", Factor::Phone),
        ("sms", Factor::Sms),
    ]
    .into_iter()
    .find(|(name, _)| can(name))
    .map_or(Factor::Passcode, |(_, f)| f)
}
