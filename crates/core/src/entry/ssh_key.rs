//! SSH private keys as a login keeps them: OpenSSH's own format (`-----BEGIN OPENSSH PRIVATE
//! KEY-----`, the `openssh-key-v1` container `ssh-keygen` writes), without a passphrase (the
//! workspace's encryption protects it). The header is read, not the private part: it names the
//! public key, which `ssh` and `ssh-add -d` are given instead of the private one.

use crate::crypto::SecretString;
use data_encoding::{BASE64, BASE64_NOPAD};
use zeroize::Zeroizing;

/// The largest key text kept (an RSA key of 16384 bits is about 12 KiB).
pub const MAX_SSH_KEY_BYTES: usize = 64 * 1024;

const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END: &str = "-----END OPENSSH PRIVATE KEY-----";
const MAGIC: &[u8] = b"openssh-key-v1\0";

/// Why a text is not an SSH private key this build keeps. Carries no content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an OpenSSH private key: {0}")]
pub struct InvalidSshKey(&'static str);

/// A checked private key: its text and its public half.
#[derive(Clone, PartialEq, Eq)]
pub struct SshKey {
    text: SecretString,
    kind: String,
    public: Vec<u8>,
}

impl std::fmt::Debug for SshKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SshKey({} [redacted])", self.kind)
    }
}

impl SshKey {
    /// Parses the text of an OpenSSH private key file (blanks around are ignored): its
    /// armour, Base64, the `openssh-key-v1` header with one key, no passphrase (cipher
    /// `none`), and a public key that names its type.
    pub fn parse(text: &str) -> Result<Self, InvalidSshKey> {
        if text.len() > MAX_SSH_KEY_BYTES {
            return Err(InvalidSshKey("larger than 64 KiB"));
        }
        let text = text.trim();
        let body = text
            .strip_prefix(BEGIN)
            .and_then(|t| t.strip_suffix(END))
            .ok_or(InvalidSshKey(
                "expected the text of a key file written by ssh-keygen, from \
                 \"-----BEGIN OPENSSH PRIVATE KEY-----\" to \"-----END OPENSSH PRIVATE KEY-----\"",
            ))?;
        let b64: Zeroizing<String> =
            Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
        let raw = Zeroizing::new(
            BASE64
                .decode(b64.as_bytes())
                .map_err(|_| InvalidSshKey("the key is not Base64"))?,
        );
        let mut r = Reader(
            raw.strip_prefix(MAGIC)
                .ok_or(InvalidSshKey("not an openssh-key-v1 key"))?,
        );
        let bad = InvalidSshKey("its header is damaged");
        let cipher = r.string().ok_or(bad)?;
        let _kdf = r.string().ok_or(bad)?;
        let _kdf_options = r.string().ok_or(bad)?;
        let count = r.u32().ok_or(bad)?;
        let public = r.string().ok_or(bad)?.to_vec();
        let _private = r.string().ok_or(bad)?;
        if count != 1 {
            return Err(InvalidSshKey("the file holds more than one key"));
        }
        if cipher != b"none" {
            return Err(InvalidSshKey(
                "it is protected by a passphrase: remove the passphrase from a copy \
                 (ssh-keygen -p -N '' -f COPY) and keep that copy in the workspace, which encrypts it",
            ));
        }
        let kind = Reader(&public)
            .string()
            .and_then(|k| std::str::from_utf8(k).ok())
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(bad)?
            .to_owned();
        Ok(Self {
            text: SecretString::new(format!("{text}\n")),
            kind,
            public,
        })
    }

    /// The key file's text, as `ssh-add` reads it (trimmed, with a final line break).
    pub fn private(&self) -> &SecretString {
        &self.text
    }

    /// The key type, such as `ssh-ed25519`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The public key as a `.pub` file or `authorized_keys` holds it: `TYPE BASE64`.
    pub fn public(&self) -> String {
        format!("{} {}", self.kind, BASE64.encode(&self.public))
    }

    /// `SHA256:…`, as `ssh-add -l` and `ssh-keygen -l` show it.
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.public);
        format!("SHA256:{}", BASE64_NOPAD.encode(digest.as_ref()))
    }
}

/// SSH wire encoding: big-endian `u32`s and strings led by their `u32` length.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(s)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An Ed25519 key written by `ssh-keygen -t ed25519 -N '' -C test` for these tests only,
    /// its public half and fingerprint as `ssh-keygen -y` and `-l` print them.
    pub(crate) const ED25519: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDhSMVJH2bfapSXy66crzJSGcjKIasprS+tNx9te0MMuAAAAIid66/2neuv
9gAAAAtzc2gtZWQyNTUxOQAAACDhSMVJH2bfapSXy66crzJSGcjKIasprS+tNx9te0MMuA
AAAEA1YQa3KqIHFgDH8Gk/+dXSp5GMsfStQjS9GegM1Rj1veFIxUkfZt9qlJfLrpyvMlIZ
yMohqymtL603H217Qwy4AAAABHRlc3QB
-----END OPENSSH PRIVATE KEY-----
";
    const ED25519_PUB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOFIxUkfZt9qlJfLrpyvMlIZyMohqymtL603H217Qwy4";
    const ED25519_FP: &str = "SHA256:ndkBbntYBSLnRtLSaG7SheNyKmLOgPzmfKzXh7wn1yc";

    #[test]
    fn a_key_parses_and_names_its_public_half() {
        let key = SshKey::parse(&format!("\n  {ED25519}  \n")).unwrap();
        assert_eq!(key.kind(), "ssh-ed25519");
        assert_eq!(key.public(), ED25519_PUB);
        assert_eq!(key.fingerprint(), ED25519_FP);
        assert_eq!(key.private().expose_secret(), ED25519);
        assert!(!format!("{key:?}").contains("b3Bl"), "Debug hides it");
    }

    #[test]
    fn what_is_not_a_usable_key_is_refused() {
        let body: String = ED25519.lines().skip(1).take(5).collect();
        let encrypted = {
            // The same header with the cipher aes256-ctr: a passphrase-protected key.
            let mut raw = BASE64.decode(body.as_bytes()).unwrap();
            let at = MAGIC.len();
            raw.splice(at..at + 8, *b"\0\0\0\x0aaes256-ctr");
            format!("{BEGIN}\n{}\n{END}\n", BASE64.encode(&raw))
        };
        for (bad, why) in [
            ("", "armour"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
                "armour",
            ),
            (&format!("{BEGIN}\nnot*base64\n{END}"), "Base64"),
            (&format!("{BEGIN}\nAAAA\n{END}"), "openssh-key-v1"),
            (&format!("{BEGIN}\n{}\n{END}", &body[..40]), "damaged"),
            (&encrypted, "passphrase"),
            (&"x".repeat(MAX_SSH_KEY_BYTES + 1), "64 KiB"),
        ] {
            let err = SshKey::parse(bad).unwrap_err().to_string();
            let expected = match why {
                "armour" => "BEGIN OPENSSH PRIVATE KEY",
                other => other,
            };
            assert!(err.contains(expected), "{why}: {err}");
        }
    }
}
