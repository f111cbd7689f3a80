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

/// Mirror of [`OtpParams`] in the packed form of entry buckets
/// (`#[serde(with = "crate::otp::sealed::Packed")]`): every field written, in order, the key
/// as raw bytes.
#[derive(Serialize, Deserialize)]
#[serde(remote = "OtpParams")]
pub(crate) struct Packed {
    kind: OtpKind,
    #[serde(with = "packed_bytes")]
    secret: SecretBytes,
    algorithm: Algorithm,
    digits: u8,
    period: u64,
    issuer: Option<String>,
    account: Option<String>,
}

/// Secret bytes as a byte string of the packed form.
mod packed_bytes {
    use super::SecretBytes;
    use serde::{de, Deserializer, Serializer};
    use std::fmt;

    pub(super) fn serialize<S: Serializer>(value: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(value.expose_secret())
    }

    struct Visitor;

    impl de::Visitor<'_> for Visitor {
        type Value = SecretBytes;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a key")
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<SecretBytes, E> {
            Ok(SecretBytes::new(v.to_vec()))
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        d.deserialize_bytes(Visitor)
    }
}

/// An optional generator (`#[serde(with = "crate::otp::sealed::optional")]`).
pub(crate) mod optional {
    use super::*;

    // Written by tests only (entries are written packed): read from version-1 files.
    #[cfg_attr(not(test), allow(dead_code))]
    #[derive(Serialize)]
    struct Borrowed<'a>(#[serde(with = "Params")] &'a OtpParams);

    #[derive(Deserialize)]
    struct Owned(#[serde(with = "Params")] OtpParams);

    #[cfg_attr(not(test), allow(dead_code))]
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
