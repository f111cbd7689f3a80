//! Comparing secrets without keeping them: HMAC-SHA256 under a random key that lives only in
//! memory, so a table of "have we seen this OTP key (or password) before?" holds neither the
//! secrets nor a plain hash that could be looked up elsewhere.

use super::{random_bytes, Error, KEY_LEN};
use ring::hmac;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// HMAC-SHA256 under a key made for this instance and never stored; its bytes are wiped on
/// drop, ring's key is built for each tag.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct KeyedHash([u8; KEY_LEN]);

impl KeyedHash {
    /// A new random key.
    pub fn new() -> Result<Self, Error> {
        random_bytes().map(Self)
    }

    /// The tag of `secret` under this instance's key.
    pub fn of(&self, secret: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        out.copy_from_slice(hmac::sign(&key, secret).as_ref());
        out
    }
}

impl std::fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyedHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_secrets_give_equal_tags_under_one_key_only() {
        let (a, b) = (KeyedHash::new().unwrap(), KeyedHash::new().unwrap());
        assert_eq!(a.of(b"seed"), a.of(b"seed"));
        assert_ne!(a.of(b"seed"), a.of(b"seeD"));
        assert_ne!(a.of(b"seed"), b.of(b"seed"));
    }

    #[test]
    fn the_key_is_wiped() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<KeyedHash>();
        let mut a = KeyedHash::new().unwrap();
        a.zeroize();
        assert_eq!(a.0, [0; KEY_LEN]);
    }
}
