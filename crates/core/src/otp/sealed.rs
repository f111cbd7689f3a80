//! The sealed form of an OTP generator, as records hold it: a serde mirror of [`OtpParams`],
//! field for field what earlier versions wrote. Private to the core: [`OtpParams`] itself
//! implements neither `Serialize` nor `Deserialize`, so no code outside a record encoder can
//! print its key by accident.

use super::{is_totp, Algorithm, OtpKind, OtpParams};
use crate::crypto::{secret::sealed_bytes, SecretBytes};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Mirror of [`OtpParams`] (`#[serde(with = "crate::otp::sealed::Params")]`).
#[derive(Serialize, Deserialize)]
#[serde(remote = "OtpParams")]
pub(crate) struct Params {
    #[serde(default, skip_serializing_if = "is_totp")]
    kind: OtpKind,
    #[serde(with = "sealed_bytes")]
    secret: SecretBytes,
    algorithm: Algorithm,
    digits: u8,
    period: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
}

/// An optional generator (`#[serde(with = "crate::otp::sealed::optional")]`).
pub(crate) mod optional {
    use super::*;

    #[derive(Serialize)]
    struct Borrowed<'a>(#[serde(with = "Params")] &'a OtpParams);

    #[derive(Deserialize)]
    struct Owned(#[serde(with = "Params")] OtpParams);

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<OtpParams>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().map(Borrowed).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OtpParams>, D::Error> {
        Ok(Option::<Owned>::deserialize(d)?.map(|Owned(p)| p))
    }
}
