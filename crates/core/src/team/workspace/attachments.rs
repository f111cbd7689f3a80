//! Attachments of a team workspace: the file workspace's records
//! ([`crate::workspace::attachments`]: a description in `attachments`, the content in 1 MiB
//! `attachment-chunks` records) kept as team records, each sealed and appended to the signed
//! chain like any record. A copy holds the descriptions; it never holds chunks, in memory or
//! in the offline copy (the sync reads them without their bytes): attaching reads the file one
//! chunk at a time into the one write; saving reads each chunk from the server, checks it
//! against the hash the verified chain names, opens it and writes it out before the next.

use super::{db_u64, open_sealed, Content, RecordWrite, TeamWorkspace};
use crate::team::change::{sealed_hash, ChainError};
use crate::team::held::{Attached, HeldRecords};
use crate::team::{col, Error as TeamError};
use crate::workspace::attachments::{
    free_name, no_attachment, open_to_attach, save_to_new_file, AttachmentInfo, Meta, ATTACHMENTS,
    CHUNKS, CHUNK_SIZE,
};
use crate::workspace::importing::NewFile;
use crate::workspace::{self as file, Error, Result};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::rc::Rc;
use zeroize::Zeroizing;

impl TeamWorkspace {
    /// The attachment `name` of the entry `entry_id`.
    fn find_attached(&self, entry_id: &str, name: &str) -> Result<Attached> {
        self.attached()?
            .into_iter()
            .find(|a| a.meta.entry == entry_id && a.meta.name == name)
            .ok_or_else(|| no_attachment(name))
    }

    /// The writes that put an attachment described by `meta` whose chunk `i` `chunk(i)`
    /// reads, the description last.
    fn attachment_writes(
        &self,
        meta: Meta,
        title: &str,
        chunk: impl Fn(u32, usize) -> Result<Zeroizing<Vec<u8>>> + 'static,
        check_before_description: impl Fn() -> Result<()> + 'static,
    ) -> Result<Vec<RecordWrite>> {
        let id = file::new_id()?;
        let meta = Rc::new(meta);
        let chunk = Rc::new(chunk);
        let mut writes = Vec::with_capacity(meta.chunks as usize + 1);
        for i in 0..meta.chunks {
            let (meta_c, chunk) = (Rc::clone(&meta), Rc::clone(&chunk));
            let read = move || Ok(meta_c.chunk_plain(&chunk(i, meta_c.chunk_len(i))?));
            writes.push(RecordWrite::with(
                CHUNKS,
                &meta.chunk_id(&id, i),
                Content::Read(Box::new(read)),
                title,
            ));
        }
        let description = move || {
            check_before_description()?;
            meta.encode()
        };
        writes.push(RecordWrite::with(
            ATTACHMENTS,
            &id,
            Content::Read(Box::new(description)),
            title,
        ));
        Ok(writes)
    }

    /// [`crate::EntryStore::attach_file`]: the file read a chunk at a time while the one
    /// write is made (again if it is retried), never whole in memory.
    pub(super) fn attach(
        &mut self,
        id_or_title: &str,
        path: &Path,
        name: Option<&str>,
        max_bytes: u64,
    ) -> Result<AttachmentInfo> {
        self.check_online()?;
        let entry = self.entries.find(id_or_title)?;
        let (name, file, size) = open_to_attach(path, name, max_bytes)?;
        let taken = self.attachment_list(&entry.id)?;
        let name = free_name(&name, |n| taken.iter().any(|a| a.name == n), false)?;
        let meta = Meta::new(&entry.id, name.clone(), size, self.clock.now())?;
        let changed = Rc::new(format!(
            "{} changed while it was read; nothing was attached",
            path.display()
        ));
        let file = Rc::new(file);
        let (file_c, changed_c) = (Rc::clone(&file), Rc::clone(&changed));
        let chunk = move |i: u32, len: usize| {
            let mut data = Zeroizing::new(vec![0u8; len]);
            file_c
                .read_exact_at(&mut data, u64::from(i) * CHUNK_SIZE as u64)
                .map_err(|_| Error::Invalid(changed_c.to_string()))?;
            Ok(data)
        };
        let same_size = move || match file.metadata() {
            Ok(m) if m.len() == size => Ok(()),
            _ => Err(Error::Invalid(changed.to_string())),
        };
        // The entry record is written again (unchanged) with the file: a member who deletes
        // the entry meanwhile, or deleted it before this copy synced, meets a conflict, and no
        // file is left behind without its entry.
        let mut writes = vec![RecordWrite::entry(&entry)?];
        writes.extend(self.attachment_writes(meta, &entry.title, chunk, same_size)?);
        self.write_records(writes)?;
        tracing::debug!("team attachment added");
        Ok(AttachmentInfo { name, size })
    }

    /// The writes attaching an import's files (whole in memory already: the source holds
    /// them so) to the entries written with them; a name an entry has already gets ` (2)`…
    pub(super) fn imported_files(&self, files: Vec<NewFile>) -> Result<Vec<RecordWrite>> {
        let mut names: Vec<(String, String)> = self
            .attached()?
            .into_iter()
            .map(|a| (a.meta.entry, a.meta.name))
            .collect();
        let mut writes = Vec::new();
        let now = self.clock.now();
        for f in files {
            let taken = |n: &str| names.iter().any(|(e, m)| *e == f.entry && m == n);
            let name = free_name(&f.name, taken, true)?;
            names.push((f.entry.clone(), name.clone()));
            let meta = Meta::new(&f.entry, name, f.data.len() as u64, now)?;
            let data = Rc::new(f.data);
            let chunk = move |i: u32, len: usize| {
                let start = i as usize * CHUNK_SIZE;
                Ok(Zeroizing::new(data[start..start + len].to_vec()))
            };
            writes.extend(self.attachment_writes(meta, &f.entry, chunk, || Ok(()))?);
        }
        Ok(writes)
    }

    /// The writes deleting every attachment of the entry `entry_id` (its descriptions and
    /// chunks); a conflict names `title`.
    pub(super) fn attachment_deletes(
        &self,
        entry_id: &str,
        title: &str,
    ) -> Result<Vec<RecordWrite>> {
        Ok(self
            .attached()?
            .into_iter()
            .filter(|a| a.meta.entry == entry_id)
            .flat_map(|a| self.deletes_of(&a, title))
            .collect())
    }

    /// [`crate::EntryStore::detach`].
    pub(super) fn detach_named(&mut self, id_or_title: &str, name: &str) -> Result<()> {
        let entry = self.entries.find(id_or_title)?;
        let a = self.find_attached(&entry.id, name.trim())?;
        let writes = self.deletes_of(&a, &entry.title);
        self.write_records(writes)?;
        tracing::debug!("team attachment deleted");
        Ok(())
    }

    /// Reads chunk `id` from the server: it must be the record the verified chain names
    /// (version, epoch, position and hash), then it is opened under its place.
    fn read_chunk(&mut self, id: &str) -> Result<Zeroizing<Vec<u8>>> {
        let altered = || -> Error {
            TeamError::from(ChainError::Records(
                "an attachment chunk is not the one last written",
            ))
            .into()
        };
        let state = *self
            .chain
            .records
            .get(&(CHUNKS.to_owned(), id.to_owned()))
            .ok_or_else(altered)?;
        let row = self
            .member
            .team
            .client
            .query_opt(
                "SELECT version, epoch, seq, sealed FROM portcullis.records
                 WHERE workspace = $1::text::uuid AND collection = $2 AND id = $3",
                &[&self.id_text, &CHUNKS, &id],
            )
            .map_err(TeamError::from)?
            .ok_or_else(altered)?;
        let sealed: Vec<u8> = col(&row, 3)?;
        let stated = (db_u64(&row, 0)?, db_u64(&row, 1)?, db_u64(&row, 2)?);
        if stated != (state.version, state.epoch, state.seq) || sealed_hash(&sealed) != state.hash {
            tracing::warn!(
                "read refused: an attachment chunk on the server is not the one the chain names"
            );
            return Err(altered());
        }
        Ok(open_sealed(
            &self.keys, &self.id, CHUNKS, id, &state, &sealed,
        )?)
    }

    /// Streams the attachment `name` of the entry `entry_id` into `sink`, chunk by chunk,
    /// each read from the server and checked; its size. What changed since the last sync is
    /// fetched first.
    fn copy_attachment(&mut self, entry_id: &str, name: &str, sink: &mut dyn Write) -> Result<u64> {
        self.check_online()?;
        self.sync()?;
        let a = self.find_attached(entry_id, name)?;
        let mut total = 0u64;
        for i in 0..a.meta.chunks {
            let plain = self.read_chunk(&a.meta.chunk_id(&a.id, i))?;
            let data = a.meta.chunk_data(&plain, i)?;
            sink.write_all(data).map_err(|e| {
                Error::File(crate::secret_file::Error::Io {
                    path: a.meta.name.clone(),
                    source: e,
                })
            })?;
            total += data.len() as u64;
        }
        if total != a.meta.size {
            return Err(Error::Damaged("an attachment is not its stated size"));
        }
        Ok(total)
    }

    /// [`crate::EntryStore::save_attachment`]: a new owner-only file, never over another; a
    /// failed save leaves none.
    pub(super) fn save_named(&mut self, id_or_title: &str, name: &str, out: &Path) -> Result<u64> {
        let entry = self.entries.find(id_or_title)?;
        let name = name.trim();
        self.find_attached(&entry.id, name)?;
        save_to_new_file(out, |file| self.copy_attachment(&entry.id, name, file))
    }

    /// Every attachment of the entry `entry_id` (current or in the bin), whole in memory, by
    /// name (a KeePass export).
    pub(super) fn files_of(&mut self, entry_id: &str) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        let mut out = Vec::new();
        for a in self.attachment_list(entry_id)? {
            let mut data = Zeroizing::new(Vec::new());
            self.copy_attachment(entry_id, &a.name, &mut *data)?;
            out.push((a.name, data));
        }
        Ok(out)
    }
}

impl TeamWorkspace {
    /// The writes deleting the attachment `a`: the chunks the chain holds for it (whatever
    /// its description says), then its description.
    fn deletes_of(&self, a: &Attached, title: &str) -> Vec<RecordWrite> {
        let prefix = format!("{}/", a.id);
        self.chain
            .records
            .keys()
            .filter(|(c, id)| c == CHUNKS && id.starts_with(&prefix))
            .map(|(_, id)| RecordWrite::delete(CHUNKS, id, title))
            .chain(std::iter::once(RecordWrite::delete(
                ATTACHMENTS,
                &a.id,
                title,
            )))
            .collect()
    }
}
