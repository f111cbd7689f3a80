//! Duo as a second factor: request signing, the Auth API client, and the method's runs.

pub mod client;
pub mod method;
pub mod signing;

pub use client::{AuthStart, AuthStatus, Client, Device, Error, Factor, Preauth};
pub use method::{default_factor, DuoMethod, DuoRequest, Failmode, Progress, RunError, Verdict};
pub use signing::SigVersion;
