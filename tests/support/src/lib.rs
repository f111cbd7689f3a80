//! Real components that tests start for themselves: a Secret Service (`Keyring`), an SMTP
//! server (`SmtpServer`), TLS certificates for them, and Python venvs for tools from PyPI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod keyring;
mod smtp;
mod tls;
mod venv;

pub use keyring::Keyring;
pub use smtp::{SmtpSecurity, SmtpServer};
pub use tls::{certificates, Certificates};
pub use venv::venv;
