//! The sealed form of email settings, as the MFA record holds them: a serde mirror of
//! [`EmailSettings`], field for field what earlier versions wrote. Private to the core:
//! [`EmailSettings`] itself implements neither `Serialize` nor `Deserialize`, so its SMTP
//! password never reaches a `serde_json::to_string` by accident.

use super::{EmailSettings, Security};
use crate::crypto::{secret::sealed_string, SecretString};
use serde::{Deserialize, Serialize};

/// Mirror of [`EmailSettings`] (`#[serde(with = "crate::mfa::email::sealed::Settings")]`).
#[derive(Serialize, Deserialize)]
#[serde(remote = "EmailSettings")]
pub(crate) struct Settings {
    host: String,
    port: u16,
    security: Security,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    allow_plaintext: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(default, with = "sealed_string")]
    password: SecretString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_pem: Option<String>,
    from: String,
    to: String,
}
