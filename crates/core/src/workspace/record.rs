//! Sealing records and the integrity manifest. A record's associated data binds it to its
//! workspace, collection, id and version; the manifest is a MAC over every (collection, id,
//! version), so a deleted, added or rolled-back record is detected.

use super::{Error, Result};
use crate::crypto::{AeadKey, Subkeys};
use crate::store::Row;
use zeroize::Zeroizing;

const RECORD_CONTEXT: &[u8] = b"portcullis/v1/record";
const MANIFEST_CONTEXT: &[u8] = b"portcullis/v1/manifest";

/// Collection of entries.
pub const ENTRIES: &str = "entry";
/// Collection of MFA configuration records.
pub const MFA: &str = "mfa";

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The keys of one workspace, bound to its id: seal and open records, sign and check the
/// manifest.
#[derive(Debug)]
pub struct RecordKeys {
    workspace_id: [u8; 16],
    keys: Subkeys,
}

/// `(collection, id, version)` of a record, as the manifest lists it.
pub type RecordRef<'a> = (&'a str, &'a str, u64);

impl RecordKeys {
    /// Binds subkeys to a workspace id.
    pub fn new(workspace_id: [u8; 16], keys: Subkeys) -> Self {
        Self { workspace_id, keys }
    }

    fn key(&self, collection: &str) -> Result<&AeadKey> {
        match collection {
            ENTRIES => Ok(&self.keys.entries),
            MFA => Ok(&self.keys.mfa),
            _ => Err(Error::Damaged("a record of an unknown collection")),
        }
    }

    /// Seals a plaintext into a row.
    pub fn seal(&self, collection: &str, id: &str, version: u64, plaintext: &[u8]) -> Result<Row> {
        let aad = aad(&self.workspace_id, collection, id, version);
        Ok(Row {
            collection: collection.to_owned(),
            id: id.to_owned(),
            version,
            sealed: self.key(collection)?.seal(&aad, plaintext)?,
        })
    }

    /// Opens a row; any change to it, its place or its version fails.
    pub fn open(&self, row: &Row) -> Result<Zeroizing<Vec<u8>>> {
        let aad = aad(&self.workspace_id, &row.collection, &row.id, row.version);
        self.key(&row.collection)?
            .open(&aad, &row.sealed)
            .map_err(|_| Error::Damaged("a record failed its integrity check"))
    }

    /// The manifest MAC over records in (collection, id) order.
    pub fn sign_manifest<'a>(
        &self,
        records: impl ExactSizeIterator<Item = RecordRef<'a>>,
    ) -> Vec<u8> {
        self.keys
            .manifest
            .sign(&manifest_message(&self.workspace_id, records))
    }

    /// Checks the stored manifest against the records.
    pub fn verify_manifest<'a>(
        &self,
        records: impl ExactSizeIterator<Item = RecordRef<'a>>,
        stored: Option<Vec<u8>>,
    ) -> Result<()> {
        let stored = stored.ok_or(Error::Damaged("the manifest is missing"))?;
        self.keys
            .manifest
            .verify(&manifest_message(&self.workspace_id, records), &stored)
            .map_err(|_| Error::Damaged("records were removed, added or rolled back"))
    }
}

/// Associated data of one record.
fn aad(workspace_id: &[u8; 16], collection: &str, id: &str, version: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + id.len());
    out.extend_from_slice(RECORD_CONTEXT);
    out.extend_from_slice(workspace_id);
    put_str(&mut out, collection);
    put_str(&mut out, id);
    out.extend_from_slice(&version.to_be_bytes());
    out
}

/// The message the manifest MAC covers, for records in (collection, id) order.
fn manifest_message<'a>(
    workspace_id: &[u8; 16],
    records: impl ExactSizeIterator<Item = RecordRef<'a>>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + records.len() * 56);
    out.extend_from_slice(MANIFEST_CONTEXT);
    out.extend_from_slice(workspace_id);
    out.extend_from_slice(&(records.len() as u64).to_be_bytes());
    for (collection, id, version) in records {
        put_str(&mut out, collection);
        put_str(&mut out, id);
        out.extend_from_slice(&version.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_separates_fields() {
        let w = [1; 16];
        assert_ne!(aad(&w, "entry", "ab", 1), aad(&w, "entrya", "b", 1));
        assert_ne!(aad(&w, "entry", "a", 1), aad(&w, "entry", "a", 2));
        assert_ne!(aad(&w, "entry", "a", 1), aad(&[2; 16], "entry", "a", 1));
    }

    #[test]
    fn manifest_covers_order_and_versions() {
        let w = [1; 16];
        let a = manifest_message(&w, [("entry", "a", 1), ("entry", "b", 1)].into_iter());
        let b = manifest_message(&w, [("entry", "a", 1), ("entry", "b", 2)].into_iter());
        let c = manifest_message(&w, [("entry", "a", 1)].into_iter());
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
