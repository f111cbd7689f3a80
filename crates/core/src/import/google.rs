//! Google Authenticator's "Transfer accounts" export: `otpauth-migration://offline?data=…`,
//! where `data` is a Base64 protobuf `MigrationPayload`. An export may come in several batches
//! (one URI each); some tools turn `+` into `%2B` and some leave it raw, so `+` is never read as
//! a space.

use super::{otp_entry, Error, Plan};
use crate::otp::{percent_decode, Algorithm, OtpParams};
use crate::SecretBytes;
use data_encoding::BASE64_NOPAD;
use prost::Message;
use zeroize::Zeroizing;

/// `MigrationPayload` from Google Authenticator's published protobuf schema.
#[derive(Clone, PartialEq, Message)]
struct MigrationPayload {
    #[prost(message, repeated, tag = "1")]
    otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    version: i32,
    #[prost(int32, tag = "3")]
    batch_size: i32,
    #[prost(int32, tag = "4")]
    batch_index: i32,
}

#[derive(Clone, PartialEq, Message)]
struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    secret: Vec<u8>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(string, tag = "3")]
    issuer: String,
    /// 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    algorithm: i32,
    /// 0 unspecified, 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    digits: i32,
    /// 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    otp_type: i32,
    #[prost(int64, tag = "7")]
    counter: i64,
}

impl Drop for OtpParameters {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// Whether `line` is a migration URI.
pub fn is_migration_uri(line: &str) -> bool {
    line.get(..20)
        .is_some_and(|s| s.eq_ignore_ascii_case("otpauth-migration://"))
}

/// Every migration URI in `text` (one per line; other lines ignored).
pub fn parse_text(text: &str) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    let mut found = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if !is_migration_uri(line) {
            continue;
        }
        found = true;
        match parse_uri(line) {
            Ok(batch) => {
                plan.entries.extend(batch.entries);
                plan.skipped.extend(batch.skipped);
            }
            Err(e) => plan.skip(format!("line {}", n + 1), e.to_string()),
        }
    }
    if !found {
        return Err(not_migration("no otpauth-migration:// URI in the file"));
    }
    Ok(plan)
}

fn not_migration(reason: &str) -> Error {
    Error::NotThisFormat {
        format: "Google Authenticator export",
        reason: reason.into(),
    }
}

/// One migration URI (one batch).
pub fn parse_uri(uri: &str) -> Result<Plan, Error> {
    let query = uri
        .split_once('?')
        .map(|(_, q)| q)
        .ok_or_else(|| not_migration("the URI has no data"))?;
    let data = query
        .split('&')
        .find_map(|p| p.strip_prefix("data="))
        .ok_or_else(|| not_migration("the URI has no data parameter"))?;
    let base64 = Zeroizing::new(percent_decode(data));
    let bytes = Zeroizing::new(
        BASE64_NOPAD
            .decode(base64.trim_end_matches('=').as_bytes())
            .map_err(|_| not_migration("its data is not Base64"))?,
    );
    let payload = MigrationPayload::decode(bytes.as_slice())
        .map_err(|_| not_migration("its data is not an export payload"))?;
    let mut plan = Plan::default();
    for (i, p) in payload.otp_parameters.iter().enumerate() {
        let item = if p.name.is_empty() {
            format!("account {}", i + 1)
        } else {
            p.name.clone()
        };
        match otp_of(p) {
            Ok(otp) => plan.entries.push(otp_entry(otp, &item)),
            Err(reason) => plan.skip(item, reason),
        }
    }
    Ok(plan)
}

fn otp_of(p: &OtpParameters) -> Result<OtpParams, String> {
    let algorithm = match p.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err("MD5 codes are not supported".into()),
        n => return Err(format!("unknown algorithm {n}")),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        n => return Err(format!("unknown digit count {n}")),
    };
    let secret = SecretBytes::new(p.secret.clone());
    let mut otp = match p.otp_type {
        1 => OtpParams::new_hotp(
            secret,
            algorithm,
            digits,
            u64::try_from(p.counter).unwrap_or(0),
        ),
        0 | 2 => OtpParams::new(secret, algorithm, digits, 30),
        n => return Err(format!("unknown OTP type {n}")),
    }
    .map_err(|e| e.to_string())?;
    // The name is the account, sometimes prefixed with `issuer:` (stripped when it repeats
    // the issuer; a colon elsewhere is part of the name, as Google Authenticator shows it).
    let issuer = p.issuer.trim();
    let account = p
        .name
        .strip_prefix(issuer)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|_| !issuer.is_empty())
        .unwrap_or(&p.name)
        .trim();
    otp.issuer = Some(issuer).filter(|s| !s.is_empty()).map(str::to_owned);
    otp.account = Some(account).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(otp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::EntryKind;
    use crate::otp::OtpKind;

    fn fixture(name: &str) -> String {
        String::from_utf8(crate::import::test_fixture(&format!(
            "google-migration/{name}"
        )))
        .expect("a text file")
    }

    fn otps(plan: &Plan) -> Vec<&OtpParams> {
        plan.entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Otp { otp } => otp,
                _ => panic!("an OTP entry"),
            })
            .collect()
    }

    /// The published example decodes to what its own expected output lists.
    #[test]
    fn the_published_export_matches_its_expected_output() {
        let plan = parse_text(&fixture("example_export.txt")).unwrap();
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
        let expected = fixture("example_output.csv");
        let rows: Vec<Vec<&str>> = expected
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let got = otps(&plan);
        assert_eq!(got.len(), rows.len());
        for (otp, row) in got.iter().zip(&rows) {
            assert_eq!(otp.account.as_deref().unwrap_or(""), row[0]);
            assert_eq!(data_encoding::BASE32_NOPAD.encode(otp.secret()), row[1]);
            assert_eq!(otp.issuer.as_deref().unwrap_or(""), row[2]);
            match row[3] {
                "hotp" => assert_eq!(
                    otp.kind,
                    OtpKind::Hotp {
                        counter: row[4].parse().unwrap()
                    }
                ),
                _ => assert_eq!(otp.kind, OtpKind::Totp),
            }
        }
    }

    /// `+` in the data, raw or as %2B, is never a space.
    #[test]
    fn plus_signs_survive() {
        let plan = parse_text(&fixture("test_plus_problem_export.txt")).unwrap();
        let got = otps(&plan);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].issuer.as_deref(), Some("SerenityLabs"));
        assert_eq!(got[0].account.as_deref(), Some("test1@serenitylabs.co.uk"));
        let encoded = fixture("test_plus_problem_export.txt").replace('+', "%2B");
        assert_eq!(
            otps(&parse_text(&encoded).unwrap())
                .iter()
                .map(|o| o.to_uri())
                .collect::<Vec<_>>(),
            got.iter().map(|o| o.to_uri()).collect::<Vec<_>>()
        );
        assert!(parse_text("otpauth-migration://offline?data=!!!")
            .unwrap()
            .entries
            .is_empty());
        assert!(parse_text("nothing here").is_err());
    }
}
