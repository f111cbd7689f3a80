//! Sealing records and the integrity manifest. A record's associated data binds it to its
//! workspace, collection, id and version; the manifest is a MAC over every (collection, id,
//! version, hash of the sealed bytes), so a deleted, added or rolled-back record, or a record
//! whose version was reused with another ciphertext, is detected.

use super::bucket::{BUCKETS, LEGACY_ENTRIES};
use super::history::{HISTORY, SETTINGS, TRASH};
use super::{Error, Result};
use crate::crypto::{AeadKey, Subkeys};
use crate::store::Row;
use zeroize::{ZeroizeOnDrop, Zeroizing};

const RECORD_CONTEXT: &[u8] = b"portcullis/v1/record";
const MANIFEST_CONTEXT: &[u8] = b"portcullis/v2/manifest";
/// The manifest of files written before the hashes were bound: checked, never written.
const LEGACY_MANIFEST_CONTEXT: &[u8] = b"portcullis/v1/manifest";
/// First byte of a stored manifest of the current form; a legacy one is the bare 32-byte MAC.
const MANIFEST_FORM: u8 = 2;

/// Collection of MFA configuration records.
pub const MFA: &str = "mfa";

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The keys of one workspace, bound to its id: seal and open records, sign and check the
/// manifest. Holds key bytes only (wiped on drop); ring's keys are built per operation.
#[derive(Debug, ZeroizeOnDrop)]
pub struct RecordKeys {
    #[zeroize(skip)]
    workspace_id: [u8; 16],
    keys: Subkeys,
}

/// `(collection, id, version, SHA-256 of the sealed bytes)` of a record, as the manifest
/// lists it.
pub type RecordRef<'a> = (&'a str, &'a str, u64, SealedHash);

/// SHA-256 of a record's sealed bytes.
pub type SealedHash = [u8; 32];

/// The hash of sealed bytes the manifest binds.
pub fn sealed_hash(sealed: &[u8]) -> SealedHash {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, sealed).as_ref());
    out
}

impl RecordKeys {
    /// Binds subkeys to a workspace id.
    pub fn new(workspace_id: [u8; 16], keys: Subkeys) -> Self {
        Self { workspace_id, keys }
    }

    fn key(&self, collection: &str) -> Result<&AeadKey> {
        match collection {
            BUCKETS | LEGACY_ENTRIES | HISTORY | TRASH | SETTINGS => Ok(&self.keys.entries),
            c if super::attachments::is_attachment_collection(c) => Ok(&self.keys.entries),
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

    /// The manifest over records in (collection, id) order, in its stored form:
    /// `2 || MAC`.
    pub fn sign_manifest<'a>(
        &self,
        records: impl ExactSizeIterator<Item = RecordRef<'a>>,
    ) -> Vec<u8> {
        let mut out = vec![MANIFEST_FORM];
        out.extend(
            self.keys
                .manifest
                .sign(&manifest_message(&self.workspace_id, records)),
        );
        out
    }

    /// Checks the stored manifest against the records. A manifest of the legacy form (a bare
    /// MAC without the hashes of the sealed bytes) is checked the legacy way; the next write
    /// replaces it with the current form.
    pub fn verify_manifest<'a>(
        &self,
        records: impl ExactSizeIterator<Item = RecordRef<'a>>,
        stored: Option<Vec<u8>>,
    ) -> Result<()> {
        let stored = stored.ok_or(Error::Damaged("the manifest is missing"))?;
        let checked = match stored.split_first() {
            Some((&MANIFEST_FORM, tag)) if stored.len() == 33 => self
                .keys
                .manifest
                .verify(&manifest_message(&self.workspace_id, records), tag),
            _ => self.keys.manifest.verify(
                &legacy_manifest_message(&self.workspace_id, records),
                &stored,
            ),
        };
        checked.map_err(|_| Error::Damaged("records were removed, added, changed or rolled back"))
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
    let mut out = Vec::with_capacity(64 + records.len() * 88);
    out.extend_from_slice(MANIFEST_CONTEXT);
    out.extend_from_slice(workspace_id);
    out.extend_from_slice(&(records.len() as u64).to_be_bytes());
    for (collection, id, version, hash) in records {
        put_str(&mut out, collection);
        put_str(&mut out, id);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&hash);
    }
    out
}

/// The message of a legacy manifest: the same without the hashes.
fn legacy_manifest_message<'a>(
    workspace_id: &[u8; 16],
    records: impl ExactSizeIterator<Item = RecordRef<'a>>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + records.len() * 56);
    out.extend_from_slice(LEGACY_MANIFEST_CONTEXT);
    out.extend_from_slice(workspace_id);
    out.extend_from_slice(&(records.len() as u64).to_be_bytes());
    for (collection, id, version, _) in records {
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
    fn manifest_covers_order_versions_and_ciphertext() {
        let w = [1; 16];
        let (x, y) = (sealed_hash(b"x"), sealed_hash(b"y"));
        let a = manifest_message(&w, [("entry", "a", 1, x), ("entry", "b", 1, x)].into_iter());
        let b = manifest_message(&w, [("entry", "a", 1, x), ("entry", "b", 2, x)].into_iter());
        let c = manifest_message(&w, [("entry", "a", 1, x)].into_iter());
        let d = manifest_message(&w, [("entry", "a", 1, x), ("entry", "b", 1, y)].into_iter());
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn record_keys_are_wiped_on_drop() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<RecordKeys>();
    }

    fn keys() -> RecordKeys {
        let master = crate::crypto::MasterKey::generate().unwrap();
        RecordKeys::new([1; 16], master.subkeys().unwrap())
    }

    #[test]
    fn a_legacy_manifest_is_checked_without_the_hashes() {
        let keys = keys();
        let records = [("entry", "a", 3, sealed_hash(b"x"))];
        let legacy = keys.keys.manifest.sign(&legacy_manifest_message(
            &keys.workspace_id,
            records.into_iter(),
        ));
        assert_eq!(legacy.len(), 32);
        keys.verify_manifest(records.into_iter(), Some(legacy.clone()))
            .unwrap();
        // The legacy form does not bind the ciphertext (hence the new form)…
        let other = [("entry", "a", 3, sealed_hash(b"y"))];
        keys.verify_manifest(other.into_iter(), Some(legacy))
            .unwrap();
        // …and the new one does.
        let current = keys.sign_manifest(records.into_iter());
        assert_eq!(current.len(), 33);
        keys.verify_manifest(records.into_iter(), Some(current.clone()))
            .unwrap();
        assert!(keys
            .verify_manifest(other.into_iter(), Some(current))
            .is_err());
    }
}
