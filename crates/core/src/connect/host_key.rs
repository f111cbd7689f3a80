//! SSH host keys: pinned in the entry as `TYPE BASE64` (a known-hosts line without its host),
//! handed to `ssh` through a private known-hosts file, and, for an entry with none, read from
//! the server with `ssh-keyscan` so a person can compare its fingerprint and pin it.

use super::program::SSH_KEYSCAN;
use super::Error;
use data_encoding::{BASE64, BASE64_NOPAD};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The key types OpenSSH accepts as host keys (DSA is off in current OpenSSH).
const TYPES: [&str; 6] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
];

/// The name under which the pinned key is filed in the private known-hosts file (`ssh -o
/// HostKeyAlias=…`), whatever the host and port.
pub const ALIAS: &str = "portcullis-pinned-host";

/// A host key: its type and its public key blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostKey {
    kind: &'static str,
    blob: Vec<u8>,
}

impl HostKey {
    /// Parses `TYPE BASE64` (blanks around are ignored): a known type, and Base64 of a key
    /// blob that names the same type.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut parts = text.split_ascii_whitespace();
        let (Some(kind), Some(b64), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::HostKey("two words are needed"));
        };
        let kind = TYPES
            .iter()
            .copied()
            .find(|t| *t == kind)
            .ok_or(Error::HostKey("unknown key type"))?;
        let blob = BASE64
            .decode(b64.as_bytes())
            .map_err(|_| Error::HostKey("the key is not Base64"))?;
        // The blob starts with its type as an SSH string: a u32 length, then the name.
        let named = blob
            .get(..4)
            .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
            .and_then(|len| blob.get(4..4 + len));
        if named != Some(kind.as_bytes()) || blob.len() <= 4 + kind.len() {
            return Err(Error::HostKey("the key does not match its type"));
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
    fn preference(&self) -> usize {
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

/// Writes the private known-hosts file `known_hosts` in `dir` (an owner-only folder): the one
/// pinned key, filed under [`ALIAS`].
pub fn write_known_hosts(dir: &Path, key: &HostKey) -> Result<PathBuf, Error> {
    let path = dir.join("known_hosts");
    crate::secret_file::write_new(&path, format!("{ALIAS} {key}\n").as_bytes())
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(path)
}

/// The host keys a server presents, read with `ssh-keyscan` (at most `timeout_s` seconds),
/// the preferred type first. Nothing is trusted here: a person compares the fingerprint.
pub fn scan(host: &str, port: u16, timeout_s: u32) -> Result<Vec<HostKey>, Error> {
    super::ssh::check_host(host)?;
    let program = SSH_KEYSCAN.find()?;
    let out = Command::new(program)
        .args([
            "-T",
            &timeout_s.to_string(),
            "-p",
            &port.to_string(),
            "--",
            host,
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()?;
    let keys = parse_scan(&String::from_utf8_lossy(&out.stdout));
    if keys.is_empty() {
        return Err(Error::NoHostKey(format!("{host}:{port}")));
    }
    Ok(keys)
}

/// The keys in `ssh-keyscan`'s output (`HOST TYPE BASE64` lines, `#` comments), the
/// preferred type first, each once.
pub fn parse_scan(output: &str) -> Vec<HostKey> {
    let mut keys: Vec<HostKey> = output
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' ').map(|(_, key)| key))
        .filter_map(|key| HostKey::parse(key).ok())
        .collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.preference()));
    keys.dedup();
    keys
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

    #[test]
    fn a_scan_lists_the_preferred_type_first() {
        let rsa_blob = {
            let mut b = vec![0, 0, 0, 7];
            b.extend_from_slice(b"ssh-rsa");
            b.extend_from_slice(&[0, 0, 0, 1, 3]);
            BASE64.encode(&b)
        };
        let out = format!(
            "# 127.0.0.1:22 SSH-2.0-OpenSSH\n[127.0.0.1]:2222 ssh-rsa {rsa_blob}\n\
             [127.0.0.1]:2222 {ED25519}\n[127.0.0.1]:2222 {ED25519}\nnoise\n"
        );
        let keys = parse_scan(&out);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].kind(), "ssh-ed25519");
        assert_eq!(keys[1].algorithms(), "rsa-sha2-512,rsa-sha2-256");
    }

    #[test]
    fn the_known_hosts_file_is_owner_only_and_files_the_key_under_the_alias() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = HostKey::parse(ED25519).unwrap();
        let path = write_known_hosts(dir.path(), &key).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{ALIAS} {ED25519}\n")
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
