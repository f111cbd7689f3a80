//! The authenticator method: a 160-bit secret, SHA-1 / 6 digits / 30 s (what every
//! authenticator app supports), codes accepted at the current step ±1, never at or before the
//! last accepted step (NIST SP 800-63B §5.1.4.2), compared in constant time.

use super::Error;
use crate::crypto::{random_bytes, secret::sealed_bytes, SecretBytes, SecretString};
use crate::otp::{Algorithm, OtpParams};
use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// Secret length in bytes (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;
/// Step length in seconds.
pub const PERIOD: u64 = 30;
/// Issuer shown by authenticator apps.
pub const ISSUER: &str = "Portcullis";

/// An enrolled authenticator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TotpMethod {
    #[serde(with = "sealed_bytes")]
    secret: SecretBytes,
    /// The last step a code was accepted for.
    #[serde(default)]
    last_step: Option<u64>,
}

impl TotpMethod {
    /// A method with a new random secret.
    pub fn generate() -> Result<Self, crate::crypto::Error> {
        Ok(Self::from_secret(SecretBytes::new(
            random_bytes::<SECRET_LEN>()?.to_vec(),
        )))
    }

    /// A method for a known secret.
    pub fn from_secret(secret: SecretBytes) -> Self {
        Self {
            secret,
            last_step: None,
        }
    }

    /// The secret.
    pub(crate) fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    fn params(&self, account: &str) -> Result<OtpParams, Error> {
        let mut p = OtpParams::new(self.secret.clone(), Algorithm::Sha1, 6, PERIOD)
            .map_err(|_| Error::Crypto)?;
        p.issuer = Some(ISSUER.into());
        p.account = Some(account.into());
        Ok(p)
    }

    /// The otpauth URI to show as a QR code (it contains the secret).
    pub fn uri(&self, account: &str) -> Result<SecretString, Error> {
        Ok(SecretString::new(self.params(account)?.to_uri()))
    }

    /// The Base32 key in groups of four, for typing into an app.
    pub fn grouped_key(&self) -> SecretString {
        let key = zeroize::Zeroizing::new(BASE32_NOPAD.encode(self.secret.expose_secret()));
        let groups: Vec<&str> = key
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        SecretString::new(groups.join(" "))
    }

    /// Checks a typed code at `now`; on success the step becomes used.
    pub fn verify(&mut self, typed: &str, now: i64) -> Result<(), Error> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::WrongCode);
        }
        let params = self.params("")?;
        let current = u64::try_from(now).unwrap_or(0) / PERIOD;
        let mut matched = None;
        for step in current.saturating_sub(1)..=current + 1 {
            let code = params.code_at(step * PERIOD).code;
            if bool::from(code.as_bytes().ct_eq(typed.as_bytes())) {
                matched = Some(step);
            }
        }
        match matched {
            Some(step) if self.last_step.is_some_and(|last| step <= last) => Err(Error::Replayed),
            Some(step) => {
                self.last_step = Some(step);
                Ok(())
            }
            None => Err(Error::WrongCode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method() -> TotpMethod {
        TotpMethod::from_secret(SecretBytes::new(b"12345678901234567890".to_vec()))
    }

    #[test]
    fn accepts_current_and_adjacent_steps_only() {
        // RFC 6238 SHA-1 at T = 59: 94287082, so 6 digits: 287082.
        let mut m = method();
        assert!(m.clone().verify("287082", 59).is_ok());
        assert!(
            m.clone().verify("287 082", 59 + 30).is_ok(),
            "one step late"
        );
        assert!(
            m.clone().verify("287082", 59 - 30).is_ok(),
            "one step early"
        );
        assert!(matches!(
            m.clone().verify("287082", 59 + 60),
            Err(Error::WrongCode)
        ));
        assert!(matches!(m.verify("28708", 59), Err(Error::WrongCode)));
    }

    #[test]
    fn a_code_is_never_accepted_twice_nor_an_older_one() {
        let mut m = method();
        let now = 1_111_111_109;
        let code = |t: i64| method().params("").unwrap().code_at(t as u64).code;
        m.verify(&code(now), now).unwrap();
        assert!(matches!(m.verify(&code(now), now), Err(Error::Replayed)));
        assert!(matches!(
            m.verify(&code(now - 30), now),
            Err(Error::Replayed)
        ));
        m.verify(&code(now + 30), now + 30).unwrap();
    }

    #[test]
    fn uri_and_grouped_key() {
        let m = method();
        let uri = m.uri("work").unwrap();
        assert_eq!(
            uri.expose_secret(),
            "otpauth://totp/Portcullis:work?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=Portcullis"
        );
        assert_eq!(
            m.grouped_key().expose_secret(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        assert_eq!(TotpMethod::generate().unwrap().secret.len(), 20);
    }
}
