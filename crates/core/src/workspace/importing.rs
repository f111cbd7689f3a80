//! Importing a [`Plan`] into an open workspace without ever dropping something new.
//!
//! An item is a *duplicate*, and left out, only when one entry (of the workspace, or an earlier
//! item of the same file) already holds every field the item brings: kind, title, user name,
//! URL, password, notes, OTP generator, group, tags. An authenticator entry, which carries
//! nothing else, is a duplicate of one with the same secret, issuer and account. An item that
//! only resembles an entry (the same OTP secret, or the same title, user name and URL) is
//! *similar*: it is imported unless the user chooses to skip it or, for an entry of the
//! workspace, to let it replace that entry.

use super::{new_id, normalize_group, Error, NewEntry, OpenWorkspace, Result};
use crate::crypto::KeyedHash;
use crate::entry::{Entry, EntryKind, EntryType};
use crate::import::{Earlier, FileOf, Plan, Skipped};
use crate::otp::OtpParams;
use std::collections::HashMap;
use std::fmt;

/// What the user does with one item of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Choice {
    /// Create it as a new entry (the default).
    #[default]
    Import,
    /// Leave it out.
    Skip,
    /// Write it over the workspace's entry it is similar to (same id and creation time).
    Replace,
}

/// What a similar item shares with the entry it resembles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Resemblance {
    /// The same authenticator secret.
    SameOtpSecret,
    /// The same title, user name and URL (ignoring case).
    SameTitleUserUrl,
}

impl fmt::Display for Resemblance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SameOtpSecret => "same authenticator secret",
            Self::SameTitleUserUrl => "same title, user name and URL",
        })
    }
}

/// The entry an imported item resembles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Similar {
    /// Its title.
    pub to: String,
    /// What the two share.
    pub reason: Resemblance,
    /// The workspace entry's id; `None` when it is an earlier item of the same file.
    pub existing: Option<String>,
    /// The workspace entry's creation time, kept when it is replaced.
    #[serde(skip)]
    created: i64,
}

/// A file's name and bytes.
type NamedBytes = (String, zeroize::Zeroizing<Vec<u8>>);

/// One item that an import writes unless the user skips it.
#[derive(Debug)]
struct Item {
    entry: NewEntry,
    similar: Option<Similar>,
    choice: Choice,
    /// Its earlier versions, oldest first (kept when it is imported as a new entry).
    history: Vec<Earlier>,
    /// Its attached files.
    files: Vec<NamedBytes>,
}

/// What an import will do, for the user to see (and decide on) before anything is written.
#[derive(Debug, Default)]
pub struct Preview {
    /// Items to write, in the file's order, each with its choice.
    items: Vec<Item>,
    /// Items whose every field is already in one entry, left out.
    pub duplicates: Vec<Skipped>,
    /// Items the importer could not read, left out.
    pub skipped: Vec<Skipped>,
    /// Items of the source's recycle bin: written to the bin.
    trash: Vec<TrashedItem>,
}

/// An item of the source's recycle bin, written to the workspace's bin.
#[derive(Debug)]
struct TrashedItem {
    entry: NewEntry,
    /// Its earlier versions, oldest first.
    history: Vec<Earlier>,
    /// Its attached files (they stay with it in the bin, and come back with it).
    files: Vec<NamedBytes>,
}

/// What an import writes besides the entries: the earlier versions of new entries, the
/// entries of the source's recycle bin (with theirs), and the files attached to entries.
#[derive(Debug, Default)]
pub struct ImportExtras {
    /// Entry id and its earlier versions, oldest first.
    pub versions: Vec<(String, Vec<Entry>)>,
    /// Entries for the recycle bin, each with its earlier versions.
    pub trash: Vec<(Entry, Vec<Entry>)>,
    /// Files to attach to the entries written, those for the recycle bin included.
    pub files: Vec<NewFile>,
}

/// An item as a preview shows it: no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedEntry {
    /// The title the entry will have.
    pub title: String,
    /// `login`, `otp`, `note` or `remote`.
    pub kind: EntryType,
    /// The group (folder) it goes to.
    pub group: Option<String>,
    /// Whether it brings an OTP generator.
    pub has_otp: bool,
    /// The entry it resembles, if any.
    pub similar: Option<Similar>,
    /// What the import will do with it.
    pub choice: Choice,
}

/// What an import wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// New entries.
    pub created: usize,
    /// Workspace entries replaced by a similar item.
    pub replaced: usize,
    /// Files attached to the written entries, those written to the recycle bin included (a
    /// team workspace keeps none yet).
    pub attachments: usize,
}

impl Imported {
    /// Entries written, new or replaced.
    pub fn written(&self) -> usize {
        self.created + self.replaced
    }
}

impl Preview {
    /// Every item, as shown before importing.
    pub fn planned(&self) -> Vec<PlannedEntry> {
        self.items
            .iter()
            .map(|i| PlannedEntry {
                title: i.entry.title.clone(),
                kind: EntryType::of(&i.entry.kind),
                group: i.entry.group.clone(),
                has_otp: i.entry.kind.otp().is_some(),
                similar: i.similar.clone(),
                choice: i.choice,
            })
            .collect()
    }

    /// Sets what is done with item `index`. Only an item similar to a workspace entry can
    /// replace it.
    pub fn choose(&mut self, index: usize, choice: Choice) -> Result<()> {
        let item = self
            .items
            .get(index)
            .ok_or_else(|| Error::Invalid(format!("the import has no item {index}")))?;
        let target = |i: &Item| i.similar.as_ref().and_then(|s| s.existing.clone());
        if choice == Choice::Replace {
            let Some(id) = target(item) else {
                return Err(Error::Invalid(format!(
                    "“{}” resembles no entry of the workspace: there is nothing to replace",
                    item.entry.title
                )));
            };
            let taken = self.items.iter().enumerate().any(|(j, other)| {
                j != index && other.choice == Choice::Replace && target(other) == Some(id.clone())
            });
            if taken {
                return Err(Error::Invalid(
                    "another item already replaces that entry".into(),
                ));
            }
        }
        self.items[index].choice = choice;
        Ok(())
    }

    /// Chooses to skip every similar item.
    pub fn skip_similar(&mut self) {
        for item in self.items.iter_mut().filter(|i| i.similar.is_some()) {
            item.choice = Choice::Skip;
        }
    }
}

/// The fields of an entry that an import compares, whether it is in the workspace or the file.
struct Fields<'a> {
    title: &'a str,
    group: Option<&'a str>,
    tags: &'a [String],
    notes: &'a str,
    kind: &'a EntryKind,
}

impl<'a> From<&'a Entry> for Fields<'a> {
    fn from(e: &'a Entry) -> Self {
        Fields::new(&e.title, e.group.as_deref(), &e.tags, &e.notes, &e.kind)
    }
}

impl<'a> From<&'a NewEntry> for Fields<'a> {
    fn from(e: &'a NewEntry) -> Self {
        Fields::new(&e.title, e.group.as_deref(), &e.tags, &e.notes, &e.kind)
    }
}

impl<'a> Fields<'a> {
    fn new(
        title: &'a str,
        group: Option<&'a str>,
        tags: &'a [String],
        notes: &'a str,
        kind: &'a EntryKind,
    ) -> Self {
        Self {
            title,
            group,
            tags,
            notes,
            kind,
        }
    }

    /// Whether this entry already holds everything `new` brings (an empty field brings
    /// nothing). Authenticator entries compare by secret, issuer and account only.
    fn holds(&self, new: &Fields) -> bool {
        use EntryKind::*;
        let text = |have: &str, brought: &str| brought.is_empty() || have == brought;
        let same_otp = |have: Option<&OtpParams>, brought: Option<&OtpParams>| {
            brought.is_none_or(|b| have.is_some_and(|h| same_generator(h, b)))
        };
        if let (Otp { otp: have }, Otp { otp: brought }) = (self.kind, new.kind) {
            return same_key(have, brought)
                && have.issuer == brought.issuer
                && have.account == brought.account;
        }
        let kind_holds = match (self.kind, new.kind) {
            (Login(have), Login(brought)) => {
                text(&have.username, &brought.username)
                    && text(&have.url, &brought.url)
                    && text(
                        have.password.expose_secret(),
                        brought.password.expose_secret(),
                    )
                    && same_otp(have.otp.as_ref(), brought.otp.as_ref())
            }
            (Note, Note) => true,
            (Remote(have), Remote(brought)) => {
                (have.protocol, &have.host, have.port)
                    == (brought.protocol, &brought.host, brought.port)
                    && brought
                        .login
                        .as_ref()
                        .is_none_or(|l| have.login.as_ref() == Some(l))
            }
            _ => false,
        };
        kind_holds
            && self.title == new.title
            && new.group.is_none_or(|g| self.group == Some(g))
            && new.tags.iter().all(|t| self.tags.contains(t))
            && text(self.notes, new.notes)
    }

    /// Kind and title, ignoring case: where to look for duplicates and look-alikes.
    fn title_key(&self) -> String {
        format!("{}\u{0}{}", self.kind.name(), self.title.to_lowercase())
    }

    /// The same title, user name and URL, ignoring case.
    fn looks_like(&self, other: &Fields) -> bool {
        let lower = |s: Option<String>| s.unwrap_or_default().to_lowercase();
        self.title.to_lowercase() == other.title.to_lowercase()
            && lower(self.kind.username().map(str::to_owned))
                == lower(other.kind.username().map(str::to_owned))
            && lower(self.kind.url()) == lower(other.kind.url())
    }
}

/// The same key and kind of generator (an HOTP counter may have moved on).
fn same_key(a: &OtpParams, b: &OtpParams) -> bool {
    std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind) && a.secret() == b.secret()
}

/// The same generator: key, kind, algorithm, digits, period, issuer and account.
fn same_generator(a: &OtpParams, b: &OtpParams) -> bool {
    same_key(a, b)
        && (a.algorithm, a.digits, a.period) == (b.algorithm, b.digits, b.period)
        && (&a.issuer, &a.account) == (&b.issuer, &b.account)
}

/// An entry an item is compared with.
#[derive(Clone, Copy)]
enum Known {
    /// The workspace's entry at this index.
    Existing(usize),
    /// The preview's item at this index (an earlier row of the file).
    Earlier(usize),
}

/// What is known so far, indexed by title and by OTP secret (under a keyed hash).
struct Index<'a> {
    existing: &'a [Entry],
    by_title: HashMap<String, Vec<Known>>,
    by_secret: HashMap<[u8; 32], Vec<Known>>,
    hash: KeyedHash,
}

impl<'a> Index<'a> {
    fn new(existing: &'a [Entry]) -> Result<Self> {
        let mut index = Self {
            existing,
            by_title: HashMap::new(),
            by_secret: HashMap::new(),
            hash: KeyedHash::new()?,
        };
        for (i, e) in existing.iter().enumerate() {
            index.insert(Known::Existing(i), &Fields::from(e));
        }
        Ok(index)
    }

    fn insert(&mut self, known: Known, fields: &Fields) {
        self.by_title
            .entry(fields.title_key())
            .or_default()
            .push(known);
        if let Some(otp) = fields.kind.otp() {
            self.by_secret
                .entry(self.hash.of(otp.secret()))
                .or_default()
                .push(known);
        }
    }

    fn fields<'b>(&'b self, known: Known, items: &'b [Item]) -> Fields<'b> {
        match known {
            Known::Existing(i) => Fields::from(&self.existing[i]),
            Known::Earlier(i) => Fields::from(&items[i].entry),
        }
    }

    /// Where to look for `new`: the entries of the same kind and title, and those with the same
    /// OTP secret.
    fn candidates(&self, new: &Fields) -> (Vec<Known>, Vec<Known>) {
        let same_title = self
            .by_title
            .get(&new.title_key())
            .cloned()
            .unwrap_or_default();
        let same_secret = new
            .kind
            .otp()
            .and_then(|otp| self.by_secret.get(&self.hash.of(otp.secret())))
            .cloned()
            .unwrap_or_default();
        (same_title, same_secret)
    }

    /// The known entry that holds all of `new`, if any.
    fn holder(&self, new: &Fields, items: &[Item]) -> Option<Known> {
        let (same_title, same_secret) = self.candidates(new);
        same_title
            .into_iter()
            .chain(same_secret)
            .find(|&k| self.fields(k, items).holds(new))
    }

    /// The entry `new` resembles, preferring the workspace's (which it may replace).
    fn resembled(&self, new: &Fields, items: &[Item]) -> Option<Similar> {
        let (same_title, same_secret) = self.candidates(new);
        let look_alikes = same_title
            .into_iter()
            .filter(|&k| self.fields(k, items).looks_like(new));
        let found = same_secret
            .into_iter()
            .map(|k| (k, Resemblance::SameOtpSecret))
            .chain(look_alikes.map(|k| (k, Resemblance::SameTitleUserUrl)));
        let mut first = None;
        for (known, reason) in found {
            if let Known::Existing(i) = known {
                let e = &self.existing[i];
                return Some(Similar {
                    to: e.title.clone(),
                    reason,
                    existing: Some(e.id.clone()),
                    created: e.created,
                });
            }
            first = first.or(Some((known, reason)));
        }
        first.map(|(known, reason)| Similar {
            to: self.fields(known, items).title.to_owned(),
            reason,
            existing: None,
            created: 0,
        })
    }
}

/// The preview of an import: `plan` sorted into items to write (each flagged when it resembles
/// one of `existing`) and duplicates.
pub(crate) fn preview(existing: &[Entry], plan: Plan) -> Result<Preview> {
    let mut index = Index::new(existing)?;
    let mut history = plan.history;
    let mut files: HashMap<FileOf, Vec<NamedBytes>> = HashMap::new();
    for f in plan.files {
        files.entry(f.of).or_default().push((f.name, f.data));
    }
    let trash = plan
        .trash
        .into_iter()
        .enumerate()
        .map(|(i, (entry, history))| TrashedItem {
            entry,
            history,
            files: files.remove(&FileOf::Trashed(i)).unwrap_or_default(),
        })
        .collect();
    let mut preview = Preview {
        skipped: plan.skipped,
        trash,
        ..Preview::default()
    };
    for (i, mut entry) in plan.entries.into_iter().enumerate() {
        let earlier = history.remove(&i).unwrap_or_default();
        entry.group = normalize_group(entry.group.take());
        let fields = Fields::from(&entry);
        if let Some(holder) = index.holder(&fields, &preview.items) {
            let reason = match holder {
                Known::Existing(_) => "already in the workspace",
                Known::Earlier(_) => "appears twice in the file",
            };
            preview.duplicates.push(Skipped {
                item: entry.title.clone(),
                reason: reason.into(),
            });
            continue;
        }
        let similar = index.resembled(&fields, &preview.items);
        index.insert(Known::Earlier(preview.items.len()), &fields);
        preview.items.push(Item {
            entry,
            similar,
            choice: Choice::Import,
            history: earlier,
            files: files.remove(&FileOf::Entry(i)).unwrap_or_default(),
        });
    }
    Ok(preview)
}

/// What an import writes, as the preview's items are chosen: the entries (made at `now`), the
/// ids of those that replace an entry (which must still exist), and the counts.
#[allow(clippy::type_complexity)]
pub(crate) fn writes(
    preview: Preview,
    now: i64,
) -> Result<(Vec<Entry>, Vec<String>, Imported, ImportExtras)> {
    let mut entries = Vec::new();
    let mut replacing = Vec::new();
    let mut extras = ImportExtras::default();
    // Earlier versions as entries of `id`, each at its own time (at most `now`).
    let versions = |earlier: Vec<Earlier>, id: &str, created: i64| -> Result<Vec<Entry>> {
        earlier
            .into_iter()
            .map(|e| {
                let modified = e
                    .modified
                    .unwrap_or(created)
                    .clamp(created, now.max(created));
                let mut entry = e.entry;
                entry.group = normalize_group(entry.group.take());
                entry.into_entry(id.to_owned(), created, modified)
            })
            .collect()
    };
    for item in preview.trash {
        let id = new_id()?;
        let old = versions(item.history, &id, now)?;
        let mut entry = item.entry;
        entry.group = normalize_group(entry.group.take());
        for (name, data) in item.files {
            extras.files.push(NewFile {
                entry: id.clone(),
                name,
                data,
            });
        }
        extras.trash.push((entry.into_entry(id, now, now)?, old));
    }
    for item in preview.items {
        let is_new = item.choice == Choice::Import;
        let (id, created) = match (item.choice, item.similar) {
            (Choice::Skip, _) => continue,
            (
                Choice::Replace,
                Some(Similar {
                    existing: Some(id),
                    created,
                    ..
                }),
            ) => {
                replacing.push(id.clone());
                (id, created)
            }
            (Choice::Replace, _) => {
                return Err(Error::Invalid(
                    "only an item similar to a workspace entry can replace it".into(),
                ))
            }
            (Choice::Import, _) => (new_id()?, now),
        };
        if is_new && !item.history.is_empty() {
            extras
                .versions
                .push((id.clone(), versions(item.history, &id, created)?));
        }
        for (name, data) in item.files {
            extras.files.push(NewFile {
                entry: id.clone(),
                name,
                data,
            });
        }
        entries.push(item.entry.into_entry(id, created, now)?);
    }
    let imported = Imported {
        created: entries.len() - replacing.len(),
        replaced: replacing.len(),
        attachments: 0,
    };
    Ok((entries, replacing, imported, extras))
}

/// A file to attach to an entry an import writes.
pub struct NewFile {
    /// The entry's id.
    pub entry: String,
    /// The file's name.
    pub name: String,
    /// Its bytes.
    pub data: zeroize::Zeroizing<Vec<u8>>,
}

impl fmt::Debug for NewFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewFile")
            .field("entry", &self.entry)
            .field("name", &self.name)
            .field("size", &self.data.len())
            .finish()
    }
}

impl OpenWorkspace {
    /// Writes `entries` in one transaction, all or none; each of `replacing` must exist.
    pub(crate) fn put_all_entries(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
    ) -> Result<()> {
        self.put_imported(entries, replacing, ImportExtras::default())
            .map(drop)
    }

    /// [`put_all_entries`](Self::put_all_entries), with the earlier versions of new entries,
    /// the entries for the recycle bin and the files attached to the entries, in the same
    /// transaction (a name an entry has already gets ` (2)`…); how many files were attached.
    pub(crate) fn put_imported(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
        extras: ImportExtras,
    ) -> Result<usize> {
        let now = self.clock().now();
        self.write(|w| {
            for id in replacing {
                if !w.entry_exists(id)? {
                    return Err(Error::NoMatch(id.clone()));
                }
            }
            let replaced: std::collections::HashSet<&str> =
                replacing.iter().map(String::as_str).collect();
            for e in entries {
                // A replaced entry keeps its former self in its history.
                if replaced.contains(e.id.as_str()) {
                    if let Some(old) = w.stored_entry(&e.id)? {
                        w.keep_version(&old, e)?;
                    }
                }
                w.put_entry(e)?;
            }
            if !extras.versions.is_empty() || !extras.trash.is_empty() {
                let by_id: HashMap<&str, &Entry> =
                    entries.iter().map(|e| (e.id.as_str(), e)).collect();
                for (id, versions) in &extras.versions {
                    let current = by_id
                        .get(id.as_str())
                        .ok_or_else(|| Error::NoMatch(id.clone()))?;
                    w.import_history(current, versions)?;
                }
                for (entry, versions) in &extras.trash {
                    w.import_trashed(entry, versions, now)?;
                }
            }
            let n = extras.files.len();
            for f in extras.files {
                super::attachments::write_attachment(
                    w,
                    &f.entry,
                    &f.name,
                    &mut f.data.as_slice(),
                    f.data.len() as u64,
                    now,
                    true,
                )?;
            }
            Ok(n)
        })
    }
}
