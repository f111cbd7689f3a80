//! Quick-unlock enrolments in the file. Turning quick unlock on draws a random quick key (kept
//! in the OS keyring, never in the file) and an enrolment id, and stores in the file's meta
//! table (`quick_unlock`) a copy of the master key sealed under the quick key, with the
//! enrolment id and its expiry in the associated data: nobody can extend it without the
//! quick key, and nobody can use the quick key once the file no longer holds the copy.
//! Turning it off, its expiry and a password change delete the copy, so an old keyring item
//! (saved, or copied elsewhere) opens nothing.

use super::Guarded;
use super::{DerivedKeys, Error, LockedWorkspace, OpenWorkspace, Result, Unlock};
use crate::crypto::keys::MasterKey;
use crate::crypto::{random_bytes, SecretString, KEY_LEN};
use crate::store::{Store, WriteTx};
use data_encoding::{BASE64, HEXLOWER};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The meta entry holding the enrolments (JSON).
pub(super) const META_QUICK_UNLOCK: &str = "quick_unlock";
const CONTEXT: &[u8] = b"portcullis/v1/quick-unlock";

/// One enrolment as stored: not secret (the key it holds is sealed).
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Enrolment {
    /// The enrolment id, 32 lower-case hex digits.
    id: String,
    /// Unix time from which it is refused.
    expires: i64,
    /// The master key sealed under the quick key (nonce ‖ ciphertext ‖ tag), Base64.
    wrapped: String,
}

impl Enrolment {
    fn id(&self) -> Option<[u8; 16]> {
        HEXLOWER.decode(self.id.as_bytes()).ok()?.try_into().ok()
    }
}

/// The enrolments a meta value lists; an unreadable value lists none (each one is checked by
/// its seal anyway).
pub(super) fn parse(value: Option<&[u8]>) -> Vec<Enrolment> {
    value
        .and_then(|v| serde_json::from_slice::<Vec<Enrolment>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.id().is_some())
        .collect()
}

fn listed(list: &[Enrolment]) -> Vec<([u8; 16], i64)> {
    list.iter()
        .filter_map(|e| Some((e.id()?, e.expires)))
        .collect()
}

/// The associated data of an enrolment's sealed key.
fn aad(workspace_id: &[u8; 16], id: &[u8; 16], expires: i64) -> Vec<u8> {
    [
        CONTEXT,
        workspace_id.as_slice(),
        id.as_slice(),
        &expires.to_be_bytes(),
    ]
    .concat()
}

/// What the keyring keeps for one enrolment: its id (which names the keyring item) and the
/// quick key. Zeroized on drop (a clone too), never printed by `Debug`; its bytes never leave
/// the core except into the keyring.
#[derive(Clone)]
pub struct QuickKey {
    /// The enrolment id.
    pub enrolment: [u8; 16],
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl QuickKey {
    /// A key read back from the keyring.
    pub(crate) fn new(enrolment: [u8; 16], key: [u8; KEY_LEN]) -> Self {
        Self {
            enrolment,
            key: Zeroizing::new(key),
        }
    }

    /// The key's bytes, to store in the keyring.
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.key
    }
}

impl std::fmt::Debug for QuickKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuickKey")
            .field("enrolment", &HEXLOWER.encode(&self.enrolment))
            .finish_non_exhaustive()
    }
}

/// Why a quick key did not open the workspace.
#[derive(Debug)]
pub enum QuickRefusal {
    /// The file's copy expired; it has been deleted.
    Expired,
    /// The file holds no copy for this enrolment (turned off, expired, the password changed)
    /// or the key does not open it.
    Revoked,
    /// The workspace refused (damaged, busy…).
    Workspace(Error),
}

impl From<Error> for QuickRefusal {
    fn from(e: Error) -> Self {
        QuickRefusal::Workspace(e)
    }
}

/// Rewrites the list inside `tx`, keeping what `keep` accepts.
fn retain(tx: &WriteTx<'_>, keep: impl Fn(&Enrolment) -> bool) -> Result<()> {
    let value = tx.meta(META_QUICK_UNLOCK)?;
    if value.is_none() {
        return Ok(());
    }
    let kept: Vec<Enrolment> = parse(value.as_deref()).into_iter().filter(keep).collect();
    if kept.is_empty() {
        tx.delete_meta(META_QUICK_UNLOCK)?;
    } else {
        let json = serde_json::to_vec(&kept).map_err(|_| Error::Crypto)?;
        tx.set_meta(META_QUICK_UNLOCK, &json)?;
    }
    Ok(())
}

/// Deletes the enrolment `id`, and every expired one, from the file.
fn forget(store: &mut Store, id: [u8; 16], now: i64) -> Result<()> {
    store.write(|tx| retain(tx, |e| e.id() != Some(id) && e.expires > now))
}

/// Deletes every enrolment (a password change: in its own transaction).
pub(super) fn forget_all(tx: &WriteTx<'_>) -> Result<()> {
    retain(tx, |_| false)
}

impl LockedWorkspace {
    /// The enrolments the file holds, with their expiry (not checked: only their seals prove
    /// anything).
    pub fn quick_enrolments(&self) -> Vec<([u8; 16], i64)> {
        listed(&self.quick)
    }

    /// Deletes the file's copy of the key for enrolment `id` (and every expired one), so its
    /// quick key opens nothing. Needs no password: it only takes a way in away.
    pub fn forget_quick_unlock(&mut self, id: [u8; 16]) -> Result<()> {
        let now = self.clock.now();
        forget(&mut self.store, id, now)?;
        self.quick.retain(|e| e.id() != Some(id) && e.expires > now);
        Ok(())
    }

    /// Deletes expired copies from the file, when there are any. Best effort: a busy file
    /// keeps them until the next open (they are refused all the same).
    pub(super) fn forget_expired_quick_unlock(&mut self) {
        let now = self.clock.now();
        if self.quick.iter().all(|e| e.expires > now) {
            return;
        }
        let purged = self.store.write(|tx| retain(tx, |e| e.expires > now));
        match purged {
            Ok(()) => self.quick.retain(|e| e.expires > now),
            Err(e) => tracing::warn!(error = %e, "expired quick unlock not deleted yet"),
        }
    }

    /// Unlocks with a quick key at `now`: the file must still hold an unexpired copy of the
    /// master key for its enrolment, sealed under it. An expired copy is deleted. With MFA on,
    /// a second factor is still needed.
    pub fn unlock_quick(
        mut self,
        key: &QuickKey,
        now: i64,
    ) -> std::result::Result<Unlock, QuickRefusal> {
        let Some(found) = self
            .quick
            .iter()
            .find(|e| e.id() == Some(key.enrolment))
            .cloned()
        else {
            return Err(QuickRefusal::Revoked);
        };
        if found.expires <= now {
            forget(&mut self.store, key.enrolment, now)?;
            tracing::info!("quick unlock refused: expired");
            return Err(QuickRefusal::Expired);
        }
        let sealed = BASE64
            .decode(found.wrapped.as_bytes())
            .map_err(|_| QuickRefusal::Revoked)?;
        let aad = aad(&self.header.workspace_id, &key.enrolment, found.expires);
        let master =
            MasterKey::unwrap(key.expose(), &aad, &sealed).map_err(|_| QuickRefusal::Revoked)?;
        Ok(self.unlock_with_master_key(master)?)
    }
}

impl OpenWorkspace {
    /// Turns quick unlock on until `expires`: a new quick key and enrolment, and a copy of the
    /// master key sealed under it in the file (expired copies are dropped at the same time).
    /// Needs the current password, whichever way the workspace was opened, and a fresh
    /// second factor when MFA is on. Returns the key for the keyring.
    pub fn enrol_quick_unlock(
        &mut self,
        password: &SecretString,
        expires: i64,
    ) -> Result<QuickKey> {
        let keys = self.password_keys(password)?.derive()?;
        self.enrol_quick_unlock_with(&keys, expires)
    }

    /// [`enrol_quick_unlock`](Self::enrol_quick_unlock) with the password's key derived
    /// beforehand ([`password_keys`](Self::password_keys)).
    pub fn enrol_quick_unlock_with(
        &mut self,
        keys: &DerivedKeys,
        expires: i64,
    ) -> Result<QuickKey> {
        self.require_step_up()?;
        self.password_key(keys)?;
        let key = QuickKey::new(random_bytes()?, random_bytes()?);
        let aad = aad(&self.header.workspace_id, &key.enrolment, expires);
        let enrolment = Enrolment {
            id: HEXLOWER.encode(&key.enrolment),
            expires,
            wrapped: BASE64.encode(&self.master.wrap(key.expose(), &aad)?),
        };
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            let mut list: Vec<Enrolment> = parse(tx.meta(META_QUICK_UNLOCK)?.as_deref())
                .into_iter()
                .filter(|e| e.expires > now)
                .collect();
            list.push(enrolment);
            let json = serde_json::to_vec(&list).map_err(|_| Error::Crypto)?;
            tx.set_meta(META_QUICK_UNLOCK, &json)?;
            Ok(())
        })?;
        Ok(key)
    }

    /// The enrolments the file holds, with their expiry.
    pub fn quick_enrolments(&mut self) -> Result<Vec<([u8; 16], i64)>> {
        let value = self.store.read(|tx| tx.meta(META_QUICK_UNLOCK))?;
        Ok(listed(&parse(value.as_deref())))
    }

    /// Deletes the file's copy of the key for enrolment `id` (and every expired one).
    pub fn forget_quick_unlock(&mut self, id: [u8; 16]) -> Result<()> {
        let now = self.clock.now();
        forget(&mut self.store, id, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_binds_workspace_enrolment_and_expiry() {
        let (w, id) = ([1; 16], [2; 16]);
        let master = MasterKey::from_bytes([3; KEY_LEN]);
        let key = [4; KEY_LEN];
        let sealed = master.wrap(&key, &aad(&w, &id, 100)).unwrap();
        let open = |w, id, expires| MasterKey::unwrap(&key, &aad(&w, &id, expires), &sealed);
        assert_eq!(open(w, id, 100).unwrap().expose(), &[3; KEY_LEN]);
        // A later expiry, another enrolment or another workspace: refused.
        assert!(open(w, id, 101).is_err());
        assert!(open(w, [5; 16], 100).is_err());
        assert!(open([6; 16], id, 100).is_err());
        assert!(MasterKey::unwrap(&[7; KEY_LEN], &aad(&w, &id, 100), &sealed).is_err());
    }

    #[test]
    fn unreadable_lists_and_ids_are_dropped() {
        assert!(parse(None).is_empty());
        assert!(parse(Some(b"not json")).is_empty());
        let list = br#"[{"id":"../../etc","expires":1,"wrapped":""},{"id":"0202020202020202020202020202020","expires":1,"wrapped":""},{"id":"02020202020202020202020202020202","expires":1,"wrapped":""}]"#;
        let parsed = parse(Some(list));
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].id(), Some([2; 16]));
    }
}
