//! Duo request signing, as Duo's reference client does it: canonical parameters, the v2
//! (HMAC-SHA1 or HMAC-SHA512) and v5 (HMAC-SHA512 with body and X-Duo header hashes) canonical
//! strings, and the `Authorization: Basic` header.

use crate::crypto::SecretString;
use ring::{digest, hmac};

/// Signature schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigVersion {
    /// Canonical v2 string, HMAC-SHA512; form-encoded bodies.
    V2,
    /// Canonical v5 string (body and header hashes), HMAC-SHA512; JSON bodies. Duo's default.
    V5,
}

/// The HMAC of a v2 signature (v5 is always SHA-512).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// HMAC-SHA1 (the original Auth API documentation).
    Sha1,
    /// HMAC-SHA512.
    Sha512,
}

/// Percent-encodes every byte but `A–Z a–z 0–9 - _ . ~`, with upper-case hex.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&…` sorted by encoded key, then by encoded value.
pub fn canon_params(params: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Lower-case hex of SHA-512.
pub fn sha512_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA512, data).as_ref())
}

/// Hash of the X-Duo-* headers: names lower-cased, sorted, `name \0 value` joined by `\0`.
pub fn x_duo_headers_hash(headers: &[(&str, &str)]) -> String {
    let mut h: Vec<(String, &str)> = headers
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-duo-"))
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .collect();
    h.sort();
    let joined: Vec<String> = h.iter().map(|(k, v)| format!("{k}\0{v}")).collect();
    sha512_hex(joined.join("\0").as_bytes())
}

/// A request to sign.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// RFC 2822 date, exactly as sent.
    pub date: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// API hostname (lower-cased here, any `:port` removed).
    pub host: &'a str,
    /// Path without query.
    pub path: &'a str,
    /// Query parameters (v2: also the form body of a POST).
    pub params: &'a [(&'a str, &'a str)],
    /// Raw body (v5).
    pub body: &'a str,
    /// X-Duo-* headers sent (v5).
    pub x_duo_headers: &'a [(&'a str, &'a str)],
}

/// The API hostname as it is signed: lower case, no port.
pub fn signed_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_owned(),
        _ => host,
    }
}

/// The canonical string of a request.
pub fn canonical(req: &Request<'_>, version: SigVersion) -> String {
    let mut lines = vec![
        req.date.to_owned(),
        req.method.to_ascii_uppercase(),
        signed_host(req.host),
        req.path.to_owned(),
        canon_params(req.params),
    ];
    if version == SigVersion::V5 {
        lines.push(sha512_hex(req.body.as_bytes()));
        lines.push(x_duo_headers_hash(req.x_duo_headers));
    }
    lines.join("\n")
}

/// Lower-case hex HMAC of the canonical string.
pub fn signature(
    skey: &SecretString,
    req: &Request<'_>,
    version: SigVersion,
    digest: Digest,
) -> String {
    let algorithm = match (version, digest) {
        (SigVersion::V2, Digest::Sha1) => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        _ => hmac::HMAC_SHA512,
    };
    let key = hmac::Key::new(algorithm, skey.expose_secret().as_bytes());
    hex(hmac::sign(&key, canonical(req, version).as_bytes()).as_ref())
}

/// The `Authorization` header value: `Basic base64(ikey:signature)`.
pub fn authorization(
    ikey: &str,
    skey: &SecretString,
    req: &Request<'_>,
    version: SigVersion,
    digest: Digest,
) -> String {
    let sig = signature(skey, req, version, digest);
    format!(
        "Basic {}",
        data_encoding::BASE64.encode(format!("{ikey}:{sig}").as_bytes())
    )
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of tests/vectors/duo/vectors.txt, computed with Duo's reference client.
    fn vectors() -> String {
        let path = format!(
            "{}/../../tests/vectors/duo/vectors.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).expect("tests/vectors/duo/vectors.txt in the repository")
    }

    fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no vector line {prefix:?}"))
            .trim()
    }

    #[test]
    fn canonical_parameters() {
        let v = vectors();
        let cases: [(&[(&str, &str)], &str); 7] = [
            (&[("a", "x y")], "{'a': 'x y'} -> "),
            (&[("a", "x+y")], "{'a': 'x+y'} -> "),
            (&[("a", "~-._")], "{'a': '~-._'} -> "),
            (&[("a", "é")], "{'a': 'é'} -> "),
            (
                &[("b", "2"), ("b", "1"), ("a", "")],
                "{'b': ['2', '1'], 'a': ''} -> ",
            ),
            (
                &[("foo_bar", "2"), ("foo", "1")],
                "{'foo_bar': '2', 'foo': '1'} -> ",
            ),
            (&[("B", "1"), ("a", "2")], "{'B': '1', 'a': '2'} -> "),
        ];
        for (params, prefix) in cases {
            assert_eq!(canon_params(params), line_after(&v, prefix), "{prefix}");
        }
        let punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
        assert_eq!(
            canon_params(&[("p", punct)]),
            "p=%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~"
        );
        assert_eq!(
            canon_params(&[("w", "\t\n\x0b\x0c\r ")]),
            "w=%09%0A%0B%0C%0D%20"
        );
    }

    #[test]
    fn v2_docs_sample_sha1_and_sha512() {
        let v = vectors();
        let req = Request {
            date: "Tue, 21 Aug 2012 17:29:18 -0000",
            method: "POST",
            host: "api-XXXXXXXX.duosecurity.com",
            path: "/accounts/v1/account/list",
            params: &[("realname", "First Last"), ("username", "root")],
            body: "",
            x_duo_headers: &[],
        };
        let skey = SecretString::from("Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep");
        let ikey = "DIWJ8X6AEYOR5OMC6TQ1";
        for (digest, prefix) in [(Digest::Sha1, "sha1 "), (Digest::Sha512, "sha512 ")] {
            let want = line_after(&v, prefix);
            assert_eq!(
                format!("{ikey}:{}", signature(&skey, &req, SigVersion::V2, digest)),
                want
            );
        }
    }

    #[test]
    fn v5_vectors_with_x_duo_date() {
        let v = vectors();
        let date = "Fri, 24 May 2024 12:00:00 -0000";
        let skey = SecretString::from("test".repeat(10).as_str());
        let ikey = "DIABCDEFGHIJKLMNOPQR";
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case<'_>; 4] = [
            ("GET no params -> ", "GET", &[], ""),
            ("POST no params -> ", "POST", &[], "{}"),
            ("GET foo=bar -> ", "GET", &[("foo", "bar")], ""),
            ("POST {foo:bar} -> ", "POST", &[], "{\"foo\":\"bar\"}"),
        ];
        for (prefix, method, params, body) in cases {
            let req = Request {
                date,
                method,
                host: "api-xxxxxxxx.duosecurity.com",
                path: "/api/path",
                params,
                body,
                x_duo_headers: &[("x-duo-date", date)],
            };
            assert_eq!(
                authorization(ikey, &skey, &req, SigVersion::V5, Digest::Sha512),
                line_after(&v, prefix),
                "{prefix}"
            );
        }
    }

    #[test]
    fn v5_vault_request_and_header_hashes() {
        let v = vectors();
        let body =
            "{\"async\":\"1\",\"device\":\"auto\",\"factor\":\"push\",\"username\":\"alice\"}";
        assert_eq!(line_after(&v, "body: "), body);
        let req = Request {
            date: "Tue, 21 Aug 2012 17:29:18 -0000",
            method: "POST",
            host: "api-xxxxxxxx.duosecurity.com",
            path: "/auth/v2/auth",
            params: &[],
            body,
            x_duo_headers: &[],
        };
        let skey = SecretString::from("deadbeef".repeat(5).as_str());
        let auth = authorization(
            "DIXXXXXXXXXXXXXXXXXX",
            &skey,
            &req,
            SigVersion::V5,
            Digest::Sha512,
        );
        assert!(v.lines().any(|l| l == auth), "vault vector");
        let canon = canonical(&req, SigVersion::V5);
        assert!(
            v.contains(&format!("{canon:?}").replace('"', "'")),
            "canonical string"
        );
        let hashes: Vec<&str> = v
            .lines()
            .skip_while(|l| !l.starts_with("== D."))
            .skip(1)
            .take(3)
            .collect();
        assert_eq!(x_duo_headers_hash(&[]), hashes[0]);
        assert_eq!(
            x_duo_headers_hash(&[("X-Duo-Header-1", "header_value_1")]),
            hashes[1]
        );
        assert_eq!(
            x_duo_headers_hash(&[("x-duo-A", "header_value_1"), ("X-Duo-B", "header_value_2")]),
            hashes[2]
        );
    }

    #[test]
    fn host_is_lowercased_without_port() {
        assert_eq!(signed_host("API-X.Duo.com:8443"), "api-x.duo.com");
        assert_eq!(signed_host("localhost"), "localhost");
    }
}
