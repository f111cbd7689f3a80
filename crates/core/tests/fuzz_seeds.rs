//! Writes the workspace seeds of the `workspace_open` fuzz target (fuzz/seeds/workspace_open):
//! a plain workspace and one with an authenticator and backup codes, both with the cheapest key
//! derivation (8 KiB, one pass) and the password `fuzz`, so the fuzzer reaches past the key.
//! Run by hand after a format change: `cargo test -p portcullis-core --test fuzz_seeds -- --ignored`.
//! The seeds of format version 1 (one record per entry) stay beside them as `*-v1.pcx`.
#![allow(clippy::unwrap_used)]

mod common;

use portcullis_core::otp::OtpParams;
use portcullis_core::Guarded;
use portcullis_core::{KdfParams, OpenWorkspace, SecretString};
use std::path::Path;

#[test]
#[ignore = "writes the committed fuzz seeds"]
fn write_workspace_seeds() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/workspace_open");
    std::fs::create_dir_all(&out).unwrap();
    let kdf = KdfParams::new(8, 1, 1).unwrap();
    let password = SecretString::from("fuzz");
    let dir = tempfile::tempdir().unwrap();

    let plain = dir.path().join("plain.pcx");
    let mut ws = OpenWorkspace::create(&plain, &password, kdf).unwrap();
    ws.add_all(common::sample_entries()).unwrap();
    drop(ws);

    let secured = dir.path().join("mfa.pcx");
    let mut ws = OpenWorkspace::create(&secured, &password, kdf).unwrap();
    ws.add_all(common::sample_entries()).unwrap();
    let enrolment = ws.begin_totp("phone").unwrap();
    let now = u64::try_from(ws.clock().now()).unwrap();
    let code = OtpParams::from_base32(enrolment.key.expose_secret())
        .unwrap()
        .code_at(now)
        .code;
    ws.confirm_totp(&code).unwrap();
    drop(ws);

    for (from, name) in [(plain, "plain.pcx"), (secured, "mfa.pcx")] {
        std::fs::copy(from, out.join(name)).unwrap();
    }
}
