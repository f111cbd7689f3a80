//! The verified index an open workspace keeps: for every record, the version and hash of its
//! sealed bytes the manifest was verified against, and for every entry the non-secret fields
//! that list, groups and search need. Built from rows whose manifest was verified, and valid
//! for the SQLite `data_version` it was built at; a record read later is used only if its
//! version and hash are those listed here.

use super::bucket::{bucket_of, BUCKETS, LEGACY_ENTRIES};
use super::{Error, Result, Versions};
use crate::entry::{Entry, EntryType};
use crate::view::{EntrySummary, ListRow};
use hashbrown::HashTable;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

/// What list, groups and search read of one entry: never a secret (notes are searched, as
/// they were when every entry was decrypted for a search). Made from a decoded entry, then
/// its text is moved into the index's one buffer.
#[derive(Clone, Debug)]
pub(crate) struct Indexed {
    /// Id, title, user name, URL and group, then the searched fields (title, notes, group,
    /// tags, user name, URL, OTP issuer, plain custom fields' names and values) in lower case, joined by NUL (which no typed search
    /// holds): a keystroke is one substring search over that part, with no allocation and no
    /// case folding per entry. Its first field, the lower-cased title, is the list order's key.
    text: Box<str>,
    meta: Meta,
}

/// An entry's fields other than its text, and where its text is in the index's buffer.
#[derive(Clone, Debug)]
struct Meta {
    /// Where its text starts in the buffer (0 while it has its own).
    at: usize,
    /// Where the id, title, user name, URL, group and lower-cased title end in its text,
    /// and the text's length.
    ends: [u32; 7],
    kind: EntryType,
    /// [`HAS_OTP`], [`HAS_USERNAME`], [`HAS_URL`], [`HAS_GROUP`].
    flags: u8,
    modified: i64,
}

const HAS_OTP: u8 = 1;
const HAS_USERNAME: u8 = 2;
const HAS_URL: u8 = 4;
const HAS_GROUP: u8 = 8;

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

    /// The same, from an entry read for the index (dropped here, its secrets zeroized).
    pub fn from_entry(e: Entry) -> Self {
        let username = e.username();
        let url = e.url();
        let issuer = e.otp().and_then(|o| o.issuer.as_deref());
        let searched = || {
            [e.notes.as_str()]
                .into_iter()
                .chain(e.group.as_deref())
                .chain(e.tags.iter().map(String::as_str))
                .chain(username)
                .chain(url.as_deref())
                .chain(issuer)
                .chain(e.plain_fields())
        };
        let shown = [
            e.id.as_str(),
            &e.title,
            username.unwrap_or_default(),
            url.as_deref().unwrap_or_default(),
            e.group.as_deref().unwrap_or_default(),
        ];
        // Lower case is most often as long (one allocation, sized here).
        let mut text = String::with_capacity(
            shown.iter().map(|f| f.len()).sum::<usize>()
                + e.title.len()
                + searched().map(|f| f.len() + 1).sum::<usize>(),
        );
        let mut ends = [0u32; 7];
        let end = |text: &String| u32::try_from(text.len()).unwrap_or(u32::MAX);
        for (i, field) in shown.into_iter().enumerate() {
            text.push_str(field);
            ends[i] = end(&text);
        }
        push_lower(&mut text, &e.title);
        ends[5] = end(&text);
        for field in searched() {
            text.push('\0');
            push_lower(&mut text, field);
        }
        ends[6] = end(&text);
        let flags = [
            (e.otp().is_some(), HAS_OTP),
            (username.is_some(), HAS_USERNAME),
            (url.is_some(), HAS_URL),
            (e.group.is_some(), HAS_GROUP),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .fold(0, |f, (_, bit)| f | bit);
        Self {
            text: text.into_boxed_str(),
            meta: Meta {
                at: 0,
                ends,
                kind: EntryType::of(&e.kind),
                flags,
                modified: e.modified,
            },
        }
    }

    #[cfg(test)]
    fn row(&self) -> Row<'_> {
        Row {
            meta: &self.meta,
            text: &self.text,
        }
    }

    /// [`Entry::matches`] on the indexed fields: the same fields, so the same answer.
    #[cfg(test)]
    pub fn matches(&self, needle: &Needle) -> bool {
        self.row().matches(needle)
    }
}

/// Appends `field` in lower case ([`str::to_lowercase`]), without a copy when it is ASCII.
fn push_lower(text: &mut String, field: &str) {
    if field.is_ascii() {
        let from = text.len();
        text.push_str(field);
        text[from..].make_ascii_lowercase();
    } else {
        text.push_str(&field.to_lowercase());
    }
}

/// One indexed entry, as list and search read it.
#[derive(Clone, Copy)]
pub(crate) struct Row<'a> {
    meta: &'a Meta,
    /// Its text.
    text: &'a str,
}

impl<'a> Row<'a> {
    /// Field `i` of the text (see [`Meta::ends`]); the searched part is field 6.
    fn part(&self, i: usize) -> &'a str {
        let from = if i == 0 { 0 } else { self.meta.ends[i - 1] };
        let to = self.meta.ends[i];
        self.text
            .get(from as usize..to as usize)
            .unwrap_or_default()
    }

    fn field(&self, i: usize, flag: u8) -> Option<&'a str> {
        (self.meta.flags & flag != 0).then(|| self.part(i))
    }

    pub fn id(&self) -> &'a str {
        self.part(0)
    }

    pub fn title(&self) -> &'a str {
        self.part(1)
    }

    /// The searched text: the lower-cased title, then the other searched fields.
    fn haystack(&self) -> &'a str {
        let from = self.meta.ends[4] as usize;
        let to = self.meta.ends[6] as usize;
        self.text.get(from..to).unwrap_or_default()
    }

    /// List order: group, title ignoring case, id.
    fn order_key(&self) -> (&'a str, &'a str, &'a str) {
        (self.part(4), self.part(5), self.id())
    }

    /// [`Entry::matches`] on the indexed fields: the same fields, so the same answer.
    pub fn matches(&self, needle: &Needle) -> bool {
        needle.0.find(self.haystack().as_bytes()).is_some()
    }
}

impl ListRow for Row<'_> {
    fn kind(&self) -> EntryType {
        self.meta.kind
    }

    fn group(&self) -> Option<&str> {
        self.field(4, HAS_GROUP)
    }

    fn to_summary(&self) -> EntrySummary {
        EntrySummary {
            id: self.id().to_owned(),
            title: self.title().to_owned(),
            kind: self.meta.kind,
            username: self.field(2, HAS_USERNAME).map(str::to_owned),
            url: self.field(3, HAS_URL).map(str::to_owned),
            group: self.group().map(str::to_owned),
            has_otp: self.meta.flags & HAS_OTP != 0,
            modified: self.meta.modified,
        }
    }
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

/// A write changing more entries than this drops the list order (sorted again by the next
/// list) instead of moving each entry in it.
const RESORT_AFTER: usize = 256;

pub(crate) struct Index {
    /// The connection's `data_version` the index reflects.
    pub data_version: i64,
    /// Version and sealed-bytes hash of every record, as the verified manifest lists them.
    pub records: Versions,
    /// The stored manifest those records were verified against (or this workspace signed).
    pub manifest: Vec<u8>,
    /// Every entry. Once sorted ([`Index::sort`]) in list order, as are their texts in
    /// `texts`, so that a search walks memory in order; writes put a new entry at the end
    /// (and its place in `order`), and a removed entry's place takes the last one.
    entries: Vec<Meta>,
    /// Every entry's text, one after the other; an entry written again leaves its old text
    /// behind (`garbage` bytes in all) until the next sort lays the buffer out again.
    texts: String,
    garbage: usize,
    /// The place of every entry in `entries`, found by its id (held once, in `texts`).
    by_id: HashTable<u32>,
    hasher: RandomState,
    /// List order (places in `entries`): made by [`Index::sort`], then kept by writes.
    order: Option<Vec<u32>>,
}

/// A place in `entries`, as `order` and `by_id` hold it.
fn place(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Index {
    pub fn new(
        data_version: i64,
        records: Versions,
        manifest: Vec<u8>,
        built: Vec<Indexed>,
    ) -> Result<Self> {
        if u32::try_from(built.len()).is_err() {
            return Err(Error::Invalid("too many entries".into()));
        }
        let mut texts = String::with_capacity(built.iter().map(|e| e.text.len()).sum());
        let mut entries = Vec::with_capacity(built.len());
        for mut e in built {
            e.meta.at = texts.len();
            texts.push_str(&e.text);
            entries.push(e.meta);
        }
        let mut index = Self {
            data_version,
            records,
            manifest,
            entries,
            texts,
            garbage: 0,
            by_id: HashTable::new(),
            hasher: RandomState::new(),
            order: None,
        };
        index.index_ids()?;
        Ok(index)
    }

    /// Builds `by_id` from `entries`.
    fn index_ids(&mut self) -> Result<()> {
        let Self {
            entries,
            texts,
            by_id,
            hasher,
            ..
        } = self;
        let id = |j: u32| row_in(texts, &entries[j as usize]).id();
        *by_id = HashTable::with_capacity(entries.len());
        for i in 0..entries.len() {
            let key = id(place(i));
            let hash = hasher.hash_one(key);
            if by_id.find(hash, |&j| id(j) == key).is_some() {
                return Err(Error::Damaged("an entry is stored twice"));
            }
            by_id.insert_unique(hash, place(i), |&j| hasher.hash_one(id(j)));
        }
        Ok(())
    }

    fn row(&self, place: usize) -> Row<'_> {
        row_in(&self.texts, &self.entries[place])
    }

    /// The place of the entry with this id.
    fn place_of(&self, id: &str) -> Option<usize> {
        self.by_id
            .find(self.hasher.hash_one(id), |&j| {
                self.row(j as usize).id() == id
            })
            .map(|&j| j as usize)
    }

    /// Where the entry at `place` is (`Ok`) or belongs (`Err`) in the list order.
    fn position(&self, order: &[u32], place: usize) -> std::result::Result<usize, usize> {
        let key = self.row(place).order_key();
        order.binary_search_by(|&j| self.row(j as usize).order_key().cmp(&key))
    }

    /// Every place, in list order. Compared first by the group's rank among the distinct
    /// groups and by the first 16 bytes of the lower-cased title (integers, no text read),
    /// then, where both are equal, by the whole key: the same order as the whole key alone.
    fn list_order(&self) -> Vec<u32> {
        fn prefix(s: &str) -> u128 {
            let mut bytes = [0u8; 16];
            let n = s.len().min(16);
            bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
            u128::from_be_bytes(bytes)
        }
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let group_of: Vec<u32> = (0..self.entries.len())
            .map(|i| {
                let next = place(seen.len());
                *seen.entry(self.row(i).order_key().0).or_insert(next)
            })
            .collect();
        let mut groups: Vec<(&str, u32)> = seen.into_iter().collect();
        groups.sort_unstable();
        let mut rank = vec![0u32; groups.len()];
        for (r, (_, g)) in groups.iter().enumerate() {
            rank[*g as usize] = place(r);
        }
        let mut keys: Vec<(u32, u128, u32)> = (0..self.entries.len())
            .map(|i| {
                let title = self.row(i).order_key().1;
                (rank[group_of[i] as usize], prefix(title), place(i))
            })
            .collect();
        keys.sort_unstable_by(|a, b| {
            (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
                let (a, b) = (self.row(a.2 as usize), self.row(b.2 as usize));
                a.order_key().cmp(&b.order_key())
            })
        });
        keys.into_iter().map(|k| k.2).collect()
    }

    /// Sorts the list order if it is not kept, and lays entries and texts out in it (again
    /// if writes left much of the buffer unused): what a list calls before reading.
    pub fn sort(&mut self) {
        if self.order.is_some() && self.garbage <= self.texts.len() / 2 {
            return;
        }
        let order = self.order.take().unwrap_or_else(|| self.list_order());
        let mut texts = String::with_capacity(self.texts.len() - self.garbage);
        let mut entries = Vec::with_capacity(self.entries.len());
        for &j in &order {
            let e = &self.entries[j as usize];
            let text = row_in(&self.texts, e).text;
            entries.push(Meta {
                at: texts.len(),
                ..e.clone()
            });
            texts.push_str(text);
        }
        // Every place moved: the id table follows (no id is hashed again).
        let mut moved_to = vec![0u32; self.entries.len()];
        for (to, &from) in order.iter().enumerate() {
            moved_to[from as usize] = place(to);
        }
        for j in self.by_id.iter_mut() {
            *j = moved_to[*j as usize];
        }
        self.entries = entries;
        self.texts = texts;
        self.garbage = 0;
        let mut order = order;
        for (i, j) in order.iter_mut().enumerate() {
            *j = place(i);
        }
        self.order = Some(order);
    }

    fn put(&mut self, e: Indexed) {
        let Indexed { text, mut meta } = e;
        meta.at = self.texts.len();
        self.texts.push_str(&text);
        let id = row_in(&self.texts, &meta).id();
        let hash = self.hasher.hash_one(id);
        let at = match self.place_of(id) {
            Some(at) => {
                if let Some(mut order) = self.order.take() {
                    if let Ok(p) = self.position(&order, at) {
                        order.remove(p);
                    }
                    self.order = Some(order);
                }
                self.garbage += self.entries[at].ends[6] as usize;
                self.entries[at] = meta;
                at
            }
            None => {
                self.entries.push(meta);
                let at = self.entries.len() - 1;
                let Self {
                    entries,
                    texts,
                    by_id,
                    hasher,
                    ..
                } = self;
                by_id.insert_unique(hash, place(at), |&j| {
                    hasher.hash_one(row_in(texts, &entries[j as usize]).id())
                });
                at
            }
        };
        if let Some(mut order) = self.order.take() {
            if let Err(p) = self.position(&order, at) {
                order.insert(p, place(at));
            }
            self.order = Some(order);
        }
    }

    fn remove(&mut self, id: &str) {
        let Some(at) = self.place_of(id) else {
            return;
        };
        let last = self.entries.len() - 1;
        let mut order = self.order.take();
        if let Some(order) = order.as_mut() {
            if let Ok(p) = self.position(order, at) {
                order.remove(p);
            }
        }
        let hash = self.hasher.hash_one(id);
        if let Ok(found) = self.by_id.find_entry(hash, |&j| j as usize == at) {
            found.remove();
        }
        if at != last {
            // The last entry takes the removed one's place.
            if let Some(order) = order.as_mut() {
                if let Ok(p) = self.position(order, last) {
                    order[p] = place(at);
                }
            }
            let hash = self.hasher.hash_one(self.row(last).id());
            if let Some(j) = self.by_id.find_mut(hash, |&j| j as usize == last) {
                *j = place(at);
            }
        }
        self.garbage += self.entries[at].ends[6] as usize;
        self.entries.swap_remove(at);
        self.order = order;
    }

    /// Applies the workspace's own committed write: its new record list and entry changes.
    pub fn apply(&mut self, records: Versions, manifest: Vec<u8>, changes: Vec<Change>) {
        self.records = records;
        self.manifest = manifest;
        if changes.len() > RESORT_AFTER {
            self.order = None;
        }
        for change in changes {
            match change {
                Change::Put(e) => self.put(*e),
                Change::Removed(id) => self.remove(&id),
            }
        }
    }

    /// Every entry in list order (sorted here, for this call only, if [`Index::sort`] was not
    /// called: a command that lists once).
    pub fn entries(&self) -> impl Iterator<Item = Row<'_>> {
        let order: std::borrow::Cow<'_, [u32]> = match &self.order {
            Some(order) => order.into(),
            None => self.list_order().into(),
        };
        (0..order.len()).map(move |i| self.row(order[i] as usize))
    }

    /// The entries `needle` (lower case) matches, in list order: one pass over the entries
    /// laid out in list order, so a keystroke sorts nothing and copies no key.
    pub fn matching<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = Row<'a>> + 'a {
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
        self.place_of(id)?;
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
        if self.place_of(&lower).is_some() {
            return Ok(lower);
        }
        let rows = || (0..self.entries.len()).map(|i| self.row(i));
        if q.len() >= 4 {
            let mut by_prefix = rows().map(|r| r.id()).filter(|id| id.starts_with(&lower));
            if let (Some(one), None) = (by_prefix.next(), by_prefix.next()) {
                return Ok(one.to_owned());
            }
        }
        let by_title: Vec<&str> = rows()
            .filter(|r| lower_equals(r.title(), &lower))
            .map(|r| r.id())
            .collect();
        match by_title.as_slice() {
            [] => Err(Error::NoMatch(query.to_owned())),
            [one] => Ok((*one).to_owned()),
            many => Err(Error::Ambiguous(many.len(), query.to_owned())),
        }
    }
}

/// The entry `meta` describes, its text in `texts`.
fn row_in<'a>(texts: &'a str, meta: &'a Meta) -> Row<'a> {
    let end = meta.at.saturating_add(meta.ends[6] as usize);
    Row {
        meta,
        text: texts.get(meta.at..end).unwrap_or_default(),
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
            fields: vec![
                crate::entry::CustomField::text("IBAN", "DE44 5001"),
                crate::entry::CustomField::secret("PIN", "9876".into()),
            ],
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
            "iban",
            "de44 5001",
            "pin",
            "9876",
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
        assert!(
            indexed.matches(&Needle::new("de44")),
            "a plain custom field"
        );
        assert!(!indexed.matches(&Needle::new("9876")), "never a secret one");
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

    /// The list order (compared by 16-byte prefixes first) is the order of the whole key:
    /// group, lower-cased title, id, for names sharing long prefixes, NUL, and other scripts.
    #[test]
    fn the_list_order_is_that_of_the_whole_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let titles = [
            "Service 0000000000000001",
            "service 000000000000000",
            "Service 00000000000000010",
            "a",
            "a\0",
            "A",
            "Ärger",
            "ärger b",
            "ΣΊΣΥΦΟΣ",
            "Zebra",
        ];
        let groups = [
            None,
            Some(""),
            Some("Company/Department A"),
            Some("Company/Department A/Sub"),
            Some("Company/Department B"),
            Some("company/department a"),
        ];
        let news = groups
            .iter()
            .flat_map(|g| {
                titles.iter().map(move |t| {
                    let mut e = NewEntry::new(*t, EntryKind::Note);
                    e.group = g.map(str::to_owned);
                    e
                })
            })
            .collect();
        ws.add_all(news).unwrap();
        let full: Vec<crate::view::EntrySummary> =
            ws.entries().unwrap().iter().map(Into::into).collect();
        assert_eq!(ws.summaries().unwrap(), full);
    }

    /// The list order and the id table follow the workspace's own writes (one entry put,
    /// moved, removed, or many at once): the index answers as a full read does.
    #[test]
    fn writes_keep_the_order_and_the_ids() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let full = |ws: &mut OpenWorkspace| -> Vec<crate::view::EntrySummary> {
            ws.entries().unwrap().iter().map(Into::into).collect()
        };
        let news = |n: usize, from: usize| -> Vec<NewEntry> {
            (from..from + n)
                .map(|i| {
                    let mut e = NewEntry::new(format!("T{}", (i * 7) % 13), EntryKind::Note);
                    e.group = (i % 3 != 0).then(|| format!("G{}", i % 4));
                    e
                })
                .collect()
        };
        let mut ids: Vec<String> = ws
            .add_all(news(20, 0))
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ws.summaries().unwrap(), full(&mut ws));
        for (step, id) in ids.clone().iter().enumerate() {
            match step % 3 {
                0 => ws.remove(id).unwrap(),
                1 => {
                    let mut e = ws.find(id).unwrap();
                    e.title = format!("moved {step}");
                    e.group = Some("A".into());
                    ws.update(e).unwrap();
                }
                _ => ids.push(ws.add(news(1, 100 + step).pop().unwrap()).unwrap().id),
            }
            assert_eq!(ws.summaries().unwrap(), full(&mut ws), "step {step}");
            for id in ids.iter().skip(step + 1) {
                assert_eq!(&ws.find(id).unwrap().id, id);
            }
        }
        // More than RESORT_AFTER at once: the order is sorted again.
        ws.add_all(news(super::RESORT_AFTER + 1, 1000)).unwrap();
        assert_eq!(ws.summaries().unwrap(), full(&mut ws));
        let some = ws.summaries().unwrap()[7].id.clone();
        ws.remove(&some).unwrap();
        assert_eq!(ws.summaries().unwrap(), full(&mut ws));
        assert!(matches!(ws.find(&some), Err(Error::NoMatch(_))));
    }

    /// The index's fields taken out of an entry are those copied from it, and give back its
    /// summary.
    #[test]
    fn fields_taken_from_an_entry_are_those_copied() {
        for line in include_str!("../../tests/fixtures/sealed_entries.jsonl").lines() {
            let entry = crate::entry::sealed::from_json(line.as_bytes()).unwrap();
            let copied = super::Indexed::of(&entry);
            let summary = crate::view::EntrySummary::from(&entry);
            let taken = super::Indexed::from_entry(entry);
            assert_eq!(format!("{copied:?}"), format!("{taken:?}"));
            assert_eq!(crate::view::ListRow::to_summary(&taken.row()), summary);
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
            fields: Vec::new(),
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
