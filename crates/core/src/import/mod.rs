//! Reading other tools' files into new entries. Importers only parse: they return a [`Plan`]
//! (what would be created, what is skipped and why), and the workspace writes the plan's
//! entries in one transaction after setting duplicates aside (see
//! [`EntryStore::preview_import`](crate::EntryStore::preview_import)).

pub mod aegis;
pub mod bitwarden;
pub mod csv;
pub mod google;
pub mod kdbx;
mod kdbx_header;
pub mod otpauth;
pub mod qr_image;
pub mod twofas;

use crate::entry::EntryKind;
use crate::entry::NewEntry;
use crate::otp::{is_otpauth_uri, OtpParams};
use crate::SecretString;
use std::io::Read;
use std::path::Path;

/// The largest import file read (64 MiB): far above any export of a password manager or an
/// authenticator without attachments, and a bound on what a file can make us hold in memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Why an import file was refused. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read the import file: {0}")]
    Io(#[from] std::io::Error),
    /// The file is larger than [`MAX_FILE_BYTES`]; nothing of it was read.
    #[error("the import file is larger than {} MiB, the most this version reads", MAX_FILE_BYTES >> 20)]
    TooLarge,
    /// A required column is missing from the header.
    #[error("the CSV header has no `{0}` column")]
    MissingColumn(&'static str),
    /// A row is malformed.
    #[error("line {line}: {reason}")]
    Row {
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The file is not of the format named.
    #[error("not a {format} file: {reason}")]
    NotThisFormat {
        /// The format expected.
        format: &'static str,
        /// What gave it away.
        reason: String,
    },
    /// The file is encrypted and no password was given.
    #[error(
        "this file is encrypted: give its password (PORTCULLIS_IMPORT_PASSWORD or the prompt)"
    )]
    PasswordNeeded,
    /// The password does not decrypt the file.
    #[error("wrong password for this file, or the file is damaged")]
    WrongPassword,
    /// An encryption this version cannot read.
    #[error("{0}")]
    Unsupported(String),
}

/// A file of other projects' published exports, in the repository's tests/fixtures.
#[cfg(test)]
pub(crate) fn test_fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("tests/fixtures in the repository")
}

/// One item of the source that will not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Skipped {
    /// Which item: its name in the source, or its position.
    pub item: String,
    /// Why.
    pub reason: String,
}

/// An earlier version of an item (a KeePass history item).
#[derive(Debug)]
pub struct Earlier {
    /// The item as it was.
    pub entry: NewEntry,
    /// When it was made, Unix seconds, if the source says.
    pub modified: Option<i64>,
}

/// What an import would create.
#[derive(Debug, Default)]
pub struct Plan {
    /// New entries, in the source's order.
    pub entries: Vec<NewEntry>,
    /// Items left out, with the reason.
    pub skipped: Vec<Skipped>,
    /// The earlier versions of `entries[i]`, oldest first, by `i` (KeePass history): kept as
    /// the new entry's history.
    pub history: std::collections::HashMap<usize, Vec<Earlier>>,
    /// Items of the source's recycle bin, each with its earlier versions: imported into the
    /// workspace's recycle bin.
    pub trash: Vec<(NewEntry, Vec<Earlier>)>,
    /// Files attached to the entries and to the items of the recycle bin (KeePass binaries).
    pub files: Vec<PlannedFile>,
}

/// The item of a [`Plan`] a file is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileOf {
    /// The entry at this index in [`Plan::entries`].
    Entry(usize),
    /// The item at this index in [`Plan::trash`].
    Trashed(usize),
}

/// A file an imported entry carries.
pub struct PlannedFile {
    /// The item it is attached to.
    pub of: FileOf,
    /// Its name.
    pub name: String,
    /// Its bytes (the source format holds them whole already).
    pub data: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PlannedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedFile")
            .field("of", &self.of)
            .field("name", &self.name)
            .field("size", &self.data.len())
            .finish()
    }
}

impl Plan {
    fn skip(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            item: item.into(),
            reason: reason.into(),
        });
    }

    /// Adds what one URI holds: a migration batch, or one otpauth generator; anything else,
    /// or a URI that does not parse, is skipped as `item` with the reason.
    fn add_uri(&mut self, item: String, text: &str) {
        if google::is_migration_uri(text) {
            match google::parse_uri(text) {
                Ok(batch) => {
                    self.entries.extend(batch.entries);
                    self.skipped.extend(batch.skipped);
                }
                Err(e) => self.skip(item, e.to_string()),
            }
        } else if is_otpauth_uri(text) {
            match OtpParams::parse(text) {
                Ok(otp) => self.entries.push(otp_entry(otp, &item)),
                Err(e) => self.skip(item, e.to_string()),
            }
        } else {
            self.skip(item, "not an otpauth or migration URI");
        }
    }
}

/// The formats Portcullis reads (named as in the CLI: `csv`, `google-migration`, `2fas`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(
    feature = "specta",
    derive(specta::Type),
    serde(rename = "ImportFormat")
)]
pub enum Format {
    /// CSV with a header (`title,username,password,url,notes,otp,group`).
    Csv,
    /// otpauth URIs, one per line (migration URIs too).
    Otpauth,
    /// Google Authenticator export URIs (`otpauth-migration://offline?data=…`).
    GoogleMigration,
    /// Aegis JSON, plain or password-encrypted.
    Aegis,
    /// Bitwarden's unencrypted JSON export.
    Bitwarden,
    /// 2FAS backup (plain).
    #[serde(rename = "2fas")]
    TwoFas,
    /// KeePass KDBX 3.1 or 4, or KeePass 1 KDB (always needs its password).
    Kdbx,
    /// A PNG or JPEG image holding QR codes (otpauth or migration URIs).
    QrImage,
}

/// Reads an import file whole, after checking that it is at most [`MAX_FILE_BYTES`] (and
/// reading no more than that, should it grow or be a pipe).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::TooLarge);
    }
    Ok(bytes)
}

/// Reads `bytes` in `format`; `password` opens encrypted files (Aegis).
pub fn read(format: Format, bytes: &[u8], password: Option<&SecretString>) -> Result<Plan, Error> {
    match format {
        Format::Csv => Ok(Plan {
            entries: csv::parse(bytes)?,
            ..Plan::default()
        }),
        Format::Otpauth => otpauth::parse(text(bytes, "otpauth")?),
        Format::GoogleMigration => google::parse_text(text(bytes, "Google Authenticator export")?),
        Format::Aegis => aegis::parse(bytes, password),
        Format::Bitwarden => bitwarden::parse(bytes),
        Format::TwoFas => twofas::parse(bytes),
        Format::Kdbx => kdbx::parse(bytes, password),
        Format::QrImage => qr_image::parse(bytes),
    }
}

/// Whether the file needs a password to be read (so the caller can ask for one first).
pub fn needs_password(format: Format, bytes: &[u8]) -> bool {
    format == Format::Kdbx || (format == Format::Aegis && aegis::is_encrypted(bytes))
}

fn text<'a>(bytes: &'a [u8], format: &'static str) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|_| Error::NotThisFormat {
        format,
        reason: "it is not text (UTF-8)".into(),
    })
}

/// An authenticator entry: titled by the issuer, else the account, else `fallback`.
fn otp_entry(otp: OtpParams, fallback: &str) -> NewEntry {
    let title = otp
        .issuer
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| otp.account.clone().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| fallback.to_owned());
    NewEntry::new(title.trim(), EntryKind::Otp { otp })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_above_the_cap_are_refused_before_being_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES).unwrap();
        assert_eq!(read_file(&path).unwrap().len() as u64, MAX_FILE_BYTES);
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert_eq!(
            read_file(&path).unwrap_err().to_string(),
            "the import file is larger than 64 MiB, the most this version reads"
        );
        assert!(matches!(
            read_file(&dir.path().join("missing")),
            Err(Error::Io(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_no_further_than_the_cap() {
        // /dev/zero reports a size of 0 and never ends.
        assert!(matches!(
            read_file(Path::new("/dev/zero")),
            Err(Error::TooLarge)
        ));
    }
}
