//! Duo as a second factor: request signing and the Auth API client.

pub mod client;
pub mod signing;

pub use client::{AuthStart, AuthStatus, Client, Device, Error, Factor, Preauth};
pub use signing::SigVersion;
