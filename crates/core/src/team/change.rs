//! The change chain of a team workspace (docs/TEAM.md, "Integrity: the change chain"). Every
//! write of a record appends an element naming the record, its new version, the epoch it is
//! sealed under and the SHA-256 of its sealed bytes (or its deletion), chained to the element
//! before by a hash and signed by its writer. A client replays the chain into the state every
//! record must be in: a record the server forges, changes, swaps, drops, adds or rolls back is
//! refused, never shown.

use super::directory::Team;
use super::element::{hash, put, Reader};
use super::identity::{Identity, PublicIdentity};
use super::Error;
use std::collections::HashMap;

const CHANGE_CONTEXT: &[u8] = b"portcullis/team/v1/change";
const SIGNATURE_LEN: usize = 64;
const PUT: u8 = 1;
const DELETED: u8 = 0;

/// One write, as its element states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// When, in Unix seconds (the writer's clock).
    pub at: i64,
    /// The member who wrote it (their PostgreSQL role).
    pub writer: String,
    /// The record's collection.
    pub collection: String,
    /// The record's id.
    pub id: String,
    /// The version written (for a deletion: the version deleted).
    pub version: u64,
    /// The epoch whose key sealed it (0 for a deletion).
    pub epoch: u64,
    /// SHA-256 of the sealed bytes; `None`: the record was deleted.
    pub sealed: Option<[u8; 32]>,
}

impl Change {
    /// What the change did, as the logs name it: to an entry, `entry created` (its first
    /// version), `entry changed` or `entry deleted`; `entry moved to the bin` and `entry left
    /// the bin`; `version kept` (the entry's history grew or was trimmed) and `history
    /// deleted`; `settings changed`; `attachment added` and `attachment deleted` (its
    /// description), `attachment chunk written` and `attachment chunk deleted`.
    pub fn action(&self) -> &'static str {
        use crate::workspace::attachments::{ATTACHMENTS, CHUNKS};
        use crate::workspace::history::{HISTORY, SETTINGS, TRASH};
        match (self.collection.as_str(), self.sealed, self.version) {
            (ATTACHMENTS, Some(_), _) => "attachment added",
            (ATTACHMENTS, None, _) => "attachment deleted",
            (CHUNKS, Some(_), _) => "attachment chunk written",
            (CHUNKS, None, _) => "attachment chunk deleted",
            (TRASH, Some(_), _) => "entry moved to the bin",
            (TRASH, None, _) => "entry left the bin",
            (HISTORY, Some(_), _) => "version kept",
            (HISTORY, None, _) => "history deleted",
            (SETTINGS, _, _) => "settings changed",
            (_, None, _) => "entry deleted",
            (_, Some(_), 1) => "entry created",
            (_, Some(_), _) => "entry changed",
        }
    }
}

/// Why the chain was refused.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChainError {
    /// A link, a signature, an encoding or a version step does not check at `seq`.
    #[error("the workspace's change history was altered on the server at change {0}")]
    Broken(u64),
    /// The history is shorter than, or differs from, the one this computer verified before.
    #[error("the server shows an older or another history of this workspace than this computer verified before: it was rolled back or forked on the server; nothing was shown")]
    RolledBack,
    /// The records on the server are not those the history leads to.
    #[error("the workspace's records on the server were altered: {0}")]
    Records(&'static str),
}

/// What the chain says a record is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordState {
    /// Its version.
    pub version: u64,
    /// The epoch whose key sealed it.
    pub epoch: u64,
    /// SHA-256 of its sealed bytes.
    pub hash: [u8; 32],
    /// The change that wrote it.
    pub seq: u64,
}

/// Whose signatures a chain accepts: active members whose membership checked (at any
/// position), and removed members whose removal an admin signed, up to the position the chain
/// had reached then (their past writes stay valid; nothing after).
#[derive(Clone, Debug, Default)]
pub struct Writers(HashMap<String, (PublicIdentity, Option<u64>)>);

impl Writers {
    /// Accepts `member`'s signatures up to `until` (every position when `None`).
    pub fn add(&mut self, member: PublicIdentity, until: Option<u64>) {
        self.0.entry(member.role.clone()).or_insert((member, until));
    }

    /// Whether `name` is one of them.
    pub fn knows(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The identity whose signature an element by `name` at `seq` must carry, if accepted.
    pub fn signer(&self, name: &str, seq: u64) -> Option<&PublicIdentity> {
        match self.0.get(name) {
            Some((public, until)) if until.is_none_or(|u| seq <= u) => Some(public),
            _ => None,
        }
    }
}

/// The verified chain, replayed.
#[derive(Clone, Debug, Default)]
pub struct Chain {
    /// Elements verified (the next one is `seq + 1`).
    pub seq: u64,
    /// Hash of the last element (zeros before the first).
    pub head: [u8; 32],
    /// Every record the chain leaves in place.
    pub records: HashMap<(String, String), RecordState>,
}

/// SHA-256 of sealed bytes, as elements name them.
pub fn sealed_hash(sealed: &[u8]) -> [u8; 32] {
    hash(sealed)
}

fn signed_bytes(change: &Change, prev: &[u8; 32], workspace: &[u8; 16]) -> Vec<u8> {
    let mut out = CHANGE_CONTEXT.to_vec();
    out.extend_from_slice(workspace);
    out.extend_from_slice(&change.seq.to_be_bytes());
    out.extend_from_slice(prev);
    out.extend_from_slice(&change.at.to_be_bytes());
    put(&mut out, change.writer.as_bytes());
    put(&mut out, change.collection.as_bytes());
    put(&mut out, change.id.as_bytes());
    out.extend_from_slice(&change.version.to_be_bytes());
    out.extend_from_slice(&change.epoch.to_be_bytes());
    match &change.sealed {
        Some(h) => {
            out.push(PUT);
            out.extend_from_slice(h);
        }
        None => out.push(DELETED),
    }
    out
}

/// The element `me` signs for `change` after `prev`: `signed bytes || signature (64)`.
pub fn element(me: &Identity, change: &Change, prev: &[u8; 32], workspace: &[u8; 16]) -> Vec<u8> {
    let mut element = signed_bytes(change, prev, workspace);
    let signature = me.sign(&element);
    element.extend_from_slice(&signature);
    element
}

/// Decodes an element at `seq`: the change, its link and its signature.
fn decode<'a>(
    element: &'a [u8],
    seq: u64,
    workspace: &[u8; 16],
) -> Option<(Change, [u8; 32], &'a [u8])> {
    let (body, signature) = element.split_at(element.len().checked_sub(SIGNATURE_LEN)?);
    let mut r = Reader::new(
        body.strip_prefix(CHANGE_CONTEXT)?
            .strip_prefix(workspace.as_slice())?,
    );
    if r.u64()? != seq {
        return None;
    }
    let prev = r.array32()?;
    let at = r.i64()?;
    let (writer, collection, id) = (r.text()?, r.text()?, r.text()?);
    let (version, epoch) = (r.u64()?, r.u64()?);
    let sealed = match (r.take(1)?, r.rest().len()) {
        ([PUT], 32) => Some(r.array32()?),
        ([DELETED], 0) => None,
        _ => return None,
    };
    let change = Change {
        seq,
        at,
        writer,
        collection,
        id,
        version,
        epoch,
        sealed,
    };
    Some((change, prev, signature))
}

impl Chain {
    /// Checks the element at the next position, written (the server says) by `writer`, and
    /// applies it. `signer` gives the public identity of a member whose writes are accepted at
    /// a position.
    pub fn apply<'a>(
        &mut self,
        workspace: &[u8; 16],
        writer: &str,
        element: &[u8],
        signer: impl Fn(&str, u64) -> Option<&'a PublicIdentity>,
    ) -> Result<Change, ChainError> {
        let seq = self.seq + 1;
        let broken = ChainError::Broken(seq);
        let (change, link, signature) = decode(element, seq, workspace).ok_or(broken.clone())?;
        let Some(public) = signer(&change.writer, seq) else {
            return Err(broken);
        };
        let signed = &element[..element.len() - SIGNATURE_LEN];
        if link != self.head || change.writer != writer || !public.verify(signed, signature) {
            return Err(broken);
        }
        let key = (change.collection.clone(), change.id.clone());
        let current = self.records.get(&key);
        match (&change.sealed, current) {
            // A record starts at version 1 and each write takes the next one.
            (Some(hash), current) => {
                let expected = current.map_or(1, |c| c.version + 1);
                if change.version != expected || change.epoch == 0 {
                    return Err(broken);
                }
                self.records.insert(
                    key,
                    RecordState {
                        version: change.version,
                        epoch: change.epoch,
                        hash: *hash,
                        seq,
                    },
                );
            }
            (None, Some(c)) if c.version == change.version && change.epoch == 0 => {
                self.records.remove(&key);
            }
            (None, _) => return Err(broken),
        }
        self.seq = seq;
        self.head = hash(element);
        Ok(change)
    }
}

impl Team {
    /// The workspace's change history (who wrote or deleted which record, when), every link
    /// and signature checked; no record is read or decrypted.
    pub fn change_log(&mut self) -> Result<Vec<Change>, Error> {
        let verified = self.verified_members()?;
        let (id, text) = self.workspace()?;
        let writers = self.writers(&verified, &text)?;
        let rows = self.client.query(
            "SELECT writer::text, element FROM portcullis.changes
             WHERE workspace = $1::text::uuid ORDER BY seq",
            &[&text],
        )?;
        let mut chain = Chain::default();
        let mut log = Vec::with_capacity(rows.len());
        for r in &rows {
            let broken = || Error::Chain(ChainError::Broken(chain.seq + 1));
            let writer: String = r.try_get(0).map_err(|_| broken())?;
            let element: &[u8] = r.try_get(1).map_err(|_| broken())?;
            log.push(chain.apply(&id, &writer, element, |name, seq| writers.signer(name, seq))?);
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: [u8; 16] = [5; 16];

    fn change(seq: u64, version: u64, sealed: Option<[u8; 32]>) -> Change {
        Change {
            seq,
            at: 1_700_000_000,
            writer: "alice".into(),
            collection: "entries".into(),
            id: "e1".into(),
            version,
            epoch: if sealed.is_some() { 1 } else { 0 },
            sealed,
        }
    }

    #[test]
    fn a_chain_replays_into_the_records_it_wrote() {
        let alice = Identity::generate("alice").unwrap();
        let who = |name: &str, _seq: u64| (name == "alice").then_some(alice.public());
        let mut chain = Chain::default();
        let first = element(&alice, &change(1, 1, Some([1; 32])), &chain.head, &WS);
        chain.apply(&WS, "alice", &first, who).unwrap();
        let second = element(&alice, &change(2, 2, Some([2; 32])), &chain.head, &WS);
        chain.apply(&WS, "alice", &second, who).unwrap();
        let key = ("entries".to_owned(), "e1".to_owned());
        assert_eq!(chain.records[&key].hash, [2; 32]);
        assert_eq!(chain.records[&key].seq, 2);
        let gone = element(&alice, &change(3, 2, None), &chain.head, &WS);
        chain.apply(&WS, "alice", &gone, who).unwrap();
        assert!(chain.records.is_empty());
        assert_eq!(chain.seq, 3);
    }

    #[test]
    fn forged_reordered_replayed_or_skipping_elements_are_refused() {
        let alice = Identity::generate("alice").unwrap();
        let mallory = Identity::generate("alice").unwrap();
        let who = |name: &str, _seq: u64| (name == "alice").then_some(alice.public());
        let mut chain = Chain::default();
        let first = element(&alice, &change(1, 1, Some([1; 32])), &chain.head, &WS);

        // Signed by another key under the same name.
        let forged = element(&mallory, &change(1, 1, Some([1; 32])), &chain.head, &WS);
        assert_eq!(
            chain.clone().apply(&WS, "alice", &forged, who),
            Err(ChainError::Broken(1))
        );
        // Another workspace, another writer row, a flipped byte.
        let mut other = chain.clone();
        assert!(other.apply(&[6; 16], "alice", &first, who).is_err());
        assert!(other.apply(&WS, "bob", &first, who).is_err());
        let mut flipped = first.clone();
        flipped[40] ^= 1;
        assert!(other.apply(&WS, "alice", &flipped, who).is_err());

        chain.apply(&WS, "alice", &first, who).unwrap();
        // The same element again (a replay) is at the wrong position.
        assert_eq!(
            chain.clone().apply(&WS, "alice", &first, who),
            Err(ChainError::Broken(2))
        );
        // A version that skips, goes back or restarts.
        for version in [1, 3] {
            let bad = element(&alice, &change(2, version, Some([2; 32])), &chain.head, &WS);
            assert!(chain.clone().apply(&WS, "alice", &bad, who).is_err());
        }
        // A link to something else than the head.
        let unlinked = element(&alice, &change(2, 2, Some([2; 32])), &[9; 32], &WS);
        assert!(chain.clone().apply(&WS, "alice", &unlinked, who).is_err());
        // Deleting a record that is not there, or another version of it.
        let mut missing = change(2, 1, None);
        missing.id = "e2".into();
        let missing = element(&alice, &missing, &chain.head, &WS);
        assert!(chain.clone().apply(&WS, "alice", &missing, who).is_err());
        let wrong = element(&alice, &change(2, 5, None), &chain.head, &WS);
        assert!(chain.clone().apply(&WS, "alice", &wrong, who).is_err());
    }

    #[test]
    fn an_element_decodes_to_what_was_signed_and_nothing_else() {
        let alice = Identity::generate("alice").unwrap();
        let c = change(4, 2, Some([3; 32]));
        let e = element(&alice, &c, &[8; 32], &WS);
        let (decoded, link, _) = decode(&e, 4, &WS).unwrap();
        assert_eq!((decoded, link), (c, [8; 32]));
        assert!(decode(&e, 5, &WS).is_none());
        assert!(decode(&e[..50], 4, &WS).is_none());
        let mut longer = e.clone();
        longer.insert(e.len() - SIGNATURE_LEN, 0);
        assert!(decode(&longer, 4, &WS).is_none());
    }
}
