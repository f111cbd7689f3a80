//! Attachments: files kept with an entry (an SSH key, a certificate, a PDF), sealed in the
//! workspace in chunks so that a large file is never whole in memory, going in or out.
//!
//! Two collections of the `records` table (no new SQL table):
//! - [`ATTACHMENTS`]: one record per attachment, id a random UUID, plaintext the JSON
//!   `{"entry", "name", "size", "chunks", "created"}`;
//! - [`CHUNKS`]: its content in chunks of [`CHUNK_SIZE`] bytes (the last one shorter), record
//!   id `ATTACHMENT_ID/INDEX/COUNT` (8 lower-case hex digits each), plaintext
//!   `u8 len || entry id || the chunk's bytes`.
//!
//! Every record is sealed like any other (the entries key, associated data binding workspace,
//! collection, record id and version), so a chunk's associated data binds its attachment, its
//! index and the chunk count; the entry id inside the authenticated plaintext binds its entry
//! (checked on every read). A chunk moved to another place, index or attachment fails to
//! open; one dropped, added or rolled back fails the manifest, like any record. Reading
//! checks each chunk against the version and hash the verified manifest lists, one chunk at a
//! time, straight to the output file.
//!
//! Attachments are keyed by their entry's id and live as long as a record of that id does:
//! deleting an entry for good ([`OpenWorkspace::remove`], [`OpenWorkspace::purge`], emptying
//! the recycle bin) deletes them in the same transaction; an entry in the bin keeps them.

use super::{record, Error, OpenWorkspace, Result, Versions, Writer};
use crate::store::Row;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;
use zeroize::Zeroizing;

/// Collection of attachment descriptions.
pub const ATTACHMENTS: &str = "attachments";
/// Collection of attachment chunks.
pub const CHUNKS: &str = "attachment-chunks";
/// The size of a chunk (the last one of a file may be shorter).
pub const CHUNK_SIZE: usize = 1 << 20;
pub use crate::entry::attachment::{DEFAULT_MAX_ATTACHMENT_BYTES, MAX_NAME_CHARS};

/// An attachment as lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AttachmentInfo {
    /// Its name, unique in the entry.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The sealed description of an attachment (a team workspace keeps the same).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub(crate) entry: String,
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) chunks: u32,
    pub(crate) created: i64,
}

impl Meta {
    /// The description of a file of `size` bytes attached to `entry` as `name`.
    pub(crate) fn new(entry: &str, name: String, size: u64, created: i64) -> Result<Self> {
        let chunks = u32::try_from(size.div_ceil(CHUNK_SIZE as u64))
            .map_err(|_| Error::Invalid("the file is too large".into()))?;
        u8::try_from(entry.len()).map_err(|_| Error::Invalid("an entry id is too long".into()))?;
        Ok(Self {
            entry: entry.to_owned(),
            name,
            size,
            chunks,
            created,
        })
    }

    /// The record id of chunk `index`.
    pub(crate) fn chunk_id(&self, attachment: &str, index: u32) -> String {
        chunk_id(attachment, index, self.chunks)
    }

    /// How many bytes chunk `index` holds.
    pub(crate) fn chunk_len(&self, index: u32) -> usize {
        let start = u64::from(index) * CHUNK_SIZE as u64;
        usize::try_from(self.size.saturating_sub(start).min(CHUNK_SIZE as u64)).unwrap_or(0)
    }

    /// The plaintext of a chunk holding `data`: `u8 len || entry id || data`.
    pub(crate) fn chunk_plain(&self, data: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut plain = Zeroizing::new(Vec::with_capacity(1 + self.entry.len() + data.len()));
        plain.push(self.entry.len() as u8);
        plain.extend_from_slice(self.entry.as_bytes());
        plain.extend_from_slice(data);
        plain
    }

    /// The bytes of chunk `index` in its plaintext, refused when the chunk is not this
    /// attachment's entry's or not of its length.
    pub(crate) fn chunk_data<'a>(&self, plain: &'a [u8], index: u32) -> Result<&'a [u8]> {
        let (&len, rest) = plain.split_first().ok_or_else(damaged)?;
        let (owner, data) = rest
            .split_at_checked(usize::from(len))
            .ok_or_else(damaged)?;
        if owner != self.entry.as_bytes() || data.len() != self.chunk_len(index) {
            return Err(Error::Damaged("an attachment chunk is not in its place"));
        }
        Ok(data)
    }

    /// The plaintext of the description.
    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(
            serde_json::to_vec(self).map_err(|_| Error::Crypto)?,
        ))
    }

    /// The description in `plain`: its chunk count must be its size's, its name one a
    /// name can be.
    pub(crate) fn decode(plain: &[u8]) -> Result<Self> {
        let meta: Self = serde_json::from_slice(plain).map_err(|_| damaged())?;
        let fits = u64::from(meta.chunks) == meta.size.div_ceil(CHUNK_SIZE as u64)
            && meta.entry.len() <= usize::from(u8::MAX)
            && check_name(&meta.name).is_ok_and(|n| n == meta.name);
        if !fits {
            return Err(Error::Damaged(
                "an attachment's description does not hold together",
            ));
        }
        Ok(meta)
    }
}

/// `base`, or when `taken` says an attachment of the entry has that name: refused, or with
/// `rename` made unique with ` (2)`, ` (3)`…
pub(crate) fn free_name(base: &str, taken: impl Fn(&str) -> bool, rename: bool) -> Result<String> {
    let base = check_name(base)?;
    if !taken(&base) {
        return Ok(base);
    }
    if !rename {
        return Err(Error::Invalid(format!(
            "this entry has an attachment named “{base}” already"
        )));
    }
    let mut n = 2;
    let mut name = format!("{base} ({n})");
    while taken(&name) {
        n += 1;
        name = format!("{base} ({n})");
    }
    check_name(&name)
}

/// The attachments of `entry_id` among `metas`, by name.
pub(crate) fn infos_of(metas: impl Iterator<Item = Meta>, entry_id: &str) -> Vec<AttachmentInfo> {
    let mut out: Vec<AttachmentInfo> = metas
        .filter(|m| m.entry == entry_id)
        .map(|m| AttachmentInfo {
            name: m.name,
            size: m.size,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The file at `path` opened to be attached: its name (`name`, or the file's own), the file
/// and its size; refused when it is not a file or is larger than `max_bytes`.
pub(crate) fn open_to_attach(
    path: &Path,
    name: Option<&str>,
    max_bytes: u64,
) -> Result<(String, std::fs::File, u64)> {
    let name = match name {
        Some(n) => n.to_owned(),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let cannot = |e: std::io::Error| Error::Invalid(format!("cannot read {}: {e}", path.display()));
    // Checked before opening too: opening a named pipe would wait for a writer.
    if !std::fs::metadata(path).map_err(cannot)?.is_file() {
        return Err(Error::Invalid(format!("{} is not a file", path.display())));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Error::Invalid(format!("{} is not a file", path.display())));
    }
    let size = meta.len();
    if size > max_bytes {
        return Err(Error::Invalid(format!(
            "{} is larger than the {} MiB an attachment may hold",
            path.display(),
            max_bytes >> 20
        )));
    }
    Ok((name, file, size))
}

/// Writes what `copy` writes to a new owner-only file at `out` (0600, never over an
/// existing file or through a link), synced; a failed save leaves no file behind. Its size.
pub(crate) fn save_to_new_file(
    out: &Path,
    copy: impl FnOnce(&mut std::fs::File) -> Result<u64>,
) -> Result<u64> {
    let mut file = crate::secret_file::create(out)?;
    let written = copy(&mut file).and_then(|size| {
        file.sync_all().map_err(|e| write_error(out, e))?;
        Ok(size)
    });
    if written.is_err() {
        drop(file);
        let _ = std::fs::remove_file(out);
    }
    written
}

/// What saving says of an attachment that is not there.
pub(crate) fn no_attachment(name: &str) -> Error {
    Error::Invalid(format!("this entry has no attachment named “{name}”"))
}

/// A description with its record id.
#[derive(Clone, Debug)]
struct Listed {
    id: String,
    meta: Meta,
}

/// The record id of chunk `index` of `count` of the attachment `id`.
fn chunk_id(id: &str, index: u32, count: u32) -> String {
    format!("{id}/{index:08x}/{count:08x}")
}

fn damaged() -> Error {
    Error::Damaged("records were removed, added, changed or rolled back")
}

/// A name as kept: trimmed; refused when empty, too long, holding a control character or a
/// path separator.
pub fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("an attachment needs a name".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::Invalid(format!(
            "an attachment's name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if name
        .chars()
        .any(|c| c.is_control() || crate::entry::attachment::is_format(c) || c == '/' || c == '\\')
    {
        return Err(Error::Invalid(
            "an attachment's name cannot hold a control or formatting character or a slash".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Opens an attachment record checked against `versions` (what the verified manifest lists).
fn open_checked(
    records: &record::RecordKeys,
    versions: &Versions,
    row: &Row,
) -> Result<Zeroizing<Vec<u8>>> {
    match versions.get(&(row.collection.clone(), row.id.clone())) {
        Some(&(version, hash))
            if version == row.version && hash == record::sealed_hash(&row.sealed) =>
        {
            records.open(row)
        }
        _ => Err(damaged()),
    }
}

/// Every attachment description of the state `versions` describes, read with `rows` (the
/// [`ATTACHMENTS`] rows of that state).
fn read_listed(
    records: &record::RecordKeys,
    versions: &Versions,
    rows: &[Row],
) -> Result<Vec<Listed>> {
    let listed = versions.keys().filter(|(c, _)| c == ATTACHMENTS).count();
    if listed != rows.len() {
        return Err(damaged());
    }
    rows.iter()
        .map(|row| {
            let plain = open_checked(records, versions, row)?;
            let meta = Meta::decode(&plain)?;
            Ok(Listed {
                id: row.id.clone(),
                meta,
            })
        })
        .collect()
}

/// Deletes every attachment of `entry_id` in this write (its description and chunks); how
/// many there were. The hook for deleting an entry for good.
pub(super) fn delete_attachments_of(w: &mut Writer<'_, '_>, entry_id: &str) -> Result<usize> {
    let rows = w.tx.rows(Some(ATTACHMENTS))?;
    let listed = read_listed(w.records, w.versions, &rows)?;
    let mut n = 0;
    for a in listed.into_iter().filter(|a| a.meta.entry == entry_id) {
        delete_one(w, &a)?;
        n += 1;
    }
    Ok(n)
}

fn delete_one(w: &mut Writer<'_, '_>, a: &Listed) -> Result<()> {
    for i in 0..a.meta.chunks {
        if !w.delete(CHUNKS, &chunk_id(&a.id, i, a.meta.chunks))? {
            return Err(damaged());
        }
    }
    if !w.delete(ATTACHMENTS, &a.id)? {
        return Err(damaged());
    }
    Ok(())
}

impl OpenWorkspace {
    /// The attachments of the entry `entry_id`, by name.
    pub fn attachments(&mut self, entry_id: &str) -> Result<Vec<AttachmentInfo>> {
        let listed = self.listed_attachments()?;
        Ok(infos_of(listed.into_iter().map(|a| a.meta), entry_id))
    }

    /// Every attachment description, checked against the verified index.
    fn listed_attachments(&mut self) -> Result<Vec<Listed>> {
        for _ in 0..3 {
            let index = self.fresh_index()?;
            let at = index.data_version;
            let versions: Versions = index
                .records
                .iter()
                .filter(|((c, _), _)| c == ATTACHMENTS)
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            let records = &self.records;
            let read = self.store.read(|tx| -> Result<Option<Vec<Listed>>> {
                if tx.data_version()? != at {
                    return Ok(None);
                }
                let rows = tx.rows(Some(ATTACHMENTS))?;
                read_listed(records, &versions, &rows).map(Some)
            })?;
            if let Some(listed) = read {
                return Ok(listed);
            }
        }
        Err(Error::Busy)
    }

    /// Attaches the file at `path` to the entry `entry_id` as `name` (default: the file's
    /// name), streamed in chunks; refused when larger than `max_bytes`, when the entry has an
    /// attachment of that name, or when the file changes while it is read.
    pub fn attach_file(
        &mut self,
        entry_id: &str,
        path: &Path,
        name: Option<&str>,
        max_bytes: u64,
    ) -> Result<AttachmentInfo> {
        let (name, mut file, size) = open_to_attach(path, name, max_bytes)?;
        let name = check_name(&name)?;
        let created = self.clock().now();
        let entry_id = entry_id.to_owned();
        let info = AttachmentInfo {
            name: name.clone(),
            size,
        };
        self.write(|w| {
            if !w.entry_exists(&entry_id)? {
                return Err(Error::NoMatch(entry_id.clone()));
            }
            write_attachment(w, &entry_id, &name, &mut file, size, created, false).map_err(|e| {
                match e {
                    Error::Invalid(m) if m == CHANGED => changed(path),
                    other => other,
                }
            })
        })?;
        tracing::debug!("attachment added");
        Ok(info)
    }

    /// Writes the attachment `name` of the entry `entry_id` to a new file at `out`, owner-only
    /// (0600), never over an existing file; chunk by chunk, each checked. A failed save leaves
    /// no file behind. Returns its size.
    pub fn save_attachment(&mut self, entry_id: &str, name: &str, out: &Path) -> Result<u64> {
        // Found first, so that a wrong name creates no file.
        let name = name.trim();
        self.find_attachment(entry_id, name)?;
        save_to_new_file(out, |file| self.copy_attachment(entry_id, name, file))
    }

    /// The attachment `name` of the entry `entry_id` whole in memory (for a KeePass export,
    /// whose format holds it so).
    pub fn read_attachment(&mut self, entry_id: &str, name: &str) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(Vec::new());
        self.copy_attachment(entry_id, name, &mut *out)?;
        Ok(out)
    }

    /// Every attachment of the entry with the id `entry_id`, current or in the recycle bin,
    /// whole in memory, by name (for a KeePass export, whose format holds them so).
    pub fn attachment_files(
        &mut self,
        entry_id: &str,
    ) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        let mut out = Vec::new();
        for a in self.attachments(entry_id)? {
            let data = self.read_attachment(entry_id, &a.name)?;
            out.push((a.name, data));
        }
        Ok(out)
    }

    fn find_attachment(&mut self, entry_id: &str, name: &str) -> Result<Listed> {
        self.listed_attachments()?
            .into_iter()
            .find(|a| a.meta.entry == entry_id && a.meta.name == name)
            .ok_or_else(|| no_attachment(name))
    }

    /// Streams the attachment into `sink`, chunk by chunk, each checked against the verified
    /// manifest and its place; its size.
    fn copy_attachment(&mut self, entry_id: &str, name: &str, sink: &mut dyn Write) -> Result<u64> {
        for _ in 0..3 {
            let a = self.find_attachment(entry_id, name)?;
            let index = self.fresh_index()?;
            let at = index.data_version;
            let versions: Versions = (0..a.meta.chunks)
                .map(|i| {
                    let key = (CHUNKS.to_owned(), chunk_id(&a.id, i, a.meta.chunks));
                    index
                        .records
                        .get(&key)
                        .map(|v| (key, *v))
                        .ok_or_else(damaged)
                })
                .collect::<Result<_>>()?;
            let records = &self.records;
            let copied = self.store.read(|tx| -> Result<bool> {
                if tx.data_version()? != at {
                    return Ok(false);
                }
                let mut total = 0u64;
                for i in 0..a.meta.chunks {
                    let row = tx
                        .row(CHUNKS, &chunk_id(&a.id, i, a.meta.chunks))?
                        .ok_or_else(damaged)?;
                    let plain = open_checked(records, &versions, &row)?;
                    let data = a.meta.chunk_data(&plain, i)?;
                    total += data.len() as u64;
                    sink.write_all(data)
                        .map_err(|e| write_error(Path::new(&a.meta.name), e))?;
                }
                if total != a.meta.size {
                    return Err(Error::Damaged("an attachment is not its stated size"));
                }
                Ok(true)
            })?;
            if copied {
                return Ok(a.meta.size);
            }
        }
        Err(Error::Busy)
    }

    /// Deletes the attachment `name` of the entry `entry_id`.
    pub fn detach(&mut self, entry_id: &str, name: &str) -> Result<()> {
        let name = name.trim().to_owned();
        self.write(|w| {
            let rows = w.tx.rows(Some(ATTACHMENTS))?;
            let listed = read_listed(w.records, w.versions, &rows)?;
            let a = listed
                .into_iter()
                .find(|a| a.meta.entry == entry_id && a.meta.name == name)
                .ok_or_else(|| no_attachment(&name))?;
            delete_one(w, &a)
        })
    }
}

/// Writes an attachment of `size` bytes read from `data` to the entry `entry_id` in this
/// write, in chunks. A name the entry has already is refused, or with `rename` made unique
/// with ` (2)`, ` (3)`…; `data` must hold exactly `size` bytes.
pub(super) fn write_attachment(
    w: &mut Writer<'_, '_>,
    entry_id: &str,
    name: &str,
    data: &mut dyn Read,
    size: u64,
    created: i64,
    rename: bool,
) -> Result<()> {
    let rows = w.tx.rows(Some(ATTACHMENTS))?;
    let listed = read_listed(w.records, w.versions, &rows)?;
    let taken = |n: &str| {
        listed
            .iter()
            .any(|a| a.meta.entry == entry_id && a.meta.name == n)
    };
    let meta = Meta::new(entry_id, free_name(name, taken, rename)?, size, created)?;
    let id = super::new_id()?;
    let mut buffer = Zeroizing::new(vec![0u8; CHUNK_SIZE.min(size as usize)]);
    for i in 0..meta.chunks {
        let chunk = &mut buffer[..meta.chunk_len(i)];
        data.read_exact(chunk)
            .map_err(|_| Error::Invalid(CHANGED.into()))?;
        w.put_sealed(CHUNKS, &meta.chunk_id(&id, i), &meta.chunk_plain(chunk))?;
    }
    let mut probe = [0u8; 1];
    if data
        .read(&mut probe)
        .map_err(|_| Error::Invalid(CHANGED.into()))?
        != 0
    {
        return Err(Error::Invalid(CHANGED.into()));
    }
    w.put_sealed(ATTACHMENTS, &id, &meta.encode()?)
}

/// What [`write_attachment`] says when its input does not hold the size it was given.
const CHANGED: &str = "the file changed while it was read";

fn changed(path: &Path) -> Error {
    Error::Invalid(format!(
        "{} changed while it was read; nothing was attached",
        path.display()
    ))
}

fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::File(crate::secret_file::Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Whether a collection is one of the attachments' (sealed with the entries key).
pub(crate) fn is_attachment_collection(collection: &str) -> bool {
    collection == ATTACHMENTS || collection == CHUNKS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{EntryKind, NewEntry};
    use crate::store::Store;
    use crate::KdfParams;

    fn workspace() -> (tempfile::TempDir, OpenWorkspace, String) {
        let dir = tempfile::tempdir().unwrap();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &"pw".into(), kdf).unwrap();
        let id = ws.add(NewEntry::new("Server", EntryKind::Note)).unwrap().id;
        (dir, ws, id)
    }

    /// A file of `len` bytes that is not the same in every chunk.
    fn file(dir: &Path, name: &str, len: usize) -> std::path::PathBuf {
        let path = dir.join(name);
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / CHUNK_SIZE) as u8).collect();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn reopen(dir: &Path) -> OpenWorkspace {
        crate::LockedWorkspace::open(dir.join("w.pcx"))
            .unwrap()
            .unlock(&"pw".into())
            .unwrap()
            .into_open()
            .unwrap()
    }

    #[test]
    fn a_description_that_does_not_hold_together_is_refused() {
        let good = Meta::new("e1", "key.pem".into(), (CHUNK_SIZE as u64) + 1, 5).unwrap();
        assert_eq!(good.chunks, 2);
        assert!(Meta::decode(&good.encode().unwrap()).is_ok());
        for bad in [
            Meta {
                chunks: 5,
                ..good.clone()
            },
            Meta {
                size: u64::MAX,
                ..good.clone()
            },
            Meta {
                name: "a/b".into(),
                ..good.clone()
            },
            Meta {
                name: "\u{202e}gpj.exe".into(),
                ..good.clone()
            },
        ] {
            let plain = serde_json::to_vec(&bad).unwrap();
            assert!(matches!(Meta::decode(&plain), Err(Error::Damaged(_))));
        }
    }

    #[test]
    fn a_named_pipe_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let refused = open_to_attach(&fifo, None, 1 << 20).unwrap_err();
        assert!(refused.to_string().contains("is not a file"), "{refused}");
    }

    #[test]
    fn a_name_that_shows_another_name_is_refused() {
        assert_eq!(check_name(" key.pem ").unwrap(), "key.pem");
        for name in ["invoice\u{202e}fdp.exe", "a\u{200b}b", "a/b", "a\nb", ""] {
            assert!(check_name(name).is_err(), "{name:?}");
        }
        assert!(check_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn a_file_round_trips_in_chunks_and_goes_with_its_entry() {
        let (dir, mut ws, id) = workspace();
        let d = dir.path();
        let src = file(d, "key.bin", 2 * CHUNK_SIZE + 5);
        let info = ws
            .attach_file(&id, &src, None, DEFAULT_MAX_ATTACHMENT_BYTES)
            .unwrap();
        assert_eq!(
            (info.name.as_str(), info.size),
            ("key.bin", 2 * CHUNK_SIZE as u64 + 5)
        );
        let empty = file(d, "empty", 0);
        ws.attach_file(&id, &empty, Some(" Empty "), 10).unwrap();
        let mut ws = reopen(d);
        assert_eq!(
            ws.attachments(&id).unwrap(),
            [
                AttachmentInfo {
                    name: "Empty".into(),
                    size: 0
                },
                AttachmentInfo {
                    name: "key.bin".into(),
                    size: info.size
                },
            ]
        );
        let out = d.join("out.bin");
        assert_eq!(ws.save_attachment(&id, "key.bin", &out).unwrap(), info.size);
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&src).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // Never over an existing file: it stays as it was.
        std::fs::write(&out, b"mine").unwrap();
        let err = ws.save_attachment(&id, "key.bin", &out).unwrap_err();
        assert!(err.to_string().contains("exists already"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), b"mine");
        // A repeated name is refused; detach removes; deleting the entry removes the rest.
        let again = ws.attach_file(&id, &src, None, DEFAULT_MAX_ATTACHMENT_BYTES);
        assert!(matches!(again, Err(Error::Invalid(m)) if m.contains("already")));
        ws.detach(&id, "Empty").unwrap();
        assert_eq!(ws.attachments(&id).unwrap().len(), 1);
        ws.remove(&id).unwrap();
        let left = ws.store.read(|tx| tx.rows(None)).unwrap();
        assert!(
            left.iter()
                .all(|r| !is_attachment_collection(&r.collection)),
            "no attachment record outlives its entry"
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_nothing_is_written() {
        let (dir, mut ws, id) = workspace();
        let src = file(dir.path(), "big", CHUNK_SIZE + 1);
        let err = ws
            .attach_file(&id, &src, None, CHUNK_SIZE as u64)
            .unwrap_err();
        assert!(err.to_string().contains("larger than the 1 MiB"), "{err}");
        assert!(ws.attachments(&id).unwrap().is_empty());
        let bad = ws.attach_file(&id, &src, Some("a/b"), u64::MAX);
        assert!(matches!(bad, Err(Error::Invalid(_))));
        let none = ws.attach_file("no-such-entry", &src, None, u64::MAX);
        assert!(matches!(none, Err(Error::NoMatch(_))));
    }

    /// Chunks swapped between places, or one dropped, are refused, and the partial file is
    /// removed.
    #[test]
    fn swapped_or_dropped_chunks_are_refused() {
        let (dir, mut ws, id) = workspace();
        let d = dir.path();
        let src = file(d, "f", 3 * CHUNK_SIZE);
        ws.attach_file(&id, &src, None, u64::MAX).unwrap();
        drop(ws);
        let path = d.join("w.pcx");
        let chunk_rows =
            |store: &mut Store| -> Vec<Row> { store.read(|tx| tx.rows(Some(CHUNKS))).unwrap() };
        let mut store = Store::open(&path).unwrap();
        let rows = chunk_rows(&mut store);
        assert_eq!(rows.len(), 3);
        // Swap the sealed bytes of chunks 0 and 1 (same versions).
        store
            .write(|tx| -> std::result::Result<(), crate::store::Error> {
                tx.put(&Row {
                    sealed: rows[1].sealed.clone(),
                    ..rows[0].clone()
                })?;
                tx.put(&Row {
                    sealed: rows[0].sealed.clone(),
                    ..rows[1].clone()
                })
            })
            .unwrap();
        drop(store);
        let unlocked = crate::LockedWorkspace::open(&path)
            .unwrap()
            .unlock(&"pw".into())
            .and_then(|u| u.into_open());
        assert!(
            matches!(unlocked, Err(Error::Damaged(_))),
            "the manifest sees it"
        );

        // Dropped: put the rows back and delete the last one.
        let mut store = Store::open(&path).unwrap();
        store
            .write(|tx| -> std::result::Result<(), crate::store::Error> {
                tx.put(&rows[0])?;
                tx.put(&rows[1])?;
                tx.delete(CHUNKS, &rows[2].id).map(drop)
            })
            .unwrap();
        drop(store);
        let unlocked = crate::LockedWorkspace::open(&path)
            .unwrap()
            .unlock(&"pw".into())
            .and_then(|u| u.into_open());
        assert!(matches!(unlocked, Err(Error::Damaged(_))));
    }

    #[test]
    fn a_chunk_opens_only_in_its_own_place() {
        let (dir, mut ws, id) = workspace();
        let src = file(dir.path(), "f", 2 * CHUNK_SIZE);
        ws.attach_file(&id, &src, None, u64::MAX).unwrap();
        let rows = ws.store.read(|tx| tx.rows(Some(CHUNKS))).unwrap();
        assert!(ws.records.open(&rows[0]).is_ok());
        let mut moved = rows[1].clone();
        moved.id = rows[0].id.clone();
        assert!(ws.records.open(&moved).is_err(), "another index");
        let mut recounted = rows[0].clone();
        recounted.id = chunk_id(rows[0].id.split('/').next().unwrap(), 0, 3);
        assert!(ws.records.open(&recounted).is_err(), "another count");
    }

    #[test]
    fn a_password_change_reseals_the_chunks() {
        let (dir, mut ws, id) = workspace();
        let src = file(dir.path(), "f", CHUNK_SIZE + 3);
        ws.attach_file(&id, &src, None, u64::MAX).unwrap();
        ws.change_password(
            &"pw".into(),
            &"pw2".into(),
            KdfParams::new(1024, 1, 1).unwrap(),
        )
        .unwrap();
        drop(ws);
        let mut ws = crate::LockedWorkspace::open(dir.path().join("w.pcx"))
            .unwrap()
            .unlock(&"pw2".into())
            .unwrap()
            .into_open()
            .unwrap();
        let out = dir.path().join("o");
        ws.save_attachment(&id, "f", &out).unwrap();
        assert_eq!(std::fs::read(out).unwrap(), std::fs::read(src).unwrap());
    }
}
