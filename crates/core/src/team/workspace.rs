//! A team workspace, open for one member (docs/TEAM.md, "Keys" and "Integrity"): the entries
//! of its records, each sealed under an epoch's key with the record's place, version and epoch
//! as associated data, every write appended to the signed change chain by the server's
//! `write_record` in the same statement. Opening replays the chain and checks every record
//! against it before anything is decrypted; writes name the version they start from, so a
//! change another member made meanwhile is reported, never overwritten.

use super::admin::removal_message;
use super::admin::Verified;
use super::change::{self, Chain, ChainError, RecordState, Writers};
use super::directory::{public_of, Access, Team};
use super::entries::Entries;
use super::grant::EpochKey;
use super::held::HeldRecords;
use super::member::Member;
use super::{audit, cache, col, head, Error};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{AeadKey, MasterKey, SecretString};
use crate::entry::{packed, Entry};
use crate::entry_store::EntryStore;
use crate::view::{EntryPage, EntrySummary, ListQuery};
use crate::workspace::attachments::{AttachmentInfo, CHUNKS};
use crate::workspace::history::{self as file_history, Trashed, Version};
use crate::workspace::importing;
use crate::workspace::{self as file, NewEntry};
use postgres::error::SqlState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use zeroize::Zeroizing;

mod attachments;
mod history;

/// The collection entries are kept in, one record per entry (conflicts are per entry).
pub const ENTRIES: &str = "entries";
const RECORD_CONTEXT: &[u8] = b"portcullis/team/v1/record";
const RECORD_KEY_PURPOSE: &[u8] = b"portcullis/team/v1/records";
/// The server's code for a record that moved from the version a write started from.
const CONFLICT: &str = "PCV01";
/// Writes retried when other records changed meanwhile, before giving up.
const RETRIES: usize = 20;

/// What a removal leaves to do.
#[derive(Debug)]
pub struct Removal {
    /// The new epoch, whose key only the remaining members hold.
    pub epoch: u64,
    /// The entries the removed member could read: change their secrets.
    pub to_change: Vec<EntrySummary>,
}

/// A team workspace open for one member.
pub struct TeamWorkspace {
    member: Member,
    id: [u8; 16],
    id_text: String,
    name: String,
    access: Access,
    /// Whose signatures the chain accepts: members whose membership checked, and removed ones
    /// (their past writes stay valid).
    writers: Writers,
    /// Each epoch's key (kept in the offline copy), and the record key derived from it.
    epoch_keys: BTreeMap<u64, EpochKey>,
    keys: BTreeMap<u64, AeadKey>,
    chain: Chain,
    /// Where this computer keeps the head it verified last, and that head.
    head_file: Option<PathBuf>,
    pinned: Option<(u64, [u8; 32])>,
    /// Where this computer keeps the offline copy.
    cache_file: Option<PathBuf>,
    /// The sealed bytes of every record the chain leaves in place (for the offline copy).
    sealed: HashMap<(String, String), Vec<u8>>,
    entries: Entries,
    clock: Arc<dyn Clock>,
    /// When (Unix seconds) this copy was last brought up to date with the server.
    synced_at: i64,
    /// The server was lost ([`disconnected`](TeamWorkspace::disconnected)): reads go on from
    /// what this copy holds (what the offline copy holds), every change is refused.
    offline: bool,
}

impl std::fmt::Debug for TeamWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamWorkspace")
            .field("name", &self.name)
            .field("access", &self.access)
            .field("seq", &self.chain.seq)
            .finish_non_exhaustive()
    }
}

fn aad(workspace: &[u8; 16], collection: &str, id: &str, version: u64, epoch: u64) -> Vec<u8> {
    let mut out = RECORD_CONTEXT.to_vec();
    out.extend_from_slice(workspace);
    for text in [collection, id] {
        out.extend_from_slice(&(text.len() as u32).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&epoch.to_be_bytes());
    out
}

fn db_i64(n: u64) -> Result<i64, Error> {
    i64::try_from(n).map_err(|_| Error::SchemaDamaged)
}

fn db_u64(row: &postgres::Row, i: usize) -> Result<u64, Error> {
    u64::try_from(col::<i64>(row, i)?).map_err(|_| Error::SchemaDamaged)
}

impl TeamWorkspace {
    /// Opens the workspace the member's address names for them, an active member: their keys,
    /// the change chain replayed and every record checked against it, the entries decrypted.
    pub(super) fn open(mut member: Member) -> Result<Self, Error> {
        let me = &member.identity;
        let team = &mut member.team;
        let verified = team.verified_members()?;
        let access = verified
            .iter()
            .find(|v| v.member == *me.public())
            .map(|v| v.access)
            .ok_or_else(|| Error::NotMember(me.public().role.clone()))?;
        let (id, id_text) = team.workspace()?;
        let epoch_keys = team.epoch_keys(me, &verified)?;
        let keys = record_keys(&epoch_keys)?;
        let writers = team.writers(&verified, &id_text)?;
        let head_file = head::path(team.url());
        let pinned = head_file.as_deref().and_then(head::load);
        let name = team.workspace_name()?.to_owned();
        let cache_file = cache::path(team.url());
        let mut ws = TeamWorkspace {
            member,
            name,
            id,
            id_text,
            access,
            writers,
            epoch_keys,
            keys,
            chain: Chain::default(),
            head_file,
            pinned,
            cache_file,
            sealed: HashMap::new(),
            entries: Entries::default(),
            clock: Arc::new(SystemClock),
            synced_at: 0,
            offline: false,
        };
        ws.resume_from_offline_copy();
        ws.fetch_changes()?;
        // Kept after every open, whatever changed: its "last synced" is now.
        ws.keep_offline_copy();
        tracing::info!(entries = ws.entries.len(), "team workspace opened");
        Ok(ws)
    }

    /// Starts from what this computer verified last (its offline copy), so that opening
    /// fetches and checks only the changes since. A copy that does not open or does not fit
    /// is set aside: the chain is then replayed from its start.
    fn resume_from_offline_copy(&mut self) {
        match self.offline_copy() {
            Ok(Some((chain, sealed, entries))) => {
                tracing::debug!(seq = chain.seq, "resuming from the offline copy");
                self.chain = chain;
                self.sealed = sealed;
                self.entries = entries;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("the offline copy was set aside: {e}"),
        }
    }

    #[allow(clippy::type_complexity)]
    fn offline_copy(
        &self,
    ) -> Result<Option<(Chain, HashMap<(String, String), Vec<u8>>, Entries)>, Error> {
        let Some(stored) = self
            .cache_file
            .as_deref()
            .map(cache::load)
            .transpose()?
            .flatten()
        else {
            return Ok(None);
        };
        let me = self.member.identity.public();
        if stored.workspace != self.id
            || stored.role != me.role
            || stored.x25519 != me.x25519
            || stored.ed25519 != me.ed25519
        {
            return Ok(None);
        }
        let body = cache::open_body(&self.member.cache_key, me, &self.id, &stored.body)?;
        let mut chain = Chain {
            seq: body.seq,
            head: body.head,
            records: HashMap::new(),
        };
        let mut sealed = HashMap::new();
        let mut entries = Entries::default();
        for r in body.records {
            let state = RecordState {
                version: r.version,
                epoch: r.epoch,
                hash: r.hash,
                seq: r.seq,
            };
            let key = (r.collection, r.id);
            if let Some(bytes) = r.sealed {
                if change::sealed_hash(&bytes) != r.hash {
                    return Err(Error::OfflineCopy("it is damaged".into()));
                }
                if key.0 == ENTRIES {
                    entries.insert(open_entry(&self.keys, &self.id, &key.1, &state, &bytes)?);
                }
                sealed.insert(key.clone(), bytes);
            } else if key.0 != CHUNKS {
                return Err(Error::OfflineCopy("a record lacks its bytes".into()));
            }
            chain.records.insert(key, state);
        }
        Ok(Some((chain, sealed, entries)))
    }
}

/// A member's sealed second-factor settings and their version, as the server keeps them.
type SealedMfa = (Option<Vec<u8>>, i64);

/// Where an open copy stands: its workspace and the position of the chain it verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncPoint {
    workspace: String,
    seq: u64,
}

/// What changed after a [`SyncPoint`], read in one snapshot, not yet checked: given to
/// [`TeamWorkspace::apply`].
pub struct Fetched {
    point: SyncPoint,
    changes: Vec<postgres::Row>,
    records: Vec<postgres::Row>,
    mfa: SealedMfa,
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("point", &self.point)
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

/// Reads the change elements and records after `point` in one repeatable-read snapshot (and,
/// when `with_mfa`, the member's sealed second-factor settings, for the offline copy).
pub(super) fn fetch(
    client: &mut postgres::Client,
    point: &SyncPoint,
    with_mfa: bool,
) -> Result<Fetched, Error> {
    let since = db_i64(point.seq)?;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let changes = tx.query(
        "SELECT writer::text, element FROM portcullis.changes
         WHERE workspace = $1::text::uuid AND seq > $2 ORDER BY seq",
        &[&point.workspace, &since],
    )?;
    // An attachment's chunks come without their bytes: read one by one when saved.
    let records = tx.query(
        "SELECT collection, id, version, epoch,
                CASE WHEN collection = $3 THEN NULL ELSE sealed END, seq
         FROM portcullis.records WHERE workspace = $1::text::uuid AND seq > $2",
        &[&point.workspace, &since, &CHUNKS],
    )?;
    let mfa = if with_mfa {
        let row = tx
            .query_opt(
                "SELECT mfa, mfa_version FROM portcullis.identity_secrets WHERE role = session_user",
                &[],
            )?
            .ok_or(Error::NoIdentity)?;
        (col(&row, 0)?, col(&row, 1)?)
    } else {
        (None, 0)
    };
    tx.commit()?;
    Ok(Fetched {
        point: point.clone(),
        changes,
        records,
        mfa,
    })
}

impl Team {
    /// Whose signatures the change chain accepts: verified members, and removed ones whose
    /// removal a verified admin signed, up to the position it names.
    pub(super) fn writers(
        &mut self,
        verified: &[Verified],
        id_text: &str,
    ) -> Result<Writers, Error> {
        let (id, _) = self.workspace()?;
        let mut writers = Writers::default();
        for v in verified {
            writers.add(v.member.clone(), None);
        }
        let removed = self.client.query(
            "SELECT m.role::text, i.x25519, i.ed25519, m.approved_by::text, m.signature,
                    m.removed_at
             FROM portcullis.memberships m JOIN portcullis.identities i USING (role)
             WHERE m.workspace = $1::text::uuid AND m.state = 'removed'",
            &[&id_text],
        )?;
        for r in &removed {
            let public = public_of(col(r, 0)?, col(r, 1)?, col(r, 2)?)?;
            let remover: Option<String> = col(r, 3)?;
            let signature: Option<Vec<u8>> = col(r, 4)?;
            let at: Option<i64> = col(r, 5)?;
            let (Some(remover), Some(signature), Some(at)) = (remover, signature, at) else {
                continue;
            };
            let Ok(at) = u64::try_from(at) else {
                continue;
            };
            let signed = verified.iter().any(|v| {
                v.member.role == remover
                    && v.access == Access::Admin
                    && v.member
                        .verify(&removal_message(&id, &public, at), &signature)
            });
            if signed {
                writers.add(public, Some(at));
            } else {
                tracing::warn!(member = %public.role, "a removal whose signature does not check: its writes are not accepted");
            }
        }
        Ok(writers)
    }
}

impl TeamWorkspace {
    /// Uses `clock` for the entries' times.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The workspace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The member's access.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The position of the change chain this copy has verified.
    pub fn synced_to(&self) -> u64 {
        self.chain.seq
    }

    /// Fetches what other members changed since the last sync: the new chain elements, each
    /// checked, then the records they wrote, each checked against the chain and opened. Nothing
    /// is kept unless all of it checks; what changed is kept in the offline copy too.
    pub fn sync(&mut self) -> Result<(), Error> {
        if self.fetch_changes()? {
            self.keep_offline_copy();
        }
        Ok(())
    }

    /// Where this copy stands: what [`Listener::fetch`](super::Listener::fetch) needs to read
    /// the changes since, on a connection of its own, without holding this copy.
    pub fn sync_point(&self) -> SyncPoint {
        SyncPoint {
            workspace: self.id_text.clone(),
            seq: self.chain.seq,
        }
    }

    /// Applies what was fetched since [`sync_point`](Self::sync_point), checked as
    /// [`sync`](Self::sync) checks it (nothing is kept unless all of it checks), and keeps the
    /// offline copy. When this copy moved meanwhile (its own write, another sync), it syncs
    /// instead. Whether anything changed.
    pub fn apply(&mut self, fetched: Fetched) -> Result<bool, Error> {
        if fetched.point != self.sync_point() {
            let before = self.chain.seq;
            self.sync()?;
            return Ok(self.chain.seq != before);
        }
        let changed = self.apply_changes(&fetched.changes, &fetched.records)?;
        if changed {
            if let Err(e) = self.write_offline_copy(Some(fetched.mfa)) {
                tracing::warn!("the offline copy of the team workspace was not kept: {e}");
            }
        }
        Ok(changed)
    }

    /// [`sync`](Self::sync) but the offline copy: whether anything changed.
    fn fetch_changes(&mut self) -> Result<bool, Error> {
        let point = self.sync_point();
        let fetched = fetch(&mut self.member.team.client, &point, false)?;
        self.apply_changes(&fetched.changes, &fetched.records)
    }

    /// Checks and keeps the change elements and the records fetched after this copy's
    /// position; whether anything changed.
    fn apply_changes(
        &mut self,
        changes: &[postgres::Row],
        records: &[postgres::Row],
    ) -> Result<bool, Error> {
        // A writer or an epoch this copy does not know: an admin approved someone, or removed
        // someone (a new epoch), since it opened. The memberships and keys are read and
        // checked again before anything is verified.
        let unknown_writer = changes.iter().any(|r| {
            r.try_get::<_, String>(0)
                .is_ok_and(|w| !self.writers.knows(&w))
        });
        let unknown_epoch = records
            .iter()
            .any(|r| db_u64(r, 3).is_ok_and(|epoch| epoch != 0 && !self.keys.contains_key(&epoch)));
        if unknown_writer || unknown_epoch {
            self.reload_members()?;
        }
        let mut chain = self.chain.clone();
        let mut touched: HashSet<(String, String)> = HashSet::new();
        for r in changes {
            let broken = || Error::Chain(ChainError::Broken(chain.seq + 1));
            let writer: String = r.try_get(0).map_err(|_| broken())?;
            let element: &[u8] = r.try_get(1).map_err(|_| broken())?;
            let writers = &self.writers;
            let done = chain.apply(&self.id, &writer, element, |name, seq| {
                writers.signer(name, seq)
            })?;
            touched.insert((done.collection, done.id));
            if self
                .pinned
                .is_some_and(|(seq, hash)| seq == chain.seq && hash != chain.head)
            {
                return Err(ChainError::RolledBack.into());
            }
        }
        if self.pinned.is_some_and(|(seq, _)| chain.seq < seq) {
            return Err(ChainError::RolledBack.into());
        }
        if changes.is_empty() && records.is_empty() {
            return Ok(false);
        }
        let mut opened: Vec<Entry> = Vec::new();
        let mut seen: HashMap<(String, String), Option<&[u8]>> = HashMap::new();
        for r in records {
            let key: (String, String) = (col(r, 0)?, col(r, 1)?);
            let state = chain
                .records
                .get(&key)
                .ok_or(ChainError::Records("a record the history does not hold"))?;
            let (version, epoch, seq) = (db_u64(r, 2)?, db_u64(r, 3)?, db_u64(r, 5)?);
            let sealed: Option<&[u8]> = col(r, 4)?;
            // A chunk's bytes are checked against the chain when it is read.
            let hash = match (sealed, key.0 == CHUNKS) {
                (Some(bytes), false) => change::sealed_hash(bytes),
                (None, true) => state.hash,
                _ => return Err(ChainError::Records("a record is not the one last written").into()),
            };
            let stated = RecordState {
                version,
                epoch,
                hash,
                seq,
            };
            if stated != *state {
                return Err(ChainError::Records("a record is not the one last written").into());
            }
            if let (ENTRIES, Some(bytes)) = (key.0.as_str(), sealed) {
                opened.push(open_entry(&self.keys, &self.id, &key.1, state, bytes)?);
            }
            seen.insert(key, sealed);
        }
        let missing = touched
            .iter()
            .any(|k| chain.records.contains_key(k) && !seen.contains_key(k));
        if missing || seen.keys().any(|k| !touched.contains(k)) {
            return Err(ChainError::Records("a record was dropped, added or rolled back").into());
        }
        for key in &touched {
            if !chain.records.contains_key(key) {
                self.sealed.remove(key);
                if key.0 == ENTRIES {
                    self.entries.remove(&key.1);
                }
            }
        }
        for (key, sealed) in seen {
            if let Some(bytes) = sealed {
                self.sealed.insert(key, bytes.to_vec());
            }
        }
        for entry in opened {
            self.entries.insert(entry);
        }
        self.chain = chain;
        self.keep_head();
        tracing::debug!(seq = self.chain.seq, "team workspace synced");
        Ok(true)
    }

    /// Reads the memberships, this member's access and keys, and whose signatures the chain
    /// accepts, again (each checked as at opening).
    fn reload_members(&mut self) -> Result<(), Error> {
        let me = &self.member.identity;
        let team = &mut self.member.team;
        let verified = team.verified_members()?;
        let access = verified
            .iter()
            .find(|v| v.member == *me.public())
            .map(|v| v.access)
            .ok_or_else(|| Error::NotMember(me.public().role.clone()))?;
        let epoch_keys = team.epoch_keys(me, &verified)?;
        let keys = record_keys(&epoch_keys)?;
        self.writers = team.writers(&verified, &self.id_text)?;
        self.access = access;
        self.epoch_keys = epoch_keys;
        self.keys = keys;
        tracing::debug!("team memberships and keys read again");
        Ok(())
    }

    /// The members this member may see (as `team members` lists them).
    pub fn members(&mut self) -> Result<Vec<super::Membership>, Error> {
        self.member.team.members()
    }

    /// The audit log, checked.
    pub fn audit_log(&mut self) -> Result<Vec<audit::Event>, Error> {
        self.member.team.audit_log()
    }

    /// The history of entry changes, checked.
    pub fn change_log(&mut self) -> Result<Vec<change::Change>, Error> {
        self.member.team.change_log()
    }

    /// The whole history of the workspace (audit log, export logs, change history), checked
    /// ([`Team::history`]); an entry's versions are [`EntryStore::history`].
    pub fn team_log(&mut self) -> Result<audit::History, Error> {
        self.member.team.history()
    }

    /// Approves `member` as [`Member::approve`] does; this copy then writes and reads with
    /// the memberships as they are now.
    pub fn approve_member(
        &mut self,
        member: &str,
        fingerprint: &str,
        access: Access,
    ) -> file::Result<()> {
        self.check_online()?;
        self.member.approve(member, fingerprint, access)?;
        Ok(self.reload_members()?)
    }

    /// The server was lost (a connection failed and none could be made again): from now on
    /// this copy reads what it holds, the same as the offline copy this computer kept at the
    /// last sync, and refuses every change with [`Error::Offline`] (no queue, as offline)
    /// until [`reconnect`](Self::reconnect).
    pub fn disconnected(&mut self) {
        if !self.offline {
            tracing::info!("team workspace: the server was lost; reads only");
        }
        self.offline = true;
    }

    /// When the copy shown was last synced (Unix seconds), while the server is lost; `None`
    /// when connected.
    pub fn offline_since(&self) -> Option<i64> {
        self.offline.then_some(self.synced_at)
    }

    /// Takes a new connection to the same address (the same role, server, database and
    /// workspace) after the server was lost, and accepts changes again. What changed
    /// meanwhile is fetched by the next [`sync`](Self::sync) or [`apply`](Self::apply) (a
    /// write fetches it first too, as ever).
    pub fn reconnect(&mut self, team: Team) -> Result<(), Error> {
        if team.url() != self.member.team.url() {
            return Err(Error::Database(
                "a connection to another address cannot take this workspace's place".into(),
            ));
        }
        self.member.team = team;
        self.offline = false;
        tracing::info!("team workspace: connected again");
        Ok(())
    }

    /// [`Error::Offline`] while the server is lost.
    fn check_online(&self) -> Result<(), Error> {
        if self.offline {
            return Err(Error::Offline {
                synced_at: crate::clock::utc_minute(self.synced_at),
            });
        }
        Ok(())
    }

    /// Changes this member's own master password as `passwd` does for a member: `current`
    /// checked again, then [`Member::change_password`] at the cost their identity is sealed at
    /// (a fresh second factor when they set one). The workspace's keys do not change.
    pub fn change_password(
        &mut self,
        current: &SecretString,
        new: &SecretString,
    ) -> file::Result<()> {
        self.check_online()?;
        file::check_master_password(new)?;
        self.member.check_password(current)?;
        let kdf = self.member.kdf();
        self.member.change_password(new, kdf)
    }

    /// Changes a member's access as [`Member::set_access`] does.
    pub fn set_member_access(&mut self, member: &str, access: Access) -> file::Result<()> {
        self.check_online()?;
        self.member.set_access(member, access)?;
        Ok(self.reload_members()?)
    }

    /// Removes a member as [`Member::remove`] does: from now on this copy seals under the new
    /// epoch's key. Returns the new epoch and what the removed member could read: every entry
    /// now, whose secrets must be taken as known to them.
    pub fn remove_member(&mut self, member: &str) -> file::Result<Removal> {
        self.check_online()?;
        let epoch = self.member.remove(member)?;
        self.reload_members()?;
        Ok(Removal {
            epoch,
            to_change: self.entries.summaries()?,
        })
    }

    /// Keeps this copy for when the server cannot be reached (a failure to keep it costs
    /// only that).
    fn keep_offline_copy(&mut self) {
        if let Err(e) = self.write_offline_copy(None) {
            tracing::warn!("the offline copy of the team workspace was not kept: {e}");
        }
    }

    /// Writes the offline copy, with the member's sealed second-factor settings as `mfa`
    /// gives them (read with the changes), or read now.
    fn write_offline_copy(&mut self, mfa: Option<SealedMfa>) -> Result<(), Error> {
        self.synced_at = self.clock.now();
        let Some(path) = self.cache_file.clone() else {
            return Ok(());
        };
        let (mfa, mfa_version) = match mfa {
            Some(m) => m,
            None => self.member.sealed_mfa()?,
        };
        super::head::check_factor_version(self.member.team.url(), mfa.is_some(), mfa_version)?;
        let records = self
            .chain
            .records
            .iter()
            .map(|((collection, id), state)| cache::CachedRecord {
                collection: collection.clone(),
                id: id.clone(),
                version: state.version,
                epoch: state.epoch,
                seq: state.seq,
                hash: state.hash,
                sealed: self.sealed.get(&(collection.clone(), id.clone())).cloned(),
            })
            .collect();
        let body = cache::Body {
            workspace: self.id,
            name: self.name.clone(),
            access: self.access.as_str().to_owned(),
            synced_at: self.synced_at,
            mfa,
            mfa_version,
            keys: self
                .epoch_keys
                .iter()
                .map(|(epoch, key)| (*epoch, Zeroizing::new(*key.expose())))
                .collect(),
            seq: self.chain.seq,
            head: self.chain.head,
            records,
        };
        cache::store(&path, &self.member, &body)
    }

    /// Keeps the head just verified, so a later rollback is noticed (a failure to keep it
    /// costs that check only).
    fn keep_head(&mut self) {
        self.pinned = Some((self.chain.seq, self.chain.head));
        if let Some(path) = &self.head_file {
            if let Err(e) = head::store(path, self.chain.seq, &self.chain.head) {
                tracing::warn!("cannot keep the verified head of the team workspace: {e}");
            }
        }
    }

    /// Deletes the entry record `id`.
    fn delete_entry_record(&self, id: &str) -> RecordWrite {
        let title = self.entries.get(id).map(|e| e.title.clone());
        RecordWrite::delete(ENTRIES, id, title.as_deref().unwrap_or(id))
    }

    /// Writes each record (or deletes it) from the version this copy holds, in one
    /// transaction: all or none. Other records changed meanwhile: synced, and written again.
    /// One of these changed meanwhile: [`Error::Conflict`], nothing written.
    fn write_records(&mut self, changes: Vec<RecordWrite>) -> file::Result<()> {
        self.check_online()?;
        if !matches!(self.access, Access::Admin | Access::Editor) {
            return Err(Error::ReadOnly.into());
        }
        // The whole state each write starts from, not only its version: a record deleted and
        // written again starts at version 1 again, and must still be seen as changed.
        let state_of = |chain: &Chain, c: &RecordWrite| {
            chain
                .records
                .get(&(c.collection.to_owned(), c.id.clone()))
                .copied()
        };
        let starts: Vec<Option<RecordState>> =
            changes.iter().map(|c| state_of(&self.chain, c)).collect();
        let bases: Vec<Option<u64>> = starts.iter().map(|s| s.map(|s| s.version)).collect();
        let conflict = |i: usize| file::Error::from(Error::Conflict(changes[i].title.clone()));
        for _ in 0..RETRIES {
            if let Some(i) =
                (0..changes.len()).find(|&i| state_of(&self.chain, &changes[i]) != starts[i])
            {
                return Err(conflict(i));
            }
            let (&current_epoch, record_key) = self.keys.last_key_value().ok_or(Error::NoKey)?;
            let me = &self.member.identity;
            let mut chain = self.chain.clone();
            let mut tx = self.member.team.client.transaction().map_err(Error::from)?;
            let mut failed = None;
            let mut written: Vec<Option<Vec<u8>>> = Vec::with_capacity(changes.len());
            // A failed statement ends the transaction: it is dropped (rolled back) below.
            for (i, c) in changes.iter().enumerate() {
                let read;
                let plain: Option<&[u8]> = match &c.content {
                    Content::Put(p) => Some(p),
                    Content::Read(source) => {
                        read = source()?;
                        Some(&read)
                    }
                    Content::Delete => None,
                };
                let version = match (plain, bases[i]) {
                    (Some(_), base) => base.unwrap_or(0) + 1,
                    (None, Some(base)) => base,
                    (None, None) => return Err(conflict(i)),
                };
                let epoch = if plain.is_some() { current_epoch } else { 0 };
                let sealed = plain
                    .map(|p| {
                        record_key.seal(&aad(&self.id, c.collection, &c.id, version, epoch), p)
                    })
                    .transpose()
                    .map_err(|_| Error::Crypto)?;
                let step = change::Change {
                    seq: chain.seq + 1,
                    at: self.clock.now(),
                    writer: me.public().role.clone(),
                    collection: c.collection.to_owned(),
                    id: c.id.clone(),
                    version,
                    epoch,
                    sealed: sealed.as_deref().map(change::sealed_hash),
                };
                let element = change::element(me, &step, &chain.head, &self.id);
                let signature = element[element.len() - 64..].to_vec();
                let result = tx.execute(
                    "SELECT portcullis.write_record($1::text::uuid, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &self.id_text,
                        &db_i64(step.seq)?,
                        &element,
                        &c.collection,
                        &c.id,
                        &db_i64(bases[i].unwrap_or(0))?,
                        &db_i64(epoch)?,
                        &sealed,
                        &signature,
                    ],
                );
                match result {
                    Ok(_) => {
                        chain
                            .apply(&self.id, &me.public().role, &element, |_, _| {
                                Some(me.public())
                            })
                            .map_err(Error::from)?;
                        // A chunk is not held: read from the server when saved.
                        written.push(sealed.filter(|_| c.collection != CHUNKS));
                    }
                    Err(e) => {
                        failed = Some((i, e));
                        break;
                    }
                }
            }
            let failed = match failed {
                None => tx.commit().err().map(|e| (0, e)),
                Some(f) => {
                    drop(tx);
                    Some(f)
                }
            };
            match failed {
                None => {
                    self.chain = chain;
                    for (c, sealed) in changes.into_iter().zip(written) {
                        let key = (c.collection.to_owned(), c.id);
                        if key.0 == ENTRIES {
                            match c.entry {
                                Some(e) => self.entries.insert(e),
                                None => self.entries.remove(&key.1),
                            }
                        }
                        match sealed {
                            Some(sealed) => self.sealed.insert(key, sealed),
                            None => self.sealed.remove(&key),
                        };
                    }
                    self.keep_head();
                    self.keep_offline_copy();
                    return Ok(());
                }
                Some((_, e)) if e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE) => {
                    self.fetch_changes()?;
                    self.reload_members()?;
                }
                Some((i, e)) if e.code().is_some_and(|c| c.code() == CONFLICT) => {
                    return Err(conflict(i))
                }
                Some((_, e)) => return Err(Error::from(e).into()),
            }
        }
        Err(Error::Database("the workspace kept changing while saving; try again".into()).into())
    }
}

impl HeldRecords for TeamWorkspace {
    fn open_record(&self, collection: &str, id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        let key = (collection.to_owned(), id.to_owned());
        let (Some(state), Some(sealed)) = (self.chain.records.get(&key), self.sealed.get(&key))
        else {
            return Ok(None);
        };
        open_sealed(&self.keys, &self.id, collection, id, state, sealed).map(Some)
    }

    fn record_ids(&self, collection: &str) -> Vec<String> {
        self.sealed
            .keys()
            .filter(|(c, _)| c == collection)
            .map(|(_, id)| id.clone())
            .collect()
    }
}

/// What a write puts in a record.
pub(super) enum Content {
    /// This plaintext.
    Put(Zeroizing<Vec<u8>>),
    /// The plaintext this reads when the record is written (an attachment's chunk: read from
    /// its file then, so a file is never whole in memory; again if the write is retried).
    Read(Box<dyn Fn() -> file::Result<Zeroizing<Vec<u8>>>>),
    /// Nothing: the record is deleted.
    Delete,
}

/// One record a write puts or deletes.
pub(super) struct RecordWrite {
    collection: &'static str,
    id: String,
    content: Content,
    /// The entry an entry record holds, kept in this copy once written.
    entry: Option<Entry>,
    /// What a conflict names: the entry's title.
    title: String,
}

impl RecordWrite {
    /// Puts `entry` in its entry record.
    fn entry(entry: &Entry) -> file::Result<Self> {
        let plain = packed::pack([entry]).map_err(|_| Error::Crypto)?;
        Ok(Self {
            collection: ENTRIES,
            id: entry.id.clone(),
            content: Content::Put(Zeroizing::new(plain.to_vec())),
            entry: Some(entry.clone()),
            title: entry.title.clone(),
        })
    }

    /// Puts `plain` in the record `(collection, id)` (not an entry record); a conflict names
    /// `title`.
    pub(super) fn put(
        collection: &'static str,
        id: &str,
        plain: Zeroizing<Vec<u8>>,
        title: &str,
    ) -> Self {
        Self::with(collection, id, Content::Put(plain), title)
    }

    /// Writes `content` in the record `(collection, id)` (not an entry record); a conflict
    /// names `title`.
    pub(super) fn with(collection: &'static str, id: &str, content: Content, title: &str) -> Self {
        Self {
            collection,
            id: id.to_owned(),
            content,
            entry: None,
            title: title.to_owned(),
        }
    }

    /// Deletes the record `(collection, id)`; a conflict names `title`.
    pub(super) fn delete(collection: &'static str, id: &str, title: &str) -> Self {
        Self::with(collection, id, Content::Delete, title)
    }
}

/// The plaintext of a record, opened with its epoch's key under its place, version and epoch.
pub(super) fn open_sealed(
    keys: &BTreeMap<u64, AeadKey>,
    workspace: &[u8; 16],
    collection: &str,
    id: &str,
    state: &RecordState,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let key = keys.get(&state.epoch).ok_or(Error::NoKey)?;
    key.open(
        &aad(workspace, collection, id, state.version, state.epoch),
        sealed,
    )
    .map_err(|_| ChainError::Records("a record failed its integrity check").into())
}

/// The entry record `id` holds, opened with its epoch's key and unpacked.
pub(super) fn open_entry(
    keys: &BTreeMap<u64, AeadKey>,
    workspace: &[u8; 16],
    id: &str,
    state: &RecordState,
    sealed: &[u8],
) -> Result<Entry, Error> {
    let damaged = || ChainError::Records("a record failed its integrity check");
    let plain = open_sealed(keys, workspace, ENTRIES, id, state, sealed)?;
    let mut unpacker = packed::Unpacker::new().map_err(|_| damaged())?;
    let mut entries = unpacker.unpack(&plain).map_err(|_| damaged())?;
    match (entries.pop(), entries.is_empty()) {
        (Some(entry), true) if entry.id == id => Ok(entry),
        _ => Err(damaged().into()),
    }
}

/// The record key of each epoch.
pub(super) fn record_keys(
    epoch_keys: &BTreeMap<u64, EpochKey>,
) -> Result<BTreeMap<u64, AeadKey>, Error> {
    epoch_keys
        .iter()
        .map(|(epoch, key)| {
            let key = MasterKey::from_bytes(*key.expose())
                .aead_subkey(RECORD_KEY_PURPOSE)
                .map_err(|_| Error::Crypto)?;
            Ok((*epoch, key))
        })
        .collect()
}

impl EntryStore for TeamWorkspace {
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

    fn add(&mut self, new: NewEntry) -> file::Result<Entry> {
        let now = self.clock.now();
        let entry = new.into_entry(file::new_id()?, now, now)?;
        self.write_records(vec![RecordWrite::entry(&entry)?])?;
        tracing::debug!("team entry added");
        Ok(entry)
    }

    fn update(&mut self, mut entry: Entry) -> file::Result<Entry> {
        file::validate(&entry.title, &entry.kind, &entry.fields)?;
        if !self.entries.contains(&entry.id) {
            return Err(file::Error::NoMatch(entry.id));
        }
        entry.group = file::normalize_group(entry.group);
        entry.modified = self.clock.now().max(entry.created);
        let mut writes = vec![RecordWrite::entry(&entry)?];
        if let Some(old) = self.entries.get(&entry.id) {
            writes.extend(self.keep_version(old, &entry)?);
        }
        self.write_records(writes)?;
        Ok(entry)
    }

    /// Deletes the entry for good, with its history ([`EntryStore::purge`]).
    fn remove(&mut self, id: &str) -> file::Result<()> {
        if !self.entries.contains(id) {
            return Err(file::Error::NoMatch(id.to_owned()));
        }
        self.purge_entry(id).map(drop)
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    fn entries(&mut self) -> file::Result<Vec<Entry>> {
        self.entries.all()
    }

    fn put_all(&mut self, entries: &[Entry], replacing: &[String]) -> file::Result<()> {
        self.put_imported(entries, replacing, Default::default())
            .map(drop)
    }

    /// Writes the entries with the earlier versions of new ones and the entries for the bin,
    /// in one transaction; a replaced entry keeps its former self in its history.
    fn put_imported(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
        extras: importing::ImportExtras,
    ) -> file::Result<usize> {
        if let Some(id) = replacing.iter().find(|id| !self.entries.contains(id)) {
            return Err(file::Error::NoMatch(id.clone()));
        }
        let mut writes = Vec::with_capacity(entries.len());
        for e in entries {
            writes.push(RecordWrite::entry(e)?);
            if let Some(old) = self
                .entries
                .get(&e.id)
                .filter(|_| replacing.contains(&e.id))
            {
                writes.extend(self.keep_version(old, e)?);
            }
        }
        writes.extend(self.imported_extras(entries, &extras.versions, &extras.trash)?);
        let attached = extras.files.len();
        writes.extend(self.imported_files(extras.files)?);
        self.write_records(writes)?;
        Ok(attached)
    }

    fn kdf(&self) -> crate::KdfParams {
        self.member.kdf()
    }

    fn backup_to(&mut self, _path: &std::path::Path) -> file::Result<()> {
        Err(file::Error::Invalid(
            "a team workspace is exported as csv, otpauth or kdbx; its encrypted copy is the server's"
                .into(),
        ))
    }

    fn discard(&mut self, id: &str) -> file::Result<()> {
        self.move_to_bin(id)
    }

    fn history(&mut self, id_or_title: &str) -> file::Result<Vec<Version>> {
        let entry = self.entries.find(id_or_title)?;
        self.versions_of(&entry)
    }

    fn earlier_versions(&mut self) -> file::Result<HashMap<String, Vec<Entry>>> {
        self.all_earlier_versions()
    }

    fn restore_version(&mut self, id_or_title: &str, number: u64) -> file::Result<Entry> {
        let versions = EntryStore::history(self, id_or_title)?;
        let entry = file_history::version_to_restore(versions, number)?;
        self.update(entry)
    }

    fn password_change_times(&mut self, entries: &[Entry]) -> file::Result<HashMap<String, i64>> {
        self.password_changes(entries)
    }

    fn history_limit(&mut self) -> file::Result<u32> {
        self.kept_versions()
    }

    fn set_history_limit(&mut self, limit: u32) -> file::Result<()> {
        self.keep_versions(limit)
    }

    fn trashed(&mut self) -> file::Result<Vec<Trashed>> {
        self.bin()
    }

    fn untrash(&mut self, id_or_title: &str) -> file::Result<Entry> {
        self.restore_from_bin(id_or_title)
    }

    fn purge(&mut self, id_or_title: &str) -> file::Result<Entry> {
        self.purge_entry(id_or_title)
    }

    fn empty_trash(&mut self) -> file::Result<usize> {
        self.empty_bin()
    }

    fn attachments(&mut self, id_or_title: &str) -> file::Result<Vec<AttachmentInfo>> {
        let entry = self.entries.find(id_or_title)?;
        self.attachment_list(&entry.id)
    }

    fn attach_file(
        &mut self,
        id_or_title: &str,
        path: &std::path::Path,
        name: Option<&str>,
        max_bytes: u64,
    ) -> file::Result<AttachmentInfo> {
        self.attach(id_or_title, path, name, max_bytes)
    }

    fn save_attachment(
        &mut self,
        id_or_title: &str,
        name: &str,
        out: &std::path::Path,
    ) -> file::Result<u64> {
        self.save_named(id_or_title, name, out)
    }

    fn detach(&mut self, id_or_title: &str, name: &str) -> file::Result<()> {
        self.detach_named(id_or_title, name)
    }

    fn attachment_files(
        &mut self,
        entry_id: &str,
    ) -> file::Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        self.files_of(entry_id)
    }

    fn exported(&mut self, format: &str, count: usize) -> file::Result<()> {
        self.check_online()?;
        audit::append_export(
            &mut self.member.team.client,
            &self.member.identity,
            (&self.id, &self.id_text),
            &format!("{count} entries as {format}"),
            self.clock.now(),
        )?;
        Ok(())
    }
}

// The member's second factors, reached from their open workspace (an export's step-up).
super::member::delegate_mfa_storage!(TeamWorkspace, member);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_associated_data_binds_its_place_version_and_epoch() {
        let base = aad(&[1; 16], ENTRIES, "e1", 2, 3);
        for other in [
            aad(&[2; 16], ENTRIES, "e1", 2, 3),
            aad(&[1; 16], "mfa", "e1", 2, 3),
            aad(&[1; 16], ENTRIES, "e2", 2, 3),
            aad(&[1; 16], ENTRIES, "e1", 3, 3),
            aad(&[1; 16], ENTRIES, "e1", 2, 4),
            // Length-prefixed: moving a byte between collection and id changes the bytes.
            aad(&[1; 16], "entrie", "se1", 2, 3),
        ] {
            assert_ne!(base, other);
        }
    }
}
