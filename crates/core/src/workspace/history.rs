//! Entry history and the recycle bin of a file workspace.
//!
//! Every update of an entry keeps the entry as it was in a per-entry history record
//! (collection [`HISTORY`]); deleting an entry moves it to a bin record (collection
//! [`TRASH`]), its history staying where it is. Both are sealed like any record under the
//! entries key and bound by the manifest; they are read only when asked for (never at open,
//! list or search), and an update reads and seals only the one history record of the entry it
//! changes. The record id of both is [`record_id`], an opaque hash of the entry id, so the
//! entry ids stay inside the sealed bytes. The limit of kept versions per entry is a record of
//! the collection [`SETTINGS`].

use super::{Error, OpenWorkspace, Result, Writer};
use crate::entry::{packed, Entry, EntryKind, Login, Remote};
use crate::otp::{OtpKind, OtpParams};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// Collection of history records: one per entry that has been changed.
pub const HISTORY: &str = "history";
/// Collection of recycle-bin records: one per deleted entry.
pub const TRASH: &str = "trash";
/// Collection of workspace settings (JSON records).
pub const SETTINGS: &str = "settings";
/// The settings record holding the history limit.
pub(crate) const HISTORY_SETTINGS: &str = "history";
/// Versions kept per entry unless the workspace says otherwise.
pub const DEFAULT_HISTORY_LIMIT: u32 = 20;
/// The most versions per entry a workspace may keep.
pub const MAX_HISTORY_LIMIT: u32 = 1000;
/// First byte of a history or bin record's plaintext: postcard of the records below.
const RECORD_FORM: u8 = 1;
const RECORD_ID_CONTEXT: &[u8] = b"portcullis/v1/entry-record";

/// The record id of an entry's history and bin records: the first 16 bytes of
/// SHA-256(`portcullis/v1/entry-record` || entry id), in lower-case hex.
pub fn record_id(entry_id: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(RECORD_ID_CONTEXT);
    ctx.update(entry_id.as_bytes());
    let digest = ctx.finish();
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One version of an entry, as [`OpenWorkspace::history`] lists it.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its number: 1 for the entry as created, one more for each change; the current
    /// version has the highest.
    pub number: u64,
    /// When it was made (the entry's modified time in it).
    pub modified: i64,
    /// The fields that differ from the version before it (`title`, `group`, `tags`, `notes`,
    /// `type`, `username`, `password`, `url`, `otp`, `ssh_key`, `protocol`, `host`, `port`,
    /// `login`, `host_key`, `certificate`); empty for the first version and when the version
    /// before it is not known.
    pub changed: Vec<String>,
    /// Whether this is the entry as it is now.
    pub current: bool,
    /// The entry as it was.
    pub entry: Entry,
}

/// An entry in the recycle bin.
#[derive(Debug, Clone)]
pub struct Trashed {
    /// When it was moved to the bin, Unix seconds.
    pub deleted: i64,
    /// The entry as it was deleted.
    pub entry: Entry,
}

/// An entry's history record, opened: its earlier versions and what each changed. The
/// plaintext of a history record (after [`RECORD_FORM`]); a team workspace keeps the same
/// records (`team::workspace`).
#[derive(Serialize, Deserialize)]
pub(crate) struct EntryHistory {
    entry_id: String,
    /// The number of the entry's current version.
    current: u64,
    /// What the current version changed.
    current_changed: Vec<String>,
    /// When the password last changed, if it changed since history began.
    password_changed: Option<i64>,
    /// The kept versions, oldest first.
    versions: Vec<StoredVersion>,
}

#[derive(Serialize, Deserialize)]
struct StoredVersion {
    number: u64,
    changed: Vec<String>,
    /// The entry, packed as a one-entry bucket ([`packed::pack`]).
    packed: Vec<u8>,
}

impl Drop for StoredVersion {
    fn drop(&mut self) {
        self.packed.zeroize();
    }
}

/// The plaintext of a bin record (after [`RECORD_FORM`]).
#[derive(Serialize, Deserialize)]
struct StoredTrash {
    deleted: i64,
    packed: Vec<u8>,
}

impl Drop for StoredTrash {
    fn drop(&mut self) {
        self.packed.zeroize();
    }
}

#[derive(Serialize, Deserialize)]
struct HistorySettings {
    limit: u32,
}

fn encode(value: &impl Serialize) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(vec![RECORD_FORM]);
    let body = Zeroizing::new(postcard::to_allocvec(value).map_err(|_| Error::Crypto)?);
    out.extend_from_slice(&body);
    Ok(out)
}

fn decode<T: serde::de::DeserializeOwned>(plain: &[u8]) -> Result<T> {
    match plain.split_first() {
        Some((&RECORD_FORM, body)) => match postcard::take_from_bytes(body) {
            Ok((value, [])) => Ok(value),
            _ => Err(Error::Damaged(
                "a history or recycle-bin record is unreadable",
            )),
        },
        _ => Err(Error::Damaged(
            "a history or recycle-bin record is of an unknown form",
        )),
    }
}

fn pack_one(entry: &Entry) -> Result<Vec<u8>> {
    let packed = packed::pack(std::iter::once(entry)).map_err(|_| Error::Crypto)?;
    Ok(packed.to_vec())
}

/// The one entry of `bytes`, which must be `entry_id`'s.
fn unpack_one(bytes: &[u8], entry_id: &str) -> Result<Entry> {
    let mut entries = packed::Unpacker::new()
        .map_err(|_| Error::Crypto)?
        .unpack(bytes)
        .map_err(|_| Error::Damaged("a history or recycle-bin record is unreadable"))?;
    match (entries.pop(), entries.is_empty()) {
        (Some(e), true) if e.id == entry_id => Ok(e),
        _ => {
            tracing::warn!("read refused: a history or bin record holds another entry");
            Err(Error::Damaged(
                "a history or recycle-bin record holds another entry",
            ))
        }
    }
}

/// A file's history record `record` in `plain`: the history of `entry_id`, stored under its
/// [`record_id`].
fn open_history(plain: &[u8], entry_id: &str, record: &str) -> Result<EntryHistory> {
    if record_id(entry_id) != record {
        tracing::warn!("read refused: a history record belongs to another entry");
        return Err(Error::Damaged("a history record belongs to another entry"));
    }
    EntryHistory::open(plain, entry_id)
}

/// The plaintext of a bin record: `entry`, deleted at `deleted`.
pub(crate) fn trash_record(entry: &Entry, deleted: i64) -> Result<Zeroizing<Vec<u8>>> {
    encode(&StoredTrash {
        deleted,
        packed: pack_one(entry)?,
    })
}

/// The entry in the bin record `plain`, which must be the entry `is_its_id` accepts.
pub(crate) fn open_trash_record(plain: &[u8], is_its_id: impl Fn(&str) -> bool) -> Result<Trashed> {
    let stored: StoredTrash = decode(plain)?;
    let mut entries = packed::Unpacker::new()
        .map_err(|_| Error::Crypto)?
        .unpack(&stored.packed)
        .map_err(|_| Error::Damaged("a recycle-bin record is unreadable"))?;
    match (entries.pop(), entries.is_empty()) {
        (Some(entry), true) if is_its_id(&entry.id) => Ok(Trashed {
            deleted: stored.deleted,
            entry,
        }),
        _ => {
            tracing::warn!("read refused: a bin record is stored under another id");
            Err(Error::Damaged(
                "a recycle-bin record is stored under another id",
            ))
        }
    }
}

/// A file's bin record `record`: an entry whose [`record_id`] it is.
fn open_trash(plain: &[u8], record: &str) -> Result<Trashed> {
    open_trash_record(plain, |id| record_id(id) == record)
}

/// The fields that differ between two versions of an entry, by name. An HOTP counter that
/// advanced is no change (taking a code is not an edit).
pub fn changed_fields(old: &Entry, new: &Entry) -> Vec<String> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut cmp = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    cmp(
        "type",
        std::mem::discriminant(&old.kind) == std::mem::discriminant(&new.kind),
    );
    cmp("title", old.title == new.title);
    cmp("group", old.group == new.group);
    cmp("tags", old.tags == new.tags);
    cmp("notes", old.notes == new.notes);
    cmp("fields", old.fields == new.fields);
    let login = |e: &Entry| match &e.kind {
        EntryKind::Login(l) => Some(l.clone()),
        _ => None,
    };
    let (lo, ln): (Option<Login>, Option<Login>) = (login(old), login(new));
    // An empty field and no field (another type) are the same.
    let field =
        |l: &Option<Login>, f: fn(&Login) -> String| l.as_ref().map(f).filter(|v| !v.is_empty());
    cmp(
        "username",
        field(&lo, |l| l.username.clone()) == field(&ln, |l| l.username.clone()),
    );
    fn password(l: &Option<Login>) -> Option<&crate::crypto::SecretString> {
        l.as_ref()
            .map(|l| &l.password)
            .filter(|p| !p.expose_secret().is_empty())
    }
    cmp("password", password(&lo) == password(&ln));
    cmp(
        "url",
        field(&lo, |l| l.url.clone()) == field(&ln, |l| l.url.clone()),
    );
    cmp("otp", same_otp(old.otp(), new.otp()));
    cmp(
        "ssh_key",
        lo.as_ref().and_then(|l| l.ssh_key.as_ref())
            == ln.as_ref().and_then(|l| l.ssh_key.as_ref()),
    );
    let remote = |e: &Entry| match &e.kind {
        EntryKind::Remote(r) => Some(r.clone()),
        _ => None,
    };
    let (ro, rn): (Option<Remote>, Option<Remote>) = (remote(old), remote(new));
    cmp(
        "protocol",
        ro.as_ref().map(|r| r.protocol) == rn.as_ref().map(|r| r.protocol),
    );
    cmp(
        "host",
        ro.as_ref().map(|r| &r.host) == rn.as_ref().map(|r| &r.host),
    );
    cmp(
        "port",
        ro.as_ref().map(|r| r.port) == rn.as_ref().map(|r| r.port),
    );
    cmp(
        "login",
        ro.as_ref().map(|r| &r.login) == rn.as_ref().map(|r| &r.login),
    );
    cmp(
        "host_key",
        ro.as_ref().map(|r| &r.host_key) == rn.as_ref().map(|r| &r.host_key),
    );
    cmp(
        "certificate",
        ro.as_ref().map(|r| r.certificate) == rn.as_ref().map(|r| r.certificate),
    );
    out.into_iter().map(str::to_owned).collect()
}

/// Whether two generators are the same but for an HOTP counter.
fn same_otp(a: Option<&OtpParams>, b: Option<&OtpParams>) -> bool {
    let without_counter = |o: &OtpParams| {
        let mut o = o.clone();
        if let OtpKind::Hotp { counter } = &mut o.kind {
            *counter = 0;
        }
        o
    };
    a.map(without_counter) == b.map(without_counter)
}

impl EntryHistory {
    pub(crate) fn new(entry_id: &str) -> Self {
        Self {
            entry_id: entry_id.to_owned(),
            current: 1,
            current_changed: Vec::new(),
            password_changed: None,
            versions: Vec::new(),
        }
    }

    /// The history record of `entry_id` in `plain` (refused when it is another entry's).
    pub(crate) fn open(plain: &[u8], entry_id: &str) -> Result<Self> {
        let stored: Self = decode(plain)?;
        if stored.entry_id != entry_id {
            tracing::warn!("read refused: a history record belongs to another entry");
            return Err(Error::Damaged("a history record belongs to another entry"));
        }
        Ok(stored)
    }

    /// The plaintext to seal.
    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        encode(self)
    }

    /// When the password last changed, if it changed since the history began.
    pub(crate) fn password_changed(&self) -> Option<i64> {
        self.password_changed
    }

    /// Keeps `old` as a version before `new` replaces it, dropping the oldest versions
    /// beyond `limit`; whether anything changed (nothing does when no field changed).
    pub(crate) fn keep(&mut self, old: &Entry, new: &Entry, limit: u32) -> Result<bool> {
        let changed = changed_fields(old, new);
        if changed.is_empty() {
            return Ok(false);
        }
        self.versions.push(StoredVersion {
            number: self.current,
            changed: std::mem::take(&mut self.current_changed),
            packed: pack_one(old)?,
        });
        self.current = self
            .current
            .checked_add(1)
            .ok_or(Error::Damaged("a history record is unreadable"))?;
        if changed.iter().any(|c| c == "password") {
            self.password_changed = Some(new.modified);
        }
        self.current_changed = changed;
        self.trim(limit);
        Ok(true)
    }

    /// The history of an imported entry: its earlier versions (oldest first) numbered from 1,
    /// `current` the newest, the oldest beyond `limit` dropped (and never packed: a file may
    /// carry a huge history).
    pub(crate) fn imported(current: &Entry, earlier: &[Entry], limit: u32) -> Result<Self> {
        let mut stored = Self::new(&current.id);
        let mut before: Option<&Entry> = None;
        let dropped = earlier.len().saturating_sub(limit as usize);
        for (i, (e, number)) in earlier.iter().zip(1..).enumerate() {
            let changed = before.map(|b| changed_fields(b, e)).unwrap_or_default();
            if changed.iter().any(|c| c == "password") {
                stored.password_changed = Some(e.modified);
            }
            if i >= dropped {
                stored.versions.push(StoredVersion {
                    number,
                    changed,
                    packed: pack_one(e)?,
                });
            }
            before = Some(e);
            stored.current = number + 1;
        }
        if let Some(b) = before {
            stored.current_changed = changed_fields(b, current);
            if stored.current_changed.iter().any(|c| c == "password") {
                stored.password_changed = Some(current.modified);
            }
        }
        stored.trim(limit);
        Ok(stored)
    }

    /// The versions of `entry` (the current one), newest first.
    pub(crate) fn versions(&self, entry: &Entry) -> Result<Vec<Version>> {
        let mut out = Vec::with_capacity(self.versions.len() + 1);
        out.push(Version {
            number: self.current,
            modified: entry.modified,
            changed: self.current_changed.clone(),
            current: true,
            entry: entry.clone(),
        });
        for v in self.versions.iter().rev() {
            let old = unpack_one(&v.packed, &self.entry_id)?;
            out.push(Version {
                number: v.number,
                modified: old.modified,
                changed: v.changed.clone(),
                current: false,
                entry: old,
            });
        }
        Ok(out)
    }

    /// The earlier versions, oldest first.
    pub(crate) fn earlier(&self) -> Result<Vec<Entry>> {
        self.versions
            .iter()
            .map(|v| unpack_one(&v.packed, &self.entry_id))
            .collect()
    }

    /// Drops the oldest versions beyond `limit`; whether any went.
    pub(crate) fn trim(&mut self, limit: u32) -> bool {
        let keep = limit as usize;
        if self.versions.len() > keep {
            let extra = self.versions.len() - keep;
            self.versions.drain(..extra);
            true
        } else {
            false
        }
    }
}

impl Writer<'_, '_> {
    /// The plaintext of a record, if the manifest lists it: read and checked against the
    /// version and hash the write started from.
    fn read_checked(&mut self, collection: &str, id: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let Some(&(version, hash)) = self.versions.get(&(collection.to_owned(), id.to_owned()))
        else {
            return Ok(None);
        };
        let row = self.tx.row(collection, id)?.ok_or(Error::Damaged(
            "records were removed, added, changed or rolled back",
        ))?;
        if row.version != version || super::record::sealed_hash(&row.sealed) != hash {
            tracing::warn!("write refused: a record does not match the manifest");
            return Err(Error::Damaged(
                "records were removed, added, changed or rolled back",
            ));
        }
        Ok(Some(self.records.open(&row)?))
    }

    fn listed(&self, collection: &str) -> Vec<String> {
        self.versions
            .keys()
            .filter(|(c, _)| c == collection)
            .map(|(_, id)| id.clone())
            .collect()
    }

    fn history_limit(&mut self) -> Result<u32> {
        match self.read_checked(SETTINGS, HISTORY_SETTINGS)? {
            None => Ok(DEFAULT_HISTORY_LIMIT),
            Some(plain) => parse_settings(&plain),
        }
    }

    fn load_history(&mut self, entry_id: &str) -> Result<Option<EntryHistory>> {
        let id = record_id(entry_id);
        self.read_checked(HISTORY, &id)?
            .map(|plain| open_history(&plain, entry_id, &id))
            .transpose()
    }

    fn save_history(&mut self, stored: &EntryHistory) -> Result<()> {
        let plain = encode(stored)?;
        self.put_sealed(HISTORY, &record_id(&stored.entry_id), &plain)
    }

    /// Keeps `old` as a version of its entry before `new` replaces it (nothing when no field
    /// changed), dropping the oldest versions beyond the limit.
    pub(super) fn keep_version(&mut self, old: &Entry, new: &Entry) -> Result<()> {
        let limit = self.history_limit()?;
        let mut stored = self
            .load_history(&old.id)?
            .unwrap_or_else(|| EntryHistory::new(&old.id));
        if stored.keep(old, new, limit)? {
            self.save_history(&stored)?;
        }
        Ok(())
    }

    /// Writes the history of an imported entry ([`EntryHistory::imported`]).
    pub(super) fn import_history(&mut self, current: &Entry, earlier: &[Entry]) -> Result<()> {
        if earlier.is_empty() {
            return Ok(());
        }
        let limit = self.history_limit()?;
        self.save_history(&EntryHistory::imported(current, earlier, limit)?)
    }

    /// Writes an imported entry straight into the bin, with its earlier versions.
    pub(super) fn import_trashed(
        &mut self,
        entry: &Entry,
        earlier: &[Entry],
        now: i64,
    ) -> Result<()> {
        if self.entry_exists(&entry.id)? {
            return Err(Error::Invalid(
                "an entry with this id exists already".into(),
            ));
        }
        self.put_sealed(TRASH, &record_id(&entry.id), &trash_record(entry, now)?)?;
        self.import_history(entry, earlier)
    }

    /// The entry with this id, as the write sees it.
    pub(super) fn stored_entry(&mut self, id: &str) -> Result<Option<Entry>> {
        Ok(self.bucket(id)?.entries.get(id).cloned())
    }

    /// Moves an entry to the bin; whether it was there.
    fn trash_entry(&mut self, id: &str, now: i64) -> Result<bool> {
        let Some(entry) = self.stored_entry(id)? else {
            return Ok(false);
        };
        self.delete_entry(id)?;
        self.put_sealed(TRASH, &record_id(id), &trash_record(&entry, now)?)?;
        Ok(true)
    }

    /// Deletes for good the records of the entry whose record id is `record`.
    /// Deletes what an entry deleted for good leaves: its bin and history records and its
    /// attachments.
    pub(super) fn purge_records(&mut self, entry_id: &str) -> Result<()> {
        super::attachments::delete_attachments_of(self, entry_id)?;
        let record = record_id(entry_id);
        let record = record.as_str();
        for collection in [TRASH, HISTORY] {
            if self
                .versions
                .contains_key(&(collection.to_owned(), record.to_owned()))
            {
                self.delete(collection, record)?;
            }
        }
        Ok(())
    }
}

/// When `entry`'s password last changed, given what its history record says (`None`: it has
/// none): the change the history saw last, or its created time if the history saw none; an
/// entry without history (never changed here, or changed before history existed) counts from
/// its last change.
pub(crate) fn password_change_time(entry: &Entry, history: Option<Option<i64>>) -> i64 {
    match history {
        Some(changed) => changed.unwrap_or(entry.created),
        None => entry.modified,
    }
}

/// The settings record holding the history limit `limit` (0 to [`MAX_HISTORY_LIMIT`]).
pub(crate) fn settings_record(limit: u32) -> Result<Zeroizing<Vec<u8>>> {
    if limit > MAX_HISTORY_LIMIT {
        return Err(Error::Invalid(format!(
            "the history limit must be between 0 and {MAX_HISTORY_LIMIT}"
        )));
    }
    let json = serde_json::to_vec(&HistorySettings { limit }).map_err(|_| Error::Crypto)?;
    Ok(Zeroizing::new(json))
}

/// The history limit a settings record holds.
pub(crate) fn parse_settings(plain: &[u8]) -> Result<u32> {
    let settings: HistorySettings = serde_json::from_slice(plain)
        .map_err(|_| Error::Damaged("the history settings are unreadable"))?;
    Ok(settings.limit.min(MAX_HISTORY_LIMIT))
}

/// The entry as version `number` of `versions` (an entry's, newest first) holds it, to be
/// made current again (its created time stays the current one's).
pub(crate) fn version_to_restore(versions: Vec<Version>, number: u64) -> Result<Entry> {
    let current = versions
        .iter()
        .find(|v| v.current)
        .ok_or(Error::Damaged("an entry has no current version"))?;
    if current.number == number {
        return Err(Error::Invalid(format!(
            "version {number} is already the current one"
        )));
    }
    let created = current.entry.created;
    let mut entry = versions
        .into_iter()
        .find(|v| v.number == number)
        .ok_or_else(|| Error::Invalid(format!("this entry has no version {number}")))?
        .entry;
    entry.created = created;
    Ok(entry)
}

/// The bin in list order: most recently deleted first, then by title.
pub(crate) fn sort_bin(bin: &mut [Trashed]) {
    bin.sort_by(|a, b| {
        b.deleted
            .cmp(&a.deleted)
            .then_with(|| a.entry.title.cmp(&b.entry.title))
    });
}

/// The entry of `all` (a bin) with this id, id prefix (at least 4 characters) or title.
pub(crate) fn find_in_bin(mut all: Vec<Trashed>, id_or_title: &str) -> Result<Trashed> {
    let q = id_or_title.trim();
    let lower = q.to_lowercase();
    let pick = |all: &mut Vec<Trashed>, hits: Vec<usize>| match hits.as_slice() {
        [one] => Ok(Some(all.swap_remove(*one))),
        [] => Ok(None),
        many => Err(Error::Ambiguous(many.len(), id_or_title.to_owned())),
    };
    let by = |f: &dyn Fn(&Trashed) -> bool, all: &Vec<Trashed>| {
        all.iter()
            .enumerate()
            .filter(|(_, t)| f(t))
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let exact = by(&|t| t.entry.id == lower, &all);
    if let Some(t) = pick(&mut all, exact)? {
        return Ok(t);
    }
    if q.len() >= 4 {
        let prefix = by(&|t| t.entry.id.starts_with(&lower), &all);
        if prefix.len() == 1 {
            if let Some(t) = pick(&mut all, prefix)? {
                return Ok(t);
            }
        }
    }
    let titled = by(&|t| t.entry.title.to_lowercase() == lower, &all);
    pick(&mut all, titled)?.ok_or_else(|| Error::NoMatch(id_or_title.to_owned()))
}

impl OpenWorkspace {
    /// The versions of an entry, newest (the current one) first. Reads the entry's one
    /// history record.
    pub fn history(&mut self, id_or_title: &str) -> Result<Vec<Version>> {
        let entry = self.find(id_or_title)?;
        let id = record_id(&entry.id);
        match self.read_records(HISTORY, Some(&id))?.pop() {
            Some((_, plain)) => open_history(&plain, &entry.id, &id)?.versions(&entry),
            None => EntryHistory::new(&entry.id).versions(&entry),
        }
    }

    /// The earlier versions (oldest first) of every entry that has any, by entry id: every
    /// history record read once (an export).
    pub fn earlier_versions(&mut self) -> Result<std::collections::HashMap<String, Vec<Entry>>> {
        let mut out = std::collections::HashMap::new();
        for (id, plain) in self.read_records(HISTORY, None)? {
            let entry_id = decode::<EntryHistory>(&plain)?.entry_id.clone();
            let versions = open_history(&plain, &entry_id, &id)?.earlier()?;
            if !versions.is_empty() {
                out.insert(entry_id, versions);
            }
        }
        Ok(out)
    }

    /// Makes version `number` of an entry current again, as a new version.
    pub fn restore_version(&mut self, id_or_title: &str, number: u64) -> Result<Entry> {
        let entry = version_to_restore(self.history(id_or_title)?, number)?;
        self.update(entry)
    }

    /// When the entry's password last changed: the change its history saw last, or its created
    /// time if the history saw none; without history, its last change.
    pub fn password_changed(&mut self, id: &str) -> Result<i64> {
        let entry = self.find(id)?;
        let rid = record_id(&entry.id);
        let known = match self.read_records(HISTORY, Some(&rid))?.pop() {
            Some((_, plain)) => Some(open_history(&plain, &entry.id, &rid)?.password_changed),
            None => None,
        };
        Ok(password_change_time(&entry, known))
    }

    /// When the password of each of `entries` last changed (as
    /// [`password_changed`](Self::password_changed) says), by entry id, reading every history
    /// record once (a health report asks for all).
    pub fn password_change_times(
        &mut self,
        entries: &[Entry],
    ) -> Result<std::collections::HashMap<String, i64>> {
        let mut known = std::collections::HashMap::new();
        for (rid, plain) in self.read_records(HISTORY, None)? {
            let stored: EntryHistory = decode(&plain)?;
            if record_id(&stored.entry_id) != rid {
                tracing::warn!("read refused: a history record belongs to another entry");
                return Err(Error::Damaged("a history record belongs to another entry"));
            }
            known.insert(stored.entry_id.clone(), stored.password_changed);
        }
        Ok(entries
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    password_change_time(e, known.get(&e.id).copied()),
                )
            })
            .collect())
    }

    /// How many earlier versions are kept per entry.
    pub fn history_limit(&mut self) -> Result<u32> {
        match self.read_records(SETTINGS, Some(HISTORY_SETTINGS))?.pop() {
            Some((_, plain)) => parse_settings(&plain),
            None => Ok(DEFAULT_HISTORY_LIMIT),
        }
    }

    /// Sets how many earlier versions are kept per entry (0 to [`MAX_HISTORY_LIMIT`]); the
    /// histories holding more lose their oldest versions now.
    pub fn set_history_limit(&mut self, limit: u32) -> Result<()> {
        let settings = settings_record(limit)?;
        self.write(|w| {
            w.put_sealed(SETTINGS, HISTORY_SETTINGS, &settings)?;
            for id in w.listed(HISTORY) {
                let Some(plain) = w.read_checked(HISTORY, &id)? else {
                    continue;
                };
                let entry_id = decode::<EntryHistory>(&plain)?.entry_id.clone();
                let mut stored = open_history(&plain, &entry_id, &id)?;
                if stored.trim(limit) {
                    w.save_history(&stored)?;
                }
            }
            Ok(())
        })?;
        tracing::info!(limit, "history limit set");
        Ok(())
    }

    /// Moves an entry to the recycle bin (its history stays with it).
    pub fn trash(&mut self, id: &str) -> Result<()> {
        let now = self.clock.now();
        self.write(|w| {
            if w.trash_entry(id, now)? {
                Ok(())
            } else {
                Err(Error::NoMatch(id.to_owned()))
            }
        })?;
        tracing::debug!("entry moved to the recycle bin");
        Ok(())
    }

    /// The entries in the recycle bin, most recently deleted first.
    pub fn trashed(&mut self) -> Result<Vec<Trashed>> {
        let mut out = self
            .read_records(TRASH, None)?
            .into_iter()
            .map(|(id, plain)| open_trash(&plain, &id))
            .collect::<Result<Vec<_>>>()?;
        sort_bin(&mut out);
        Ok(out)
    }

    /// The entry in the bin with this id, id prefix (at least 4 characters) or title.
    pub fn find_trashed(&mut self, id_or_title: &str) -> Result<Trashed> {
        find_in_bin(self.trashed()?, id_or_title)
    }

    /// Puts an entry of the bin back among the entries (with its history).
    pub fn untrash(&mut self, id_or_title: &str) -> Result<Entry> {
        let trashed = self.find_trashed(id_or_title)?;
        let entry = trashed.entry;
        self.write(|w| {
            if w.entry_exists(&entry.id)? {
                return Err(Error::Invalid(
                    "an entry with this id exists already".into(),
                ));
            }
            // Gone meanwhile (another process deleted it for good): nothing comes back.
            if !w.delete(TRASH, &record_id(&entry.id))? {
                return Err(Error::NoMatch(id_or_title.to_owned()));
            }
            w.put_entry(&entry)
        })?;
        tracing::debug!("entry restored from the recycle bin");
        Ok(entry)
    }

    /// Deletes an entry for good, with its history: a current entry (by id, id prefix or
    /// title) or, if none matches, one in the bin. Returns the entry deleted.
    pub fn purge(&mut self, id_or_title: &str) -> Result<Entry> {
        let entry = match self.find(id_or_title) {
            Ok(e) => e,
            Err(Error::NoMatch(_)) => self.find_trashed(id_or_title)?.entry,
            Err(e) => return Err(e),
        };
        self.write(|w| {
            w.delete_entry(&entry.id)?;
            w.purge_records(&entry.id)
        })?;
        tracing::debug!("entry deleted for good");
        Ok(entry)
    }

    /// Deletes every entry of the bin for good, with their histories; how many went.
    pub fn empty_trash(&mut self) -> Result<usize> {
        let ids: Vec<String> = self.trashed()?.into_iter().map(|t| t.entry.id).collect();
        let count = self.write(|w| {
            // Only what is still in the bin: an entry another process put back meanwhile keeps
            // its history and attachments.
            let in_bin: std::collections::HashSet<String> = w.listed(TRASH).into_iter().collect();
            let mut count = 0;
            for id in &ids {
                if in_bin.contains(&record_id(id)) && !w.entry_exists(id)? {
                    w.purge_records(id)?;
                    count += 1;
                }
            }
            Ok(count)
        })?;
        tracing::info!(count, "recycle bin emptied");
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crypto::SecretString;

    fn login(password: &str, otp: Option<OtpParams>) -> Entry {
        Entry {
            id: "e1".into(),
            title: "Mail".into(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            fields: Vec::new(),
            created: 1,
            modified: 1,
            kind: EntryKind::Login(Login {
                username: "me".into(),
                password: SecretString::from(password),
                url: String::new(),
                otp,
                ssh_key: None,
            }),
        }
    }

    #[test]
    fn changed_fields_name_what_differs_and_ignore_an_hotp_counter() {
        let hotp = |counter| {
            let mut o =
                OtpParams::parse("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1").unwrap();
            o.kind = OtpKind::Hotp { counter };
            Some(o)
        };
        let a = login("one", hotp(1));
        assert!(changed_fields(&a, &login("one", hotp(7))).is_empty());
        assert_eq!(changed_fields(&a, &login("two", hotp(1))), ["password"]);
        assert_eq!(changed_fields(&a, &login("one", None)), ["otp"]);
        let mut with_pin = a.clone();
        with_pin.fields = vec![crate::entry::CustomField::secret(
            "PIN",
            SecretString::from("1234"),
        )];
        assert_eq!(changed_fields(&a, &with_pin), ["fields"]);
        let mut note = a.clone();
        note.kind = EntryKind::Note;
        note.notes = "text".into();
        assert_eq!(
            changed_fields(&a, &note),
            ["type", "notes", "username", "password", "otp"]
        );
    }

    #[test]
    fn record_ids_are_opaque_and_stable() {
        let id = record_id("0b7c4f2e-8d1a-4c3b-9e5f-6a7b8c9d0e1f");
        assert_eq!(id.len(), 32);
        assert!(!id.contains("0b7c4f2e"));
        assert_eq!(id, record_id("0b7c4f2e-8d1a-4c3b-9e5f-6a7b8c9d0e1f"));
        assert_ne!(id, record_id("0b7c4f2e-8d1a-4c3b-9e5f-6a7b8c9d0e1e"));
    }

    #[test]
    fn damaged_records_are_refused() {
        assert!(matches!(decode::<StoredTrash>(&[]), Err(Error::Damaged(_))));
        assert!(matches!(
            decode::<StoredTrash>(&[9, 0]),
            Err(Error::Damaged(_))
        ));
        let mut plain = encode(&StoredTrash {
            deleted: 5,
            packed: pack_one(&login("x", None)).unwrap(),
        })
        .unwrap()
        .to_vec();
        // The entry is e1's: under another record id it is refused.
        assert!(open_trash(&plain, &record_id("e1")).is_ok());
        assert!(matches!(
            open_trash(&plain, &record_id("e2")),
            Err(Error::Damaged(_))
        ));
        plain.push(0);
        assert!(matches!(
            open_trash(&plain, &record_id("e1")),
            Err(Error::Damaged(_))
        ));
    }
}
