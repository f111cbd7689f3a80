//! Aegis Authenticator's JSON export, plain or encrypted with a password. An encrypted vault
//! keeps the database as AES-256-GCM ciphertext under a master key, which each password slot
//! wraps with AES-256-GCM under a key derived by scrypt from the password.

use super::{otp_entry, Error, Plan};
use crate::otp::{Algorithm, OtpParams};
use crate::{SecretBytes, SecretString};
use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

/// The largest scrypt cost accepted from a slot (Aegis uses N = 2^15, r = 8, p = 1): a crafted
/// file cannot make the import run for hours or take gigabytes.
const MAX_SCRYPT_LOG_N: u8 = 20;
const MAX_SCRYPT_R: u32 = 16;
const MAX_SCRYPT_P: u32 = 16;
/// The most scrypt memory of a slot, 128·N·r bytes (Aegis's own: 32 MiB).
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// The most scrypt work of one import, N·r·p summed over the password slots tried: 64 times
/// Aegis's own cost, so a file cannot add up slots that each pass the bounds above.
const MAX_SCRYPT_WORK: u64 = 1 << 24;

#[derive(Deserialize)]
struct Vault {
    header: Header,
    db: Value,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Slot>>,
    params: Option<KeyParams>,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: u8,
    key: String,
    key_params: KeyParams,
    n: Option<u64>,
    r: Option<u32>,
    p: Option<u32>,
    salt: Option<String>,
}

#[derive(Deserialize)]
struct KeyParams {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct Db {
    entries: Vec<DbEntry>,
}

#[derive(Deserialize)]
struct DbEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    group: Option<String>,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    secret: Zeroizing<String>,
    #[serde(default = "sha1")]
    algo: String,
    #[serde(default = "six")]
    digits: u8,
    #[serde(default = "thirty")]
    period: u64,
    #[serde(default)]
    counter: u64,
}

fn sha1() -> String {
    "SHA1".into()
}
fn six() -> u8 {
    6
}
fn thirty() -> u64 {
    30
}

fn not_aegis(reason: impl Into<String>) -> Error {
    Error::NotThisFormat {
        format: "Aegis",
        reason: reason.into(),
    }
}

fn vault(bytes: &[u8]) -> Result<Vault, Error> {
    serde_json::from_slice(bytes).map_err(|_| not_aegis("it is not an Aegis JSON export"))
}

/// Whether the export is password-encrypted.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    vault(bytes).is_ok_and(|v| v.db.is_string())
}

/// Reads an Aegis vault export, plain or encrypted (then `password` opens it).
pub fn parse(bytes: &[u8], password: Option<&SecretString>) -> Result<Plan, Error> {
    let vault = vault(bytes)?;
    let db: Db = match &vault.db {
        Value::String(ciphertext) => {
            let password = password.ok_or(Error::PasswordNeeded)?;
            let plain = decrypt_db(&vault.header, ciphertext, password)?;
            serde_json::from_slice(&plain).map_err(|_| Error::WrongPassword)?
        }
        plain => serde_json::from_value(plain.clone())
            .map_err(|_| not_aegis("its entries are not in Aegis's format"))?,
    };
    let mut plan = Plan::default();
    for (i, e) in db.entries.iter().enumerate() {
        let item = match (e.issuer.as_str(), e.name.as_str()) {
            ("", "") => format!("entry {}", i + 1),
            ("", name) => name.to_owned(),
            (issuer, name) => format!("{issuer} ({name})"),
        };
        match otp_of(e) {
            Ok(otp) => {
                let mut entry = otp_entry(otp, &item);
                entry.notes = e.note.clone().unwrap_or_default();
                entry.group = e.group.clone().filter(|g| !g.trim().is_empty());
                plan.entries.push(entry);
            }
            Err(reason) => plan.skip(item, reason),
        }
    }
    Ok(plan)
}

fn otp_of(e: &DbEntry) -> Result<OtpParams, String> {
    let algorithm = match e.info.algo.to_ascii_uppercase().as_str() {
        "SHA1" => Algorithm::Sha1,
        "SHA256" => Algorithm::Sha256,
        "SHA512" => Algorithm::Sha512,
        other => return Err(format!("algorithm {other} is not supported")),
    };
    let secret = OtpParams::from_base32(&e.info.secret)
        .map_err(|e| e.to_string())?
        .secret()
        .to_vec();
    let secret = SecretBytes::new(secret);
    let mut otp = match e.kind.as_str() {
        "totp" => OtpParams::new(secret, algorithm, e.info.digits, e.info.period),
        "hotp" => OtpParams::new_hotp(secret, algorithm, e.info.digits, e.info.counter),
        "steam" => OtpParams::new_steam(secret),
        other => return Err(format!("{other} entries are not supported")),
    }
    .map_err(|e| e.to_string())?;
    otp.issuer = Some(e.issuer.trim().to_owned()).filter(|s| !s.is_empty());
    otp.account = Some(e.name.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(otp)
}

fn hex(text: &str) -> Result<Vec<u8>, Error> {
    HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .map_err(|_| not_aegis("a key parameter is not hexadecimal"))
}

/// AES-256-GCM open of `ciphertext` (tag given apart, as Aegis stores it).
fn open(key: &[u8], params: &KeyParams, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let key = UnboundKey::new(&AES_256_GCM, key).map_err(|_| Error::WrongPassword)?;
    let nonce = Nonce::try_assume_unique_for_key(&hex(&params.nonce)?)
        .map_err(|_| not_aegis("a nonce has the wrong length"))?;
    let mut sealed = Zeroizing::new(ciphertext.to_vec());
    sealed.extend_from_slice(&hex(&params.tag)?);
    let plain_len = LessSafeKey::new(key)
        .open_in_place(nonce, Aad::empty(), &mut sealed)
        .map_err(|_| Error::WrongPassword)?
        .len();
    sealed.truncate(plain_len);
    Ok(sealed)
}

fn decrypt_db(
    header: &Header,
    ciphertext: &str,
    password: &SecretString,
) -> Result<Vec<u8>, Error> {
    let params = header
        .params
        .as_ref()
        .ok_or_else(|| not_aegis("the encrypted vault has no parameters"))?;
    let slots = header.slots.as_deref().unwrap_or_default();
    let password_slots: Vec<&Slot> = slots.iter().filter(|s| s.kind == 1).collect();
    if password_slots.is_empty() {
        return Err(Error::Unsupported(
            "this Aegis vault has no password slot (biometric only): export it with a password"
                .into(),
        ));
    }
    let costs = password_slots
        .iter()
        .map(|s| scrypt_params(s))
        .collect::<Result<Vec<_>, _>>()?;
    let work = costs
        .iter()
        .fold(0u64, |sum, (_, work)| sum.saturating_add(*work));
    if work > MAX_SCRYPT_WORK {
        return Err(Error::Unsupported(format!(
            "this Aegis vault asks for more key derivation than one import runs ({} password \
             slots costing N·r·p = {work} in all, at most {MAX_SCRYPT_WORK}): export it again \
             from Aegis with one password",
            costs.len()
        )));
    }
    let db = BASE64
        .decode(ciphertext.as_bytes())
        .map_err(|_| not_aegis("the encrypted database is not Base64"))?;
    for (slot, (cost, _)) in password_slots.iter().zip(&costs) {
        let Ok(master) = unwrap_slot(slot, cost, password) else {
            continue;
        };
        let plain = open(&master, params, &db)?;
        return Ok(plain.to_vec());
    }
    Err(Error::WrongPassword)
}

/// A slot's scrypt parameters, within the bounds, and their work (N·r·p).
fn scrypt_params(slot: &Slot) -> Result<(scrypt::Params, u64), Error> {
    let (n, r, p) = (
        slot.n.unwrap_or(0),
        slot.r.unwrap_or(0),
        slot.p.unwrap_or(0),
    );
    if !n.is_power_of_two() || n < 2 {
        return Err(not_aegis("the scrypt cost is not a power of two"));
    }
    let log_n = n.trailing_zeros() as u8;
    let memory = 128 * n.saturating_mul(u64::from(r));
    if log_n > MAX_SCRYPT_LOG_N
        || r == 0
        || r > MAX_SCRYPT_R
        || p == 0
        || p > MAX_SCRYPT_P
        || memory > MAX_SCRYPT_MEMORY
    {
        return Err(Error::Unsupported(format!(
            "this Aegis vault asks for a scrypt cost too high to run (N = {n}, r = {r}, p = {p}; \
             at most N = 2^{MAX_SCRYPT_LOG_N}, r = {MAX_SCRYPT_R}, p = {MAX_SCRYPT_P} and {} GiB \
             of memory)",
            MAX_SCRYPT_MEMORY >> 30
        )));
    }
    let params =
        scrypt::Params::new(log_n, r, p).map_err(|_| not_aegis("bad scrypt parameters"))?;
    Ok((params, n * u64::from(r) * u64::from(p)))
}

fn unwrap_slot(
    slot: &Slot,
    params: &scrypt::Params,
    password: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let salt = hex(slot.salt.as_deref().unwrap_or_default())?;
    let mut derived = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(
        password.expose_secret().as_bytes(),
        &salt,
        params,
        derived.as_mut_slice(),
    )
    .map_err(|_| not_aegis("bad scrypt parameters"))?;
    open(derived.as_slice(), &slot.key_params, &hex(&slot.key)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::EntryKind;
    use crate::otp::OtpKind;

    fn fixture(name: &str) -> Vec<u8> {
        crate::import::test_fixture(&format!("aegis/{name}"))
    }

    fn kinds(plan: &Plan) -> Vec<OtpKind> {
        plan.entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Otp { otp } => otp.kind,
                _ => panic!("not an OTP entry"),
            })
            .collect()
    }

    #[test]
    fn plain_and_encrypted_exports_give_the_same_seven_entries() {
        let plain = parse(&fixture("aegis_plain.json"), None).unwrap();
        assert_eq!(plain.entries.len(), 7, "{:?}", plain.skipped);
        let titles: Vec<_> = plain.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Deno",
                "SPDX",
                "Airbnb",
                "Issuu",
                "Air Canada",
                "WWE",
                "Boeing"
            ]
        );
        assert_eq!(
            kinds(&plain)[3..],
            [
                OtpKind::Hotp { counter: 1 },
                OtpKind::Hotp { counter: 50 },
                OtpKind::Hotp { counter: 10300 },
                OtpKind::Steam
            ]
        );
        let encrypted = fixture("aegis_encrypted.json");
        assert!(is_encrypted(&encrypted));
        assert!(matches!(
            parse(&encrypted, None),
            Err(Error::PasswordNeeded)
        ));
        assert!(matches!(
            parse(&encrypted, Some(&SecretString::from("wrong"))),
            Err(Error::WrongPassword)
        ));
        let decrypted = parse(&encrypted, Some(&SecretString::from("test"))).unwrap();
        let uris = |p: &Plan| -> Vec<String> {
            p.entries
                .iter()
                .map(|e| match &e.kind {
                    EntryKind::Otp { otp } => otp.to_uri(),
                    _ => String::new(),
                })
                .collect()
        };
        assert_eq!(uris(&decrypted), uris(&plain));
    }

    #[test]
    fn other_files_are_refused_cleanly() {
        assert!(matches!(
            parse(b"{}", None),
            Err(Error::NotThisFormat { .. })
        ));
        assert!(matches!(
            parse(b"not json", None),
            Err(Error::NotThisFormat { .. })
        ));
    }

    /// An encrypted vault whose password slots have these scrypt costs (n, r, p).
    fn vault_with_slots(costs: &[(u64, u32, u32)]) -> Vec<u8> {
        let slots: Vec<String> = costs
            .iter()
            .map(|(n, r, p)| {
                format!(
                    r#"{{"type":1,"key":"00","key_params":{{"nonce":"00","tag":"00"}},"n":{n},"r":{r},"p":{p},"salt":"00"}}"#
                )
            })
            .collect();
        format!(
            r#"{{"header":{{"slots":[{}],"params":{{"nonce":"00","tag":"00"}}}},"db":"AAAA"}}"#,
            slots.join(",")
        )
        .into_bytes()
    }

    fn refusal(costs: &[(u64, u32, u32)]) -> String {
        let err = parse(&vault_with_slots(costs), Some(&SecretString::from("x"))).unwrap_err();
        assert!(matches!(err, Error::Unsupported(_)), "{err}");
        err.to_string()
    }

    #[test]
    fn costly_slots_are_refused_with_the_reason_before_any_derivation() {
        // One slot out of bounds (time, then memory).
        let e = refusal(&[(1 << 40, 8, 1)]);
        assert!(
            e.contains("scrypt cost too high to run (N = 1099511627776"),
            "{e}"
        );
        assert!(refusal(&[(1 << 20, 16, 1)]).contains("1 GiB of memory"));
        // Many slots each within bounds: their sum is what is bounded. Were any of them run,
        // this test would take hours.
        let e = refusal(&vec![(1 << 15, 8, 16); 100]);
        assert!(
            e.contains("100 password slots costing N·r·p = 419430400 in all, at most 16777216"),
            "{e}"
        );
        assert!(refusal(&[(1 << 20, 8, 2), (1 << 20, 8, 1)]).contains("2 password slots"));
        // Within the budget: tried, and a wrong password as before.
        let cheap = vault_with_slots(&[(1 << 4, 8, 1), (1 << 4, 8, 1)]);
        assert!(matches!(
            parse(&cheap, Some(&SecretString::from("x"))),
            Err(Error::WrongPassword)
        ));
    }
}
