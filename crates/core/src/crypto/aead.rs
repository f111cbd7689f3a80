//! Authenticated encryption: AES-256-GCM (ring) with random 96-bit nonces.
//! A sealed value is `nonce (12) || ciphertext || tag (16)`.

use super::{random_bytes, Error};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::Zeroizing;

/// Bytes a sealed value adds to its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + 16;

/// An AEAD key. ring keeps the key schedule opaque; it never leaves this type.
pub struct AeadKey(LessSafeKey);

impl AeadKey {
    pub(crate) fn from_unbound(key: UnboundKey) -> Self {
        Self(LessSafeKey::new(key))
    }

    /// Builds a key from 32 raw bytes.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        UnboundKey::new(&AES_256_GCM, bytes)
            .map(Self::from_unbound)
            .map_err(|_| Error::Crypto)
    }

    /// Encrypts `plaintext` bound to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes()?;
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + 16);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(plaintext);
        let mut body = out.split_off(NONCE_LEN);
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(aad),
                &mut body,
            )
            .map_err(|_| Error::Crypto)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypts a sealed value; any change to it or to `aad` gives [`Error::Decrypt`].
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        if sealed.len() < OVERHEAD {
            return Err(Error::Decrypt);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Error::Decrypt)?;
        let mut buf = Zeroizing::new(body.to_vec());
        let len = self
            .0
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| Error::Decrypt)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

impl std::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AeadKey([redacted])")
    }
}

/// The algorithm every key of this module uses.
pub(crate) static ALGORITHM: &aead::Algorithm = &AES_256_GCM;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = AeadKey::from_bytes(&[7; 32]).unwrap();
        let sealed = key.seal(b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + OVERHEAD);
        assert_eq!(&**key.open(b"aad", &sealed).unwrap(), b"hello");
        assert!(matches!(key.open(b"other", &sealed), Err(Error::Decrypt)));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(key.open(b"aad", &bad).is_err(), "flip at {i} accepted");
        }
        assert!(key.open(b"aad", &sealed[..OVERHEAD - 1]).is_err());
    }

    #[test]
    fn nonces_differ() {
        let key = AeadKey::from_bytes(&[7; 32]).unwrap();
        assert_ne!(key.seal(b"", b"x").unwrap(), key.seal(b"", b"x").unwrap());
    }
}
