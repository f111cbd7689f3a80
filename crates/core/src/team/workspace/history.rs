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
use crate::team::held::HeldRecords;
use crate::team::Error as TeamError;
use crate::workspace::history::{
    self as file_history, EntryHistory, HISTORY, HISTORY_SETTINGS, SETTINGS, TRASH,
};
use crate::workspace::{Error, Result};

impl TeamWorkspace {
    /// The write keeping `old` as a version before `new` replaces it; `None` when no field
    /// changed.
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

    /// The write that puts `earlier` (an imported entry's earlier versions, oldest first) as
    /// `entry`'s history.
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
    /// its bin and history records and its attachments.
    fn purge_writes(&self, entry: &Entry) -> Result<Vec<RecordWrite>> {
        let mut writes = Vec::new();
        if self.entries.contains(&entry.id) {
            writes.push(self.delete_entry_record(&entry.id));
        }
        for collection in [TRASH, HISTORY] {
            if self.holds(collection, &entry.id) {
                writes.push(RecordWrite::delete(collection, &entry.id, &entry.title));
            }
        }
        writes.extend(self.attachment_deletes(&entry.id, &entry.title)?);
        Ok(writes)
    }

    /// Deletes an entry for good, with its history and attachments: a current entry (by id,
    /// id prefix or title) or, if none matches, one in the bin.
    pub(super) fn purge_entry(&mut self, id_or_title: &str) -> Result<Entry> {
        let entry = match self.entries.find(id_or_title) {
            Ok(e) => e,
            Err(Error::NoMatch(_)) => file_history::find_in_bin(self.bin()?, id_or_title)?.entry,
            Err(e) => return Err(e),
        };
        let writes = self.purge_writes(&entry)?;
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
        let gone: Vec<Entry> = self
            .bin()?
            .into_iter()
            .filter(|t| !self.entries.contains(&t.entry.id))
            .map(|t| t.entry)
            .collect();
        let mut writes = Vec::new();
        for e in &gone {
            writes.extend(self.purge_writes(e)?);
        }
        let count = gone.len();
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
