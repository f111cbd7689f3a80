//! The sealed form of a Duo method, as the MFA record holds it: a serde mirror of
//! [`DuoMethod`], field for field what earlier versions wrote. Private to the core:
//! [`DuoMethod`] itself implements neither `Serialize` nor `Deserialize`, so its secret key
//! never reaches a `serde_json::to_string` by accident.

use super::{DuoMethod, Factor, Failmode, SigVersion};
use crate::crypto::{secret::sealed_string, SecretString};
use serde::{Deserialize, Serialize};

/// Mirror of [`DuoMethod`] (`#[serde(with = "crate::mfa::duo::method::sealed::Method")]`).
#[derive(Serialize, Deserialize)]
#[serde(remote = "DuoMethod")]
pub(crate) struct Method {
    host: String,
    ikey: String,
    #[serde(with = "sealed_string")]
    skey: SecretString,
    username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_pem: Option<String>,
    sig: SigVersion,
    #[serde(default)]
    failmode: Failmode,
    device: String,
    factor: Factor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proxy: Option<String>,
}
