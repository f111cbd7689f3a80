//! One-time-password generators: parameters parsed from an otpauth URI or a bare Base32 key,
//! and codes computed with totp-rs at a given time.

use crate::crypto::SecretBytes;
use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};
use std::fmt;
use url::Url;
use zeroize::Zeroizing;

pub(crate) mod sealed;

/// Why an otpauth URI or a key was refused. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not an `otpauth://` URI.
    #[error("not an otpauth URI")]
    NotOtpauth,
    /// An OTP type other than totp, hotp and steam.
    #[error("unsupported OTP type `{0}` (totp, hotp or steam)")]
    UnsupportedType(String),
    /// An HOTP URI without a usable `counter`.
    #[error("an HOTP URI needs a counter (a whole number), not {0}")]
    BadCounter(String),
    /// The URI has no `secret` parameter, or the key is empty.
    #[error("no secret in the otpauth URI")]
    MissingSecret,
    /// The secret is not valid Base32.
    #[error("the secret is not valid Base32")]
    BadBase32,
    /// The secret decodes to nothing (a single Base32 character holds less than a byte).
    #[error("the secret is too short")]
    SecretTooShort,
    /// `algorithm` is not SHA1, SHA256 or SHA512.
    #[error("unknown algorithm `{0}` (SHA1, SHA256 or SHA512)")]
    UnknownAlgorithm(String),
    /// `digits` outside 6..=8 (Steam: 5).
    #[error("digits must be 6, 7 or 8 (5 for Steam), not {0}")]
    DigitsOutOfRange(String),
    /// `period` is not a positive number of seconds.
    #[error("period must be a positive number of seconds, not {0}")]
    BadPeriod(String),
}

/// The HMAC algorithm of a generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    /// HMAC-SHA1, what every authenticator app supports.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    fn parse(s: &str) -> Result<Self, Error> {
        match s.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Self::Sha1),
            "SHA256" => Ok(Self::Sha256),
            "SHA512" => Ok(Self::Sha512),
            _ => Err(Error::UnknownAlgorithm(s.chars().take(16).collect())),
        }
    }

    /// The name used in otpauth URIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What drives a generator's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OtpKind {
    /// Time-based (RFC 6238).
    #[default]
    Totp,
    /// Counter-based (RFC 4226). `counter` is the next one to use; it advances each time a
    /// code is taken.
    Hotp {
        /// The next counter value.
        counter: u64,
    },
    /// Steam Guard: time-based, SHA1, shown as five characters of Steam's alphabet.
    Steam,
}

/// Steam Guard codes are this long.
pub const STEAM_DIGITS: u8 = 5;

/// An OTP generator: TOTP, HOTP or Steam. Holds its key: it implements no serde trait (its
/// record form is private to the core, see `otp::sealed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtpParams {
    /// Time, counter or Steam (absent in records written before HOTP: time).
    pub kind: OtpKind,
    secret: SecretBytes,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Code length, 6 to 8.
    pub digits: u8,
    /// Step in seconds.
    pub period: u64,
    /// The service, from the `issuer` parameter or the label prefix.
    pub issuer: Option<String>,
    /// The account, from the label.
    pub account: Option<String>,
}

/// Writing the JSON form is left to tests: entries are written packed
/// ([`sealed::Packed`]).
#[cfg_attr(not(test), allow(dead_code))]
fn is_totp(kind: &OtpKind) -> bool {
    *kind == OtpKind::Totp
}

/// A code and how long it stays current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpCode {
    /// The digits.
    pub code: String,
    /// Seconds until the next code (0 for HOTP: a code stays until it is used).
    pub seconds_left: u64,
    /// The generator's period (0 for HOTP).
    pub period: u64,
}

impl OtpParams {
    /// Parses an `otpauth://totp/…` URI, or a bare Base32 key (SHA1, 6 digits, 30 s).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let input = input.trim();
        if is_otpauth_uri(input) {
            Self::parse_uri(input)
        } else {
            Self::from_base32(input)
        }
    }

    /// A SHA1 / 6 digits / 30 s generator for a Base32 key (spaces, dashes and padding allowed).
    pub fn from_base32(key: &str) -> Result<Self, Error> {
        Ok(Self {
            kind: OtpKind::Totp,
            secret: decode_base32(key)?,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            issuer: None,
            account: None,
        })
    }

    /// A generator with explicit parameters.
    pub fn new(
        secret: SecretBytes,
        algorithm: Algorithm,
        digits: u8,
        period: u64,
    ) -> Result<Self, Error> {
        if secret.is_empty() {
            return Err(Error::MissingSecret);
        }
        if !(6..=8).contains(&digits) {
            return Err(Error::DigitsOutOfRange(digits.to_string()));
        }
        if period == 0 {
            return Err(Error::BadPeriod("0".into()));
        }
        Ok(Self {
            kind: OtpKind::Totp,
            secret,
            algorithm,
            digits,
            period,
            issuer: None,
            account: None,
        })
    }

    /// An HOTP generator whose next counter is `counter`.
    pub fn new_hotp(
        secret: SecretBytes,
        algorithm: Algorithm,
        digits: u8,
        counter: u64,
    ) -> Result<Self, Error> {
        let mut params = Self::new(secret, algorithm, digits, 30)?;
        params.kind = OtpKind::Hotp { counter };
        Ok(params)
    }

    /// A Steam Guard generator (SHA1, 30 s, five characters).
    pub fn new_steam(secret: SecretBytes) -> Result<Self, Error> {
        let mut params = Self::new(secret, Algorithm::Sha1, 6, 30)?;
        params.kind = OtpKind::Steam;
        params.digits = STEAM_DIGITS;
        Ok(params)
    }

    /// The secret's bytes (to export it, or to tell two generators apart).
    pub fn secret(&self) -> &[u8] {
        self.secret.expose_secret()
    }

    /// Whether codes come from a counter rather than the clock.
    pub fn is_hotp(&self) -> bool {
        matches!(self.kind, OtpKind::Hotp { .. })
    }

    fn parse_uri(input: &str) -> Result<Self, Error> {
        let url = Url::parse(input).map_err(|_| Error::NotOtpauth)?;
        if url.scheme() != "otpauth" {
            return Err(Error::NotOtpauth);
        }
        let kind = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if !matches!(kind.as_str(), "totp" | "hotp" | "steam") {
            return Err(Error::UnsupportedType(short(&kind)));
        }
        let (mut secret, mut algorithm, mut digits, mut period, mut issuer) =
            (None, Algorithm::Sha1, None, 30u64, None);
        let (mut counter, mut steam) = (None, kind == "steam");
        for (name, value) in url.query_pairs() {
            match name.to_ascii_lowercase().as_str() {
                "secret" => secret = Some(decode_base32(&Zeroizing::new(value.into_owned()))?),
                "algorithm" => algorithm = Algorithm::parse(&value)?,
                "digits" => {
                    digits = Some(
                        value
                            .parse::<u8>()
                            .map_err(|_| Error::DigitsOutOfRange(short(&value)))?,
                    )
                }
                "period" => {
                    period = value
                        .parse()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| Error::BadPeriod(short(&value)))?
                }
                "counter" => {
                    counter = Some(
                        value
                            .parse::<u64>()
                            .map_err(|_| Error::BadCounter(short(&value)))?,
                    )
                }
                // KeePassXC and others mark Steam as a totp URI with `encoder=steam`.
                "encoder" => steam |= value.eq_ignore_ascii_case("steam"),
                "issuer" => issuer = Some(value.into_owned()),
                _ => {}
            }
        }
        let secret = secret.ok_or(Error::MissingSecret)?;
        let mut params = match (kind.as_str(), steam) {
            ("hotp", _) => Self::new_hotp(
                secret,
                algorithm,
                digits.unwrap_or(6),
                counter.ok_or_else(|| Error::BadCounter("none".into()))?,
            )?,
            // Steam's digits are its own: any `digits` given (often 5) is not checked.
            (_, true) => Self::new_steam(secret)?,
            _ => Self::new(secret, algorithm, digits.unwrap_or(6), period)?,
        };
        // The label is `issuer:account` (the colon possibly encoded). When the issuer
        // parameter is given and prefixes the label, it says where the account starts, even
        // if the issuer itself holds a colon.
        let label = percent_decode(url.path().trim_start_matches('/'));
        let issuer_prefix = issuer
            .as_deref()
            .filter(|i| !i.is_empty())
            .and_then(|i| label.strip_prefix(i))
            .and_then(|rest| rest.strip_prefix(':'));
        let (label_issuer, account) = match (issuer_prefix, label.split_once(':')) {
            (Some(account), _) => (None, account.trim().to_owned()),
            (None, Some((issuer, account))) => {
                (Some(issuer.trim().to_owned()), account.trim().to_owned())
            }
            (None, None) => (None, label.trim().to_owned()),
        };
        params.issuer = issuer.or(label_issuer).filter(|s| !s.is_empty());
        params.account = Some(account).filter(|s| !s.is_empty());
        Ok(params)
    }

    /// The code at `unix_time` (seconds). For HOTP: the code of the next counter, without
    /// taking it (see [`take_hotp`](Self::take_hotp)).
    pub fn code_at(&self, unix_time: u64) -> OtpCode {
        match self.kind {
            OtpKind::Hotp { counter } => OtpCode {
                code: self.hotp_code(counter),
                seconds_left: 0,
                period: 0,
            },
            OtpKind::Totp | OtpKind::Steam => OtpCode {
                code: self.generator(self.period).generate(unix_time).to_string(),
                seconds_left: self.period - unix_time % self.period,
                period: self.period,
            },
        }
    }

    /// The HOTP code of `counter` (RFC 4226).
    pub fn hotp_code(&self, counter: u64) -> String {
        // HOTP is TOTP with a one-second step counted from zero: T = counter.
        self.generator(1).generate(counter).to_string()
    }

    /// For HOTP: the code of the next counter, which then advances (the caller saves it).
    /// `None` for time-based generators.
    pub fn take_hotp(&mut self) -> Option<String> {
        let OtpKind::Hotp { counter } = self.kind else {
            return None;
        };
        let code = self.hotp_code(counter);
        self.kind = OtpKind::Hotp {
            counter: counter.saturating_add(1),
        };
        Some(code)
    }

    fn generator(&self, step: u64) -> totp_rs::Totp {
        let algorithm = match (self.kind, self.algorithm) {
            (OtpKind::Steam, _) => totp_rs::Algorithm::Steam,
            (_, Algorithm::Sha1) => totp_rs::Algorithm::SHA1,
            (_, Algorithm::Sha256) => totp_rs::Algorithm::SHA256,
            (_, Algorithm::Sha512) => totp_rs::Algorithm::SHA512,
        };
        // Parameters were validated on construction; noncompliant only allows short keys,
        // which many services still issue.
        totp_rs::Builder::new()
            .with_algorithm(algorithm)
            .with_digits(self.digits)
            .with_step_duration(step)
            .with_secret(self.secret.expose_secret().to_vec())
            .build_noncompliant()
    }

    /// The otpauth URI, secret included: for `--reveal` and exports only.
    pub fn to_uri(&self) -> String {
        // Spaces as %20: a `+` in the label is a plus sign (form encoding writes a space as `+`
        // and a plus as `%2B`, so every `+` it writes is a space).
        let enc = |s: &str| {
            url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        let label = match (&self.issuer, &self.account) {
            (Some(i), Some(a)) => format!("{}:{}", enc(i), enc(a)),
            // The colon says the label holds no account.
            (Some(i), None) => format!("{}:", enc(i)),
            // An empty issuer keeps a colon in the account from reading as a separator, and an
            // account of dots from reading as a `.` or `..` path segment.
            (None, Some(a)) if a.contains(':') || a.trim_matches('.').is_empty() => {
                format!(":{}", enc(a))
            }
            (None, Some(a)) => enc(a),
            (None, None) => String::new(),
        };
        let secret = BASE32_NOPAD.encode(self.secret.expose_secret());
        let (algorithm, digits, period) = (self.algorithm, self.digits, self.period);
        let mut uri = match self.kind {
            OtpKind::Totp => format!(
                "otpauth://totp/{label}?secret={secret}&algorithm={algorithm}&digits={digits}&period={period}"
            ),
            OtpKind::Hotp { counter } => format!(
                "otpauth://hotp/{label}?secret={secret}&algorithm={algorithm}&digits={digits}&counter={counter}"
            ),
            OtpKind::Steam => format!(
                "otpauth://totp/{label}?secret={secret}&algorithm=SHA1&digits=5&period=30&encoder=steam"
            ),
        };
        if let Some(i) = &self.issuer {
            uri.push_str("&issuer=");
            uri.push_str(&enc(i));
        }
        uri
    }
}

/// Whether `text` starts with `otpauth://` (any case).
pub fn is_otpauth_uri(text: &str) -> bool {
    text.as_bytes()
        .get(..10)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"otpauth://"))
}

fn short(value: &str) -> String {
    value.chars().take(16).collect()
}

pub(crate) fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Base32 that, like authenticator apps, ignores the unused bits of a key's last character
/// (`…AQZ` and `…AQY` decode alike) instead of refusing it.
fn lenient_base32() -> &'static data_encoding::Encoding {
    static ENCODING: std::sync::OnceLock<data_encoding::Encoding> = std::sync::OnceLock::new();
    ENCODING.get_or_init(|| {
        let mut spec = data_encoding::Specification::new();
        spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        spec.check_trailing_bits = false;
        spec.encoding().unwrap_or_else(|_| BASE32_NOPAD.clone())
    })
}

fn decode_base32(key: &str) -> Result<SecretBytes, Error> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        key.chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    if cleaned.is_empty() {
        return Err(Error::MissingSecret);
    }
    if !cleaned
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    {
        return Err(Error::BadBase32);
    }
    // Base32 keys whose last group is incomplete are common; drop the dangling bits like
    // authenticator apps do.
    let usable = match cleaned.len() % 8 {
        1 | 3 | 6 => cleaned.len() - 1,
        _ => cleaned.len(),
    };
    let secret = lenient_base32()
        .decode(&cleaned.as_bytes()[..usable])
        .map_err(|_| Error::BadBase32)?;
    if secret.is_empty() {
        return Err(Error::SecretTooShort);
    }
    Ok(SecretBytes::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors(name: &str) -> String {
        let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).expect("tests/vectors in the repository")
    }

    #[test]
    fn rfc6238_vectors() {
        let text = vectors("rfc6238.csv");
        let seed = |alg| match alg {
            Algorithm::Sha1 => b"12345678901234567890".to_vec(),
            Algorithm::Sha256 => b"12345678901234567890123456789012".to_vec(),
            Algorithm::Sha512 => {
                b"1234567890123456789012345678901234567890123456789012345678901234".to_vec()
            }
        };
        let mut n = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("unix"))
        {
            let f: Vec<&str> = line.split(',').collect();
            let alg = Algorithm::parse(f[1]).unwrap();
            let p = OtpParams::new(SecretBytes::new(seed(alg)), alg, 8, 30).unwrap();
            assert_eq!(p.code_at(f[0].parse().unwrap()).code, f[2], "{line}");
            n += 1;
        }
        assert_eq!(n, 18);
    }

    #[test]
    fn rfc4226_hotp_vectors_and_the_counter_advances() {
        let text = vectors("rfc4226.csv");
        let mut p = OtpParams::new_hotp(
            SecretBytes::new(b"12345678901234567890".to_vec()),
            Algorithm::Sha1,
            6,
            0,
        )
        .unwrap();
        let mut n = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("counter"))
        {
            let (counter, code) = line.split_once(',').unwrap();
            assert_eq!(p.hotp_code(counter.parse().unwrap()), code);
            assert_eq!(p.code_at(0).code, code, "the next code, not taken");
            assert_eq!(p.take_hotp().as_deref(), Some(code));
            n += 1;
        }
        assert_eq!(p.kind, OtpKind::Hotp { counter: 10 });
        assert_eq!(n, 10);
    }

    #[test]
    fn parses_full_uri_and_round_trips() {
        let uri = "otpauth://totp/ACME%20Co:john@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60";
        let p = OtpParams::parse(uri).unwrap();
        assert_eq!(p.algorithm, Algorithm::Sha256);
        assert_eq!((p.digits, p.period), (8, 60));
        assert_eq!(p.issuer.as_deref(), Some("ACME Co"));
        assert_eq!(p.account.as_deref(), Some("john@example.com"));
        assert_eq!(OtpParams::parse(&p.to_uri()).unwrap(), p);
        let c = p.code_at(120);
        assert_eq!((c.code.len(), c.seconds_left), (8, 60));
    }

    /// Found by the otpauth_uri fuzz target: colons and spaces inside the issuer or the account.
    #[test]
    fn colons_in_issuer_or_account_survive_the_round_trip() {
        let uri = "otpauth://totp/Ex%3Ao:a%3Ab?secret=JBSWY3DPEHPK3PXP&issuer=Ex:o";
        let p = OtpParams::parse(uri).unwrap();
        assert_eq!(p.issuer.as_deref(), Some("Ex:o"));
        assert_eq!(p.account.as_deref(), Some("a:b"));
        assert_eq!(OtpParams::parse(&p.to_uri()).unwrap(), p);
        let spaced = OtpParams::parse("otpauth://totp/A B:c+d e?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(spaced.account.as_deref(), Some("c+d e"));
        assert_eq!(OtpParams::parse(&spaced.to_uri()).unwrap(), spaced);
        let no_account =
            OtpParams::parse("otpauth://totp/Git:?secret=JBSWY3DPEHPK3PXP&issuer=Hub").unwrap();
        assert_eq!(no_account.account, None);
        assert_eq!(OtpParams::parse(&no_account.to_uri()).unwrap(), no_account);
        let dots = OtpParams::parse("otpauth://totp/:..?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(dots.account.as_deref(), Some(".."));
        assert_eq!(OtpParams::parse(&dots.to_uri()).unwrap(), dots);
        let no_issuer = OtpParams::parse("otpauth://totp/:a:b?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(no_issuer.issuer, None);
        assert_eq!(no_issuer.account.as_deref(), Some("a:b"));
        assert_eq!(OtpParams::parse(&no_issuer.to_uri()).unwrap(), no_issuer);
    }

    #[test]
    fn bare_keys_accept_spacing_and_lowercase() {
        let a = OtpParams::parse("jbsw y3dp ehpk 3pxp").unwrap();
        let b = OtpParams::parse("JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.code_at(59).seconds_left, 1);
        // Unused bits in the last character are ignored, as authenticator apps do.
        let loose = OtpParams::parse("ENTRYOTPSECRETAAQZ").unwrap();
        assert_eq!(loose, OtpParams::parse("ENTRYOTPSECRETAAQY").unwrap());
    }

    #[test]
    fn malformed_uris_say_why() {
        use Error::*;
        let cases = [
            ("otpauth://totp/x?issuer=a", MissingSecret),
            ("otpauth://totp/x?secret=1!!", BadBase32),
            // Found by the otpauth_uri fuzz target: one character decodes to no byte at all.
            ("B", SecretTooShort),
            ("otpauth://totp/x?secret=A", SecretTooShort),
            // A dangling last character is dropped only when it is Base32.
            ("JBSWY3DP!", BadBase32),
            // Found by the fuzzer too: a multi-byte character across the scheme's length.
            ("o-D\0\0TQO\u{28eb}EHGNBV", BadBase32),
            (
                "otpauth://totp/x?secret=JBSWY3DP&algorithm=MD5",
                UnknownAlgorithm("MD5".into()),
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DP&digits=9",
                DigitsOutOfRange("9".into()),
            ),
            (
                "otpauth://totp/x?secret=JBSWY3DP&period=0",
                BadPeriod("0".into()),
            ),
            (
                "otpauth://hotp/x?secret=JBSWY3DP",
                BadCounter("none".into()),
            ),
            (
                "otpauth://hotp/x?secret=JBSWY3DP&counter=-1",
                BadCounter("-1".into()),
            ),
            (
                "otpauth://yubikey/x?secret=JBSWY3DP",
                UnsupportedType("yubikey".into()),
            ),
            ("", MissingSecret),
        ];
        for (uri, want) in cases {
            assert_eq!(OtpParams::parse(uri).unwrap_err(), want, "{uri}");
        }
        let err = OtpParams::parse("otpauth://totp/x?secret=SECRETKEY1&digits=12").unwrap_err();
        assert!(!err.to_string().contains("SECRETKEY1"));
    }

    /// Published Steam Guard vectors: KeePassXC's TestTotp.cpp (a 20-byte secret at two times)
    /// and the all-zero secret at steps 0 and 1.
    #[test]
    fn steam_vectors() {
        let p = OtpParams::parse(
            "otpauth://totp/Steam:me?secret=63BEDWCQZKTQWPESARIERL5DTTQFCJTK&encoder=steam",
        )
        .unwrap();
        assert_eq!(p.kind, OtpKind::Steam);
        assert_eq!(p.code_at(1_511_200_518).code, "FR8RV");
        assert_eq!(p.code_at(1_511_200_714).code, "9P3VP");
        let zero = OtpParams::new_steam(SecretBytes::new(vec![0; 20])).unwrap();
        assert_eq!(zero.code_at(0).code, "RYH4D");
        assert_eq!(zero.code_at(30).code, "DR2DK");
        // Aegis writes otpauth://steam/ with digits=5; both forms round-trip.
        let aegis = OtpParams::parse(
            "otpauth://steam/Boeing:Sophia?secret=JRZCL47CMXVOQMNPZR2F7J4RGI&issuer=Boeing&algorithm=SHA1&digits=5&period=30",
        )
        .unwrap();
        assert_eq!((aegis.kind, aegis.digits), (OtpKind::Steam, 5));
        assert_eq!(OtpParams::parse(&aegis.to_uri()).unwrap(), aegis);
    }

    #[test]
    fn hotp_uris_round_trip_with_their_counter() {
        let p = OtpParams::parse(
            "otpauth://hotp/WWE:Mason?secret=5VAML3X35THCEBVRLV24CGBKOY&issuer=WWE&algorithm=SHA512&digits=8&counter=10300",
        )
        .unwrap();
        assert_eq!(p.kind, OtpKind::Hotp { counter: 10300 });
        assert_eq!((p.algorithm, p.digits), (Algorithm::Sha512, 8));
        assert!(p.to_uri().contains("&counter=10300"));
        assert_eq!(OtpParams::parse(&p.to_uri()).unwrap(), p);
    }
}
