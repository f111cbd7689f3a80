//! Cryptography: key derivation, AEAD, the key hierarchy and secret types. Nothing else in the
//! crate touches raw key bytes.

pub(crate) mod aead;
pub mod kdf;
mod keyed_hash;
pub(crate) mod keys;
pub mod secret;

pub(crate) use aead::AeadKey;
pub use kdf::KdfParams;
pub(crate) use keyed_hash::KeyedHash;
pub(crate) use keys::{MasterKey, Subkeys};
pub use secret::{SecretBytes, SecretString};

use ring::rand::{SecureRandom, SystemRandom};

/// Length of every symmetric key.
pub const KEY_LEN: usize = 32;

/// Errors of the crypto layer. Decryption failures are one opaque variant on purpose.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Authentication failed: wrong key, or the data or its associated data changed.
    #[error("decryption failed")]
    Decrypt,
    /// Key-derivation parameters outside what a workspace may ask for.
    #[error("key-derivation parameters out of bounds")]
    KdfOutOfBounds,
    /// Key-derivation parameters for a new workspace below the floor ([`kdf::FLOOR`]).
    #[error("key-derivation parameters below the minimum")]
    KdfBelowFloor,
    /// The system random source or a primitive failed.
    #[error("cryptographic failure")]
    Crypto,
}

/// Fills an array from the system's secure random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Crypto)?;
    Ok(out)
}

/// A uniformly random number below `bound` (rejection sampling, no modulo bias).
pub fn random_below(bound: u32) -> Result<u32, Error> {
    assert!(bound > 0, "random_below needs a positive bound");
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let v = u32::from_le_bytes(random_bytes()?);
        if v < zone {
            return Ok(v % bound);
        }
    }
}
