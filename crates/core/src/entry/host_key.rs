//! SSH host keys as an entry pins them: `TYPE BASE64`, the two words of a known-hosts line,
//! checked (a known type, Base64 of a key blob that names the same type).

use data_encoding::{BASE64, BASE64_NOPAD};
use std::fmt;

/// Why a text is not a host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an SSH host key: {0} (expected \"TYPE BASE64\", e.g. \"ssh-ed25519 AAAAC3Nza…\")")]
pub struct InvalidHostKey(&'static str);

/// The key types OpenSSH accepts as host keys (DSA is off in current OpenSSH).
const TYPES: [&str; 6] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
];

/// A host key: its type and its public key blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostKey {
    kind: &'static str,
    blob: Vec<u8>,
}

impl HostKey {
    /// Parses `TYPE BASE64` (blanks around are ignored): a known type, and Base64 of a key
    /// blob that names the same type.
    pub fn parse(text: &str) -> Result<Self, InvalidHostKey> {
        let mut parts = text.split_ascii_whitespace();
        let (Some(kind), Some(b64), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(InvalidHostKey("two words are needed"));
        };
        let kind = TYPES
            .iter()
            .copied()
            .find(|t| *t == kind)
            .ok_or(InvalidHostKey("unknown key type"))?;
        let blob = BASE64
            .decode(b64.as_bytes())
            .map_err(|_| InvalidHostKey("the key is not Base64"))?;
        // The blob starts with its type as an SSH string: a u32 length, then the name.
        let named = blob
            .get(..4)
            .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
            .and_then(|len| blob.get(4..4 + len));
        if named != Some(kind.as_bytes()) || blob.len() <= 4 + kind.len() {
            return Err(InvalidHostKey("the key does not match its type"));
        }
        Ok(Self { kind, blob })
    }

    /// The key type, such as `ssh-ed25519`.
    pub fn kind(&self) -> &str {
        self.kind
    }

    /// `SHA256:…`, as `ssh` and `ssh-keygen -l` show it.
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.blob);
        format!("SHA256:{}", BASE64_NOPAD.encode(digest.as_ref()))
    }

    /// The `HostKeyAlgorithms` that verify this key (an RSA key signs with SHA-2).
    pub fn algorithms(&self) -> &'static str {
        match self.kind {
            "ssh-rsa" => "rsa-sha2-512,rsa-sha2-256",
            other => other,
        }
    }

    /// How much to prefer this type when pinning one of several (higher first).
    pub(crate) fn preference(&self) -> usize {
        TYPES.len()
            - TYPES
                .iter()
                .position(|t| *t == self.kind)
                .unwrap_or(TYPES.len())
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, BASE64.encode(&self.blob))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Ed25519 host key and its fingerprint as `ssh-keygen -lf` prints it.
    const ED25519: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJf864ti/5ClNSbSOS92Nn6ObNgRsC2JRkhwPBtaoIn5";
    const ED25519_FP: &str = "SHA256:lYy07NB5eH21PLrJuNqD4dS4YKw+m90MsXNyM85YSrY";

    #[test]
    fn a_host_key_parses_prints_and_has_its_fingerprint() {
        let key = HostKey::parse(&format!("  {ED25519}  ")).unwrap();
        assert_eq!(key.kind(), "ssh-ed25519");
        assert_eq!(key.to_string(), ED25519);
        assert_eq!(key.fingerprint(), ED25519_FP);
        assert_eq!(key.algorithms(), "ssh-ed25519");
    }

    #[test]
    fn what_is_not_a_host_key_is_refused() {
        let b64 = ED25519.split(' ').nth(1).unwrap();
        for bad in [
            "",
            "ssh-ed25519",
            &format!("ssh-dss {b64}"),
            "ssh-ed25519 not*base64",
            &format!("ssh-rsa {b64}"),
            &format!("{ED25519} comment"),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",
        ] {
            assert!(HostKey::parse(bad).is_err(), "{bad}");
        }
    }
}
