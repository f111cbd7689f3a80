//! Moving out: an open workspace written as otpauth URIs, CSV, KeePass KDBX 4 (which KeePassXC
//! opens) or an encrypted Portcullis backup. Exporting is a security change: it needs a second
//! factor verified in the last five minutes when MFA is on. Files are created readable by
//! their owner only and never overwrite an existing file.

use crate::entry::{Entry, EntryKind};
use crate::entry_store::EntryStore;
use crate::import::csv::{fields_cell, neutralise, COLUMNS};
use crate::workspace::history::Trashed;
use crate::workspace::{self, Guarded};
use crate::SecretString;
use std::collections::HashMap;
use std::path::Path;
use zeroize::Zeroizing;

/// Why an export failed. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workspace refused (locked out of a step-up, damaged…).
    #[error(transparent)]
    Workspace(#[from] workspace::Error),
    /// The output file exists already.
    #[error("{0} exists already; choose another file")]
    Exists(String),
    /// The output file could not be written.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// A KDBX export needs a password for the new file.
    #[error("a KeePass export needs a password for the new file")]
    PasswordNeeded,
    /// The KDBX writer failed.
    #[error("the KeePass file could not be written")]
    Kdbx,
}

/// The formats Portcullis writes (named as in the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "specta",
    derive(specta::Type),
    serde(rename = "ExportFormat")
)]
pub enum Format {
    /// One otpauth URI per line (every entry with a generator). Not encrypted.
    Otpauth,
    /// CSV with the columns the CSV import reads. Not encrypted.
    Csv,
    /// KeePass KDBX 4, encrypted with its own password.
    Kdbx,
    /// A copy of the workspace: same password, same second factor.
    Portcullis,
}

impl Format {
    /// Whether the output can be read without a password.
    pub fn is_plaintext(self) -> bool {
        matches!(self, Format::Otpauth | Format::Csv)
    }

    /// The format's name, as the CLI and the audit log give it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Otpauth => "otpauth",
            Format::Csv => "csv",
            Format::Kdbx => "kdbx",
            Format::Portcullis => "portcullis",
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Entries written.
    pub entries: usize,
}

/// Writes the workspace to `path` in `format`. `password` is the new file's password for KDBX.
/// A team workspace's export is recorded in its audit log before the file is written.
pub fn export<W: EntryStore + Guarded>(
    ws: &mut W,
    format: Format,
    path: &Path,
    password: Option<&SecretString>,
) -> Result<Summary, Error> {
    ws.require_fresh_factor()?;
    if path.symlink_metadata().is_ok() {
        return Err(Error::Exists(path.display().to_string()));
    }
    let summary = match format {
        Format::Portcullis => {
            let entries = ws.entries()?.len();
            // An encrypted copy (of a file only): nothing leaves in clear, and a team
            // workspace refuses before anything is recorded.
            ws.backup_to(path)?;
            ws.exported(format.name(), entries)?;
            Summary { entries }
        }
        Format::Otpauth => {
            let entries = ws.entries()?;
            let uris: Vec<Zeroizing<String>> = entries
                .iter()
                .filter_map(Entry::otp)
                .map(|o| Zeroizing::new(o.to_uri()))
                .collect();
            let mut text = Zeroizing::new(String::new());
            for uri in &uris {
                text.push_str(uri);
                text.push('\n');
            }
            ws.exported(format.name(), uris.len())?;
            write_new(path, text.as_bytes())?;
            Summary {
                entries: uris.len(),
            }
        }
        Format::Csv => {
            let entries = ws.entries()?;
            let bytes = Zeroizing::new(csv_of(&entries)?);
            ws.exported(format.name(), entries.len())?;
            write_new(path, &bytes)?;
            Summary {
                entries: entries.len(),
            }
        }
        Format::Kdbx => {
            let password = password.ok_or(Error::PasswordNeeded)?;
            let entries = ws.entries()?;
            let history = ws.earlier_versions()?;
            let bin = ws.trashed()?;
            let ids = entries
                .iter()
                .map(|e| e.id.as_str())
                .chain(bin.iter().map(|t| t.entry.id.as_str()));
            let files = files_of(ws, ids)?;
            let bytes = Zeroizing::new(kdbx_of(
                &entries,
                &history,
                &bin,
                &files,
                ws.kdf(),
                password,
            )?);
            ws.exported(format.name(), entries.len())?;
            write_new(path, &bytes)?;
            Summary {
                entries: entries.len(),
            }
        }
    };
    tracing::info!(?format, entries = summary.entries, "workspace exported");
    Ok(summary)
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::secret_file::write_new(path, bytes).map_err(|e| match e {
        crate::secret_file::Error::Exists(p) => Error::Exists(p),
        crate::secret_file::Error::Io { source, .. } => Error::Io(source),
    })
}

/// The CSV the CSV import reads back: title,username,password,url,notes,otp,group,custom_fields
/// (the custom fields as a JSON list, see [`crate::import::csv`]). A cell that starts like a
/// spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`, which a spreadsheet
/// shows as text and our import removes.
fn csv_of(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e.to_string()));
    out.write_record(COLUMNS).map_err(io)?;
    for e in entries {
        let (username, password, url) = match &e.kind {
            EntryKind::Login(l) => (
                l.username.clone(),
                Zeroizing::new(l.password.expose_secret().to_owned()),
                l.url.clone(),
            ),
            EntryKind::Otp { otp } => (
                otp.account.clone().unwrap_or_default(),
                Zeroizing::new(String::new()),
                String::new(),
            ),
            EntryKind::Remote(r) => (
                String::new(),
                Zeroizing::new(String::new()),
                format!("{}://{}:{}", r.protocol, r.host, r.port),
            ),
            EntryKind::Note => (String::new(), Zeroizing::new(String::new()), String::new()),
        };
        let otp = Zeroizing::new(e.otp().map(|o| o.to_uri()).unwrap_or_default());
        let fields = fields_cell(&e.fields)?;
        let cells = [
            e.title.as_str(),
            username.as_str(),
            password.as_str(),
            url.as_str(),
            e.notes.as_str(),
            otp.as_str(),
            e.group.as_deref().unwrap_or_default(),
            fields.as_str(),
        ]
        .map(neutralise);
        out.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(io)?;
    }
    out.into_inner()
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
}

/// An entry's attachments: name and bytes.
type NamedFiles = Vec<(String, Zeroizing<Vec<u8>>)>;
/// Attachments by entry id.
type Files = HashMap<String, NamedFiles>;

/// The attachments of the entries with these ids (current or in the bin), whole (a KDBX file
/// holds them so), by entry id. A workspace that keeps none (a team's, for now) gives none.
fn files_of<'a, W: EntryStore>(
    ws: &mut W,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Files, Error> {
    let mut out = HashMap::new();
    for id in ids {
        let files = ws.attachment_files(id)?;
        if !files.is_empty() {
            out.insert(id.to_owned(), files);
        }
    }
    Ok(out)
}

/// A KDBX 4 file with one entry per entry, in groups by path, OTP as KeePassXC's `otp`
/// attribute, custom fields as KeePass string fields, attachments as KeePass binaries, each
/// entry's earlier versions as its KeePass `<History>`, the recycle bin as KeePass's Recycle
/// Bin group (`RecycleBinEnabled`, `RecycleBinUUID`) with its entries' attachments, and the
/// workspace's own Argon2 cost.
fn kdbx_of(
    entries: &[Entry],
    history: &HashMap<String, Vec<Entry>>,
    bin: &[Trashed],
    files: &Files,
    kdf: crate::KdfParams,
    password: &SecretString,
) -> Result<Vec<u8>, Error> {
    use keepass::config::KdfConfig;
    let mut db = keepass::Database::new();
    if let KdfConfig::Argon2 {
        iterations,
        memory,
        parallelism,
        ..
    } = &mut db.config.kdf_config
    {
        *iterations = u64::from(kdf.iterations());
        *memory = u64::from(kdf.memory_kib()) * 1024;
        *parallelism = kdf.parallelism();
    }
    for e in entries {
        let mut group = db.root().id();
        for part in e.group.as_deref().unwrap_or_default().split('/') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let existing = db
                .group(group)
                .and_then(|g| g.groups().find(|c| c.name == part).map(|c| c.id()));
            group = match existing {
                Some(id) => id,
                None => {
                    let mut parent = db.group_mut(group).ok_or(Error::Kdbx)?;
                    let mut child = parent.add_group();
                    child.name = part.to_owned();
                    child.id()
                }
            };
        }
        add_kdbx_entry(&mut db, group, e, history.get(&e.id), files.get(&e.id))?;
    }
    if !bin.is_empty() {
        let root = db.root().id();
        let mut parent = db.group_mut(root).ok_or(Error::Kdbx)?;
        let mut recycle = parent.add_group();
        recycle.name = "Recycle Bin".to_owned();
        let recycle = recycle.id();
        db.meta.recyclebin_enabled = Some(true);
        db.meta.recyclebin_uuid = Some(recycle.uuid());
        for t in bin {
            add_kdbx_entry(
                &mut db,
                recycle,
                &t.entry,
                history.get(&t.entry.id),
                files.get(&t.entry.id),
            )?;
        }
    }
    let mut out = Vec::new();
    db.save(
        &mut out,
        keepass::DatabaseKey::new().with_password(password.expose_secret()),
    )
    .map_err(|_| Error::Kdbx)?;
    Ok(out)
}

/// Adds `e` to `group` with its attached `files`, and its earlier versions (oldest first) as
/// its history, oldest first as KeePass writes it. Each version is made as an entry of the same id in a scratch
/// database, then moved into the history (KeePass gives history items their entry's UUID).
fn add_kdbx_entry(
    db: &mut keepass::Database,
    group: keepass::db::GroupId,
    e: &Entry,
    earlier: Option<&Vec<Entry>>,
    files: Option<&NamedFiles>,
) -> Result<(), Error> {
    let mut parent = db.group_mut(group).ok_or(Error::Kdbx)?;
    let mut entry = parent.add_entry();
    fill_kdbx_entry(&mut entry, e);
    for (name, data) in files.into_iter().flatten() {
        entry.add_attachment(name.clone(), keepass::db::Value::protected(data.to_vec()));
    }
    let id = entry.id();
    let mut history = keepass::db::History::default();
    // The history puts each item it is given first: the newest goes in first.
    for version in earlier.into_iter().flatten().rev() {
        let mut scratch = keepass::Database::new();
        let mut root = scratch.root_mut();
        let mut old = root.add_entry_with_id(id).map_err(|_| Error::Kdbx)?;
        fill_kdbx_entry(&mut old, version);
        let mut old: keepass::db::Entry = (*old).clone();
        old.history = None;
        history.add_entry(old);
    }
    entry.history = Some(history);
    Ok(())
}

fn kdbx_time(unix: i64) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::from_timestamp(unix, 0).map(|t| t.naive_utc())
}

fn fill_kdbx_entry(entry: &mut keepass::db::Entry, e: &Entry) {
    use keepass::db::Value;
    entry.set_unprotected("Title", e.title.clone());
    entry.set_unprotected("Notes", e.notes.clone());
    match &e.kind {
        EntryKind::Login(l) => {
            entry.set_unprotected("UserName", l.username.clone());
            entry.set(
                "Password",
                Value::protected(l.password.expose_secret().to_owned()),
            );
            entry.set_unprotected("URL", l.url.clone());
        }
        EntryKind::Otp { otp } => {
            entry.set_unprotected("UserName", otp.account.clone().unwrap_or_default());
        }
        EntryKind::Remote(r) => {
            entry.set_unprotected("URL", format!("{}://{}:{}", r.protocol, r.host, r.port));
        }
        EntryKind::Note => {}
    }
    if let Some(otp) = e.otp() {
        entry.set("otp", Value::protected(otp.to_uri()));
    }
    // Custom fields as KeePass string fields, protected when secret (their names cannot be a
    // standard field's, see `entry::fields`).
    for f in &e.fields {
        if f.is_secret() {
            entry.set(
                f.name.clone(),
                Value::protected(f.expose_value().to_owned()),
            );
        } else {
            entry.set_unprotected(f.name.clone(), f.expose_value().to_owned());
        }
    }
    entry.tags = e.tags.clone();
    if let Some(t) = kdbx_time(e.created) {
        entry.times.creation = Some(t);
    }
    if let Some(t) = kdbx_time(e.modified) {
        entry.times.last_modification = Some(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{CustomField, Login};

    fn login(title: &str, fields: Vec<CustomField>) -> Entry {
        Entry {
            id: format!("id-{title}"),
            title: title.into(),
            group: Some("Home/Bank".into()),
            tags: Vec::new(),
            notes: "two\nlines".into(),
            fields,
            created: 1,
            modified: 1,
            kind: EntryKind::Login(Login {
                username: "me".into(),
                password: SecretString::from("pw, \"quoted\""),
                url: "https://bank.example".into(),
                otp: None,
                ssh_key: None,
            }),
        }
    }

    #[test]
    fn without_custom_fields_the_old_columns_keep_their_values_and_order() {
        let csv = String::from_utf8(csv_of(&[login("Bank", Vec::new())]).unwrap()).unwrap();
        assert_eq!(
            csv,
            "title,username,password,url,notes,otp,group,custom_fields\n\
             Bank,me,\"pw, \"\"quoted\"\"\",https://bank.example,\"two\nlines\",,Home/Bank,\n"
        );
    }

    #[test]
    fn custom_fields_read_back_with_names_values_and_secrecy() {
        let tricky = "=HYPERLINK(\"x\"),\nsecond line, \"quoted\"\r\n'-third";
        let fields = vec![
            CustomField::text("Account", "12-34-56"),
            CustomField::secret("PIN", SecretString::from("=1+2")),
            CustomField::text("Plain, \"tricky\"", tricky),
            CustomField::secret("=Secret, \"tricky\"", SecretString::from(tricky)),
            CustomField::text("Empty", ""),
        ];
        let entries = [login("Bank", fields.clone()), login("Plain", Vec::new())];
        let bytes = csv_of(&entries).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        // No cell starts like a formula, the JSON's included.
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?}"
                );
            }
        }
        let back = crate::import::csv::parse(bytes.as_slice()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].fields, fields, "names, values, secrecy and order");
        assert!(back[0].fields[1].is_secret() && back[0].fields[3].is_secret());
        assert!(!back[0].fields[0].is_secret() && !back[0].fields[2].is_secret());
        assert!(back[1].fields.is_empty());
        assert_eq!(back[0].notes, "two\nlines");
    }
}
