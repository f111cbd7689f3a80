//! The 100,000-entry workspace of `e2e_large` and the timing benchmark: every tenth entry a
//! TOTP generator with a key of its own, the others logins, spread over 20 groups of two levels.

use portcullis_core::otp::OtpParams;
use portcullis_core::{EntryKind, KdfParams, Login, NewEntry, OpenWorkspace, SecretString};
use std::path::Path;
use std::time::Instant;

/// How many entries.
pub const ENTRIES: usize = 100_000;

/// The TOTP key of entry `i`: distinct for every entry, so a code from the wrong entry fails.
pub fn key_of(i: usize) -> String {
    let mut bytes = b"pcx-large-".to_vec();
    bytes.extend_from_slice(&(i as u64).to_be_bytes());
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

/// The title of entry `i`.
pub fn title_of(i: usize) -> String {
    if i.is_multiple_of(10) {
        format!("Token {i:06}")
    } else {
        format!("Service {i:06}")
    }
}

/// Entry `i`.
pub fn entry(i: usize) -> NewEntry {
    let kind = if i.is_multiple_of(10) {
        EntryKind::Otp {
            otp: OtpParams::from_base32(&key_of(i)).unwrap(),
        }
    } else {
        EntryKind::Login(Login {
            username: format!("user{i}@example.org"),
            password: SecretString::new(format!("pw-{i}-secret")),
            url: format!("https://service{i}.example.org/login"),
            otp: None,
            ssh_key: None,
        })
    };
    let mut e = NewEntry::new(title_of(i), kind);
    e.group = Some(format!("Team {}/Area {}", i % 5, i % 4));
    e
}

/// Writes the workspace at `path` through the core, one transaction per 10,000 entries, and
/// answers it open.
pub fn build(path: &Path, password: &str, kdf: KdfParams) -> OpenWorkspace {
    let started = Instant::now();
    let mut ws = OpenWorkspace::create(path, &SecretString::new(password.into()), kdf).unwrap();
    for chunk in (0..ENTRIES).collect::<Vec<_>>().chunks(10_000) {
        ws.add_all(chunk.iter().map(|&i| entry(i)).collect())
            .unwrap();
    }
    eprintln!(
        "built {ENTRIES} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ws
}
