//! The verified index an open workspace keeps: for every record, the version and hash of its
//! sealed bytes the manifest was verified against, and for every entry the non-secret fields
//! that list, groups and search need. Built from rows whose manifest was verified, and valid
//! for the SQLite `data_version` it was built at; a record read later is used only if its
//! version and hash are those listed here.

use super::bucket::{bucket_of, BUCKETS, LEGACY_ENTRIES};
use super::{Error, Result, Versions};
use crate::entry::Entry;
use crate::view::EntrySummary;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// What list, groups and search read of one entry: never a secret (notes are searched, as
/// they were when every entry was decrypted for a search).
#[derive(Clone, Debug)]
pub(crate) struct Indexed {
    pub summary: EntrySummary,
    /// The searched fields (title, notes, group, tags, user name, URL, OTP issuer) in lower
    /// case, joined by NUL (which no typed search holds): a keystroke is one substring search
    /// over it, with no allocation and no case folding per entry.
    haystack: Box<str>,
}

/// A search, lower-cased and prepared once for every entry it is matched against.
pub(crate) struct Needle(memchr::memmem::Finder<'static>);

impl Needle {
    /// `lower` must already be lower case.
    pub fn new(lower: &str) -> Self {
        Self(memchr::memmem::Finder::new(lower.as_bytes()).into_owned())
    }
}

impl Indexed {
    pub fn of(e: &Entry) -> Self {
        Self::from_entry(e.clone())
    }

    /// The same, taking the fields out of an entry read for the index (no copy of them).
    pub fn from_entry(mut e: Entry) -> Self {
        let id = std::mem::take(&mut e.id);
        let title = std::mem::take(&mut e.title);
        let group = e.group.take();
        let mut summary = EntrySummary::from(&e);
        summary.id = id;
        summary.title = title;
        summary.group = group;
        let issuer = e.otp().and_then(|o| o.issuer.as_deref());
        let fields = [summary.title.as_str(), e.notes.as_str()]
            .into_iter()
            .chain(summary.group.as_deref())
            .chain(e.tags.iter().map(String::as_str))
            .chain(summary.username.as_deref())
            .chain(summary.url.as_deref())
            .chain(issuer);
        let haystack = fields
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join("\0")
            .into_boxed_str();
        Self { summary, haystack }
    }

    /// [`Entry::matches`] on the indexed fields: the same fields, so the same answer.
    pub fn matches(&self, needle: &Needle) -> bool {
        needle.0.find(self.haystack.as_bytes()).is_some()
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

/// Whether `title.to_lowercase() == lower`, without allocating for an ASCII title.
fn lower_equals(title: &str, lower: &str) -> bool {
    if title.is_ascii() {
        title.len() == lower.len()
            && title
                .bytes()
                .zip(lower.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        title.to_lowercase() == lower
    }
}

/// An edit of the index by one of the workspace's own writes.
pub(crate) enum Change {
    Put(Box<Indexed>),
    Removed(String),
}

pub(crate) struct Index {
    /// The connection's `data_version` the index reflects.
    pub data_version: i64,
    /// Version and sealed-bytes hash of every record, as the verified manifest lists them.
    pub records: Versions,
    /// The stored manifest those records were verified against (or this workspace signed).
    pub manifest: Vec<u8>,
    /// Every entry, by id.
    entries: HashMap<String, Indexed>,
    /// List order, sorted by the first read that needs it (a search sorts only its matches,
    /// so a command that searches once never sorts every entry), then kept by writes.
    order: OnceLock<BTreeSet<SortKey>>,
}

impl Index {
    pub fn new(
        data_version: i64,
        records: Versions,
        manifest: Vec<u8>,
        entries: Vec<Indexed>,
    ) -> Result<Self> {
        let count = entries.len();
        let entries: HashMap<String, Indexed> = entries
            .into_iter()
            .map(|e| (e.summary.id.clone(), e))
            .collect();
        if entries.len() != count {
            return Err(Error::Damaged("an entry is stored twice"));
        }
        Ok(Self {
            data_version,
            records,
            manifest,
            entries,
            order: OnceLock::new(),
        })
    }

    fn put(&mut self, e: Indexed) {
        let key = sort_key(&e.summary);
        let old = self.entries.insert(e.summary.id.clone(), e);
        if let Some(order) = self.order.get_mut() {
            if let Some(old) = old {
                order.remove(&sort_key(&old.summary));
            }
            order.insert(key);
        }
    }

    fn remove(&mut self, id: &str) {
        if let Some(old) = self.entries.remove(id) {
            if let Some(order) = self.order.get_mut() {
                order.remove(&sort_key(&old.summary));
            }
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
        let order = self.order.get_or_init(|| {
            // Sorted once, then built in bulk: inserting one by one compares far more keys.
            let mut keys: Vec<SortKey> = self
                .entries
                .values()
                .map(|e| sort_key(&e.summary))
                .collect();
            keys.sort_unstable();
            keys.into_iter().collect()
        });
        order.iter().filter_map(|(_, _, id)| self.entries.get(id))
    }

    /// The entries `needle` (lower case) matches, in list order: a pass over the list order,
    /// sorted once and kept, so a keystroke sorts nothing and copies no key.
    pub fn matching<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = &'a Indexed> + 'a {
        let needle = Needle::new(needle);
        self.entries().filter(move |e| e.matches(&needle))
    }

    /// The record an indexed entry is in (its bucket, or its own record in a version-1
    /// file), with that record's verified version and hash.
    #[allow(clippy::type_complexity)]
    pub fn location(
        &self,
        id: &str,
    ) -> Option<((String, String), (u64, super::record::SealedHash))> {
        if !self.entries.contains_key(id) {
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
        if self.entries.contains_key(&lower) {
            return Ok(lower);
        }
        if q.len() >= 4 {
            let mut by_prefix = self.entries.keys().filter(|id| id.starts_with(&lower));
            if let (Some(one), None) = (by_prefix.next(), by_prefix.next()) {
                return Ok(one.clone());
            }
        }
        let by_title: Vec<&str> = self
            .entries
            .values()
            .filter(|e| lower_equals(&e.summary.title, &lower))
            .map(|e| e.summary.id.as_str())
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
    use super::{Indexed, Needle};
    use crate::crypto::{KdfParams, SecretString};
    use crate::entry::EntryKind;

    /// The index's one-pass search answers as [`Entry::matches`] does, field by field: case
    /// folded (Unicode too), and never across two fields.
    #[test]
    fn the_indexed_search_answers_as_the_entry_does() {
        let e = crate::entry::Entry {
            id: "id-1".into(),
            title: "Ärger Bank".into(),
            group: None,
            tags: vec!["Privat".into()],
            notes: "Kontonummer".into(),
            created: 0,
            modified: 0,
            kind: EntryKind::Note,
        };
        let indexed = Indexed::of(&e);
        for query in [
            "ärger",
            "ÄRGER",
            "bank",
            "konto",
            "privat",
            "",
            "bankkonto",
            "x",
        ] {
            let lower = query.to_lowercase();
            assert_eq!(
                indexed.matches(&Needle::new(&lower)),
                e.matches(&lower),
                "{query}"
            );
        }
        assert!(
            !indexed.matches(&Needle::new("bankkonto")),
            "across two fields"
        );
    }

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

    /// The index's fields taken out of an entry are those copied from it.
    #[test]
    fn fields_taken_from_an_entry_are_those_copied() {
        for line in include_str!("../../tests/fixtures/sealed_entries.jsonl").lines() {
            let entry = crate::entry::sealed::from_json(line.as_bytes()).unwrap();
            let copied = super::Indexed::of(&entry);
            let taken = super::Indexed::from_entry(entry);
            assert_eq!(format!("{copied:?}"), format!("{taken:?}"));
        }
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
