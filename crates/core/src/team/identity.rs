//! A team member's identity (docs/TEAM.md, "Keys"): an X25519 key pair (HPKE, RFC 9180) to
//! receive workspace keys and an Ed25519 key pair (ring) to sign, generated on the member's
//! machine. The private halves travel only sealed under a member master key, itself wrapped
//! under the member's password (Argon2id, bounded as for files), so any of the member's
//! machines opens them with the password.
//!
//! Sealed form (`identity_secrets.sealed`): `header (71) || u16 len || wrapped master key ||
//! sealed keys`, the header being a workspace header whose id is the identity's; the keys are
//! sealed with associated data naming the role and both public keys, and checked against them
//! on open, so a server that swaps public keys or sealed rows gets a refusal, not another key.

use crate::crypto::{self, KdfParams, MasterKey, SecretString, KEY_LEN};
use crate::workspace::Header;
use data_encoding::BASE32_NOPAD;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, Serializable};
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

const KEYS_PURPOSE: &[u8] = b"portcullis/team/v1/identity-keys";
const KEYS_CONTEXT: &[u8] = b"portcullis/team/v1/identity";
const FINGERPRINT_CONTEXT: &[u8] = b"portcullis/v1/identity";

/// Why an identity could not be made or opened. Carries no secret.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The password does not open the sealed keys (or they were changed).
    #[error("wrong password for this member's identity, or it was changed on the server")]
    WrongPasswordOrDamaged,
    /// The sealed keys open but do not match the public keys the server lists.
    #[error("this member's identity on the server does not match its sealed keys")]
    Mismatch,
    /// The sealed form is malformed or asks for an unreasonable key derivation.
    #[error("this member's identity on the server is damaged")]
    Damaged,
    /// A primitive or the random source failed, or a parameter is refused.
    #[error("cryptographic failure")]
    Crypto,
}

impl From<crypto::Error> for IdentityError {
    fn from(e: crypto::Error) -> Self {
        match e {
            crypto::Error::Decrypt => Self::WrongPasswordOrDamaged,
            _ => Self::Crypto,
        }
    }
}

/// The public halves of an identity, as every member reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicIdentity {
    /// The member's PostgreSQL login role.
    pub role: String,
    /// X25519 public key (HPKE recipient).
    pub x25519: [u8; 32],
    /// Ed25519 public key (verifies the member's signatures).
    pub ed25519: [u8; 32],
}

impl PublicIdentity {
    /// What members compare out of band before an approval: the first 20 bytes of SHA-256 over
    /// the role and both public keys, in Base32, in groups of four.
    pub fn fingerprint(&self) -> String {
        let digest =
            ring::digest::digest(&ring::digest::SHA256, &self.bound_to(FINGERPRINT_CONTEXT));
        let text = BASE32_NOPAD.encode(&digest.as_ref()[..20]);
        text.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The role and both keys, as signatures over a member bind them: `u32 len || role ||
    /// x25519 || ed25519`.
    pub(crate) fn bound(&self) -> Vec<u8> {
        self.bound_to(&[])
    }

    /// `context || u32 len || role || x25519 || ed25519`.
    fn bound_to(&self, context: &[u8]) -> Vec<u8> {
        let mut out = context.to_vec();
        out.extend_from_slice(&(self.role.len() as u32).to_be_bytes());
        out.extend_from_slice(self.role.as_bytes());
        out.extend_from_slice(&self.x25519);
        out.extend_from_slice(&self.ed25519);
        out
    }

    /// Checks `signature` by this member over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, self.ed25519)
            .verify(message, signature)
            .is_ok()
    }
}

/// An opened identity: the member's private keys, wiped on drop.
pub struct Identity {
    public: PublicIdentity,
    x25519: <X25519HkdfSha256 as Kem>::PrivateKey,
    ed25519: Ed25519KeyPair,
    /// The PKCS#8 form of the Ed25519 key (to seal it again).
    ed25519_pkcs8: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// New key pairs for `role`.
    pub fn generate(role: &str) -> Result<Self, IdentityError> {
        let ikm: Zeroizing<[u8; KEY_LEN]> = Zeroizing::new(crypto::random_bytes()?);
        let (x25519, _) = X25519HkdfSha256::derive_keypair(ikm.as_ref());
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
            .map_err(|_| IdentityError::Crypto)?;
        Self::from_parts(role, x25519, Zeroizing::new(pkcs8.as_ref().to_vec()))
    }

    fn from_parts(
        role: &str,
        x25519: <X25519HkdfSha256 as Kem>::PrivateKey,
        ed25519_pkcs8: Zeroizing<Vec<u8>>,
    ) -> Result<Self, IdentityError> {
        let ed25519 =
            Ed25519KeyPair::from_pkcs8(&ed25519_pkcs8).map_err(|_| IdentityError::Damaged)?;
        let x_public = X25519HkdfSha256::sk_to_pk(&x25519).to_bytes();
        let public = PublicIdentity {
            role: role.to_owned(),
            x25519: x_public
                .as_slice()
                .try_into()
                .map_err(|_| IdentityError::Crypto)?,
            ed25519: ed25519
                .public_key()
                .as_ref()
                .try_into()
                .map_err(|_| IdentityError::Crypto)?,
        };
        Ok(Self {
            public,
            x25519,
            ed25519,
            ed25519_pkcs8,
        })
    }

    /// The public halves.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.ed25519.sign(message).as_ref().to_vec()
    }

    /// The X25519 private key, to open what was sealed to this member.
    pub(crate) fn x25519(&self) -> &<X25519HkdfSha256 as Kem>::PrivateKey {
        &self.x25519
    }

    /// The sealed form under `password` at the cost `kdf` (a new salt and master key each time).
    pub fn seal(&self, password: &SecretString, kdf: KdfParams) -> Result<Vec<u8>, IdentityError> {
        Ok(self.seal_keeping_master(password, kdf)?.0)
    }

    /// [`seal`](Self::seal), with the new master key (its subkeys seal the member's second
    /// factors).
    pub(super) fn seal_keeping_master(
        &self,
        password: &SecretString,
        kdf: KdfParams,
    ) -> Result<(Vec<u8>, MasterKey), IdentityError> {
        let header =
            Header::new(crypto::random_bytes()?, kdf).map_err(|_| IdentityError::Crypto)?;
        let header_bytes = header.encode();
        let kek = kdf.derive(password, &header.salt)?;
        let master = MasterKey::generate()?;
        let wrapped = master.wrap(&kek, &header_bytes)?;
        let mut plain = Zeroizing::new(self.x25519.to_bytes().to_vec());
        plain.extend_from_slice(&self.ed25519_pkcs8);
        let keys = master
            .aead_subkey(KEYS_PURPOSE)?
            .seal(&self.public.bound_to(KEYS_CONTEXT), &plain)?;
        let mut out = header_bytes;
        out.extend_from_slice(&(wrapped.len() as u16).to_be_bytes());
        out.extend_from_slice(&wrapped);
        out.extend_from_slice(&keys);
        Ok((out, master))
    }

    /// Opens the sealed form with `password`; the keys must be those `public` lists.
    pub fn open(
        public: &PublicIdentity,
        sealed: &[u8],
        password: &SecretString,
    ) -> Result<Self, IdentityError> {
        Ok(Self::open_keeping_master(public, sealed, password)?.0)
    }

    /// [`open`](Self::open), with the member's master key.
    pub(super) fn open_keeping_master(
        public: &PublicIdentity,
        sealed: &[u8],
        password: &SecretString,
    ) -> Result<(Self, MasterKey), IdentityError> {
        let (header, wrapped, keys) = split(sealed)?;
        let kek = header.kdf.derive(password, &header.salt)?;
        let master = MasterKey::unwrap(&kek, &header.encode(), wrapped)?;
        let plain = master
            .aead_subkey(KEYS_PURPOSE)?
            .open(&public.bound_to(KEYS_CONTEXT), keys)?;
        if plain.len() <= 32 {
            return Err(IdentityError::Damaged);
        }
        let x25519 = <X25519HkdfSha256 as Kem>::PrivateKey::from_bytes(&plain[..32])
            .map_err(|_| IdentityError::Damaged)?;
        let identity =
            Self::from_parts(&public.role, x25519, Zeroizing::new(plain[32..].to_vec()))?;
        if identity.public != *public {
            return Err(IdentityError::Mismatch);
        }
        Ok((identity, master))
    }
}

/// The key-derivation cost a sealed form asks for (to confirm a costly one before opening).
pub fn sealed_kdf(sealed: &[u8]) -> Result<KdfParams, IdentityError> {
    Ok(split(sealed)?.0.kdf)
}

fn split(sealed: &[u8]) -> Result<(Header, &[u8], &[u8]), IdentityError> {
    const HEADER_LEN: usize = 71;
    if sealed.len() < HEADER_LEN + 2 {
        return Err(IdentityError::Damaged);
    }
    let (header, rest) = sealed.split_at(HEADER_LEN);
    let header = Header::decode(header).map_err(|_| IdentityError::Damaged)?;
    let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    let rest = &rest[2..];
    if rest.len() < len {
        return Err(IdentityError::Damaged);
    }
    let (wrapped, keys) = rest.split_at(len);
    Ok((header, wrapped, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> KdfParams {
        KdfParams::new(1024, 1, 1).unwrap()
    }

    fn secret(s: &str) -> SecretString {
        SecretString::new(s.into())
    }

    #[test]
    fn an_identity_opens_with_its_password_only_and_with_its_own_public_keys() {
        let alice = Identity::generate("alice").unwrap();
        let sealed = alice.seal(&secret("pw"), cheap()).unwrap();
        let opened = Identity::open(alice.public(), &sealed, &secret("pw")).unwrap();
        assert_eq!(opened.public(), alice.public());
        let message = b"approve bob";
        assert!(alice.public().verify(message, &opened.sign(message)));

        assert!(matches!(
            Identity::open(alice.public(), &sealed, &secret("nope")),
            Err(IdentityError::WrongPasswordOrDamaged)
        ));
        // The server lists other public keys (or another role) beside alice's sealed keys.
        let mallory = Identity::generate("alice").unwrap();
        assert!(Identity::open(mallory.public(), &sealed, &secret("pw")).is_err());
        let mut renamed = alice.public().clone();
        renamed.role = "bob".into();
        assert!(Identity::open(&renamed, &sealed, &secret("pw")).is_err());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(Identity::open(alice.public(), &flipped, &secret("pw")).is_err());
        assert!(matches!(
            Identity::open(alice.public(), &sealed[..60], &secret("pw")),
            Err(IdentityError::Damaged)
        ));
    }

    #[test]
    fn fingerprints_name_the_role_and_both_keys() {
        let a = Identity::generate("alice").unwrap();
        let fp = a.public().fingerprint();
        assert_eq!(fp.len(), 32 + 7, "{fp}");
        assert_eq!(fp.split('-').count(), 8);
        let mut other = a.public().clone();
        other.role = "bob".into();
        assert_ne!(other.fingerprint(), fp);
        assert_ne!(
            Identity::generate("alice").unwrap().public().fingerprint(),
            fp
        );
        assert!(!a.public().verify(b"x", &a.sign(b"y")));
    }
}
