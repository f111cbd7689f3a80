//! The workspace service: create, unlock, read, search and change entries, change the password.
//!
//! Opening is a typestate: a [`LockedWorkspace`] knows only the plaintext header; unlocking it
//! with the password gives an [`OpenWorkspace`], the only type that reads entries.

pub mod attachments;
mod binding;
mod bucket;
pub mod duo_enrolment;
mod header;
pub mod history;
pub(crate) mod importing;
pub(crate) mod index;
mod lease;
mod password_keys;
mod quick;
mod record;
mod security;

/// Why the storage layer (the SQLite file) failed, inside [`Error::Storage`].
pub use crate::store::Error as StorageError;
pub use binding::BindingError;
use bucket::{bucket_of, holds_entries, BUCKETS, LEGACY_ENTRIES};
pub(crate) use header::Header;
pub use importing::{Choice, Imported, PlannedEntry, Preview, Resemblance, Similar};
pub use lease::{Lease, LeaseError};
pub use password_keys::{DerivedKeys, PasswordKeys};
pub use quick::{QuickKey, QuickRefusal};
pub(crate) use record::{RecordKeys, RecordRef, MFA};
pub(crate) use security::storage::MfaStorage;
pub use security::{
    ChargedFactor, EmailSent, Guarded, MfaRefusal, OutgoingEmail, PendingMfa, RanFactor, SentEmail,
    StepUpOutcome, Unlock,
};

use crate::clock::{Clock, SystemClock};
use crate::crypto::{self, KdfParams, MasterKey, SecretString};
pub use crate::entry::NewEntry;
use crate::entry::{Entry, EntryKind};
use crate::store::{self, Row, Store, WriteTx};
use crate::view::{self, EntryPage, EntrySummary, ListQuery, ListRow};
use std::collections::{BTreeMap, HashMap};
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
    /// Bound to a device: the password and the typed recovery key do not open it together.
    #[error("wrong password or recovery key")]
    WrongPasswordOrRecoveryKey,
    /// Bound to a device whose secret this machine's keyring does not hold.
    #[error("this workspace is bound to another computer: its device key is not in this computer's keyring (restore it from the recovery kit)")]
    NotOnThisDevice,
    /// The OS keyring could not be used.
    #[error("the OS keyring is not available ({0})")]
    Keyring(String),
    /// The key unwrapped but the content failed an integrity check.
    #[error("damaged workspace: {0}")]
    Damaged(&'static str),
    /// The header asks for key-derivation costs out of bounds.
    #[error("damaged workspace: it asks for an unreasonable key-derivation cost")]
    KdfOutOfBounds,
    /// The header asks for more than 1 GiB of memory and the caller did not confirm it.
    #[error("this workspace asks for a costly key derivation ({memory_mib} MiB of memory, {passes} passes); it opens only once you confirm that cost")]
    CostlyKdf {
        /// Memory the file asks for, in MiB.
        memory_mib: u32,
        /// Passes the file asks for.
        passes: u32,
    },
    /// Parameters for a new workspace or password below OWASP's Argon2id minimum.
    #[error("key-derivation parameters too weak: Argon2id needs at least 19 MiB and 2 passes (or 46 MiB and 1, 12 MiB and 3, 9 MiB and 4, 7 MiB and 5)")]
    KdfBelowFloor,
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
    /// A second factor was refused or an MFA change is not allowed.
    #[error(transparent)]
    Mfa(#[from] crate::mfa::Error),
    /// An OTP URI or key was refused.
    #[error("invalid OTP: {0}")]
    Otp(#[from] crate::otp::Error),
    /// The system random source or a primitive failed.
    #[error("cryptographic failure")]
    Crypto,
    /// A storage failure other than the above.
    #[error("{0}")]
    Storage(store::Error),
    /// A file holding a secret (a backup) could not be written.
    #[error(transparent)]
    File(#[from] crate::secret_file::Error),
    /// A file-only operation was asked of a team workspace's address.
    #[error("this command does not work on team workspaces yet (these do: add, edit, rm, list, search, show, otp, connect, history, restore, trash, untrash, health, import, export, passwd, mfa)")]
    NotOnTeam,
    /// A team workspace's server, keys or records refused the operation (a `team::Error`,
    /// reached with `team::Error::of`: this module sits below the team module).
    #[error(transparent)]
    Team(Box<dyn std::error::Error + Send + Sync>),
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotWorkspace => Error::NotWorkspace,
            store::Error::TooNew => Error::TooNew,
            store::Error::Damaged => Error::Damaged("the file structure is broken"),
            store::Error::ForeignSchema => Error::Damaged(
                "it holds SQLite triggers, views, tables or indexes that Portcullis does not create",
            ),
            store::Error::WriteMismatch => {
                Error::Damaged("a write did not change the file as expected; nothing was saved")
            }
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
            crypto::Error::KdfBelowFloor => Error::KdfBelowFloor,
            crypto::Error::Crypto => Error::Crypto,
        }
    }
}

/// Result of workspace operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl NewEntry {
    /// The entry as stored under `id`, once its fields are checked.
    pub(crate) fn into_entry(self, id: String, created: i64, modified: i64) -> Result<Entry> {
        validate(&self.title, &self.kind, &self.fields)?;
        Ok(Entry {
            id,
            title: self.title,
            group: normalize_group(self.group),
            tags: self.tags,
            notes: self.notes,
            created,
            modified: modified.max(created),
            kind: self.kind,
            fields: self.fields,
        })
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
    /// How the file is bound to a device, if it is.
    binding: Option<binding::Binding>,
    /// The quick-unlock enrolments the file holds.
    quick: Vec<quick::Enrolment>,
    clock: Arc<dyn Clock>,
    /// The caller confirmed a key derivation above 1 GiB.
    kdf_confirmed: bool,
}

impl LockedWorkspace {
    /// Opens the file and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if path.to_str().is_some_and(crate::address::is_team_url) {
            return Err(Error::NotOnTeam);
        }
        let mut store = Store::open(&path).map_err(|e| match e {
            store::Error::NotFound => Error::NotFound(path.clone()),
            other => other.into(),
        })?;
        let (header_bytes, wrapped_key, binding, quick) = store.read(|tx| -> Result<_> {
            Ok((
                tx.meta(META_HEADER)?,
                tx.meta(META_WRAPPED_KEY)?,
                tx.meta(binding::META_DEVICE_BINDING)?,
                tx.meta(quick::META_QUICK_UNLOCK)?,
            ))
        })?;
        let header_bytes = header_bytes.ok_or(Error::WrongPasswordOrDamaged)?;
        let wrapped_key = wrapped_key.ok_or(Error::WrongPasswordOrDamaged)?;
        let header = Header::decode(&header_bytes)?;
        let binding = binding::Binding::read(binding, header.workspace_id)?;
        let quick = quick::parse(quick.as_deref());
        tracing::debug!(path = %path.display(), kdf_memory_kib = header.kdf.memory_kib(), kdf_passes = header.kdf.iterations(), "workspace file opened");
        Ok(Self {
            path,
            store,
            header,
            header_bytes,
            wrapped_key,
            binding,
            quick,
            clock: Arc::new(SystemClock),
            kdf_confirmed: false,
        })
    }

    /// Replaces the clock (tests, and the app's injected time source).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The key-derivation parameters the password will go through.
    pub fn kdf(&self) -> KdfParams {
        self.header.kdf
    }

    /// Whether the file asks for a key derivation above 1 GiB of memory, which
    /// [`unlock`](Self::unlock) runs only after [`confirm_kdf_cost`](Self::confirm_kdf_cost).
    pub fn kdf_needs_confirmation(&self) -> bool {
        self.header.kdf.needs_confirmation()
    }

    /// The user accepted the cost [`kdf`](Self::kdf) reports.
    pub fn confirm_kdf_cost(mut self) -> Self {
        self.kdf_confirmed = true;
        self
    }

    /// Refuses, before any derivation, a costly one the caller did not confirm.
    fn check_kdf_cost(&self) -> Result<()> {
        refuse_unconfirmed_cost(self.header.kdf, self.kdf_confirmed)
    }

    /// Derives the password key, unwraps the master key and checks the manifest. With MFA on,
    /// the result is [`Unlock::PendingMfa`]: a factor is still needed to read anything.
    pub fn unlock(self, password: &SecretString) -> Result<Unlock> {
        self.check_kdf_cost()?;
        // A bound workspace needs this device's secret first: no key derivation without it.
        let device = binding::device_secret(self.binding_name())?;
        self.unlock_with(password, device.as_ref())
    }

    /// The password key (bound to `device` when given) unwraps the master key.
    fn unlock_with(
        self,
        password: &SecretString,
        device: Option<&crate::device_binding::DeviceSecret>,
    ) -> Result<Unlock> {
        self.check_kdf_cost()?;
        let kek = self.header.kdf.derive(password, &self.header.salt)?;
        let kek = binding::unwrap_key(kek, device)?;
        let aad = binding::wrap_aad(&self.header_bytes, self.binding.as_ref());
        let master = MasterKey::unwrap(&kek, &aad, &self.wrapped_key)
            .inspect_err(|_| tracing::warn!("unlock refused: wrong password or damaged header"))?;
        self.unlock_with_master_key(master)
    }

    /// The workspace's id (names its quick-unlock item in the OS keyring).
    pub fn workspace_id(&self) -> [u8; 16] {
        self.header.workspace_id
    }

    /// Unlocks with the master key itself; the manifest check refuses a key that is not this
    /// workspace's. With MFA on, a second factor is still needed.
    pub(crate) fn unlock_with_master_key(mut self, master: MasterKey) -> Result<Unlock> {
        // Expired quick-unlock copies leave the file at the first open after their date.
        self.forget_expired_quick_unlock();
        let records = Box::new(RecordKeys::new(self.header.workspace_id, master.subkeys()?));
        let mut open = OpenWorkspace {
            path: self.path,
            store: self.store,
            header: self.header,
            records,
            master,
            clock: self.clock,
            factor_at: None,
            kdf_confirmed: self.kdf_confirmed,
            index: None,
            verified: None,
            searched_without_index: false,
        };
        let verified = open.read_verified()?;
        let mfa = security::mfa_config(&open.records, &verified.rows)?;
        tracing::info!(
            records = verified.rows.len(),
            second_factor = mfa.enabled(),
            "password accepted"
        );
        // The first read builds the index from these rows if the file has not changed.
        open.verified = Some(verified);
        Ok(if mfa.enabled() {
            Unlock::PendingMfa(PendingMfa::new(open, &mfa))
        } else {
            Unlock::Open(open)
        })
    }
}

/// A new master key wrapped under a password: for a new workspace or a new password.
struct KeyMaterial {
    header: Header,
    header_bytes: Vec<u8>,
    wrapped_key: Vec<u8>,
    records: Box<RecordKeys>,
    master: MasterKey,
}

impl KeyMaterial {
    /// `bound`: the device secret and binding a bound workspace keeps.
    fn new(
        workspace_id: [u8; 16],
        password: &SecretString,
        kdf: KdfParams,
        bound: Option<(&crate::device_binding::DeviceSecret, &binding::Binding)>,
    ) -> Result<Self> {
        kdf.check_floor(crypto::kdf::FLOOR_ENFORCED)?;
        let header = Header::new(workspace_id, kdf)?;
        let kek = kdf.derive(password, &header.salt)?;
        Self::from_key(header, kek, bound)
    }

    /// A new master key wrapped under `kek`, the password key derived under `header`.
    fn from_key(
        header: Header,
        kek: zeroize::Zeroizing<[u8; crypto::KEY_LEN]>,
        bound: Option<(&crate::device_binding::DeviceSecret, &binding::Binding)>,
    ) -> Result<Self> {
        let header_bytes = header.encode();
        let kek = binding::unwrap_key(kek, bound.map(|b| b.0))?;
        let master = MasterKey::generate()?;
        let aad = binding::wrap_aad(&header_bytes, bound.map(|b| b.1));
        let wrapped_key = master.wrap(&kek, &aad)?;
        let records = Box::new(RecordKeys::new(header.workspace_id, master.subkeys()?));
        Ok(Self {
            header,
            header_bytes,
            wrapped_key,
            records,
            master,
        })
    }

    /// Writes the header, the wrapped key and the manifest of `records`.
    fn store(&self, tx: &WriteTx<'_>, records: &Versions) -> Result<()> {
        tx.set_meta(META_HEADER, &self.header_bytes)?;
        tx.set_meta(META_WRAPPED_KEY, &self.wrapped_key)?;
        let manifest = self.records.sign_manifest(refs(records));
        tx.set_meta(META_MANIFEST, &manifest)?;
        Ok(())
    }
}

/// An unlocked workspace: the only type that reads and writes entries. Dropping it drops the
/// keys, which zeroize.
pub struct OpenWorkspace {
    path: PathBuf,
    store: Store,
    header: Header,
    /// Boxed: ring's key schedules are large.
    records: Box<RecordKeys>,
    /// The master key itself, kept to check the password against the wrap and to seal
    /// quick-unlock copies (it zeroizes on drop).
    master: MasterKey,
    clock: Arc<dyn Clock>,
    /// When a second factor was last verified in this session (for step-up).
    factor_at: Option<i64>,
    /// The user accepted a costly key derivation (at unlock, or later): security changes run
    /// it again.
    kdf_confirmed: bool,
    /// The verified index list and search answer from: built on the first read, kept
    /// current by this workspace's writes, rebuilt when another connection committed.
    index: Option<index::Index>,
    /// The rows unlocking read and verified, kept for the first read to build the index
    /// from instead of reading them again (a first search reads them and keeps them);
    /// dropped by that read or by any write.
    verified: Option<Verified>,
    /// A search was answered without the index: the next one builds it (a workspace that
    /// keeps searching, like the app, then answers from the index).
    searched_without_index: bool,
}

/// Every record of one consistent state, checked against the manifest.
struct Verified {
    rows: Vec<Row>,
    /// Version and sealed-bytes hash of each row.
    versions: Versions,
    /// The connection's `data_version` of that state.
    data_version: i64,
    /// The stored manifest they were verified against.
    manifest: Vec<u8>,
}

impl std::fmt::Debug for OpenWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenWorkspace")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// `costly_kdf`, with the cost, for a key derivation above 1 GiB of memory the user has not
/// `confirmed`: checked before any derivation (unlock, security changes).
fn refuse_unconfirmed_cost(kdf: KdfParams, confirmed: bool) -> Result<()> {
    if kdf.needs_confirmation() && !confirmed {
        tracing::warn!(
            kdf_memory_kib = kdf.memory_kib(),
            kdf_passes = kdf.iterations(),
            "refused: costly key derivation not confirmed"
        );
        return Err(Error::CostlyKdf {
            memory_mib: kdf.memory_kib() / 1024,
            passes: kdf.iterations(),
        });
    }
    Ok(())
}

/// Refuses a master password that cannot be one (empty): for a new workspace and a new
/// password alike.
pub fn check_master_password(password: &SecretString) -> Result<()> {
    if password.is_empty() {
        return Err(Error::Invalid("the master password cannot be empty".into()));
    }
    Ok(())
}

impl OpenWorkspace {
    /// Creates a workspace file protected by `password`.
    pub fn create(path: impl AsRef<Path>, password: &SecretString, kdf: KdfParams) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let material = KeyMaterial::new(crypto::random_bytes()?, password, kdf, None)?;
        let mut store = Store::create(&path).map_err(|e| match e {
            store::Error::AlreadyExists => Error::AlreadyExists(path.clone()),
            other => other.into(),
        })?;
        store.write(|tx| material.store(tx, &Versions::new()))?;
        tracing::info!(path = %path.display(), "workspace created");
        Ok(Self {
            path,
            store,
            header: material.header,
            records: material.records,
            master: material.master,
            clock: Arc::new(SystemClock),
            factor_at: None,
            // Its creator chose the cost.
            kdf_confirmed: true,
            index: None,
            verified: None,
            searched_without_index: false,
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

    /// Every record but attachment chunks (only hashed), read in one transaction and
    /// checked against the manifest.
    fn verified_rows(&mut self) -> Result<Vec<Row>> {
        let records = &self.records;
        self.store.read(|tx| -> Result<Vec<Row>> {
            let (rows, versions) =
                rows_and_versions(tx.rows_and_hashes(attachments::CHUNKS, record::sealed_hash))?;
            records.verify_manifest(refs(&versions), tx.meta(META_MANIFEST)?)?;
            Ok(rows)
        })
    }

    /// The index, rebuilt first if another connection committed since it was built (or it
    /// was never built): a cheap check of SQLite's `data_version` before each read.
    fn fresh_index(&mut self) -> Result<&index::Index> {
        let current = match &self.index {
            Some(index) => self.store.read(|tx| tx.data_version())? == index.data_version,
            None => false,
        };
        if !current {
            self.rebuild_index()?;
        }
        self.index
            .as_ref()
            .ok_or(Error::Damaged("the index could not be built"))
    }

    /// [`fresh_index`](Self::fresh_index), sorted in list order (once, then kept by writes):
    /// what lists and searches that keep the index read.
    fn listed_index(&mut self) -> Result<&index::Index> {
        self.fresh_index()?;
        let index = self
            .index
            .as_mut()
            .ok_or(Error::Damaged("the index could not be built"))?;
        index.sort();
        Ok(index)
    }

    /// Every record, read in one transaction and checked against the manifest, with the
    /// state's `data_version`.
    fn read_verified(&mut self) -> Result<Verified> {
        let records = &self.records;
        self.store.read(|tx| -> Result<_> {
            let (rows, versions) =
                rows_and_versions(tx.rows_and_hashes(attachments::CHUNKS, record::sealed_hash))?;
            let manifest = tx.meta(META_MANIFEST)?;
            records.verify_manifest(refs(&versions), manifest.clone())?;
            Ok(Verified {
                rows,
                versions,
                data_version: tx.data_version()?,
                manifest: manifest.unwrap_or_default(),
            })
        })
    }

    /// Decrypts every entry of verified rows into the index (the one full read): the rows
    /// unlocking verified when the file has not changed since, else every record read and
    /// verified again.
    fn rebuild_index(&mut self) -> Result<()> {
        self.index = None;
        let verified = match self.verified.take() {
            Some(v) if self.store.read(|tx| tx.data_version())? == v.data_version => v,
            _ => self.read_verified()?,
        };
        let entry_rows: Vec<&Row> = verified
            .rows
            .iter()
            .filter(|r| holds_entries(&r.collection))
            .collect();
        let entries = index_entries(&self.records, &entry_rows)?;
        tracing::trace!(records = verified.versions.len(), "index built");
        self.index = Some(index::Index::new(
            verified.data_version,
            verified.versions,
            verified.manifest,
            entries,
        )?);
        Ok(())
    }

    /// The entries with these ids, read from the records holding them (their buckets, or
    /// their own records in a version-1 file), each record read and authenticated once: it
    /// must have the version and sealed-bytes hash of the verified index, and open under its
    /// associated data. Read in one transaction, at the state the index reflects (rebuilt
    /// first if another connection committed meanwhile).
    fn read_entries(&mut self, ids: &[String]) -> Result<Vec<Entry>> {
        for _ in 0..3 {
            let index = self.fresh_index()?;
            let mut wanted: BTreeMap<(String, String), (u64, record::SealedHash)> = BTreeMap::new();
            for id in ids {
                let (key, verified) = index
                    .location(id)
                    .ok_or_else(|| Error::NoMatch(id.clone()))?;
                wanted.insert(key, verified);
            }
            let built_at = index.data_version;
            let (rows, data_version) = self.store.read(|tx| -> Result<_> {
                let rows = wanted
                    .keys()
                    .map(|(collection, id)| tx.row(collection, id))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((rows, tx.data_version()?))
            })?;
            if data_version != built_at {
                // Another connection committed between the check and the read: again.
                continue;
            }
            let mut found: HashMap<String, Entry> = HashMap::new();
            let mut unpacker = bucket::unpacker()?;
            for (row, (version, hash)) in rows.into_iter().zip(wanted.into_values()) {
                let row = row.ok_or(Error::Damaged(
                    "records were removed, added, changed or rolled back",
                ))?;
                if row.version != version || record::sealed_hash(&row.sealed) != hash {
                    tracing::warn!("read refused: a record does not match the manifest");
                    return Err(Error::Damaged(
                        "records were removed, added, changed or rolled back",
                    ));
                }
                found.extend(
                    bucket::open_entries(&mut unpacker, &self.records, &row)?
                        .into_iter()
                        .map(|e| (e.id.clone(), e)),
                );
            }
            return ids
                .iter()
                .map(|id| {
                    found.remove(id).ok_or(Error::Damaged(
                        "an indexed entry is missing from its record",
                    ))
                })
                .collect();
        }
        Err(Error::Busy)
    }

    /// Before the index is built (a command that reads one entry): an entry named by its id or
    /// a unique id prefix is opened from the rows unlocking verified, if the file has not
    /// changed since, without decrypting the others. Ids are matched before titles, so the
    /// answer is the one the index would give; `None` sends the lookup to the index.
    fn find_by_id_before_index(&mut self, query: &str) -> Result<Option<Entry>> {
        let Some(verified) = &self.verified else {
            return Ok(None);
        };
        if self.store.read(|tx| tx.data_version())? != verified.data_version {
            return Ok(None);
        }
        let q = query.trim();
        let lower = q.to_lowercase();
        let has_buckets = verified.rows.iter().any(|r| r.collection == BUCKETS);
        if !has_buckets {
            // A version-1 file: records are named by entry id, so a prefix is found too.
            let start = (LEGACY_ENTRIES.to_owned(), lower.clone());
            let mut from = verified
                .versions
                .range(start..)
                .map(|((c, id), _)| (c, id))
                .take_while(|(c, id)| *c == LEGACY_ENTRIES && id.starts_with(&lower));
            let id = match (from.next(), from.next()) {
                (Some((_, id)), _) if *id == lower => id,
                (Some((_, id)), None) if q.len() >= 4 => id,
                _ => return Ok(None),
            };
            let row = verified
                .rows
                .iter()
                .find(|r| r.collection == LEGACY_ENTRIES && &r.id == id)
                .ok_or(Error::Damaged("a record listed in the manifest is missing"))?;
            return bucket::open_legacy(&self.records, row).map(Some);
        }
        // Buckets: a whole id names its bucket; a prefix or a title needs the index.
        let bucket = bucket_of(&lower);
        let Some(row) = verified
            .rows
            .iter()
            .find(|r| r.collection == BUCKETS && r.id == bucket)
        else {
            return Ok(None);
        };
        Ok(bucket::open_bucket(&self.records, row)?
            .into_iter()
            .find(|e| e.id == lower))
    }

    /// Before the index is built (a command that searches once): the entries `needle`
    /// (lower case) matches, in list order, found in the rows unlocking verified, if the file
    /// has not changed since, without building the index (the rows are kept for it). Once
    /// only: a second search builds the index. `None`
    /// sends the search to the index (and for a file holding both version-1 records and
    /// buckets, whose ids only the index checks for duplicates).
    fn search_before_index(&mut self, needle: &str) -> Result<Option<Vec<Entry>>> {
        if self.index.is_some() || self.searched_without_index {
            return Ok(None);
        }
        let Some(verified) = &self.verified else {
            return Ok(None);
        };
        if self.store.read(|tx| tx.data_version())? != verified.data_version {
            return Ok(None);
        }
        let rows: Vec<&Row> = verified
            .rows
            .iter()
            .filter(|r| holds_entries(&r.collection))
            .collect();
        let buckets = rows.iter().filter(|r| r.collection == BUCKETS).count();
        if buckets != 0 && buckets != rows.len() {
            return Ok(None);
        }
        let mut found = map_entries(&self.records, &rows, |e| e.matches(needle).then_some(e))?;
        self.searched_without_index = true;
        found.sort_by_cached_key(|e| {
            (
                e.group.clone().unwrap_or_default(),
                e.title.to_lowercase(),
                e.id.clone(),
            )
        });
        Ok(Some(found))
    }

    /// Every entry, ordered by group and title: every record read and checked against the
    /// manifest, every entry decrypted. Lists should use [`summaries`](Self::summaries).
    pub fn entries(&mut self) -> Result<Vec<Entry>> {
        let mut entries = Vec::new();
        let mut unpacker = bucket::unpacker()?;
        for row in self
            .verified_rows()?
            .iter()
            .filter(|r| holds_entries(&r.collection))
        {
            entries.extend(bucket::open_entries(&mut unpacker, &self.records, row)?);
        }
        let ids: std::collections::HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        if ids.len() != entries.len() {
            return Err(Error::Damaged("an entry is stored twice"));
        }
        drop(ids);
        entries.sort_by_cached_key(|e| {
            (
                e.group.clone().unwrap_or_default(),
                e.title.to_lowercase(),
                e.id.clone(),
            )
        });
        Ok(entries)
    }

    /// What a list shows of every entry, ordered by group and title, from the verified
    /// index: no record is decrypted unless another connection changed the file.
    pub fn summaries(&mut self) -> Result<Vec<EntrySummary>> {
        Ok(self
            .listed_index()?
            .entries()
            .map(|r| r.to_summary())
            .collect())
    }

    /// The summaries of the entries with `query` in a visible field (title, user name, URL,
    /// notes, group, tags, OTP issuer), ignoring case, in list order, from the verified
    /// index. Secrets are never searched.
    pub fn search_summaries(&mut self, query: &str) -> Result<Vec<EntrySummary>> {
        let needle = query.to_lowercase();
        if let Some(found) = self.search_before_index(&needle)? {
            return Ok(found.iter().map(EntrySummary::from).collect());
        }
        Ok(self
            .listed_index()?
            .matching(&needle)
            .map(|r| r.to_summary())
            .collect())
    }

    /// A window of the entry list ([`view::page`]): the matches of `list`'s search, type and
    /// group in list order, from the verified index, copying only the window's rows.
    pub fn list_page(&mut self, list: &ListQuery) -> Result<EntryPage> {
        let needle = list.search().map(str::to_lowercase);
        let index = self.listed_index()?;
        Ok(match needle {
            Some(needle) => view::page(index.matching(&needle), list),
            None => view::page(index.entries(), list),
        })
    }

    /// Entries with `query` in a visible field (title, user name, URL, notes, group, tags),
    /// ignoring case. Secrets are never searched. The matches are found in the index; only
    /// they are read and decrypted. Before the index is built (a command that searches once),
    /// they are found in the rows unlocking verified instead, and the index is not built.
    pub fn search(&mut self, query: &str) -> Result<Vec<Entry>> {
        if let Some(found) = self.search_before_index(&query.to_lowercase())? {
            return Ok(found);
        }
        let ids: Vec<String> = self
            .search_summaries(query)?
            .into_iter()
            .map(|s| s.id)
            .collect();
        self.read_entries(&ids)
    }

    /// The entry with this id, id prefix (at least 4 characters) or title (ignoring case):
    /// found in the index, then that one record is read and authenticated.
    pub fn find(&mut self, id_or_title: &str) -> Result<Entry> {
        if let Some(entry) = self.find_by_id_before_index(id_or_title)? {
            return Ok(entry);
        }
        let id = self.fresh_index()?.resolve(id_or_title)?;
        self.read_entries(std::slice::from_ref(&id))?
            .pop()
            .ok_or(Error::NoMatch(id_or_title.to_owned()))
    }

    /// Adds one entry and returns it with its id and times.
    pub fn add(&mut self, new: NewEntry) -> Result<Entry> {
        let mut added = self.add_all(vec![new])?;
        added.pop().ok_or(Error::Crypto)
    }

    /// Adds several entries in one transaction: all or none.
    pub fn add_all(&mut self, news: Vec<NewEntry>) -> Result<Vec<Entry>> {
        let entries = new_entries(news, self.clock.now())?;
        self.put_all_entries(&entries, &[])?;
        tracing::debug!(count = entries.len(), "entries added");
        Ok(entries)
    }

    /// The workspace's id.
    pub fn workspace_id(&self) -> [u8; 16] {
        self.header.workspace_id
    }

    /// Writes an encrypted copy of the workspace to `path` (a backup that opens with the same
    /// password and second factor). The manifest is checked first.
    pub fn backup_to(&mut self, path: &Path) -> Result<()> {
        self.verified_rows()?;
        // Created empty and owner-only first by the one writer of secret files (SQLite fills
        // an empty file), so the copy is never readable by others, not even for a moment, and
        // never lands on a planted link.
        drop(crate::secret_file::create(path)?);
        if let Err(e) = self.store.copy_to(path) {
            let _ = std::fs::remove_file(path);
            return Err(e.into());
        }
        Ok(())
    }

    /// Saves changes to an existing entry; sets its modified time.
    pub fn update(&mut self, mut entry: Entry) -> Result<Entry> {
        validate(&entry.title, &entry.kind, &entry.fields)?;
        entry.group = normalize_group(entry.group);
        entry.modified = self.clock.now().max(entry.created);
        self.write(|w| {
            let old = w
                .stored_entry(&entry.id)?
                .ok_or_else(|| Error::NoMatch(entry.id.clone()))?;
            w.keep_version(&old, &entry)?;
            w.put_entry(&entry)
        })?;
        Ok(entry)
    }

    /// Deletes an entry by id for good, with its history ([`trash`](Self::trash) moves it to
    /// the recycle bin instead).
    pub fn remove(&mut self, id: &str) -> Result<()> {
        self.write(|w| {
            if w.delete_entry(id)? {
                w.purge_records(id)
            } else {
                Err(Error::NoMatch(id.to_owned()))
            }
        })
    }

    /// The plaintexts of the records of `collection` (only the record `only` when given), by
    /// record id, each checked against the verified manifest's version and hash: read on
    /// demand, in one transaction, at the state the index (or the rows unlocking verified)
    /// reflects. Nothing else is decrypted.
    fn read_records(
        &mut self,
        collection: &str,
        only: Option<&str>,
    ) -> Result<Vec<(String, zeroize::Zeroizing<Vec<u8>>)>> {
        for _ in 0..3 {
            let now = self.store.read(|tx| tx.data_version())?;
            let versions = match (&self.index, &self.verified) {
                (Some(index), _) if index.data_version == now => &index.records,
                (None, Some(v)) if v.data_version == now => &v.versions,
                (Some(_), _) => {
                    self.rebuild_index()?;
                    continue;
                }
                (None, _) => {
                    self.verified = Some(self.read_verified()?);
                    continue;
                }
            };
            let wanted: Vec<(String, (u64, record::SealedHash))> = versions
                .range((collection.to_owned(), String::new())..)
                .take_while(|((c, _), _)| c == collection)
                .filter(|((_, id), _)| only.is_none_or(|o| o == id))
                .map(|((_, id), v)| (id.clone(), *v))
                .collect();
            let (rows, at) = self.store.read(|tx| -> Result<_> {
                let rows = wanted
                    .iter()
                    .map(|(id, _)| tx.row(collection, id))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((rows, tx.data_version()?))
            })?;
            if at != now {
                continue;
            }
            let mut out = Vec::with_capacity(rows.len());
            for (row, (id, (version, hash))) in rows.into_iter().zip(wanted) {
                let row = row.ok_or(Error::Damaged(
                    "records were removed, added, changed or rolled back",
                ))?;
                if row.version != version || record::sealed_hash(&row.sealed) != hash {
                    tracing::warn!("read refused: a record does not match the manifest");
                    return Err(Error::Damaged(
                        "records were removed, added, changed or rolled back",
                    ));
                }
                out.push((id, self.records.open(&row)?));
            }
            return Ok(out);
        }
        Err(Error::Busy)
    }

    /// Changes the master password. It needs the current password, whichever way the
    /// workspace was opened (quick unlock included). A new master key is generated and every
    /// record is sealed again, so a copy of the old key opens nothing written from now on;
    /// quick-unlock copies of the old key are deleted.
    /// With MFA on, it needs a factor verified in the last 5 minutes.
    pub fn change_password(
        &mut self,
        current_password: &SecretString,
        new_password: &SecretString,
        kdf: KdfParams,
    ) -> Result<()> {
        let keys = self
            .password_keys(current_password)?
            .with_new_password(new_password, kdf)?
            .derive()?;
        self.change_password_with(&keys)
    }

    /// [`change_password`](Self::change_password) with keys derived beforehand
    /// ([`password_keys`](Self::password_keys) and
    /// [`with_new_password`](PasswordKeys::with_new_password)).
    pub fn change_password_with(&mut self, keys: &DerivedKeys) -> Result<()> {
        let new = keys
            .new
            .as_ref()
            .ok_or_else(|| Error::Invalid("no new password was given".into()))?;
        self.require_step_up()?;
        self.password_key(keys)?;
        // A version-1 file is packed into buckets first (by a write that changes nothing
        // else), so what is sealed again below is the current form.
        if self.store.read(|tx| tx.schema_version())? < store::SCHEMA_VERSION {
            self.write(|_| Ok(()))?;
        }
        // A bound workspace stays bound to the same device secret.
        let binding = self.binding()?;
        let device = binding::device_secret(binding.as_ref().map(binding::Binding::name))?;
        let bound = device.as_ref().zip(binding.as_ref());
        let material = KeyMaterial::from_key(new.header.clone(), new.key.clone(), bound)?;
        let old = &self.records;
        self.store.write(|tx| -> Result<()> {
            let (rows, chunks) = tx.rows_and_hashes(attachments::CHUNKS, record::sealed_hash)?;
            let (rows, versions) = rows_and_versions(Ok((rows, chunks.clone())))?;
            old.verify_manifest(refs(&versions), tx.meta(META_MANIFEST)?)?;
            let mut resealed = Versions::new();
            let mut reseal = |row: &Row| -> Result<()> {
                let plain = old.open(row)?;
                let row = material
                    .records
                    .seal(&row.collection, &row.id, row.version, &plain)?;
                tx.put(&row)?;
                resealed.insert(
                    (row.collection.clone(), row.id.clone()),
                    (row.version, record::sealed_hash(&row.sealed)),
                );
                Ok(())
            };
            for row in &rows {
                reseal(row)?;
            }
            // Attachment chunks one at a time (checked against what the manifest verified),
            // so a large file is never whole in memory.
            for (listed, hash) in &chunks {
                let row = tx
                    .row(&listed.collection, &listed.id)?
                    .filter(|r| r.version == listed.version)
                    .filter(|r| record::sealed_hash(&r.sealed) == *hash)
                    .ok_or(Error::Damaged(
                        "records were removed, added, changed or rolled back",
                    ))?;
                reseal(&row)?;
            }
            quick::forget_all(tx)?;
            material.store(tx, &resealed)
        })?;
        self.header = material.header;
        self.records = material.records;
        self.master = material.master;
        // Every hash changed: the next read rebuilds the index under the new keys.
        self.index = None;
        self.verified = None;
        tracing::info!("master password changed; every record sealed again under a new key");
        Ok(())
    }

    /// Runs `f` in one write transaction, after checking the manifest, and signs the new one.
    /// The records the write starts from are the verified ones this workspace holds (its
    /// index, or the rows unlocking verified) when no other connection committed since and
    /// the stored manifest is the one they were verified against (or this workspace signed);
    /// otherwise every record is read and the manifest checked against them. The index
    /// follows the write in the same step when it reflected the state the write started
    /// from; otherwise it is dropped and the next read rebuilds it.
    fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_, '_>) -> Result<T>) -> Result<T> {
        // Taken out of the index, which gets them back (changed) only if the write commits.
        let held = match (&mut self.index, self.verified.take()) {
            (Some(index), _) => Some((
                index.data_version,
                std::mem::take(&mut index.manifest),
                std::mem::take(&mut index.records),
            )),
            (None, Some(v)) => Some((v.data_version, v.manifest, v.versions)),
            (None, None) => None,
        };
        let records = &self.records;
        let written = self.store.write(|tx| {
            let data_version = tx.data_version()?;
            let stored = tx.meta(META_MANIFEST)?;
            let mut versions = match held {
                Some((at, manifest, versions))
                    if at == data_version && stored.as_deref() == Some(manifest.as_slice()) =>
                {
                    versions
                }
                _ => {
                    let (_, versions) = rows_and_versions(
                        tx.rows_and_hashes(attachments::CHUNKS, record::sealed_hash),
                    )?;
                    records.verify_manifest(refs(&versions), stored).inspect_err(
                        |e| tracing::warn!(error = %e, "write refused: the manifest does not match"),
                    )?;
                    versions
                }
            };
            let mut writer = Writer {
                tx,
                records,
                versions: &mut versions,
                changes: Vec::new(),
                buckets: BTreeMap::new(),
            };
            writer.pack_legacy()?;
            let out = f(&mut writer)?;
            writer.flush()?;
            let changes = writer.changes;
            let manifest = records.sign_manifest(refs(&versions));
            tx.set_meta(META_MANIFEST, &manifest)?;
            tracing::trace!(records = versions.len(), "write committed");
            Ok::<_, Error>((out, versions, manifest, changes, data_version))
        });
        match written {
            Ok((out, versions, manifest, changes, data_version)) => {
                match &mut self.index {
                    Some(index) if index.data_version == data_version => {
                        index.apply(versions, manifest, changes)
                    }
                    _ => self.index = None,
                }
                Ok(out)
            }
            Err(e) => {
                // Its records were taken for the write: the next read rebuilds it.
                self.index = None;
                Err(e)
            }
        }
    }
}
/// The whole rows (all but attachment chunks) and the versions and hashes of every record,
/// from [`store::ReadTx::rows_and_hashes`]; a record listed twice is refused.
fn rows_and_versions(read: store::RowsAndHashes) -> Result<(Vec<Row>, Versions)> {
    let (rows, chunks) = read?;
    let mut versions: Versions = rows
        .iter()
        .map(|r| {
            let hash = record::sealed_hash(&r.sealed);
            ((r.collection.clone(), r.id.clone()), (r.version, hash))
        })
        .collect();
    let count = rows.len() + chunks.len();
    versions.extend(
        chunks
            .into_iter()
            .map(|(r, hash)| ((r.collection, r.id), (r.version, hash))),
    );
    if versions.len() != count {
        return Err(Error::Damaged("a record is stored twice"));
    }
    Ok((rows, versions))
}

/// Version and hash of the sealed bytes of every record, by (collection, id).
pub(crate) type Versions = BTreeMap<(String, String), (u64, record::SealedHash)>;

fn refs(versions: &Versions) -> impl ExactSizeIterator<Item = RecordRef<'_>> {
    versions
        .iter()
        .map(|((c, i), (v, h))| (c.as_str(), i.as_str(), *v, *h))
}

/// Writes records inside one transaction and tracks their versions for the manifest.
struct Writer<'t, 'c> {
    tx: &'t WriteTx<'c>,
    records: &'t RecordKeys,
    versions: &'t mut Versions,
    /// What the committed write changes in the index.
    changes: Vec<index::Change>,
    /// The entry buckets this write read or changes, by bucket id; the changed ones are
    /// sealed once each by [`flush`](Self::flush).
    buckets: BTreeMap<String, Bucket>,
}

/// One bucket's entries, by id, as a write sees them.
struct Bucket {
    entries: BTreeMap<String, Entry>,
    changed: bool,
}

impl Writer<'_, '_> {
    /// The bucket `entry_id` belongs to, read (and checked against the manifest's version
    /// and hash) the first time this write needs it.
    fn bucket(&mut self, entry_id: &str) -> Result<&mut Bucket> {
        let id = bucket_of(entry_id);
        if !self.buckets.contains_key(&id) {
            let key = (BUCKETS.to_owned(), id.clone());
            let entries = match self.versions.get(&key) {
                None => BTreeMap::new(),
                Some(&(version, hash)) => {
                    let row = self.tx.row(BUCKETS, &id)?.ok_or(Error::Damaged(
                        "records were removed, added, changed or rolled back",
                    ))?;
                    if row.version != version || record::sealed_hash(&row.sealed) != hash {
                        tracing::warn!("write refused: a bucket does not match the manifest");
                        return Err(Error::Damaged(
                            "records were removed, added, changed or rolled back",
                        ));
                    }
                    bucket::open_bucket(self.records, &row)?
                        .into_iter()
                        .map(|e| (e.id.clone(), e))
                        .collect()
                }
            };
            self.buckets.insert(
                id.clone(),
                Bucket {
                    entries,
                    changed: false,
                },
            );
        }
        self.buckets
            .get_mut(&id)
            .ok_or(Error::Damaged("the index could not be built"))
    }

    fn entry_exists(&mut self, id: &str) -> Result<bool> {
        Ok(self.bucket(id)?.entries.contains_key(id))
    }

    fn put_entry(&mut self, entry: &Entry) -> Result<()> {
        let bucket = self.bucket(&entry.id)?;
        bucket.entries.insert(entry.id.clone(), entry.clone());
        bucket.changed = true;
        self.changes
            .push(index::Change::Put(Box::new(index::Indexed::of(entry))));
        Ok(())
    }

    /// Deletes an entry; whether it was there.
    fn delete_entry(&mut self, id: &str) -> Result<bool> {
        let bucket = self.bucket(id)?;
        let existed = bucket.entries.remove(id).is_some();
        if existed {
            bucket.changed = true;
            self.changes.push(index::Change::Removed(id.to_owned()));
        }
        Ok(existed)
    }

    /// Packs the entry records of a version-1 file into buckets and marks the file as
    /// version 2, so that builds reading one record per entry refuse it. Each record read is
    /// checked against the manifest's version and hash, and opened under its associated data.
    fn pack_legacy(&mut self) -> Result<()> {
        let listed = self
            .versions
            .keys()
            .filter(|(c, _)| c == LEGACY_ENTRIES)
            .count();
        if listed > 0 {
            let rows = self.tx.rows(Some(LEGACY_ENTRIES))?;
            if rows.len() != listed {
                return Err(Error::Damaged(
                    "records were removed, added, changed or rolled back",
                ));
            }
            for row in rows {
                match self.versions.get(&(row.collection.clone(), row.id.clone())) {
                    Some(&(version, hash))
                        if version == row.version && hash == record::sealed_hash(&row.sealed) => {}
                    _ => {
                        return Err(Error::Damaged(
                            "records were removed, added, changed or rolled back",
                        ))
                    }
                }
                let entry = bucket::open_legacy(self.records, &row)?;
                self.delete(LEGACY_ENTRIES, &row.id)?;
                let bucket = self.bucket(&entry.id)?;
                bucket.changed = true;
                if bucket.entries.insert(entry.id.clone(), entry).is_some() {
                    return Err(Error::Damaged("an entry is stored twice"));
                }
            }
            tracing::info!(
                entries = listed,
                "version-1 entry records packed into buckets"
            );
        }
        if self.tx.schema_version()? < store::SCHEMA_VERSION {
            self.tx.upgrade_schema()?;
        }
        Ok(())
    }

    /// Seals every changed bucket once (deleting the emptied ones).
    fn flush(&mut self) -> Result<()> {
        let buckets = std::mem::take(&mut self.buckets);
        for (id, bucket) in buckets.into_iter().filter(|(_, b)| b.changed) {
            if bucket.entries.is_empty() {
                self.delete(BUCKETS, &id)?;
            } else {
                let plain = bucket::pack(bucket.entries.values())?;
                self.put_sealed(BUCKETS, &id, &plain)?;
            }
        }
        Ok(())
    }

    /// Seals `value` as JSON into the record `(collection, id)` with the next version.
    fn put(&mut self, collection: &str, id: &str, value: &impl serde::Serialize) -> Result<()> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|_| Error::Crypto)?);
        self.put_sealed(collection, id, &plain)
    }

    /// Seals a plaintext into the record `(collection, id)` with the next version.
    fn put_sealed(&mut self, collection: &str, id: &str, plain: &[u8]) -> Result<()> {
        let key = (collection.to_owned(), id.to_owned());
        let version = self.versions.get(&key).map_or(1, |(v, _)| v + 1);
        let row = self.records.seal(collection, id, version, plain)?;
        self.tx.put(&row)?;
        self.versions
            .insert(key, (version, record::sealed_hash(&row.sealed)));
        Ok(())
    }

    /// Deletes a record; the row must have been there exactly when the manifest lists it.
    fn delete(&mut self, collection: &str, id: &str) -> Result<bool> {
        let listed = self
            .versions
            .remove(&(collection.to_owned(), id.to_owned()))
            .is_some();
        let existed = self.tx.delete(collection, id)?;
        if existed != listed {
            return Err(store::Error::WriteMismatch.into());
        }
        Ok(existed)
    }
}

#[cfg(test)]
fn row_ref(row: &Row) -> RecordRef<'_> {
    (
        row.collection.as_str(),
        row.id.as_str(),
        row.version,
        record::sealed_hash(&row.sealed),
    )
}

/// Sealed bytes below which the index is built on one thread: a thread costs more than it
/// saves.
const INDEX_PARALLEL_BYTES: usize = 256 << 10;

/// Decrypts entry rows (buckets, or version-1 records) into the index's fields (each entry
/// is then dropped, its secrets zeroized).
fn index_entries(records: &RecordKeys, rows: &[&Row]) -> Result<Vec<index::Indexed>> {
    map_entries(records, rows, |e| Some(index::Indexed::from_entry(e)))
}

/// Decrypts entry rows (buckets, or version-1 records) and keeps what `f` makes of each entry,
/// on the machine's cores when there is much to decrypt.
fn map_entries<T: Send>(
    records: &RecordKeys,
    rows: &[&Row],
    f: impl Fn(Entry) -> Option<T> + Sync,
) -> Result<Vec<T>> {
    let f = &f;
    let one = |chunk: &[&Row]| {
        let mut out = Vec::new();
        let mut unpacker = bucket::unpacker()?;
        for row in chunk {
            out.extend(
                bucket::open_entries(&mut unpacker, records, row)?
                    .into_iter()
                    .filter_map(f),
            );
        }
        Ok::<_, Error>(out)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let bytes: usize = rows.iter().map(|r| r.sealed.len()).sum();
    if threads == 1 || rows.len() < 2 || bytes < INDEX_PARALLEL_BYTES {
        return one(rows);
    }
    let chunk = rows.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let spawned = rows
            .chunks(chunk)
            .map(|c| std::thread::Builder::new().spawn_scoped(scope, move || one(c)))
            .collect::<Vec<_>>();
        let mut entries = Vec::new();
        for handle in spawned {
            let part = handle
                .map_err(|_| Error::Crypto)?
                .join()
                .map_err(|_| Error::Crypto)??;
            entries.extend(part);
        }
        Ok(entries)
    })
}

pub(crate) fn validate(
    title: &str,
    kind: &EntryKind,
    fields: &[crate::entry::CustomField],
) -> Result<()> {
    if title.trim().is_empty() {
        return Err(Error::Invalid("the title cannot be empty".into()));
    }
    crate::entry::fields::check(fields).map_err(|e| Error::Invalid(e.to_string()))?;
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

pub(crate) fn normalize_group(group: Option<String>) -> Option<String> {
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

/// New entries (each checked, with a new id) made at `now`.
pub(crate) fn new_entries(news: Vec<NewEntry>, now: i64) -> Result<Vec<Entry>> {
    news.into_iter()
        .map(|n| n.into_entry(new_id()?, now, now))
        .collect()
}

pub(crate) fn new_id() -> Result<String> {
    let bytes: [u8; 16] = crypto::random_bytes()?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}
