//! 2FAS Authenticator's backup (`.2fas`, JSON), unencrypted. An encrypted backup is refused
//! with the way out (export it without a password).

use super::{otp_entry, Error, Plan};
use crate::otp::{Algorithm, OtpParams};
use crate::SecretBytes;
use serde::Deserialize;
use zeroize::Zeroizing;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Backup {
    #[serde(default)]
    services: Vec<Service>,
    #[serde(default)]
    services_encrypted: Option<String>,
}

#[derive(Deserialize)]
struct Service {
    #[serde(default)]
    name: String,
    secret: Zeroizing<String>,
    #[serde(default)]
    otp: Option<Otp>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Otp {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    digits: Option<u8>,
    #[serde(default)]
    period: Option<u64>,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    counter: Option<u64>,
}

/// Reads an unencrypted 2FAS backup.
pub fn parse(bytes: &[u8]) -> Result<Plan, Error> {
    let backup: Backup = serde_json::from_slice(bytes).map_err(|_| Error::NotThisFormat {
        format: "2FAS",
        reason: "it is not a 2FAS backup".into(),
    })?;
    if backup.services.is_empty() && backup.services_encrypted.is_some() {
        return Err(Error::Unsupported(
            "encrypted 2FAS backups are not supported: export the backup without a password".into(),
        ));
    }
    let mut plan = Plan::default();
    for (i, s) in backup.services.iter().enumerate() {
        let item = Some(s.name.trim())
            .filter(|n| !n.is_empty())
            .map_or_else(|| format!("service {}", i + 1), str::to_owned);
        match otp_of(s) {
            Ok(otp) => plan.entries.push(otp_entry(otp, &item)),
            Err(reason) => plan.skip(item, reason),
        }
    }
    Ok(plan)
}

fn otp_of(s: &Service) -> Result<OtpParams, String> {
    let o = s.otp.as_ref();
    let field = |f: fn(&Otp) -> Option<String>| o.and_then(f);
    let algorithm = match field(|o| o.algorithm.clone()).as_deref().unwrap_or("SHA1") {
        a if a.eq_ignore_ascii_case("SHA1") => Algorithm::Sha1,
        a if a.eq_ignore_ascii_case("SHA256") => Algorithm::Sha256,
        a if a.eq_ignore_ascii_case("SHA512") => Algorithm::Sha512,
        other => return Err(format!("algorithm {other} is not supported")),
    };
    let digits = o.and_then(|o| o.digits).unwrap_or(6);
    let secret = OtpParams::from_base32(&s.secret).map_err(|e| e.to_string())?;
    let secret = SecretBytes::new(secret.secret().to_vec());
    let kind = field(|o| o.token_type.clone()).unwrap_or_else(|| "TOTP".into());
    let mut otp = match kind.to_ascii_uppercase().as_str() {
        "TOTP" => OtpParams::new(
            secret,
            algorithm,
            digits,
            o.and_then(|o| o.period).unwrap_or(30),
        ),
        "HOTP" => OtpParams::new_hotp(
            secret,
            algorithm,
            digits,
            o.and_then(|o| o.counter).unwrap_or(0),
        ),
        "STEAM" => OtpParams::new_steam(secret),
        other => return Err(format!("{other} tokens are not supported")),
    }
    .map_err(|e| e.to_string())?;
    otp.issuer = field(|o| o.issuer.clone())
        .or_else(|| Some(s.name.clone()))
        .filter(|i| !i.trim().is_empty());
    otp.account = field(|o| o.account.clone()).filter(|a| !a.trim().is_empty());
    Ok(otp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_published_plain_backup() {
        let bytes = crate::import::test_fixture("aegis/2fas_authenticator_plain.2fas");
        let plan = parse(&bytes).unwrap();
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
        let titles: Vec<_> = plan.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles[..2], ["Deno", "Airbnb"]);
        assert!(matches!(
            parse(br#"{"services":[],"servicesEncrypted":"abc"}"#),
            Err(Error::Unsupported(_))
        ));
    }
}
