//! Reading a team workspace while its server cannot be reached (docs/TEAM.md, "Sync, cache and
//! offline"): the copy this computer kept at the last sync opens with the member's password,
//! then their second factor when they set one (checked against the settings the copy holds;
//! what a check counts is kept in the copy only). Reads work; every change is refused with a
//! clear message (no queue: a queued write could meet another member's change unseen).

use super::cache::{self, Body, CachedRecord, Stored};
use super::change::{sealed_hash, RecordState};
use super::entries::Entries;
use super::grant::EpochKey;
use super::held::HeldRecords;
use super::identity::{Identity, PublicIdentity};
use super::member::{self, MFA_PURPOSE};
use super::workspace::{open_entry, open_sealed, record_keys, ENTRIES};
use super::{Error, TeamUrl};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{AeadKey, SecretString};
use crate::entry::Entry;
use crate::entry_store::EntryStore;
use crate::mfa::MfaConfig;
use crate::view::{EntryPage, EntrySummary, ListQuery};
use crate::workspace::attachments::{AttachmentInfo, CHUNKS};
use crate::workspace::history::{Trashed, Version};
use crate::workspace::{self as file, Guarded, MfaStorage, NewEntry, PendingMfa};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The copy this computer keeps of a team workspace, not yet opened.
pub struct OfflineCopy {
    path: PathBuf,
    stored: Stored,
}

/// What the member's password gives of an offline copy.
#[derive(Debug)]
pub enum OfflineUnlock {
    /// No second factor set: open.
    Open(OfflineMember),
    /// The member's second factor is needed first.
    PendingMfa(PendingMfa<OfflineMember>),
}

/// A member whose password (and factor) opened their offline copy.
pub struct OfflineMember {
    path: PathBuf,
    identity: Identity,
    sealed_identity: Vec<u8>,
    kdf: crate::KdfParams,
    mfa_key: AeadKey,
    cache_key: AeadKey,
    body: Body,
    factor_at: Option<i64>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OfflineMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfflineMember")
            .field("role", &self.identity.public().role)
            .finish_non_exhaustive()
    }
}

/// A team workspace read from the offline copy: reads only.
pub struct OfflineWorkspace {
    member: OfflineMember,
    entries: Entries,
    /// Each epoch's record key.
    keys: BTreeMap<u64, AeadKey>,
    /// Where each record is in the copy's records, by collection and id.
    places: HashMap<(String, String), usize>,
}

impl OfflineCopy {
    /// The copy this computer keeps of the workspace `url` names, if there is one.
    pub fn find(url: &TeamUrl) -> Result<Option<Self>, Error> {
        let Some(path) = cache::path(url) else {
            return Ok(None);
        };
        Ok(cache::load(&path)?.map(|stored| Self { path, stored }))
    }

    /// Opens the copy with the member's master password; their second factor follows when
    /// they set one. A key derivation above 1 GiB runs only when `costly_confirmed`.
    pub fn unlock(
        self,
        password: &SecretString,
        costly_confirmed: bool,
    ) -> file::Result<OfflineUnlock> {
        let Self { path, stored } = self;
        let public = PublicIdentity {
            role: stored.role.clone(),
            x25519: stored.x25519,
            ed25519: stored.ed25519,
        };
        let kdf = super::identity::sealed_kdf(&stored.identity).map_err(Error::from)?;
        if kdf.needs_confirmation() && !costly_confirmed {
            return Err(Error::CostlyKdf {
                memory_mib: kdf.memory_kib() / 1024,
                passes: kdf.iterations(),
            }
            .into());
        }
        let (identity, master) = Identity::open_keeping_master(&public, &stored.identity, password)
            .map_err(Error::from)?;
        let cache_key = master.aead_subkey(cache::CACHE_PURPOSE)?;
        let body = cache::open_body(&cache_key, &public, &stored.workspace, &stored.body)?;
        let mut member = OfflineMember {
            path,
            identity,
            sealed_identity: stored.identity,
            kdf,
            mfa_key: master.aead_subkey(MFA_PURPOSE)?,
            cache_key,
            body,
            factor_at: None,
            clock: Arc::new(SystemClock),
        };
        let config = member.read_mfa()?;
        Ok(if config.enabled() {
            OfflineUnlock::PendingMfa(PendingMfa::new(member, &config))
        } else {
            OfflineUnlock::Open(member)
        })
    }
}

impl OfflineMember {
    /// Opens the workspace from the copy: every record opened with its epoch's key.
    pub fn open_workspace(self) -> Result<OfflineWorkspace, Error> {
        let epoch_keys = self
            .body
            .keys
            .iter()
            .map(|(epoch, key)| (*epoch, EpochKey::from_bytes(**key)))
            .collect::<BTreeMap<_, _>>();
        let keys = record_keys(&epoch_keys)?;
        let mut entries = Entries::default();
        let mut places = HashMap::new();
        for (i, r) in self.body.records.iter().enumerate() {
            places.insert((r.collection.clone(), r.id.clone()), i);
            let Some(sealed) = r.sealed.as_deref() else {
                if r.collection == CHUNKS {
                    continue;
                }
                return Err(Error::OfflineCopy("a record lacks its bytes".into()));
            };
            if sealed_hash(sealed) != r.hash {
                return Err(Error::OfflineCopy("it is damaged".into()));
            }
            if r.collection == ENTRIES {
                entries.insert(open_entry(
                    &keys,
                    &self.body.workspace,
                    &r.id,
                    &state_of(r),
                    sealed,
                )?);
            }
        }
        tracing::info!(
            entries = entries.len(),
            "team workspace opened from the offline copy"
        );
        Ok(OfflineWorkspace {
            member: self,
            entries,
            keys,
            places,
        })
    }
}

impl OfflineWorkspace {
    /// When (Unix seconds) the copy was last brought up to date with the server.
    pub fn synced_at(&self) -> i64 {
        self.member.body.synced_at
    }

    /// The workspace's name.
    pub fn name(&self) -> &str {
        &self.member.body.name
    }

    fn offline(&self) -> file::Error {
        Error::Offline {
            synced_at: crate::clock::utc_minute(self.synced_at()),
        }
        .into()
    }
}

fn state_of(r: &CachedRecord) -> RecordState {
    RecordState {
        version: r.version,
        epoch: r.epoch,
        hash: r.hash,
        seq: r.seq,
    }
}

impl HeldRecords for OfflineWorkspace {
    fn open_record(&self, collection: &str, id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        let record = self
            .places
            .get(&(collection.to_owned(), id.to_owned()))
            .and_then(|&i| self.member.body.records.get(i));
        let Some((r, sealed)) = record.and_then(|r| Some((r, r.sealed.as_deref()?))) else {
            return Ok(None);
        };
        let workspace = &self.member.body.workspace;
        open_sealed(&self.keys, workspace, collection, id, &state_of(r), sealed).map(Some)
    }

    fn record_ids(&self, collection: &str) -> Vec<String> {
        self.places
            .keys()
            .filter(|(c, _)| c == collection)
            .map(|(_, id)| id.clone())
            .collect()
    }
}

/// Reads what the copy holds; every change, and saving an attachment (its chunks are read
/// from the server), is refused.
impl EntryStore for OfflineWorkspace {
    fn find(&mut self, id_or_title: &str) -> file::Result<Entry> {
        self.entries.find(id_or_title)
    }

    fn summaries(&mut self) -> file::Result<Vec<EntrySummary>> {
        self.entries.summaries()
    }

    fn search_summaries(&mut self, query: &str) -> file::Result<Vec<EntrySummary>> {
        self.entries.search(query)
    }

    fn list_page(&mut self, list: &ListQuery) -> file::Result<EntryPage> {
        self.entries.page(list)
    }

    fn add(&mut self, _new: NewEntry) -> file::Result<Entry> {
        Err(self.offline())
    }

    fn update(&mut self, _entry: Entry) -> file::Result<Entry> {
        Err(self.offline())
    }

    fn remove(&mut self, _id: &str) -> file::Result<()> {
        Err(self.offline())
    }

    fn now(&self) -> i64 {
        self.member.clock.now()
    }

    fn entries(&mut self) -> file::Result<Vec<Entry>> {
        self.entries.all()
    }

    fn put_all(&mut self, _entries: &[Entry], _replacing: &[String]) -> file::Result<()> {
        Err(self.offline())
    }

    fn kdf(&self) -> crate::KdfParams {
        self.member.kdf
    }

    fn backup_to(&mut self, _path: &std::path::Path) -> file::Result<()> {
        Err(self.offline())
    }

    /// An export is recorded in the workspace's audit log, on the server.
    fn exported(&mut self, _format: &str, _count: usize) -> file::Result<()> {
        Err(self.offline())
    }

    fn history(&mut self, id_or_title: &str) -> file::Result<Vec<Version>> {
        let entry = self.entries.find(id_or_title)?;
        self.versions_of(&entry)
    }

    fn earlier_versions(&mut self) -> file::Result<HashMap<String, Vec<Entry>>> {
        self.all_earlier_versions()
    }

    fn password_change_times(&mut self, entries: &[Entry]) -> file::Result<HashMap<String, i64>> {
        self.password_changes(entries)
    }

    fn history_limit(&mut self) -> file::Result<u32> {
        self.kept_versions()
    }

    fn trashed(&mut self) -> file::Result<Vec<Trashed>> {
        self.bin()
    }

    fn attachments(&mut self, id_or_title: &str) -> file::Result<Vec<AttachmentInfo>> {
        let entry = self.entries.find(id_or_title)?;
        self.attachment_list(&entry.id)
    }

    fn restore_version(&mut self, _id_or_title: &str, _number: u64) -> file::Result<Entry> {
        Err(self.offline())
    }

    fn set_history_limit(&mut self, _limit: u32) -> file::Result<()> {
        Err(self.offline())
    }

    fn untrash(&mut self, _id_or_title: &str) -> file::Result<Entry> {
        Err(self.offline())
    }

    fn purge(&mut self, _id_or_title: &str) -> file::Result<Entry> {
        Err(self.offline())
    }

    fn empty_trash(&mut self) -> file::Result<usize> {
        Err(self.offline())
    }

    fn attach_file(
        &mut self,
        _id_or_title: &str,
        _path: &std::path::Path,
        _name: Option<&str>,
        _max_bytes: u64,
    ) -> file::Result<AttachmentInfo> {
        Err(self.offline())
    }

    fn save_attachment(
        &mut self,
        _id_or_title: &str,
        _name: &str,
        _out: &std::path::Path,
    ) -> file::Result<u64> {
        Err(self.offline())
    }

    fn attachment_files(
        &mut self,
        _entry_id: &str,
    ) -> file::Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        Err(self.offline())
    }

    fn discard(&mut self, _id: &str) -> file::Result<()> {
        Err(self.offline())
    }

    fn put_imported(
        &mut self,
        _entries: &[Entry],
        _replacing: &[String],
        _extras: file::importing::ImportExtras,
    ) -> file::Result<usize> {
        Err(self.offline())
    }

    fn detach(&mut self, _id_or_title: &str, _name: &str) -> file::Result<()> {
        Err(self.offline())
    }
}

impl Guarded for OfflineMember {}

/// The member's settings as the copy holds them: a check's counts are kept in the copy.
#[allow(private_interfaces, private_bounds)]
impl MfaStorage for OfflineMember {
    fn read_mfa(&mut self) -> file::Result<MfaConfig> {
        member::decode(
            &self.mfa_key,
            self.identity.public(),
            self.body.mfa.as_deref(),
            self.body.mfa_version,
        )
    }

    fn update_mfa<T>(
        &mut self,
        f: impl FnOnce(&mut MfaConfig) -> file::Result<T>,
    ) -> file::Result<T> {
        let mut config = self.read_mfa()?;
        let out = f(&mut config)?;
        let next = self.body.mfa_version + 1;
        let sealed = member::seal_config(&self.mfa_key, self.identity.public(), next, &config)?;
        self.body.mfa = Some(sealed);
        self.body.mfa_version = next;
        cache::store_parts(
            &self.path,
            &self.cache_key,
            self.identity.public(),
            &self.sealed_identity,
            &self.body,
        )?;
        Ok(out)
    }

    fn mfa_clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    fn account_name(&self) -> String {
        self.identity.public().role.clone()
    }

    fn factor_at(&self) -> Option<i64> {
        self.factor_at
    }

    fn set_factor_at(&mut self, at: i64) {
        self.factor_at = Some(at);
    }
}

// Reads from the copy reach the member's factors too (an export's step-up; refused offline).
super::member::delegate_mfa_storage!(OfflineWorkspace, member);
