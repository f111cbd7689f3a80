//! Entry buckets (format version 2): a workspace's entries are packed into at most 256
//! records of the collection [`BUCKETS`], the record id being two lower-case hex digits, the
//! first byte of SHA-256 of the entry id. Each bucket is sealed like any record (its own
//! version, the manifest binding it); its plaintext is [`crate::entry::packed`]. Files of
//! version 1 hold one record per entry in the collection [`LEGACY_ENTRIES`]; they are read as
//! they are and packed into buckets by their first write.

use super::record::RecordKeys;
use super::{Error, Result};
use crate::entry::{packed, Entry};
use crate::store::Row;

/// Collection of entry buckets (format version 2).
pub const BUCKETS: &str = "entries";
/// Collection of one-entry records (format version 1): read, never written.
pub const LEGACY_ENTRIES: &str = "entry";

/// The bucket (record id) an entry id belongs to.
pub fn bucket_of(entry_id: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, entry_id.as_bytes());
    let first = digest.as_ref()[0];
    format!("{first:02x}")
}

/// Whether a collection holds entries (buckets or version-1 records).
pub fn holds_entries(collection: &str) -> bool {
    collection == BUCKETS || collection == LEGACY_ENTRIES
}

/// The entries of a bucket row: opened under its associated data, decoded, and refused as
/// damaged unless every entry belongs to this bucket and the ids are strictly increasing (no
/// id twice).
pub fn open_bucket(records: &RecordKeys, row: &Row) -> Result<Vec<Entry>> {
    open_bucket_with(&mut unpacker()?, records, row)
}

/// A zstd context for reading several buckets.
pub fn unpacker() -> Result<packed::Unpacker> {
    packed::Unpacker::new().map_err(|_| Error::Crypto)
}

/// [`open_bucket`] with a given zstd context.
pub fn open_bucket_with(
    unpacker: &mut packed::Unpacker,
    records: &RecordKeys,
    row: &Row,
) -> Result<Vec<Entry>> {
    if row.collection != BUCKETS {
        return Err(Error::Damaged("a record is not an entry bucket"));
    }
    let plain = records.open(row)?;
    let entries = unpacker
        .unpack(&plain)
        .map_err(|_| Error::Damaged("an entry bucket is unreadable"))?;
    if entries.iter().any(|e| bucket_of(&e.id) != row.id) {
        tracing::warn!("read refused: an entry is stored in another bucket");
        return Err(Error::Damaged("an entry is stored in another bucket"));
    }
    if entries.windows(2).any(|w| w[0].id >= w[1].id) {
        return Err(Error::Damaged("an entry is stored twice"));
    }
    Ok(entries)
}

/// A version-1 entry record.
pub fn open_legacy(records: &RecordKeys, row: &Row) -> Result<Entry> {
    if row.collection != LEGACY_ENTRIES {
        return Err(Error::Damaged("a record is not an entry"));
    }
    let plain = records.open(row)?;
    let entry = crate::entry::sealed::from_json(&plain)
        .map_err(|_| Error::Damaged("a record is unreadable"))?;
    if entry.id != row.id {
        return Err(Error::Damaged("a record is stored under another id"));
    }
    Ok(entry)
}

/// Every entry of an entry row, whichever version wrote it.
pub fn open_entries(
    unpacker: &mut packed::Unpacker,
    records: &RecordKeys,
    row: &Row,
) -> Result<Vec<Entry>> {
    if row.collection == LEGACY_ENTRIES {
        Ok(vec![open_legacy(records, row)?])
    } else {
        open_bucket_with(unpacker, records, row)
    }
}

/// The plaintext of a bucket holding these entries.
pub fn pack<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    packed::pack(entries).map_err(|_| Error::Crypto)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_ids_are_two_hex_digits_of_the_ids_hash() {
        // SHA-256("") starts with e3, SHA-256("abc") with ba.
        assert_eq!(bucket_of(""), "e3");
        assert_eq!(bucket_of("abc"), "ba");
        let id = "0b7c4f2e-8d1a-4c3b-9e5f-6a7b8c9d0e1f";
        let b = bucket_of(id);
        assert_eq!(b.len(), 2);
        assert!(b
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
