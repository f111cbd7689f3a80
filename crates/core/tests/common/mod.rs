//! Helpers shared by the core's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use portcullis_core::clock::Clock;
use portcullis_core::otp::OtpParams;
use portcullis_core::workspace::{PendingMfa, Unlock};
use portcullis_core::{
    EntryKind, KdfParams, LockedWorkspace, Login, NewEntry, OpenWorkspace, Protocol, Remote,
    SecretString,
};
use std::path::Path;
use std::sync::Arc;

/// A code the authenticator `p` (30-second steps) does not give at `now`, nor a step before or
/// after (what a check accepts): wrong by construction, never right by chance.
pub fn wrong_totp_code(p: &OtpParams, now: i64) -> String {
    let accepted: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| p.code_at(*t as u64).code)
        .collect();
    test_support::wrong_code(&accepted)
}

/// Cheap parameters: tests exercise the format, not the cost.
pub fn cheap_kdf() -> KdfParams {
    KdfParams::new(1024, 1, 1).unwrap()
}

pub fn password() -> SecretString {
    SecretString::from("correct horse battery staple")
}

/// One entry of every kind.
pub fn sample_entries() -> Vec<NewEntry> {
    let mut login = NewEntry::new(
        "GitHub",
        EntryKind::Login(Login {
            username: "octocat".into(),
            password: "s3cret-pw".into(),
            url: "https://github.com".into(),
            otp: Some(
                OtpParams::parse("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP").unwrap(),
            ),
            ssh_key: None,
        }),
    );
    login.group = Some("Work/Dev".into());
    login.tags = vec!["code".into()];
    let otp = NewEntry::new(
        "Bank",
        EntryKind::Otp {
            otp: OtpParams::parse(
                "otpauth://totp/Bank:me?secret=GEZDGNBVGY3TQOJQ&algorithm=SHA512&digits=8&period=60",
            )
            .unwrap(),
        },
    );
    let mut note = NewEntry::new("Recovery", EntryKind::Note);
    note.notes = "the safe is behind the painting".into();
    let remote = NewEntry::new(
        "Jump host",
        EntryKind::Remote(Remote {
            protocol: Protocol::Ssh,
            host: "jump.example.org".into(),
            port: 2222,
            login: None,
            host_key: None,
            certificate: Default::default(),
        }),
    );
    vec![login, otp, note, remote]
}

/// A workspace at `path` holding the sample entries.
pub fn sample_workspace(path: &Path) -> OpenWorkspace {
    let mut ws = OpenWorkspace::create(path, &password(), cheap_kdf()).unwrap();
    ws.add_all(sample_entries()).unwrap();
    ws
}

/// Opens a workspace without MFA with the test password.
pub fn open_ws(path: impl AsRef<Path>) -> OpenWorkspace {
    LockedWorkspace::open(path)
        .unwrap()
        .unlock(&password())
        .unwrap()
        .into_open()
        .unwrap()
}

/// Unlocks `path` with the test password on `clock`; the second factor must still be pending.
pub fn pending_mfa(path: &Path, clock: Arc<dyn Clock>) -> PendingMfa {
    match LockedWorkspace::open(path)
        .unwrap()
        .with_clock(clock)
        .unlock(&password())
        .unwrap()
    {
        Unlock::PendingMfa(p) => p,
        Unlock::Open(_) => panic!("the password alone must not open: a factor is required"),
    }
}

/// The record id of the bucket holding an entry (format version 2): the first byte of
/// SHA-256 of the entry id, in lower-case hex. Written out here, as a reader of the format
/// would, rather than taken from the core.
pub fn bucket_of(entry_id: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, entry_id.as_bytes());
    format!("{:02x}", digest.as_ref()[0])
}
