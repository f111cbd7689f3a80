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

    /// The attachments of an entry (id or title), by name ([`crate::workspace::attachments`]).
    /// A team workspace does not keep attachments yet: it refuses.
    fn attachments(&mut self, id_or_title: &str) -> Result<Vec<AttachmentInfo>> {
        let _ = id_or_title;
        Err(Error::NotOnTeam)
    }

    /// Attaches the file at `path` to an entry, as `name` (default: the file's name), if it
    /// is at most `max_bytes` long.
    fn attach_file(
        &mut self,
        id_or_title: &str,
        path: &Path,
        name: Option<&str>,
        max_bytes: u64,
    ) -> Result<AttachmentInfo> {
        let _ = (id_or_title, path, name, max_bytes);
        Err(Error::NotOnTeam)
    }

    /// Saves an entry's attachment to a new owner-only file at `out`; its size.
    fn save_attachment(&mut self, id_or_title: &str, name: &str, out: &Path) -> Result<u64> {
        let _ = (id_or_title, name, out);
        Err(Error::NotOnTeam)
    }

    /// Deletes an entry's attachment.
    fn detach(&mut self, id_or_title: &str, name: &str) -> Result<()> {
        let _ = (id_or_title, name);
        Err(Error::NotOnTeam)
    }

    /// An entry's attachment whole in memory (a KeePass export holds it so).
    fn read_attachment(&mut self, id_or_title: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        let _ = (id_or_title, name);
        Err(Error::NotOnTeam)
    }

    /// [`put_all`](Self::put_all) and the files an import attaches to those entries; how many
    /// were attached. A team workspace keeps no attachments yet: it writes the entries only.
    fn put_all_with_files(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
        files: Vec<importing::NewFile>,
    ) -> Result<usize> {
        if !files.is_empty() {
            tracing::info!(
                files = files.len(),
                "attachments left out: not kept by this workspace"
            );
        }
        self.put_all(entries, replacing)?;
        Ok(0)
    }

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
        let (entries, replacing, mut imported, files) = importing::writes(preview, self.now())?;
        imported.attachments = self.put_all_with_files(&entries, &replacing, files)?;
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
    fn put_all_with_files(
        &mut self,
        entries: &[Entry],
        replacing: &[String],
        files: Vec<importing::NewFile>,
    ) -> Result<usize> {
        self.put_all_entries_with_files(entries, replacing, files)
    }
    fn kdf(&self) -> KdfParams {
        OpenWorkspace::kdf(self)
    }
    fn backup_to(&mut self, path: &Path) -> Result<()> {
        OpenWorkspace::backup_to(self, path)
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
    fn read_attachment(&mut self, id_or_title: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        let id = OpenWorkspace::find(self, id_or_title)?.id;
        OpenWorkspace::read_attachment(self, &id, name)
    }
}
