//! Any bytes read as each password-free import format (otpauth lists, Google Authenticator
//! exports, Aegis, Bitwarden, 2FAS), and as KeePass without a password (its header check, which
//! runs before any key derivation): a plan or a clean error, never a panic. Seeds: the
//! committed ones plus the importer fixtures in tests/fixtures (scripts/fuzz adds them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::import::{self, Format};

fuzz_target!(|data: &[u8]| {
    for format in [
        Format::Otpauth,
        Format::GoogleMigration,
        Format::Aegis,
        Format::Bitwarden,
        Format::TwoFas,
        Format::Kdbx,
    ] {
        match import::read(format, data, None) {
            Ok(plan) => {
                for e in &plan.entries {
                    assert!(!e.title.trim().is_empty(), "{format:?} made an untitled entry");
                }
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});
