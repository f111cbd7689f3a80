//! What a copy of a team workspace reads from the records it holds, online
//! ([`super::TeamWorkspace`]) or from the offline copy ([`super::OfflineWorkspace`]): entry
//! histories, the recycle bin, the history limit and the attachments' descriptions, each
//! opened on demand with its epoch's key under its place, version and epoch. The records are
//! the file workspace's ([`crate::workspace::history`], [`crate::workspace::attachments`]).

use super::Error;
use crate::entry::Entry;
use crate::workspace::attachments::{infos_of, AttachmentInfo, Meta, ATTACHMENTS};
use crate::workspace::history::{
    self as file_history, EntryHistory, Trashed, Version, DEFAULT_HISTORY_LIMIT, HISTORY,
    HISTORY_SETTINGS, SETTINGS, TRASH,
};
use crate::workspace::Result;
use std::collections::HashMap;
use zeroize::Zeroizing;

/// An attachment's description with its record id.
pub(super) struct Attached {
    pub id: String,
    pub meta: Meta,
}

/// The records a copy holds, and what is read from them.
pub(super) trait HeldRecords {
    /// The plaintext of the record `(collection, id)`, opened (`None` when the copy holds
    /// none).
    fn open_record(&self, collection: &str, id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, Error>;

    /// The ids of the records of `collection` the copy holds.
    fn record_ids(&self, collection: &str) -> Vec<String>;

    /// How many earlier versions are kept per entry. A settings record that does not read
    /// (another member's client wrote it wrong) counts as the default, with a warning, so
    /// that it does not stop every change.
    fn kept_versions(&self) -> Result<u32> {
        let Some(plain) = self.open_record(SETTINGS, HISTORY_SETTINGS)? else {
            return Ok(DEFAULT_HISTORY_LIMIT);
        };
        Ok(file_history::parse_settings(&plain).unwrap_or_else(|e| {
            tracing::warn!("the history limit reads as the default: {e}");
            DEFAULT_HISTORY_LIMIT
        }))
    }

    /// The history record of the entry `entry_id`, if it has one.
    fn entry_history(&self, entry_id: &str) -> Result<Option<EntryHistory>> {
        self.open_record(HISTORY, entry_id)?
            .map(|plain| EntryHistory::open(&plain, entry_id))
            .transpose()
    }

    /// The versions of `entry` (the current one), newest first.
    fn versions_of(&self, entry: &Entry) -> Result<Vec<Version>> {
        match self.entry_history(&entry.id)? {
            Some(history) => history.versions(entry),
            None => EntryHistory::new(&entry.id).versions(entry),
        }
    }

    /// The earlier versions (oldest first) of every entry that has any, by entry id.
    fn all_earlier_versions(&self) -> Result<HashMap<String, Vec<Entry>>> {
        let mut out = HashMap::new();
        for id in self.record_ids(HISTORY) {
            if let Some(history) = self.entry_history(&id)? {
                let versions = history.earlier()?;
                if !versions.is_empty() {
                    out.insert(id, versions);
                }
            }
        }
        Ok(out)
    }

    /// When the password of each of `entries` last changed, by entry id.
    fn password_changes(&self, entries: &[Entry]) -> Result<HashMap<String, i64>> {
        entries
            .iter()
            .map(|e| {
                let known = self.entry_history(&e.id)?.map(|h| h.password_changed());
                Ok((e.id.clone(), file_history::password_change_time(e, known)))
            })
            .collect()
    }

    /// The entries in the recycle bin, most recently deleted first.
    fn bin(&self) -> Result<Vec<Trashed>> {
        let mut out = Vec::new();
        for id in self.record_ids(TRASH) {
            if let Some(plain) = self.open_record(TRASH, &id)? {
                out.push(file_history::open_trash_record(&plain, |e| e == id)?);
            }
        }
        file_history::sort_bin(&mut out);
        Ok(out)
    }

    /// Every attachment's description; one that does not read (another member's client
    /// wrote it wrong) is left out with a warning, so that it does not stop the others.
    fn attached(&self) -> Result<Vec<Attached>> {
        let mut out = Vec::new();
        for id in self.record_ids(ATTACHMENTS) {
            let Some(plain) = self.open_record(ATTACHMENTS, &id)? else {
                continue;
            };
            match Meta::decode(&plain) {
                Ok(meta) => out.push(Attached { meta, id }),
                Err(e) => tracing::warn!("an attachment's description is left out: {e}"),
            }
        }
        Ok(out)
    }

    /// The attachments of the entry `entry_id`, by name.
    fn attachment_list(&self, entry_id: &str) -> Result<Vec<AttachmentInfo>> {
        let attached = self.attached()?;
        Ok(infos_of(attached.into_iter().map(|a| a.meta), entry_id))
    }
}
