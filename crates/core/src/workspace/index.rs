//! The verified index an open workspace keeps: for every record, the version and hash of its
//! sealed bytes the manifest was verified against, and for every entry the non-secret fields
//! that list, groups and search need. Built from rows whose manifest was verified, and valid
//! for the SQLite `data_version` it was built at; a record read later is used only if its
//! version and hash are those listed here.

use super::bucket::{bucket_of, BUCKETS, LEGACY_ENTRIES};
use super::{Error, Result, Versions};
use crate::entry::{contains_ignore_case, Entry};
use crate::view::EntrySummary;
use std::collections::{BTreeMap, HashMap};

/// What list, groups and search read of one entry: never a secret (notes are searched, as
/// they were when every entry was decrypted for a search).
#[derive(Clone, Debug)]
pub(super) struct Indexed {
    pub summary: EntrySummary,
    notes: String,
    tags: Vec<String>,
    /// The OTP generator's issuer (searched).
    issuer: Option<String>,
}

impl Indexed {
    pub fn of(e: &Entry) -> Self {
        Self {
            summary: EntrySummary::from(e),
            notes: e.notes.clone(),
            tags: e.tags.clone(),
            issuer: e.otp().and_then(|o| o.issuer.clone()),
        }
    }

    /// [`Entry::matches`] on the indexed fields: the same fields, so the same answer.
    pub fn matches(&self, needle: &str) -> bool {
        let hit = |s: &str| contains_ignore_case(s, needle);
        let s = &self.summary;
        hit(&s.title)
            || hit(&self.notes)
            || s.group.as_deref().is_some_and(hit)
            || self.tags.iter().any(|t| hit(t))
            || s.username.as_deref().is_some_and(hit)
            || s.url.as_deref().is_some_and(hit)
            || self.issuer.as_deref().is_some_and(hit)
    }
}

/// List order: group, title ignoring case, id.
type SortKey = (String, String, String);

fn sort_key(s: &EntrySummary) -> SortKey {
    (
        s.group.clone().unwrap_or_default(),
        s.title.to_lowercase(),
        s.id.clone(),
    )
}

/// An edit of the index by one of the workspace's own writes.
pub(super) enum Change {
    Put(Box<Indexed>),
    Removed(String),
}

pub(super) struct Index {
    /// The connection's `data_version` the index reflects.
    pub data_version: i64,
    /// Version and sealed-bytes hash of every record, as the verified manifest lists them.
    pub records: Versions,
    /// The stored manifest those records were verified against (or this workspace signed).
    pub manifest: Vec<u8>,
    entries: BTreeMap<SortKey, Indexed>,
    keys: HashMap<String, SortKey>,
}

impl Index {
    pub fn new(
        data_version: i64,
        records: Versions,
        manifest: Vec<u8>,
        entries: Vec<Indexed>,
    ) -> Result<Self> {
        // Sorted once, then built in bulk: inserting one by one compares far more keys. The
        // keys are sorted with the entries' positions (small elements), then the entries are
        // moved once into that order.
        let mut keyed: Vec<(SortKey, usize)> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (sort_key(&e.summary), i))
            .collect();
        keyed.sort_unstable();
        let mut slots: Vec<Option<Indexed>> = entries.into_iter().map(Some).collect();
        let sorted: Vec<(SortKey, Indexed)> = keyed
            .into_iter()
            .filter_map(|(key, i)| slots.get_mut(i).and_then(Option::take).map(|e| (key, e)))
            .collect();
        let keys: HashMap<String, SortKey> = sorted
            .iter()
            .map(|(key, e)| (e.summary.id.clone(), key.clone()))
            .collect();
        if keys.len() != sorted.len() {
            return Err(Error::Damaged("an entry is stored twice"));
        }
        Ok(Self {
            data_version,
            records,
            manifest,
            entries: sorted.into_iter().collect(),
            keys,
        })
    }

    fn put(&mut self, e: Indexed) {
        self.remove(&e.summary.id);
        let key = sort_key(&e.summary);
        self.keys.insert(e.summary.id.clone(), key.clone());
        self.entries.insert(key, e);
    }

    fn remove(&mut self, id: &str) {
        if let Some(key) = self.keys.remove(id) {
            self.entries.remove(&key);
        }
    }

    /// Applies the workspace's own committed write: its new record list and entry changes.
    pub fn apply(&mut self, records: Versions, manifest: Vec<u8>, changes: Vec<Change>) {
        self.records = records;
        self.manifest = manifest;
        for change in changes {
            match change {
                Change::Put(e) => self.put(*e),
                Change::Removed(id) => self.remove(&id),
            }
        }
    }

    /// Every entry in list order.
    pub fn entries(&self) -> impl Iterator<Item = &Indexed> {
        self.entries.values()
    }

    /// The record an indexed entry is in (its bucket, or its own record in a version-1
    /// file), with that record's verified version and hash.
    #[allow(clippy::type_complexity)]
    pub fn location(
        &self,
        id: &str,
    ) -> Option<((String, String), (u64, super::record::SealedHash))> {
        if !self.keys.contains_key(id) {
            return None;
        }
        let legacy = (LEGACY_ENTRIES.to_owned(), id.to_owned());
        if let Some(verified) = self.records.get(&legacy) {
            return Some((legacy, *verified));
        }
        let key = (BUCKETS.to_owned(), bucket_of(id));
        self.records.get(&key).map(|verified| (key, *verified))
    }

    /// The id of the entry with this id, id prefix (at least 4 characters) or title
    /// (ignoring case).
    pub fn resolve(&self, query: &str) -> Result<String> {
        let q = query.trim();
        let lower = q.to_lowercase();
        if self.keys.contains_key(&lower) {
            return Ok(lower);
        }
        if q.len() >= 4 {
            let mut by_prefix = self.keys.keys().filter(|id| id.starts_with(&lower));
            if let (Some(one), None) = (by_prefix.next(), by_prefix.next()) {
                return Ok(one.clone());
            }
        }
        let by_title: Vec<&str> = self
            .entries
            .iter()
            .filter(|((_, title, _), _)| *title == lower)
            .map(|((_, _, id), _)| id.as_str())
            .collect();
        match by_title.as_slice() {
            [] => Err(Error::NoMatch(query.to_owned())),
            [one] => Ok((*one).to_owned()),
            many => Err(Error::Ambiguous(many.len(), query.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::{bucket_of, Error, NewEntry, OpenWorkspace, Result, BUCKETS};
    use crate::crypto::{KdfParams, SecretString};
    use crate::entry::EntryKind;

    /// A row rolled back through the workspace's own connection (so SQLite's data_version
    /// does not change and the index is not rebuilt) opens under its key, yet is refused:
    /// its version and hash are not the verified ones.
    #[test]
    fn a_row_changed_under_the_index_is_refused_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let password = SecretString::from("pw");
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &password, kdf).unwrap();
        let mut entry = ws.add(NewEntry::new("Old", EntryKind::Note)).unwrap();
        let id = entry.id.clone();
        let old_row = ws
            .store
            .read(|tx| tx.row(BUCKETS, &bucket_of(&id)).map(Option::unwrap))
            .unwrap();
        entry.title = "New".into();
        ws.update(entry).unwrap();
        assert_eq!(ws.find(&id).unwrap().title, "New");
        ws.store.write(|tx| tx.put(&old_row)).unwrap();
        assert!(matches!(ws.find(&id), Err(Error::Damaged(_))));
        assert!(matches!(ws.search("old"), Ok(v) if v.is_empty()));
        assert!(matches!(ws.search("new"), Err(Error::Damaged(_))));
        // A full read checks the manifest and refuses too.
        assert!(matches!(ws.entries(), Err(Error::Damaged(_))));
        // A write that needs the bucket (from the index, same connection) refuses it too,
        // and writes nothing.
        let rows = ws.store.read(|tx| tx.rows(None)).unwrap();
        let newer = crate::entry::Entry {
            title: "Newer".into(),
            ..old_entry(&id)
        };
        assert!(matches!(ws.update(newer), Err(Error::Damaged(_))));
        assert_eq!(ws.store.read(|tx| tx.rows(None)).unwrap(), rows);
    }

    fn old_entry(id: &str) -> crate::entry::Entry {
        crate::entry::Entry {
            id: id.to_owned(),
            title: "x".into(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            created: 1,
            modified: 1,
            kind: EntryKind::Note,
        }
    }

    fn workspace(dir: &std::path::Path) -> OpenWorkspace {
        let password = SecretString::from("pw");
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        OpenWorkspace::create(dir.join("w.pcx"), &password, kdf).unwrap()
    }

    fn reopen(dir: &std::path::Path) -> OpenWorkspace {
        crate::LockedWorkspace::open(dir.join("w.pcx"))
            .unwrap()
            .unlock(&SecretString::from("pw"))
            .unwrap()
            .into_open()
            .unwrap()
    }

    /// Replaces the entry buckets with `buckets` (bucket id, entries), sealed under the
    /// workspace's own key with a manifest signed by it: what only someone holding the key
    /// could write.
    fn forge(ws: &mut OpenWorkspace, buckets: &[(&str, Vec<&crate::entry::Entry>)]) {
        let records = &ws.records;
        ws.store
            .write(|tx| -> Result<()> {
                for row in tx.rows(Some(BUCKETS))? {
                    tx.delete(BUCKETS, &row.id)?;
                }
                for (id, entries) in buckets {
                    let plain = super::super::bucket::pack(entries.iter().copied())?;
                    tx.put(&records.seal(BUCKETS, id, 1, &plain)?)?;
                }
                let rows = tx.rows(None)?;
                let manifest = records.sign_manifest(rows.iter().map(super::super::row_ref));
                tx.set_meta(super::super::META_MANIFEST, &manifest)?;
                Ok(())
            })
            .unwrap();
    }

    /// An entry sealed (with the key) into a bucket its id does not hash to is refused, on
    /// every read: a full one, the index, and one entry by id.
    #[test]
    fn an_entry_sealed_into_the_wrong_bucket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let entry = ws.add(NewEntry::new("Moved", EntryKind::Note)).unwrap();
        let right = bucket_of(&entry.id);
        let wrong = if right == "00" { "01" } else { "00" };
        forge(&mut ws, &[(wrong, vec![&entry])]);
        drop(ws);
        assert!(matches!(
            reopen(dir.path()).entries(),
            Err(Error::Damaged(_))
        ));
        assert!(matches!(
            reopen(dir.path()).summaries(),
            Err(Error::Damaged(_))
        ));
        assert!(matches!(
            reopen(dir.path()).find(&entry.id),
            Err(Error::Damaged(_))
        ));
        // The same bytes in the right bucket open: the refusal is the placement.
        let mut ws = reopen(dir.path());
        forge(&mut ws, &[(&right, vec![&entry])]);
        drop(ws);
        assert_eq!(reopen(dir.path()).find(&entry.id).unwrap(), entry);
    }

    /// A bucket holding the same entry twice is refused.
    #[test]
    fn an_entry_stored_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let entry = ws.add(NewEntry::new("Twice", EntryKind::Note)).unwrap();
        let right = bucket_of(&entry.id);
        forge(&mut ws, &[(&right, vec![&entry, &entry])]);
        drop(ws);
        assert!(matches!(
            reopen(dir.path()).entries(),
            Err(Error::Damaged(_))
        ));
        assert!(matches!(
            reopen(dir.path()).find(&entry.id),
            Err(Error::Damaged(_))
        ));
        assert!(matches!(
            reopen(dir.path()).search("twice"),
            Err(Error::Damaged(_))
        ));
    }

    /// One bucket's sealed bytes under another bucket's id (and version) do not open: the
    /// associated data names the bucket.
    #[test]
    fn a_bucket_under_another_buckets_id_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let entry = ws.add(NewEntry::new("Here", EntryKind::Note)).unwrap();
        let right = bucket_of(&entry.id);
        let wrong = if right == "00" { "01" } else { "00" };
        let mut row = ws
            .store
            .read(|tx| tx.row(BUCKETS, &right).map(Option::unwrap))
            .unwrap();
        row.id = wrong.to_owned();
        assert!(matches!(ws.records.open(&row), Err(Error::Damaged(_))));
    }
}
