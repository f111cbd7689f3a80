//! Verifies request signatures the way Duo does: Basic credentials `ikey:hex-hmac`, a date from
//! X-Duo-Date or Date within the allowed skew, and a signature that matches the v5 (SHA-512),
//! v2 SHA-512 or v2 SHA-1 canonical string. Written apart from the client's signer on purpose:
//! the emulator is the oracle the client is tested against (and Duo's own Python client checks
//! the emulator).

use ring::{digest, hmac};
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

/// A refusal, with Duo's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Duo's five-digit code.
    pub code: u32,
    /// Duo's message.
    pub message: &'static str,
}

const fn refusal(code: u32, message: &'static str) -> Refusal {
    Refusal {
        status: 401,
        code,
        message,
    }
}

/// What the verifier needs from a request.
pub struct Signed<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path without query.
    pub path: &'a str,
    /// Raw query string (without `?`).
    pub query: &'a str,
    /// Raw body.
    pub body: &'a [u8],
    /// Whether the body is JSON (v5) rather than a form (v2).
    pub json_body: bool,
    /// Every header, name and value.
    pub headers: &'a [(String, String)],
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Decodes `a=b&c=d` (`+` as space), as Duo's server does before canonicalizing.
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn canon(params: &[(String, String)]) -> String {
    let mut p: Vec<(String, String)> = params.iter().map(|(k, v)| (pct(k), pct(v))).collect();
    p.sort();
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn sha512_hex(data: &[u8]) -> String {
    digest::digest(&digest::SHA512, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hmac_hex(alg: hmac::Algorithm, key: &str, msg: &str) -> String {
    hmac::sign(&hmac::Key::new(alg, key.as_bytes()), msg.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a request; `now` is the emulator's clock.
pub fn verify(
    req: &Signed<'_>,
    ikey: &str,
    skey: &str,
    host: &str,
    max_skew: i64,
    now: i64,
) -> Result<(), Refusal> {
    let auth = header(req.headers, "authorization")
        .ok_or(refusal(40101, "Missing request credentials"))?;
    let encoded = auth
        .strip_prefix("Basic ")
        .ok_or(refusal(40101, "Missing request credentials"))?;
    let decoded = data_encoding::BASE64
        .decode(encoded.trim().as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(refusal(40101, "Missing request credentials"))?;
    let (given_ikey, sig) = decoded
        .split_once(':')
        .ok_or(refusal(40101, "Missing request credentials"))?;
    if given_ikey != ikey {
        return Err(refusal(
            40102,
            "Invalid integration key in request credentials",
        ));
    }
    let date = header(req.headers, "x-duo-date")
        .or_else(|| header(req.headers, "date"))
        .ok_or(refusal(40104, "Missing request timestamp"))?;
    let when = OffsetDateTime::parse(date, &Rfc2822)
        .map_err(|_| refusal(40104, "Missing request timestamp"))?;
    if (when.unix_timestamp() - now).abs() > max_skew {
        return Err(refusal(40105, "Bad request timestamp"));
    }
    let method = req.method.to_ascii_uppercase();
    let body = String::from_utf8_lossy(req.body);
    let query = parse_form(req.query);
    let v2_params = if method == "POST" && !req.json_body {
        parse_form(&body)
    } else {
        query.clone()
    };
    let base = |params: &[(String, String)]| {
        format!("{date}\n{method}\n{host}\n{}\n{}", req.path, canon(params))
    };
    let mut x_duo: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-duo-"))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    x_duo.sort();
    let x_duo_joined: Vec<String> = x_duo.iter().map(|(k, v)| format!("{k}\0{v}")).collect();
    let v5 = format!(
        "{}\n{}\n{}",
        base(&query),
        sha512_hex(req.body),
        sha512_hex(x_duo_joined.join("\0").as_bytes())
    );
    let candidates = match sig.len() {
        40 => vec![hmac_hex(
            hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            skey,
            &base(&v2_params),
        )],
        128 => vec![
            hmac_hex(hmac::HMAC_SHA512, skey, &v5),
            hmac_hex(hmac::HMAC_SHA512, skey, &base(&v2_params)),
        ],
        _ => vec![],
    };
    // Constant-time comparison of each candidate.
    let ok = candidates
        .iter()
        .fold(false, |acc, c| acc | ring_eq(c.as_bytes(), sig.as_bytes()));
    if ok {
        Ok(())
    } else {
        Err(refusal(40103, "Invalid signature in request credentials"))
    }
}

fn ring_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const IKEY: &str = "DIEMULATOR0000000001";
    const SKEY: &str = "secret";

    fn headers(date: Option<&str>, sig: &str) -> Vec<(String, String)> {
        let mut h = vec![(
            "Authorization".to_owned(),
            format!(
                "Basic {}",
                data_encoding::BASE64.encode(format!("{IKEY}:{sig}").as_bytes())
            ),
        )];
        if let Some(d) = date {
            h.push(("Date".to_owned(), d.to_owned()));
        }
        h
    }

    fn check(headers: &[(String, String)], now: i64) -> Result<(), Refusal> {
        let req = Signed {
            method: "GET",
            path: "/auth/v2/check",
            query: "",
            body: b"",
            json_body: false,
            headers,
        };
        verify(&req, IKEY, SKEY, "localhost", 300, now)
    }

    #[test]
    fn dates_and_signatures_are_checked_with_duo_codes() {
        let date = "Tue, 21 Aug 2012 17:29:18 -0000";
        let now = 1_345_570_158;
        let canon = format!("{date}\nGET\nlocalhost\n/auth/v2/check\n");
        let sig = hmac_hex(hmac::HMAC_SHA512, SKEY, &canon);
        assert_eq!(check(&headers(Some(date), &sig), now), Ok(()));
        assert_eq!(check(&headers(None, &sig), now).unwrap_err().code, 40104);
        assert_eq!(
            check(&headers(Some("yesterday"), &sig), now)
                .unwrap_err()
                .code,
            40104
        );
        assert_eq!(
            check(&headers(Some(date), &sig), now + 301)
                .unwrap_err()
                .code,
            40105
        );
        assert_eq!(
            check(&headers(Some(date), &"0".repeat(128)), now)
                .unwrap_err()
                .code,
            40103
        );
        assert_eq!(check(&[], now).unwrap_err().code, 40101);
        let sha1 = hmac_hex(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, SKEY, &canon);
        assert_eq!(check(&headers(Some(date), &sha1), now), Ok(()));
    }
}
