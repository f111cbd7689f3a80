//! The key hierarchy: the workspace master key (WMK), its wrap under the password key (KEK),
//! and the HKDF subkeys for each purpose.

use super::{aead::AeadKey, random_bytes, Error, KEY_LEN};
use ring::{hkdf, hmac};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const HKDF_SALT: &[u8] = b"portcullis/v1/hkdf";
const PURPOSE_ENTRIES: &[u8] = b"portcullis/v1/entries";
const PURPOSE_MFA: &[u8] = b"portcullis/v1/mfa";
const PURPOSE_MANIFEST: &[u8] = b"portcullis/v1/manifest";
const DEVICE_BINDING_SALT: &[u8] = b"portcullis/v1/device-binding";

/// The password key of a workspace bound to a device: HKDF-SHA256 over the Argon2id key and
/// the device secret kept in that device's keyring. Either alone gives nothing.
pub fn bind_kek(
    kek: &[u8; KEY_LEN],
    device_secret: &[u8; KEY_LEN],
) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
    let mut ikm = Zeroizing::new([0u8; 2 * KEY_LEN]);
    ikm[..KEY_LEN].copy_from_slice(kek);
    ikm[KEY_LEN..].copy_from_slice(device_secret);
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, DEVICE_BINDING_SALT).extract(ikm.as_ref());
    let info = [b"bound kek".as_slice()];
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    prk.expand(&info, hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(out.as_mut()))
        .map_err(|_| Error::Crypto)?;
    Ok(out)
}

/// The workspace master key: 32 random bytes that encrypt everything, stored only wrapped.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct MasterKey(Zeroizing<[u8; KEY_LEN]>);

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Result<Self, Error> {
        Ok(Self(Zeroizing::new(random_bytes()?)))
    }

    /// A key from known bytes: a team workspace's epoch key (elsewhere a key is generated or
    /// unwrapped; tests use known ones).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key's bytes (to compare a key opened again with the one in use).
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Seals the key under the password key, bound to `header`.
    pub fn wrap(&self, kek: &[u8; KEY_LEN], header: &[u8]) -> Result<Vec<u8>, Error> {
        AeadKey::from_bytes(kek)?.seal(header, self.0.as_ref())
    }

    /// Opens a wrapped key; a wrong password or a changed header gives [`Error::Decrypt`].
    pub fn unwrap(kek: &[u8; KEY_LEN], header: &[u8], wrapped: &[u8]) -> Result<Self, Error> {
        let plain = AeadKey::from_bytes(kek)?.open(header, wrapped)?;
        let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| Error::Decrypt)?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// The subkeys derived from this key. ring's HKDF state lives only during this call; the
    /// subkeys are kept as bytes, wiped on drop.
    pub fn subkeys(&self) -> Result<Subkeys, Error> {
        Ok(Subkeys {
            entries: AeadKey::from_bytes(self.expand(PURPOSE_ENTRIES)?.as_ref())?,
            mfa: AeadKey::from_bytes(self.expand(PURPOSE_MFA)?.as_ref())?,
            manifest: ManifestKey(*self.expand(PURPOSE_MANIFEST)?),
        })
    }

    /// The AEAD subkey for another `purpose` (a team member's identity keys, say).
    pub fn aead_subkey(&self, purpose: &'static [u8]) -> Result<AeadKey, Error> {
        AeadKey::from_bytes(self.expand(purpose)?.as_ref())
    }

    /// HKDF-SHA256 (salt [`HKDF_SALT`]) of this key for `purpose`.
    fn expand(&self, purpose: &'static [u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(self.0.as_ref());
        let info = [purpose];
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        prk.expand(&info, hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(out.as_mut()))
            .map_err(|_| Error::Crypto)?;
        Ok(out)
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// Keys for each purpose, derived from the master key with HKDF-SHA256.
#[derive(Debug, Zeroize, ZeroizeOnDrop)]
pub struct Subkeys {
    /// Seals entry records.
    pub entries: AeadKey,
    /// Seals MFA configuration records.
    pub mfa: AeadKey,
    /// Authenticates the manifest.
    pub manifest: ManifestKey,
}

/// HMAC-SHA256 key for the integrity manifest: its bytes, wiped on drop; ring's key is built
/// for each MAC.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ManifestKey([u8; KEY_LEN]);

impl ManifestKey {
    fn ring_key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.0)
    }

    /// The MAC of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        hmac::sign(&self.ring_key(), message).as_ref().to_vec()
    }

    /// Checks a MAC in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> Result<(), Error> {
        hmac::verify(&self.ring_key(), message, tag).map_err(|_| Error::Decrypt)
    }
}

impl std::fmt::Debug for ManifestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManifestKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_binds_header_and_kek() {
        let wmk = MasterKey::generate().unwrap();
        let wrapped = wmk.wrap(&[1; 32], b"header").unwrap();
        let back = MasterKey::unwrap(&[1; 32], b"header", &wrapped).unwrap();
        assert_eq!(*back.0, *wmk.0);
        assert!(MasterKey::unwrap(&[2; 32], b"header", &wrapped).is_err());
        assert!(MasterKey::unwrap(&[1; 32], b"headeR", &wrapped).is_err());
    }

    #[test]
    fn a_bound_kek_needs_both_halves() {
        let bound = bind_kek(&[1; 32], &[2; 32]).unwrap();
        assert_eq!(*bound, *bind_kek(&[1; 32], &[2; 32]).unwrap());
        assert_ne!(*bound, [1; 32]);
        assert_ne!(*bound, *bind_kek(&[1; 32], &[3; 32]).unwrap());
        assert_ne!(*bound, *bind_kek(&[3; 32], &[2; 32]).unwrap());
    }

    /// What the manifest and record keys were before they were kept as bytes: the same
    /// HKDF output, so files written before open unchanged.
    #[test]
    fn subkeys_match_rings_own_key_derivation() {
        let master = MasterKey::from_bytes([9; KEY_LEN]);
        let keys = master.subkeys().unwrap();
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(&[9; KEY_LEN]);
        let info = [PURPOSE_MANIFEST];
        let ring_manifest: hmac::Key = prk.expand(&info, hmac::HMAC_SHA256).unwrap().into();
        assert_eq!(
            keys.manifest.sign(b"m"),
            hmac::sign(&ring_manifest, b"m").as_ref()
        );
        let info = [PURPOSE_ENTRIES];
        let ring_entries = ring::aead::LessSafeKey::new(
            prk.expand(&info, &ring::aead::AES_256_GCM).unwrap().into(),
        );
        let mut sealed = keys.entries.seal(b"aad", b"hello").unwrap();
        let (nonce, body) = sealed.split_at_mut(12);
        let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).unwrap();
        let plain = ring_entries
            .open_in_place(nonce, ring::aead::Aad::from(b"aad"), body)
            .unwrap();
        assert_eq!(plain, b"hello");
    }

    /// Every key type wipes its bytes on drop (a compile-time check: ring's key types are not
    /// `ZeroizeOnDrop`, so a long-lived key can no longer hold one), and wiping reaches the
    /// bytes themselves.
    #[test]
    fn keys_are_wiped() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<MasterKey>();
        wiped_on_drop::<Subkeys>();
        wiped_on_drop::<ManifestKey>();
        wiped_on_drop::<AeadKey>();

        let mut keys = MasterKey::from_bytes([9; KEY_LEN]).subkeys().unwrap();
        assert_ne!(keys.manifest.0, [0; KEY_LEN]);
        keys.zeroize();
        assert_eq!(keys.manifest.0, [0; KEY_LEN]);
        assert_eq!(keys.entries.expose_for_test(), &[0; KEY_LEN]);
        assert_eq!(keys.mfa.expose_for_test(), &[0; KEY_LEN]);
        let mut master = MasterKey::from_bytes([9; KEY_LEN]);
        master.zeroize();
        assert_eq!(*master.expose(), [0; KEY_LEN]);
    }

    #[test]
    fn subkeys_are_separated_by_purpose() {
        let keys = MasterKey::generate().unwrap().subkeys().unwrap();
        let sealed = keys.entries.seal(b"", b"x").unwrap();
        assert!(keys.mfa.open(b"", &sealed).is_err());
        assert!(keys.entries.open(b"", &sealed).is_ok());
        let tag = keys.manifest.sign(b"m");
        assert!(keys.manifest.verify(b"m", &tag).is_ok());
        assert!(keys.manifest.verify(b"n", &tag).is_err());
    }
}
