//! Real components that tests start for themselves: a Secret Service (`Keyring`), an SMTP
//! server (`SmtpServer`), TLS certificates for them, and Python venvs for tools from PyPI; and
//! `recovery_key_in`, which reads a device-binding recovery kit as its user would; and the
//! SQLite triggers of issue 13's attack (`SILENCE_MFA`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod keyring;
mod smtp;
mod tls;
mod venv;

pub use keyring::Keyring;
pub use smtp::{SmtpSecurity, SmtpServer};
pub use tls::{certificates, Certificates};
pub use venv::venv;

/// The recovery key printed in a device-binding recovery kit: the line of 13 dash-separated
/// groups of four.
pub fn recovery_key_in(kit: &str) -> String {
    kit.lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.matches('-').count() == 12)
        .expect("a recovery key line in the kit")
        .to_owned()
}

/// The two triggers of issue 13, planted with SQLite by someone who can write a workspace file
/// but knows no password: every write of the MFA record, and the manifest write of the same
/// transaction, silently do nothing, while entry writes still work.
pub const SILENCE_MFA: &str = "
    CREATE TRIGGER keep_mfa BEFORE UPDATE ON records WHEN OLD.collection = 'mfa' BEGIN
        INSERT OR REPLACE INTO meta (name, value) VALUES ('skip_manifest', x'01');
        SELECT RAISE(IGNORE);
    END;
    CREATE TRIGGER keep_manifest BEFORE UPDATE ON meta
    WHEN OLD.name = 'manifest' AND EXISTS (SELECT 1 FROM meta WHERE name = 'skip_manifest')
    BEGIN
        DELETE FROM meta WHERE name = 'skip_manifest';
        SELECT RAISE(IGNORE);
    END;";
