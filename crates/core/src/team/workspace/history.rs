//! Entry history and the recycle bin of a team workspace: the file workspace's records
//! ([`crate::workspace::history`]) kept as team records. An entry's history is the record
//! `history/<entry id>`, written in the same transaction as the change that adds a version to
//! it; deleting an entry moves it to `trash/<entry id>` in one transaction; the limit of kept
//! versions is `settings/history`, set by an admin. Each is sealed under the current epoch's
//! key and appended to the signed chain like any record, so a member reads another member's
//! history as it was written, and a change to an entry that another member changed meanwhile
//! (its history with it) is a conflict, never an overwrite.

use super::{RecordWrite, TeamWorkspace};
use crate::entry::Entry;
use crate::team::directory::Access;
use crate::team::Error as TeamError;
use crate::workspace::history::{
    self as file_history, EntryHistory, Trashed, Version, DEFAULT_HISTORY_LIMIT, HISTORY,
    HISTORY_SETTINGS, SETTINGS, TRASH,
};
use crate::workspace::{Error, Result};
use std::collections::HashMap;

impl TeamWorkspace {
    /// How many earlier versions are kept per entry.
    pub(super) fn kept_versions(&self) -> Result<u32> {
        match self.open_record(SETTINGS, HISTORY_SETTINGS)? {
            Some(plain) => file_history::parse_settings(&plain),
            None => Ok(DEFAULT_HISTORY_LIMIT),
        }
    }

    /// The history record of the entry `entry_id`, if it has one.
    fn entry_history(&self, entry_id: &str) -> Result<Option<EntryHistory>> {
        self.open_record(HISTORY, entry_id)?
            .map(|plain| EntryHistory::open(&plain, entry_id))
            .transpose()
    }

    /// The write keeping `old` as a version before `new` replaces it; `None` when no field
    /// changed (or none is kept).
    pub(super) fn keep_version(&self, old: &Entry, new: &Entry) -> Result<Option<RecordWrite>> {
        let limit = self.kept_versions()?;
        let mut history = self
            .entry_history(&old.id)?
            .unwrap_or_else(|| EntryHistory::new(&old.id));
        if !history.keep(old, new, limit)? {
            return Ok(None);
        }
        Ok(Some(RecordWrite::put(
            HISTORY,
            &old.id,
            history.encode()?,
            &new.title,
        )))
    }

    /// The writes that put `history` (an imported entry's earlier versions) for `entry`.
    pub(super) fn imported_history(
        &self,
        entry: &Entry,
        earlier: &[Entry],
    ) -> Result<Option<RecordWrite>> {
        if earlier.is_empty() {
            return Ok(None);
        }
        let history = EntryHistory::imported(entry, earlier, self.kept_versions()?)?;
        Ok(Some(RecordWrite::put(
            HISTORY,
            &entry.id,
            history.encode()?,
            &entry.title,
        )))
    }

    /// The versions of an entry, newest (the current one) first.
    pub(super) fn versions_of(&mut self, id_or_title: &str) -> Result<Vec<Version>> {
        let entry = self.entries.find(id_or_title)?;
        match self.entry_history(&entry.id)? {
            Some(history) => history.versions(&entry),
            None => EntryHistory::new(&entry.id).versions(&entry),
        }
    }

    /// The earlier versions (oldest first) of every entry that has any, by entry id.
    pub(super) fn all_earlier_versions(&self) -> Result<HashMap<String, Vec<Entry>>> {
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
    pub(super) fn password_changes(&self, entries: &[Entry]) -> Result<HashMap<String, i64>> {
        entries
            .iter()
            .map(|e| {
                let known = self.entry_history(&e.id)?.map(|h| h.password_changed());
                Ok((e.id.clone(), file_history::password_change_time(e, known)))
            })
            .collect()
    }

    /// Sets how many earlier versions are kept per entry (an admin's choice); the histories
    /// holding more lose their oldest versions now, in the same transaction.
    pub(super) fn keep_versions(&mut self, limit: u32) -> Result<()> {
        if self.access != Access::Admin {
            return Err(TeamError::NotAdmin.into());
        }
        let mut writes = vec![RecordWrite::put(
            SETTINGS,
            HISTORY_SETTINGS,
            file_history::settings_record(limit)?,
            "the history limit",
        )];
        for id in self.record_ids(HISTORY) {
            let Some(mut history) = self.entry_history(&id)? else {
                continue;
            };
            if history.trim(limit) {
                writes.push(RecordWrite::put(HISTORY, &id, history.encode()?, &id));
            }
        }
        self.write_records(writes)?;
        tracing::info!(limit, "team history limit set");
        Ok(())
    }

    /// Moves an entry to the recycle bin (its history stays with it).
    pub(super) fn move_to_bin(&mut self, id: &str) -> Result<()> {
        let entry = self
            .entries
            .get(id)
            .cloned()
            .ok_or_else(|| Error::NoMatch(id.to_owned()))?;
        let record = file_history::trash_record(&entry, self.clock.now())?;
        let writes = vec![
            self.delete_entry_record(id),
            RecordWrite::put(TRASH, id, record, &entry.title),
        ];
        self.write_records(writes)?;
        tracing::debug!("team entry moved to the recycle bin");
        Ok(())
    }

    /// The entries in the recycle bin, most recently deleted first.
    pub(super) fn bin(&self) -> Result<Vec<Trashed>> {
        let mut out = self
            .record_ids(TRASH)
            .into_iter()
            .filter_map(|id| match self.open_record(TRASH, &id) {
                Ok(Some(plain)) => Some(file_history::open_trash_record(&plain, |e| e == id)),
                Ok(None) => None,
                Err(e) => Some(Err(e.into())),
            })
            .collect::<Result<Vec<_>>>()?;
        file_history::sort_bin(&mut out);
        Ok(out)
    }

    /// Puts an entry of the bin back among the entries (with its history).
    pub(super) fn restore_from_bin(&mut self, id_or_title: &str) -> Result<Entry> {
        let entry = file_history::find_in_bin(self.bin()?, id_or_title)?.entry;
        if self.entries.contains(&entry.id) {
            return Err(Error::Invalid(
                "an entry with this id exists already".into(),
            ));
        }
        let writes = vec![
            RecordWrite::delete(TRASH, &entry.id, &entry.title),
            RecordWrite::entry(&entry)?,
        ];
        self.write_records(writes)?;
        tracing::debug!("team entry restored from the recycle bin");
        Ok(entry)
    }

    /// The writes that delete for good what an entry leaves: its entry record (if current),
    /// its bin and history records.
    fn purge_writes(&self, entry: &Entry) -> Vec<RecordWrite> {
        let mut writes = Vec::new();
        if self.entries.contains(&entry.id) {
            writes.push(self.delete_entry_record(&entry.id));
        }
        for collection in [TRASH, HISTORY] {
            if self.holds(collection, &entry.id) {
                writes.push(RecordWrite::delete(collection, &entry.id, &entry.title));
            }
        }
        writes
    }

    /// Deletes an entry for good, with its history: a current entry (by id,
    /// id prefix or title) or, if none matches, one in the bin.
    pub(super) fn purge_entry(&mut self, id_or_title: &str) -> Result<Entry> {
        let entry = match self.entries.find(id_or_title) {
            Ok(e) => e,
            Err(Error::NoMatch(_)) => file_history::find_in_bin(self.bin()?, id_or_title)?.entry,
            Err(e) => return Err(e),
        };
        let writes = self.purge_writes(&entry);
        self.write_records(writes)?;
        tracing::debug!("team entry deleted for good");
        Ok(entry)
    }

    /// Deletes every entry of the bin for good, with their histories, in one
    /// transaction; how many went. The bin as it is on the server: the changes since this
    /// copy last synced are fetched first.
    pub(super) fn empty_bin(&mut self) -> Result<usize> {
        self.check_online()?;
        self.sync()?;
        let bin = self.bin()?;
        let writes: Vec<RecordWrite> = bin
            .iter()
            .filter(|t| !self.entries.contains(&t.entry.id))
            .flat_map(|t| self.purge_writes(&t.entry))
            .collect();
        let count = bin.len();
        if !writes.is_empty() {
            self.write_records(writes)?;
        }
        tracing::info!(count, "team recycle bin emptied");
        Ok(count)
    }

    /// Whether this copy holds the record `(collection, id)`.
    pub(super) fn holds(&self, collection: &str, id: &str) -> bool {
        self.chain
            .records
            .contains_key(&(collection.to_owned(), id.to_owned()))
    }

    /// The writes of an import's extras: the earlier versions of new entries (of
    /// `entries`), and the entries for the bin, each with its own.
    pub(super) fn imported_extras(
        &self,
        entries: &[Entry],
        versions: &[(String, Vec<Entry>)],
        trash: &[(Entry, Vec<Entry>)],
    ) -> Result<Vec<RecordWrite>> {
        let now = self.clock.now();
        let mut writes = Vec::new();
        for (id, earlier) in versions {
            let current = entries
                .iter()
                .find(|e| e.id == *id)
                .ok_or_else(|| Error::NoMatch(id.clone()))?;
            writes.extend(self.imported_history(current, earlier)?);
        }
        for (entry, earlier) in trash {
            if self.entries.contains(&entry.id) || self.holds(TRASH, &entry.id) {
                return Err(Error::Invalid(
                    "an entry with this id exists already".into(),
                ));
            }
            let record = file_history::trash_record(entry, now)?;
            writes.push(RecordWrite::put(TRASH, &entry.id, record, &entry.title));
            writes.extend(self.imported_history(entry, earlier)?);
        }
        Ok(writes)
    }
}
