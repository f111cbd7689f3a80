//! SSH host keys: pinned in the entry as `TYPE BASE64` (a known-hosts line without its host),
//! handed to `ssh` through a private known-hosts file, and, for an entry with none, read from
//! the server with `ssh-keyscan` so a person can compare its fingerprint and pin it.

use super::program::SSH_KEYSCAN;
use super::Error;
pub use crate::entry::host_key::{HostKey, InvalidHostKey};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The name under which the pinned key is filed in the private known-hosts file (`ssh -o
/// HostKeyAlias=…`), whatever the host and port.
pub const ALIAS: &str = "portcullis-pinned-host";

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
    use data_encoding::BASE64;

    /// An Ed25519 host key and its fingerprint as `ssh-keygen -lf` prints it.
    const ED25519: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJf864ti/5ClNSbSOS92Nn6ObNgRsC2JRkhwPBtaoIn5";

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
