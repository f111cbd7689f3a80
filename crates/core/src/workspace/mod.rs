//! The workspace service: create, unlock, read, search and change entries, change the password.
//!
//! Opening is a typestate: a [`LockedWorkspace`] knows only the plaintext header; unlocking it
//! with the password gives an [`OpenWorkspace`], the only type that reads entries.

mod header;
mod record;

pub use header::{Header, FORMAT_VERSION};
pub use record::{ENTRIES, MFA};

use crate::clock::{Clock, SystemClock};
use crate::crypto::{self, AeadKey, KdfParams, MasterKey, SecretString, Subkeys};
use crate::entry::{Entry, EntryKind};
use crate::store::{self, Row, Store, WriteTx};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const META_HEADER: &str = "header";
const META_WRAPPED_KEY: &str = "wrapped_key";
const META_MANIFEST: &str = "manifest";

/// Errors a workspace operation can end with. Messages are for users and carry no secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No file at the path.
    #[error("no workspace at {0}")]
    NotFound(PathBuf),
    /// `create` on an existing path.
    #[error("{0} already exists")]
    AlreadyExists(PathBuf),
    /// Not a Portcullis workspace.
    #[error("not a Portcullis workspace")]
    NotWorkspace,
    /// Written by a newer format or schema.
    #[error("made by a newer Portcullis; update Portcullis to open it")]
    TooNew,
    /// The password did not unwrap the key: either it is wrong or the header or key changed.
    #[error("wrong password or damaged workspace")]
    WrongPasswordOrDamaged,
    /// The key unwrapped but the content failed an integrity check.
    #[error("damaged workspace: {0}")]
    Damaged(&'static str),
    /// The header asks for key-derivation costs out of bounds.
    #[error("damaged workspace: it asks for an unreasonable key-derivation cost")]
    KdfOutOfBounds,
    /// Another process holds the workspace.
    #[error("this workspace is busy in another process; try again")]
    Busy,
    /// No entry matches a lookup.
    #[error("no entry matches “{0}”")]
    NoMatch(String),
    /// Several entries match a lookup by title.
    #[error("{0} entries match “{1}”; use the id")]
    Ambiguous(usize, String),
    /// A field value is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// An OTP URI or key was refused.
    #[error("invalid OTP: {0}")]
    Otp(#[from] crate::otp::Error),
    /// The system random source or a primitive failed.
    #[error("cryptographic failure")]
    Crypto,
    /// A storage failure other than the above.
    #[error("{0}")]
    Storage(store::Error),
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotWorkspace => Error::NotWorkspace,
            store::Error::TooNew => Error::TooNew,
            store::Error::Damaged => Error::Damaged("the file structure is broken"),
            store::Error::Busy => Error::Busy,
            other => Error::Storage(other),
        }
    }
}

impl From<crypto::Error> for Error {
    fn from(e: crypto::Error) -> Self {
        match e {
            crypto::Error::Decrypt => Error::WrongPasswordOrDamaged,
            crypto::Error::KdfOutOfBounds => Error::KdfOutOfBounds,
            crypto::Error::Crypto => Error::Crypto,
        }
    }
}

/// Result of workspace operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The fields of an entry to create; the id and times are assigned on add.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Title.
    pub title: String,
    /// Group path.
    pub group: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Notes.
    pub notes: String,
    /// Kind and its fields.
    pub kind: EntryKind,
}

impl NewEntry {
    /// A new entry of `kind` with only a title.
    pub fn new(title: impl Into<String>, kind: EntryKind) -> Self {
        Self {
            title: title.into(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            kind,
        }
    }
}

/// A workspace whose header has been read; nothing else can be read before [`unlock`].
///
/// [`unlock`]: LockedWorkspace::unlock
pub struct LockedWorkspace {
    path: PathBuf,
    store: Store,
    header: Header,
    header_bytes: Vec<u8>,
    wrapped_key: Vec<u8>,
}

impl LockedWorkspace {
    /// Opens the file and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut store = Store::open(&path).map_err(|e| match e {
            store::Error::NotFound => Error::NotFound(path.clone()),
            other => other.into(),
        })?;
        let (header_bytes, wrapped_key) = store
            .read(|tx| -> Result<_> { Ok((tx.meta(META_HEADER)?, tx.meta(META_WRAPPED_KEY)?)) })?;
        let header_bytes = header_bytes.ok_or(Error::WrongPasswordOrDamaged)?;
        let wrapped_key = wrapped_key.ok_or(Error::WrongPasswordOrDamaged)?;
        let header = Header::decode(&header_bytes)?;
        Ok(Self {
            path,
            store,
            header,
            header_bytes,
            wrapped_key,
        })
    }

    /// The key-derivation parameters the password will go through.
    pub fn kdf(&self) -> KdfParams {
        self.header.kdf
    }

    /// Derives the password key, unwraps the master key and checks the manifest.
    pub fn unlock(self, password: &SecretString) -> Result<OpenWorkspace> {
        let kek = self.header.kdf.derive(password, &self.header.salt)?;
        let master = MasterKey::unwrap(&kek, &self.header_bytes, &self.wrapped_key)?;
        let mut open = OpenWorkspace {
            path: self.path,
            store: self.store,
            header: self.header,
            keys: master.subkeys()?,
            clock: Arc::new(SystemClock),
        };
        open.store.read(|tx| {
            verify_manifest(
                &open.header,
                &open.keys,
                tx.rows(None)?.iter().map(row_key),
                tx.meta(META_MANIFEST)?,
            )
        })?;
        Ok(open)
    }
}

/// An unlocked workspace: the only type that reads and writes entries. Dropping it drops the
/// keys, which zeroize.
pub struct OpenWorkspace {
    path: PathBuf,
    store: Store,
    header: Header,
    keys: Subkeys,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OpenWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenWorkspace")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl OpenWorkspace {
    /// Creates a workspace file protected by `password`.
    pub fn create(path: impl AsRef<Path>, password: &SecretString, kdf: KdfParams) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let header = Header::new(crypto::random_bytes()?, kdf)?;
        let header_bytes = header.encode();
        let kek = kdf.derive(password, &header.salt)?;
        let master = MasterKey::generate()?;
        let wrapped = master.wrap(&kek, &header_bytes)?;
        let keys = master.subkeys()?;
        let mut store = Store::create(&path).map_err(|e| match e {
            store::Error::AlreadyExists => Error::AlreadyExists(path.clone()),
            other => other.into(),
        })?;
        let manifest = keys.manifest.sign(&record::manifest_message(
            &header.workspace_id,
            std::iter::empty(),
        ));
        store.write(|tx| -> Result<()> {
            tx.set_meta(META_HEADER, &header_bytes)?;
            tx.set_meta(META_WRAPPED_KEY, &wrapped)?;
            tx.set_meta(META_MANIFEST, &manifest)?;
            Ok(())
        })?;
        Ok(Self {
            path,
            store,
            header,
            keys,
            clock: Arc::new(SystemClock),
        })
    }

    /// Replaces the clock (tests, and the app's injected time source).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock this workspace uses.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The workspace's name: its file name without extension.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workspace".into())
    }

    /// The key-derivation parameters of the current password.
    pub fn kdf(&self) -> KdfParams {
        self.header.kdf
    }

    /// Every entry, ordered by group and title.
    pub fn entries(&mut self) -> Result<Vec<Entry>> {
        let (header, keys) = (&self.header, &self.keys);
        let mut entries = self.store.read(|tx| -> Result<Vec<Entry>> {
            let rows = tx.rows(None)?;
            verify_manifest(
                header,
                keys,
                rows.iter().map(row_key),
                tx.meta(META_MANIFEST)?,
            )?;
            rows.iter()
                .filter(|r| r.collection == ENTRIES)
                .map(|r| open_entry(header, &keys.entries, r))
                .collect()
        })?;
        entries.sort_by(|a, b| {
            (
                a.group.as_deref().unwrap_or(""),
                a.title.to_lowercase(),
                &a.id,
            )
                .cmp(&(
                    b.group.as_deref().unwrap_or(""),
                    b.title.to_lowercase(),
                    &b.id,
                ))
        });
        Ok(entries)
    }

    /// Entries with `query` in a visible field (title, user name, URL, notes, group, tags),
    /// ignoring case. Secrets are never searched.
    pub fn search(&mut self, query: &str) -> Result<Vec<Entry>> {
        let needle = query.to_lowercase();
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| e.matches(&needle))
            .collect())
    }

    /// The entry with this id, id prefix (at least 4 characters) or title (ignoring case).
    pub fn find(&mut self, id_or_title: &str) -> Result<Entry> {
        let entries = self.entries()?;
        pick(entries, id_or_title)
    }

    /// Adds one entry and returns it with its id and times.
    pub fn add(&mut self, new: NewEntry) -> Result<Entry> {
        let mut added = self.add_all(vec![new])?;
        added.pop().ok_or(Error::Crypto)
    }

    /// Adds several entries in one transaction: all or none.
    pub fn add_all(&mut self, news: Vec<NewEntry>) -> Result<Vec<Entry>> {
        let now = self.clock.now();
        let entries = news
            .into_iter()
            .map(|n| {
                validate(&n.title, &n.kind)?;
                Ok(Entry {
                    id: new_id()?,
                    title: n.title,
                    group: normalize_group(n.group),
                    tags: n.tags,
                    notes: n.notes,
                    created: now,
                    modified: now,
                    kind: n.kind,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.write(|w| {
            for e in &entries {
                w.put_entry(e)?;
            }
            Ok(())
        })?;
        Ok(entries)
    }

    /// Saves changes to an existing entry; sets its modified time.
    pub fn update(&mut self, mut entry: Entry) -> Result<Entry> {
        validate(&entry.title, &entry.kind)?;
        entry.group = normalize_group(entry.group);
        entry.modified = self.clock.now().max(entry.created);
        self.write(|w| {
            if w.tx.row(ENTRIES, &entry.id)?.is_none() {
                return Err(Error::NoMatch(entry.id.clone()));
            }
            w.put_entry(&entry)
        })?;
        Ok(entry)
    }

    /// Deletes an entry by id.
    pub fn remove(&mut self, id: &str) -> Result<()> {
        self.write(|w| {
            if w.delete(ENTRIES, id)? {
                Ok(())
            } else {
                Err(Error::NoMatch(id.to_owned()))
            }
        })
    }

    /// Changes the master password. A new master key is generated and every record is sealed
    /// again, so a copy of the old key opens nothing written from now on.
    pub fn change_password(&mut self, new_password: &SecretString, kdf: KdfParams) -> Result<()> {
        let header = Header::new(self.header.workspace_id, kdf)?;
        let header_bytes = header.encode();
        let kek = kdf.derive(new_password, &header.salt)?;
        let master = MasterKey::generate()?;
        let wrapped = master.wrap(&kek, &header_bytes)?;
        let keys = master.subkeys()?;
        let (old_header, old_keys) = (&self.header, &self.keys);
        self.store.write(|tx| -> Result<()> {
            let rows = tx.rows(None)?;
            verify_manifest(
                old_header,
                old_keys,
                rows.iter().map(row_key),
                tx.meta(META_MANIFEST)?,
            )?;
            for row in &rows {
                let plain = key_for(old_keys, &row.collection)?
                    .open(
                        &record::aad(
                            &old_header.workspace_id,
                            &row.collection,
                            &row.id,
                            row.version,
                        ),
                        &row.sealed,
                    )
                    .map_err(|_| Error::Damaged("a record failed its integrity check"))?;
                let resealed = record::seal(
                    key_for(&keys, &row.collection)?,
                    &header.workspace_id,
                    &row.collection,
                    &row.id,
                    row.version,
                    &plain,
                )?;
                tx.put(&resealed)?;
            }
            tx.set_meta(META_HEADER, &header_bytes)?;
            tx.set_meta(META_WRAPPED_KEY, &wrapped)?;
            let message = record::manifest_message(&header.workspace_id, rows.iter().map(row_key));
            tx.set_meta(META_MANIFEST, &keys.manifest.sign(&message))?;
            Ok(())
        })?;
        self.header = header;
        self.keys = keys;
        Ok(())
    }

    /// Runs `f` in one write transaction, after checking the manifest, and signs the new one.
    fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_, '_>) -> Result<T>) -> Result<T> {
        let (header, keys) = (&self.header, &self.keys);
        self.store.write(|tx| {
            let mut versions: BTreeMap<(String, String), u64> = tx
                .versions()?
                .into_iter()
                .map(|(c, i, v)| ((c, i), v))
                .collect();
            let keyed = |v: &BTreeMap<(String, String), u64>| -> Vec<u8> {
                record::manifest_message(
                    &header.workspace_id,
                    v.iter().map(|((c, i), v)| (c.as_str(), i.as_str(), *v)),
                )
            };
            let stored = tx
                .meta(META_MANIFEST)?
                .ok_or(Error::Damaged("the manifest is missing"))?;
            keys.manifest
                .verify(&keyed(&versions), &stored)
                .map_err(|_| Error::Damaged("records were removed, added or rolled back"))?;
            let mut writer = Writer {
                tx,
                header,
                keys,
                versions: &mut versions,
            };
            let out = f(&mut writer)?;
            tx.set_meta(META_MANIFEST, &keys.manifest.sign(&keyed(&versions)))?;
            Ok(out)
        })
    }
}

/// Writes records inside one transaction and tracks their versions for the manifest.
struct Writer<'t, 'c> {
    tx: &'t WriteTx<'c>,
    header: &'t Header,
    keys: &'t Subkeys,
    versions: &'t mut BTreeMap<(String, String), u64>,
}

impl Writer<'_, '_> {
    fn put_entry(&mut self, entry: &Entry) -> Result<()> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(entry).map_err(|_| Error::Crypto)?);
        let key = (ENTRIES.to_owned(), entry.id.clone());
        let version = self.versions.get(&key).map_or(1, |v| v + 1);
        let row = record::seal(
            &self.keys.entries,
            &self.header.workspace_id,
            ENTRIES,
            &entry.id,
            version,
            &plain,
        )?;
        self.tx.put(&row)?;
        self.versions.insert(key, version);
        Ok(())
    }

    fn delete(&mut self, collection: &str, id: &str) -> Result<bool> {
        let existed = self.tx.delete(collection, id)?;
        self.versions
            .remove(&(collection.to_owned(), id.to_owned()));
        Ok(existed)
    }
}

fn row_key(row: &Row) -> (&str, &str, u64) {
    (row.collection.as_str(), row.id.as_str(), row.version)
}

fn key_for<'k>(keys: &'k Subkeys, collection: &str) -> Result<&'k AeadKey> {
    match collection {
        ENTRIES => Ok(&keys.entries),
        MFA => Ok(&keys.mfa),
        _ => Err(Error::Damaged("a record of an unknown collection")),
    }
}

fn verify_manifest<'a>(
    header: &Header,
    keys: &Subkeys,
    records: impl ExactSizeIterator<Item = (&'a str, &'a str, u64)>,
    stored: Option<Vec<u8>>,
) -> Result<()> {
    let stored = stored.ok_or(Error::Damaged("the manifest is missing"))?;
    let message = record::manifest_message(&header.workspace_id, records);
    keys.manifest
        .verify(&message, &stored)
        .map_err(|_| Error::Damaged("records were removed, added or rolled back"))
}

fn open_entry(header: &Header, key: &AeadKey, row: &Row) -> Result<Entry> {
    let aad = record::aad(&header.workspace_id, &row.collection, &row.id, row.version);
    let plain = key
        .open(&aad, &row.sealed)
        .map_err(|_| Error::Damaged("a record failed its integrity check"))?;
    let entry: Entry =
        serde_json::from_slice(&plain).map_err(|_| Error::Damaged("a record is unreadable"))?;
    if entry.id != row.id {
        return Err(Error::Damaged("a record is stored under another id"));
    }
    Ok(entry)
}

fn pick(entries: Vec<Entry>, query: &str) -> Result<Entry> {
    let q = query.trim();
    let lower = q.to_lowercase();
    if let Some(e) = entries.iter().find(|e| e.id == lower) {
        return Ok(e.clone());
    }
    if q.len() >= 4 {
        let by_prefix: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.id.starts_with(&lower))
            .collect();
        if let [one] = by_prefix.as_slice() {
            return Ok((*one).clone());
        }
    }
    let mut by_title: Vec<Entry> = entries
        .into_iter()
        .filter(|e| e.title.to_lowercase() == lower)
        .collect();
    match by_title.len() {
        0 => Err(Error::NoMatch(query.to_owned())),
        1 => Ok(by_title.remove(0)),
        n => Err(Error::Ambiguous(n, query.to_owned())),
    }
}

fn validate(title: &str, kind: &EntryKind) -> Result<()> {
    if title.trim().is_empty() {
        return Err(Error::Invalid("the title cannot be empty".into()));
    }
    if let EntryKind::Remote(r) = kind {
        if r.host.trim().is_empty() {
            return Err(Error::Invalid("a remote connection needs a host".into()));
        }
        if r.port == 0 {
            return Err(Error::Invalid(
                "the port must be between 1 and 65535".into(),
            ));
        }
    }
    Ok(())
}

fn normalize_group(group: Option<String>) -> Option<String> {
    group
        .map(|g| {
            g.split('/')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("/")
        })
        .filter(|g| !g.is_empty())
}

fn new_id() -> Result<String> {
    let bytes: [u8; 16] = crypto::random_bytes()?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}
