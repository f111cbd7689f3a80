//! Workspace keys handed to members (docs/TEAM.md, "Keys"): a key per epoch, sealed to the
//! member's X25519 key with HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//! AES-256-GCM, base mode), and signed by the admin who granted it. The HPKE `info` binds the
//! workspace, the epoch and the recipient's identity; the signature binds the same and the
//! sealed bytes, so a server can neither slip in a key of its own nor move a grant to another
//! member, workspace or epoch.

use super::identity::{Identity, PublicIdentity};
use crate::crypto::KEY_LEN;
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

const INFO_CONTEXT: &[u8] = b"portcullis/team/v1/grant";
const SIGNATURE_CONTEXT: &[u8] = b"portcullis/team/v1/grant-signature";
const ENCAPPED_LEN: usize = 32;

/// A workspace key sealed to one member and signed by the granting admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// `encapsulated key (32) || AES-256-GCM ciphertext and tag`.
    pub sealed: Vec<u8>,
    /// The granting admin's Ed25519 signature.
    pub signature: Vec<u8>,
}

/// Why a grant was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GrantError {
    /// The signature is not the named admin's over this grant.
    #[error("a workspace key on the server is not signed by the admin it names")]
    BadSignature,
    /// The grant does not open with this member's key for this workspace and epoch.
    #[error("a workspace key on the server does not open for this member")]
    Unreadable,
    /// Sealing failed.
    #[error("cryptographic failure")]
    Crypto,
}

/// The workspace key of one epoch.
pub struct EpochKey(Zeroizing<[u8; KEY_LEN]>);

impl EpochKey {
    /// A new random key.
    pub fn generate() -> Result<Self, GrantError> {
        crate::crypto::random_bytes()
            .map(|k| Self(Zeroizing::new(k)))
            .map_err(|_| GrantError::Crypto)
    }

    /// A key kept in this member's offline copy.
    pub(super) fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key's bytes, for sealing records.
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

fn info(workspace: &[u8; 16], epoch: u64, recipient: &PublicIdentity) -> Vec<u8> {
    let mut out = INFO_CONTEXT.to_vec();
    out.extend_from_slice(workspace);
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&recipient.bound());
    out
}

fn signed_message(
    workspace: &[u8; 16],
    epoch: u64,
    recipient: &PublicIdentity,
    sealed: &[u8],
) -> Vec<u8> {
    let mut out = SIGNATURE_CONTEXT.to_vec();
    out.extend_from_slice(&info(workspace, epoch, recipient));
    out.extend_from_slice(&(sealed.len() as u32).to_be_bytes());
    out.extend_from_slice(sealed);
    out
}

impl Grant {
    /// Seals `key` of `epoch` to `recipient`, signed by `admin`.
    pub fn seal(
        admin: &Identity,
        workspace: &[u8; 16],
        epoch: u64,
        recipient: &PublicIdentity,
        key: &EpochKey,
    ) -> Result<Self, GrantError> {
        let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&recipient.x25519)
            .map_err(|_| GrantError::Crypto)?;
        let (encapped, ciphertext) =
            hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
                &OpModeS::Base,
                &pk,
                &info(workspace, epoch, recipient),
                key.expose(),
                &[],
            )
            .map_err(|_| GrantError::Crypto)?;
        let mut sealed = encapped.to_bytes().to_vec();
        sealed.extend_from_slice(&ciphertext);
        let signature = admin.sign(&signed_message(workspace, epoch, recipient, &sealed));
        Ok(Self { sealed, signature })
    }

    /// Opens a grant addressed to `me`, after checking `admin`'s signature.
    pub fn open(
        &self,
        me: &Identity,
        workspace: &[u8; 16],
        epoch: u64,
        admin: &PublicIdentity,
    ) -> Result<EpochKey, GrantError> {
        let recipient = me.public();
        if !admin.verify(
            &signed_message(workspace, epoch, recipient, &self.sealed),
            &self.signature,
        ) {
            return Err(GrantError::BadSignature);
        }
        if self.sealed.len() < ENCAPPED_LEN {
            return Err(GrantError::Unreadable);
        }
        let (encapped, ciphertext) = self.sealed.split_at(ENCAPPED_LEN);
        let encapped = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(encapped)
            .map_err(|_| GrantError::Unreadable)?;
        let plain = Zeroizing::new(
            hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
                &OpModeR::Base,
                me.x25519(),
                &encapped,
                &info(workspace, epoch, recipient),
                ciphertext,
                &[],
            )
            .map_err(|_| GrantError::Unreadable)?,
        );
        let key: [u8; KEY_LEN] = plain
            .as_slice()
            .try_into()
            .map_err(|_| GrantError::Unreadable)?;
        Ok(EpochKey(Zeroizing::new(key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: [u8; 16] = [7; 16];

    #[test]
    fn a_grant_opens_for_its_member_only_and_only_as_signed() {
        let admin = Identity::generate("alice").unwrap();
        let bob = Identity::generate("bob").unwrap();
        let carol = Identity::generate("carol").unwrap();
        let key = EpochKey::generate().unwrap();
        let grant = Grant::seal(&admin, &WS, 1, bob.public(), &key).unwrap();
        let opened = grant.open(&bob, &WS, 1, admin.public()).unwrap();
        assert_eq!(opened.expose(), key.expose());

        // Another member, epoch or workspace, or another signer: refused.
        assert_eq!(
            grant.open(&carol, &WS, 1, admin.public()).err(),
            Some(GrantError::BadSignature)
        );
        assert_eq!(
            grant.open(&bob, &WS, 2, admin.public()).err(),
            Some(GrantError::BadSignature)
        );
        assert_eq!(
            grant.open(&bob, &[8; 16], 1, admin.public()).err(),
            Some(GrantError::BadSignature)
        );
        assert_eq!(
            grant.open(&bob, &WS, 1, carol.public()).err(),
            Some(GrantError::BadSignature)
        );

        // A key the server made itself, signed by nobody it can sign for.
        let forged =
            Grant::seal(&carol, &WS, 1, bob.public(), &EpochKey::generate().unwrap()).unwrap();
        assert_eq!(
            forged.open(&bob, &WS, 1, admin.public()).err(),
            Some(GrantError::BadSignature)
        );

        // A grant for carol, re-signed by a real admin but addressed to bob: does not open.
        let for_carol = Grant::seal(&admin, &WS, 1, carol.public(), &key).unwrap();
        let moved = Grant {
            signature: admin.sign(&signed_message(&WS, 1, bob.public(), &for_carol.sealed)),
            sealed: for_carol.sealed,
        };
        assert_eq!(
            moved.open(&bob, &WS, 1, admin.public()).err(),
            Some(GrantError::Unreadable)
        );
    }
}
