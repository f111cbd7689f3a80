//! The plaintext header: format version, workspace id, KDF parameters and salt. It is the
//! associated data of the wrapped master key, so any change to it fails the unlock.

use super::Error;
use crate::crypto::{random_bytes, KdfParams};

const MAGIC: &[u8; 8] = b"PORTCULL";
/// The file-format version this build writes.
pub const FORMAT_VERSION: u16 = 1;
const KDF_ARGON2ID_13: u8 = 1;
const SALT_LEN: usize = 32;
const ENCODED_LEN: usize = 8 + 2 + 16 + 1 + 12 + SALT_LEN;

/// The decoded header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Random id of the workspace, bound into every record.
    pub workspace_id: [u8; 16],
    /// Key-derivation parameters.
    pub kdf: KdfParams,
    /// Key-derivation salt.
    pub salt: [u8; SALT_LEN],
}

impl Header {
    /// A header for a new workspace (or a new password) with a fresh salt.
    pub fn new(workspace_id: [u8; 16], kdf: KdfParams) -> Result<Self, Error> {
        Ok(Self {
            workspace_id,
            kdf,
            salt: random_bytes()?,
        })
    }

    /// The canonical bytes: `magic | version | id | kdf id | m | t | p | salt`, big-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ENCODED_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.workspace_id);
        out.push(KDF_ARGON2ID_13);
        out.extend_from_slice(&self.kdf.memory_kib().to_be_bytes());
        out.extend_from_slice(&self.kdf.iterations().to_be_bytes());
        out.extend_from_slice(&self.kdf.parallelism().to_be_bytes());
        out.extend_from_slice(&self.salt);
        out
    }

    /// Parses and bounds a header read from a file.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < 10 || &bytes[..8] != MAGIC {
            return Err(Error::NotWorkspace);
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(Error::TooNew);
        }
        if version == 0 || bytes.len() != ENCODED_LEN || bytes[26] != KDF_ARGON2ID_13 {
            return Err(Error::WrongPasswordOrDamaged);
        }
        let u32_at =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let kdf = KdfParams::new(u32_at(27), u32_at(31), u32_at(35))
            .map_err(|_| Error::KdfOutOfBounds)?;
        let mut workspace_id = [0u8; 16];
        workspace_id.copy_from_slice(&bytes[10..26]);
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[39..]);
        Ok(Self {
            workspace_id,
            kdf,
            salt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let h = Header::new([9; 16], KdfParams::new(1024, 2, 1).unwrap()).unwrap();
        let bytes = h.encode();
        assert_eq!(bytes.len(), ENCODED_LEN);
        assert_eq!(Header::decode(&bytes).unwrap(), h);

        let mut newer = bytes.clone();
        newer[9] = 2;
        assert!(matches!(Header::decode(&newer), Err(Error::TooNew)));
        assert!(matches!(
            Header::decode(b"SQLite format 3"),
            Err(Error::NotWorkspace)
        ));
        assert!(matches!(
            Header::decode(&bytes[..40]),
            Err(Error::WrongPasswordOrDamaged)
        ));
        let mut huge = bytes.clone();
        huge[27..31].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(Header::decode(&huge), Err(Error::KdfOutOfBounds)));
        let mut passes = bytes;
        passes[31..35].copy_from_slice(&1_000_000_000u32.to_be_bytes());
        assert!(matches!(
            Header::decode(&passes),
            Err(Error::KdfOutOfBounds)
        ));
    }
}
