//! Authenticated encryption: AES-256-GCM (ring) with random 96-bit nonces.
//! A sealed value is `nonce (12) || ciphertext || tag (16)`.

use super::{random_bytes, Error, KEY_LEN};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Bytes a sealed value adds to its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + 16;

/// An AEAD key. Only its 32 bytes are kept, wiped on drop; ring's key schedule (which ring
/// does not wipe) is built for each operation and dropped at its end.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct AeadKey([u8; KEY_LEN]);

impl AeadKey {
    /// Builds a key from 32 raw bytes.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let bytes: &[u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::Crypto)?;
        Ok(Self(*bytes))
    }

    /// ring's key, for one operation.
    fn ring_key(&self) -> Result<LessSafeKey, Error> {
        UnboundKey::new(&AES_256_GCM, &self.0)
            .map(LessSafeKey::new)
            .map_err(|_| Error::Crypto)
    }

    /// Encrypts `plaintext` bound to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes()?;
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + 16);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(plaintext);
        let mut body = out.split_off(NONCE_LEN);
        self.ring_key()?
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
            .ring_key()?
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| Error::Decrypt)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

#[cfg(test)]
impl AeadKey {
    /// The key's bytes, for tests that check the wipe.
    pub(crate) fn expose_for_test(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AeadKey([redacted])")
    }
}

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
    fn only_32_byte_keys() {
        assert!(AeadKey::from_bytes(&[7; 31]).is_err());
        assert!(AeadKey::from_bytes(&[7; 33]).is_err());
    }

    #[test]
    fn nonces_differ() {
        let key = AeadKey::from_bytes(&[7; 32]).unwrap();
        assert_ne!(key.seal(b"", b"x").unwrap(), key.seal(b"", b"x").unwrap());
    }
}
