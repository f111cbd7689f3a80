//! What every workspace does with entries, whatever keeps them: a file ([`OpenWorkspace`]) or a
//! team database ([`crate::team::TeamWorkspace`]). The use cases built on these few operations
//! (adding and editing with their rules, a connection's credentials, taking a one-time code)
//! are written here once, so both kinds of workspace, and both front ends, follow them.
//!
//! [`OpenWorkspace`]: crate::OpenWorkspace

use crate::crypto::KdfParams;
use crate::entry::{Entry, EntryKind, Login, Remote};
use crate::entry_edit::{self, EntryChanges, EntryType};
use crate::import::Plan;
use crate::otp::OtpCode;
use crate::view::{EntryPage, EntrySummary, ListQuery};
use crate::workspace::attachments::AttachmentInfo;
use crate::workspace::history::{Trashed, Version};
use crate::workspace::importing;
use crate::workspace::OpenWorkspace;
use crate::workspace::{Error, Imported, NewEntry, Preview, Result};
use std::path::Path;
use zeroize::Zeroizing;

/// The entry operations a workspace offers once open.
pub trait EntryStore {
    /// The entry with this id, id prefix (at least 4 characters) or title (ignoring case).
    fn find(&mut self, id_or_title: &str) -> Result<Entry>;
    /// What a list shows of every entry, in list order (by group, then title).
    fn summaries(&mut self) -> Result<Vec<EntrySummary>>;
    /// The summaries of the entries with `query` in a visible field, ignoring case, in list
    /// order. Secrets are never searched.
    fn search_summaries(&mut self, query: &str) -> Result<Vec<EntrySummary>>;
    /// A window of the entry list ([`crate::view::page`]).
    fn list_page(&mut self, list: &ListQuery) -> Result<EntryPage>;
    /// Adds an entry (its fields checked) and returns it with its id and times.
    fn add(&mut self, new: NewEntry) -> Result<Entry>;
    /// Saves changes to an existing entry (its fields checked); sets its modified time.
    fn update(&mut self, entry: Entry) -> Result<Entry>;
    /// Deletes an entry by id.
    fn remove(&mut self, id: &str) -> Result<()>;
    /// The workspace's clock, in Unix seconds.
    fn now(&self) -> i64;
    /// Every entry, decrypted, in list order (exports and imports read them all).
    fn entries(&mut self) -> Result<Vec<Entry>>;
    /// Writes `entries` (new ones, and the `replacing` ones, which must exist) all or none.
    fn put_all(&mut self, entries: &[Entry], replacing: &[String]) -> Result<()>;
    /// [`put_all`](Self::put_all), with the earlier versions of new entries, the entries for
    /// the recycle bin and the attached files (a KeePass import's), in the same transaction;
    /// how many files were attached.
    fn put_imported(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
        extras: importing::ImportExtras,
    ) -> Result<usize>;
    /// The key-derivation cost protecting this workspace (a KeePass export uses it).
    fn kdf(&self) -> KdfParams;
    /// Writes an encrypted copy of the workspace to `path` (the Portcullis export).
    fn backup_to(&mut self, path: &Path) -> Result<()>;
    /// Records that `count` entries were exported as `format` (in a team workspace's audit
    /// log; a file keeps no log).
    fn exported(&mut self, format: &str, count: usize) -> Result<()> {
        let _ = (format, count);
        Ok(())
    }

    /// Deletes an entry the way `rm` does: to the recycle bin.
    fn discard(&mut self, id: &str) -> Result<()>;

    /// The versions of an entry, newest (current) first ([`OpenWorkspace::history`]).
    fn history(&mut self, id_or_title: &str) -> Result<Vec<Version>>;

    /// The earlier versions (oldest first) of every entry that has any, by entry id (an
    /// export).
    fn earlier_versions(&mut self) -> Result<std::collections::HashMap<String, Vec<Entry>>>;

    /// Makes an earlier version current again, as a new version.
    fn restore_version(&mut self, id_or_title: &str, number: u64) -> Result<Entry>;

    /// When the password of each of `entries` last changed, by entry id (a health report's
    /// "old").
    fn password_change_times(
        &mut self,
        entries: &[Entry],
    ) -> Result<std::collections::HashMap<String, i64>>;

    /// How many earlier versions are kept per entry.
    fn history_limit(&mut self) -> Result<u32>;

    /// Sets how many earlier versions are kept per entry.
    fn set_history_limit(&mut self, limit: u32) -> Result<()>;

    /// The entries in the recycle bin, most recently deleted first.
    fn trashed(&mut self) -> Result<Vec<Trashed>>;

    /// Puts an entry of the bin back.
    fn untrash(&mut self, id_or_title: &str) -> Result<Entry>;

    /// Deletes for good an entry (current or in the bin), with its history and attachments.
    fn purge(&mut self, id_or_title: &str) -> Result<Entry>;

    /// Deletes every entry of the bin for good; how many went.
    fn empty_trash(&mut self) -> Result<usize>;

    /// The attachments of an entry (id or title), by name ([`crate::workspace::attachments`]).
    fn attachments(&mut self, id_or_title: &str) -> Result<Vec<AttachmentInfo>>;

    /// Attaches the file at `path` to an entry, as `name` (default: the file's name), if it
    /// is at most `max_bytes` long.
    fn attach_file(
        &mut self,
        id_or_title: &str,
        path: &Path,
        name: Option<&str>,
        max_bytes: u64,
    ) -> Result<AttachmentInfo>;

    /// Saves an entry's attachment to a new owner-only file at `out`; its size.
    fn save_attachment(&mut self, id_or_title: &str, name: &str, out: &Path) -> Result<u64>;

    /// Deletes an entry's attachment.
    fn detach(&mut self, id_or_title: &str, name: &str) -> Result<()>;

    /// Every attachment of the entry with the id `entry_id` (current or in the recycle bin),
    /// whole in memory, by name (a KeePass export holds them so).
    fn attachment_files(&mut self, entry_id: &str) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>>;

    /// Adds several entries (each checked, with a new id), all or none.
    fn add_all(&mut self, news: Vec<NewEntry>) -> Result<Vec<Entry>> {
        let entries = crate::workspace::new_entries(news, self.now())?;
        self.put_all(&entries, &[])?;
        tracing::debug!(count = entries.len(), "entries added");
        Ok(entries)
    }

    /// Sorts an import plan into items to write (each flagged when it resembles an entry)
    /// and duplicates; writes nothing.
    fn preview_import(&mut self, plan: Plan) -> Result<Preview> {
        let existing = self.entries()?;
        importing::preview(&existing, plan)
    }

    /// Writes the preview's items as chosen, all or none.
    fn import(&mut self, preview: Preview) -> Result<Imported> {
        let (duplicates, skipped) = (preview.duplicates.len(), preview.skipped.len());
        let (entries, replacing, mut imported, extras) = importing::writes(preview, self.now())?;
        imported.attachments = self.put_imported(&entries, &replacing, extras)?;
        tracing::info!(
            created = imported.created,
            replaced = imported.replaced,
            duplicates,
            skipped,
            "import written"
        );
        Ok(imported)
    }

    /// Adds an entry of type `kind` with `changes` as its fields, checked by the rules of
    /// [`crate::entry_edit`].
    fn add_entry(&mut self, kind: EntryType, changes: EntryChanges) -> Result<Entry> {
        let mut entry = Entry {
            id: String::new(),
            title: String::new(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            created: 0,
            modified: 0,
            kind: EntryKind::Note,
            fields: Vec::new(),
        };
        let mut find = |q: &str| self.find(q);
        entry_edit::apply(&mut entry, Some(kind), changes, &mut find)?;
        self.add(NewEntry {
            title: entry.title,
            group: entry.group,
            tags: entry.tags,
            notes: entry.notes,
            kind: entry.kind,
            fields: entry.fields,
        })
    }

    /// Changes the entry with this id or title. With `kind` of another type, the entry
    /// becomes one of that type (its title, group, tags and notes stay; the fields of its
    /// former kind go).
    fn edit_entry(
        &mut self,
        id_or_title: &str,
        kind: Option<EntryType>,
        changes: EntryChanges,
    ) -> Result<Entry> {
        let mut entry = self.find(id_or_title)?;
        let retype = kind.filter(|k| *k != EntryType::of(&entry.kind));
        let mut find = |q: &str| self.find(q);
        entry_edit::apply(&mut entry, retype, changes, &mut find)?;
        self.update(entry)
    }

    /// The login whose credentials an entry holds: itself, or the login a remote connection
    /// is linked to.
    fn credentials(&mut self, id_or_title: &str) -> Result<Login> {
        let entry = self.find(id_or_title)?;
        match entry.kind {
            EntryKind::Login(l) => Ok(l),
            EntryKind::Remote(Remote {
                login: Some(id), ..
            }) => match self.find(&id)?.kind {
                EntryKind::Login(l) => Ok(l),
                _ => Err(Error::Invalid(
                    "the linked entry of this connection is not a login".into(),
                )),
            },
            EntryKind::Remote(_) => Err(Error::Invalid(
                "this connection has no linked login: edit it to choose one".into(),
            )),
            _ => Err(Error::Invalid("this entry has no credentials".into())),
        }
    }

    /// Takes the code an entry's generator gives now: time-based codes at the workspace's
    /// clock (or `at`); an HOTP counter advances and is saved, so each code is given once.
    /// `None` when the entry has no generator.
    fn take_otp_code(&mut self, id_or_title: &str, at: Option<u64>) -> Result<Option<OtpCode>> {
        let mut entry = self.find(id_or_title)?;
        let now = at.unwrap_or_else(|| u64::try_from(self.now()).unwrap_or(0));
        let Some(otp) = entry.otp_mut() else {
            return Ok(None);
        };
        let Some(code) = otp.take_hotp() else {
            return Ok(Some(otp.code_at(now)));
        };
        self.update(entry)?;
        tracing::debug!("HOTP counter advanced");
        Ok(Some(OtpCode {
            code,
            seconds_left: 0,
            period: 0,
        }))
    }
}

impl EntryStore for OpenWorkspace {
    fn find(&mut self, id_or_title: &str) -> Result<Entry> {
        OpenWorkspace::find(self, id_or_title)
    }
    fn summaries(&mut self) -> Result<Vec<EntrySummary>> {
        OpenWorkspace::summaries(self)
    }
    fn search_summaries(&mut self, query: &str) -> Result<Vec<EntrySummary>> {
        OpenWorkspace::search_summaries(self, query)
    }
    fn list_page(&mut self, list: &ListQuery) -> Result<EntryPage> {
        OpenWorkspace::list_page(self, list)
    }
    fn add(&mut self, new: NewEntry) -> Result<Entry> {
        OpenWorkspace::add(self, new)
    }
    fn update(&mut self, entry: Entry) -> Result<Entry> {
        OpenWorkspace::update(self, entry)
    }
    fn remove(&mut self, id: &str) -> Result<()> {
        OpenWorkspace::remove(self, id)
    }
    fn now(&self) -> i64 {
        self.clock().now()
    }
    fn entries(&mut self) -> Result<Vec<Entry>> {
        OpenWorkspace::entries(self)
    }
    fn put_all(&mut self, entries: &[Entry], replacing: &[String]) -> Result<()> {
        self.put_all_entries(entries, replacing)
    }
    fn put_imported(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
        extras: importing::ImportExtras,
    ) -> Result<usize> {
        OpenWorkspace::put_imported(self, entries, replacing, extras)
    }
    fn kdf(&self) -> KdfParams {
        OpenWorkspace::kdf(self)
    }
    fn backup_to(&mut self, path: &Path) -> Result<()> {
        OpenWorkspace::backup_to(self, path)
    }
    fn discard(&mut self, id: &str) -> Result<()> {
        OpenWorkspace::trash(self, id)
    }
    fn history(&mut self, id_or_title: &str) -> Result<Vec<Version>> {
        OpenWorkspace::history(self, id_or_title)
    }
    fn restore_version(&mut self, id_or_title: &str, number: u64) -> Result<Entry> {
        OpenWorkspace::restore_version(self, id_or_title, number)
    }
    fn earlier_versions(&mut self) -> Result<std::collections::HashMap<String, Vec<Entry>>> {
        OpenWorkspace::earlier_versions(self)
    }
    fn password_change_times(
        &mut self,
        entries: &[Entry],
    ) -> Result<std::collections::HashMap<String, i64>> {
        OpenWorkspace::password_change_times(self, entries)
    }
    fn history_limit(&mut self) -> Result<u32> {
        OpenWorkspace::history_limit(self)
    }
    fn set_history_limit(&mut self, limit: u32) -> Result<()> {
        OpenWorkspace::set_history_limit(self, limit)
    }
    fn trashed(&mut self) -> Result<Vec<Trashed>> {
        OpenWorkspace::trashed(self)
    }
    fn untrash(&mut self, id_or_title: &str) -> Result<Entry> {
        OpenWorkspace::untrash(self, id_or_title)
    }
    fn purge(&mut self, id_or_title: &str) -> Result<Entry> {
        OpenWorkspace::purge(self, id_or_title)
    }
    fn empty_trash(&mut self) -> Result<usize> {
        OpenWorkspace::empty_trash(self)
    }
    fn attachments(&mut self, id_or_title: &str) -> Result<Vec<AttachmentInfo>> {
        let id = OpenWorkspace::find(self, id_or_title)?.id;
        OpenWorkspace::attachments(self, &id)
    }
    fn attach_file(
        &mut self,
        id_or_title: &str,
        path: &Path,
        name: Option<&str>,
        max_bytes: u64,
    ) -> Result<AttachmentInfo> {
        let id = OpenWorkspace::find(self, id_or_title)?.id;
        OpenWorkspace::attach_file(self, &id, path, name, max_bytes)
    }
    fn save_attachment(&mut self, id_or_title: &str, name: &str, out: &Path) -> Result<u64> {
        let id = OpenWorkspace::find(self, id_or_title)?.id;
        OpenWorkspace::save_attachment(self, &id, name, out)
    }
    fn detach(&mut self, id_or_title: &str, name: &str) -> Result<()> {
        let id = OpenWorkspace::find(self, id_or_title)?.id;
        OpenWorkspace::detach(self, &id, name)
    }
    fn attachment_files(&mut self, entry_id: &str) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        OpenWorkspace::attachment_files(self, entry_id)
    }
}
