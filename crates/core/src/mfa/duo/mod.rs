//! Duo as a second factor: request signing and the Auth API client.

pub mod signing;
