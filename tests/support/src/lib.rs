//! Real components that tests start for themselves: a Secret Service (`Keyring`), an SMTP
//! server (`SmtpServer`), TLS certificates for them, and Python venvs for tools from PyPI; and
//! `recovery_key_in`, which reads a device-binding recovery kit as its user would.
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
