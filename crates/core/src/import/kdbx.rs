//! KeePass KDBX 3.1 and 4 files, and KeePass 1 KDB files (the keepass crate): groups become
//! group paths, entries logins (or notes when they hold only text), TOTP from KeePassXC's
//! `otp` attribute or the legacy `TOTP Seed` / `TOTP Settings` fields (`30;6`, `30;8`, `30;S`
//! for Steam). Other string fields become custom fields (protected ones secret); what cannot
//! be one (over 64 KiB) is appended to the notes. Binaries (KDBX 4 inner-header attachments,
//! KDBX 3 `<Binary>` references) become attachments, up to 64 MiB each. Each entry's KeePass
//! history becomes its earlier versions, and the entries of the recycle bin (`RecycleBinUUID`)
//! go to the workspace's recycle bin, with theirs and their attachments. One import takes at
//! most 1,000 attachments and 256 MiB of them, the bin's included, each reference counted.

use super::{kdbx_header, Earlier, Error, FileOf, Plan, PlannedFile};
use crate::entry::attachment::{is_format, DEFAULT_MAX_ATTACHMENT_BYTES, MAX_NAME_CHARS};
use crate::entry::{CustomField, NewEntry};
use crate::entry::{EntryKind, Login};
use crate::otp::OtpParams;
use crate::{SecretBytes, SecretString};
use keepass::db::GroupRef;
use keepass::{Database, DatabaseKey};
use std::panic::AssertUnwindSafe;

/// Fields that have a place of their own.
const STANDARD: [&str; 8] = crate::entry::fields::RESERVED_NAMES;

/// Reads a KeePass 2 (KDBX 3.1/4) or KeePass 1 file opened with `password`.
pub fn parse(bytes: &[u8], password: Option<&SecretString>) -> Result<Plan, Error> {
    kdbx_header::check(bytes)?;
    let password = password.ok_or(Error::PasswordNeeded)?;
    let key = DatabaseKey::new().with_password(password.expose_secret());
    // The header check above keeps the crate's known panics (short fixed-size fields) away;
    // a panic it still has in it (an inner header past the password) is caught here.
    let opened =
        std::panic::catch_unwind(AssertUnwindSafe(|| Database::open(&mut &bytes[..], key)))
            .map_err(|_| Error::NotThisFormat {
                format: "KeePass",
                reason: "it is damaged (the KeePass reader gave up on it)".into(),
            })?;
    let db = opened.map_err(|e| match e {
        // KDBX 3.1 has no key check: a wrong key shows as a decryption (padding) failure.
        keepass::error::DatabaseOpenError::Key(keepass::error::DatabaseKeyError::IncorrectKey)
        | keepass::error::DatabaseOpenError::Cryptography(_) => Error::WrongPassword,
        keepass::error::DatabaseOpenError::UnsupportedVersion => {
            Error::Unsupported("this KeePass file version is not supported".into())
        }
        _ => Error::NotThisFormat {
            format: "KeePass",
            reason: "it is not a KDBX file, or it is damaged".into(),
        },
    })?;
    let recycle_bin = db.recycle_bin().map(|g| g.id());
    let mut plan = Plan::default();
    walk(db.root(), &mut Vec::new(), recycle_bin, &mut plan);
    Ok(plan)
}

/// The most attachments one import takes, each reference counted (attaching each reads the
/// entry's list: more would cost quadratic time).
const MAX_IMPORTED_FILES: usize = 1000;
/// The most attachment bytes one import holds in memory, each reference counted.
const MAX_IMPORTED_FILE_BYTES: u64 = 256 << 20;
/// The most earlier versions of an entry an import reads: the most a workspace keeps.
const MAX_IMPORTED_VERSIONS: usize = 1000;

/// A KeePass entry's title, trimmed; `(untitled)` when it has none.
fn title_of(e: &keepass::db::EntryRef<'_>) -> String {
    e.get_title()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map_or_else(|| "(untitled)".to_owned(), str::to_owned)
}

fn walk(
    group: GroupRef<'_>,
    path: &mut Vec<String>,
    recycle_bin: Option<keepass::db::GroupId>,
    plan: &mut Plan,
) {
    for e in group.entries() {
        let title = title_of(&e);
        match entry_of(&e, &title) {
            Ok(mut entry) => {
                entry.group = (!path.is_empty()).then(|| path.join("/"));
                entry.tags = e.tags.clone();
                let earlier = history_of(&e, &title, entry.group.as_deref());
                if !earlier.is_empty() {
                    plan.history.insert(plan.entries.len(), earlier);
                }
                plan.entries.push(entry);
                let of = FileOf::Entry(plan.entries.len() - 1);
                plan_files(&e, &title, of, plan);
            }
            Err(reason) => plan.skip(title, reason),
        }
    }
    for g in group.groups() {
        if Some(g.id()) == recycle_bin {
            trash(g, plan);
            continue;
        }
        path.push(g.name.replace('/', "-"));
        walk(g, path, recycle_bin, plan);
        path.pop();
    }
}

/// The earlier versions of an entry (KeePass history, oldest first) that read as entries; one
/// that does not is left out (the current entry is what counts).
fn history_of(e: &keepass::db::Entry, title: &str, group: Option<&str>) -> Vec<Earlier> {
    let Some(history) = e.history.as_ref() else {
        return Vec::new();
    };
    let all = history.get_entries();
    all.iter()
        .skip(all.len().saturating_sub(MAX_IMPORTED_VERSIONS))
        .filter_map(|old| {
            let old_title = old
                .get_title()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(title);
            let mut entry = entry_of(old, old_title).ok()?;
            entry.group = group.map(str::to_owned);
            entry.tags = old.tags.clone();
            Some(Earlier {
                entry,
                modified: old.times.last_modification.map(|t| t.and_utc().timestamp()),
            })
        })
        .collect()
}

/// The binaries of `e` (titled `title`) as files of the plan's item `of`, by name: one over
/// 64 MiB, or past what one import takes (counted over the entries and the bin alike), is
/// skipped with the reason.
fn plan_files(e: &keepass::db::EntryRef<'_>, title: &str, of: FileOf, plan: &mut Plan) {
    let mut files: Vec<(&str, keepass::db::AttachmentRef<'_>)> = e.attachments_named().collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    for (name, file) in files {
        let data = file.data.get();
        if data.len() as u64 > DEFAULT_MAX_ATTACHMENT_BYTES {
            plan.skip(
                format!("{title}: {name}"),
                "an attachment larger than 64 MiB",
            );
            continue;
        }
        // KDBX 4 stores a file once however many entries refer to it: each reference is a
        // copy here, so the import's total is bounded.
        let total: u64 = plan.files.iter().map(|f| f.data.len() as u64).sum();
        if plan.files.len() >= MAX_IMPORTED_FILES
            || total + data.len() as u64 > MAX_IMPORTED_FILE_BYTES
        {
            plan.skip(
                format!("{title}: {name}"),
                "the file's attachments exceed what one import takes (1,000 files, 256 MiB in all): attach it with portcullis attach",
            );
            continue;
        }
        plan.files.push(PlannedFile {
            of,
            name: attachment_name(name),
            data: zeroize::Zeroizing::new(data.clone()),
        });
    }
}

/// Every entry of the recycle bin group (and its subgroups), with its history and its files.
fn trash(group: GroupRef<'_>, plan: &mut Plan) {
    for e in group.entries() {
        let title = title_of(&e);
        match entry_of(&e, &title) {
            Ok(mut entry) => {
                entry.tags = e.tags.clone();
                let earlier = history_of(&e, &title, None);
                plan.trash.push((entry, earlier));
                let of = FileOf::Trashed(plan.trash.len() - 1);
                plan_files(&e, &title, of, plan);
            }
            Err(reason) => plan.skip(title, reason),
        }
    }
    for g in group.groups() {
        trash(g, plan);
    }
}

/// A KeePass attachment name as an attachment's: slashes, control and formatting characters
/// become `-`, blank becomes `attachment`.
fn attachment_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || is_format(c) || c == '/' || c == '\\' {
                '-'
            } else {
                c
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    match cleaned.trim() {
        "" => "attachment".to_owned(),
        t => t.to_owned(),
    }
}

fn entry_of(e: &keepass::db::Entry, title: &str) -> Result<NewEntry, String> {
    let field = |name: &str| e.get(name).unwrap_or_default().to_owned();
    let otp = otp_of(e)?;
    let (username, password, url) = (field("UserName"), field("Password"), field("URL"));
    let mut notes = field("Notes");
    let mut extra: Vec<(&String, &keepass::db::Value<String>)> = e
        .fields
        .iter()
        .filter(|(k, _)| !STANDARD.contains(&k.as_str()))
        .collect();
    extra.sort_by(|a, b| a.0.cmp(b.0));
    let (fields, rest) = crate::entry::fields::importable(
        extra
            .into_iter()
            .map(|(name, value)| {
                if value.is_protected() {
                    CustomField::secret(name.clone(), SecretString::from(value.get().as_str()))
                } else {
                    CustomField::text(name.clone(), value.get().clone())
                }
            })
            .collect(),
    );
    for line in rest {
        if !notes.is_empty() {
            notes.push('\n');
        }
        notes.push_str(&line);
    }
    let kind = if username.is_empty() && password.is_empty() && url.is_empty() && otp.is_none() {
        EntryKind::Note
    } else {
        EntryKind::Login(Login {
            username,
            password: SecretString::new(password),
            url,
            otp,
            ssh_key: None,
        })
    };
    let mut entry = NewEntry::new(title, kind);
    entry.notes = notes;
    entry.fields = fields;
    Ok(entry)
}

fn otp_of(e: &keepass::db::Entry) -> Result<Option<OtpParams>, String> {
    if let Some(uri) = e.get("otp").map(str::trim).filter(|v| !v.is_empty()) {
        return OtpParams::parse(uri)
            .map(Some)
            .map_err(|err| format!("invalid TOTP in the otp field: {err}"));
    }
    let Some(seed) = e.get("TOTP Seed").map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let secret = OtpParams::from_base32(seed)
        .map_err(|err| format!("invalid TOTP Seed: {err}"))?
        .secret()
        .to_vec();
    let settings = e.get("TOTP Settings").unwrap_or("30;6");
    let (period, digits) = settings.split_once(';').unwrap_or((settings, "6"));
    let period: u64 = period
        .trim()
        .parse()
        .map_err(|_| format!("invalid TOTP Settings `{}`", settings.trim()))?;
    let digits = digits.split(';').next().unwrap_or("6").trim();
    let otp = if digits.eq_ignore_ascii_case("S") {
        OtpParams::new_steam(SecretBytes::new(secret))
    } else {
        let digits: u8 = digits
            .parse()
            .map_err(|_| format!("invalid TOTP Settings `{}`", settings.trim()))?;
        OtpParams::new(
            SecretBytes::new(secret),
            crate::otp::Algorithm::Sha1,
            digits,
            period,
        )
    };
    otp.map(Some)
        .map_err(|err| format!("invalid TOTP Settings: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        crate::import::test_fixture(&format!("keepassxc/{name}"))
    }

    /// `db` saved as a KDBX 4 file under the password "pw", at a cheap key derivation.
    fn saved(mut db: keepass::Database) -> Vec<u8> {
        if let keepass::config::KdfConfig::Argon2 {
            iterations, memory, ..
        } = &mut db.config.kdf_config
        {
            *iterations = 1;
            *memory = 1 << 20;
        }
        let mut out = Vec::new();
        db.save(&mut out, keepass::DatabaseKey::new().with_password("pw"))
            .unwrap();
        out
    }

    #[test]
    fn an_import_takes_a_bounded_number_of_attachments_each_reference_counted() {
        let mut db = keepass::Database::new();
        for i in 0..=MAX_IMPORTED_FILES {
            let mut root = db.root_mut();
            let mut entry = root.add_entry();
            entry.set_unprotected("Title", format!("E{i}"));
            entry.add_attachment(
                String::from("key.pem"),
                keepass::db::Value::protected(vec![7; 16]),
            );
        }
        let plan = parse(&saved(db), Some(&SecretString::from("pw"))).unwrap();
        assert_eq!(
            plan.entries.len(),
            MAX_IMPORTED_FILES + 1,
            "every entry is kept"
        );
        assert_eq!(plan.files.len(), MAX_IMPORTED_FILES);
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0]
            .reason
            .contains("exceed what one import takes"));
    }

    /// A database whose Recycle Bin group (`RecycleBinUUID`) is made by `fill`, after `root`
    /// filled the root group.
    fn with_bin(
        root: impl FnOnce(&mut keepass::db::GroupMut<'_>),
        fill: impl FnOnce(&mut keepass::db::GroupMut<'_>),
    ) -> keepass::Database {
        let mut db = keepass::Database::new();
        let mut top = db.root_mut();
        root(&mut top);
        let mut bin = top.add_group();
        bin.name = "Recycle Bin".to_owned();
        fill(&mut bin);
        let bin = bin.id();
        db.meta.recyclebin_enabled = Some(true);
        db.meta.recyclebin_uuid = Some(bin.uuid());
        db
    }

    fn add_with_file(group: &mut keepass::db::GroupMut<'_>, title: &str, name: &str, data: &[u8]) {
        let mut entry = group.add_entry();
        entry.set_unprotected("Title", title.to_owned());
        entry.add_attachment(
            name.to_owned(),
            keepass::db::Value::protected(data.to_vec()),
        );
    }

    #[test]
    fn the_bins_attachments_count_against_what_one_import_takes() {
        let db = with_bin(
            |root| add_with_file(root, "Live", "a.txt", b"live"),
            |bin| {
                for i in 0..MAX_IMPORTED_FILES {
                    add_with_file(bin, &format!("Old {i}"), "key.pem", &[7; 16]);
                }
            },
        );
        let plan = parse(&saved(db), Some(&SecretString::from("pw"))).unwrap();
        assert_eq!(plan.entries.len(), 1);
        assert_eq!(plan.trash.len(), MAX_IMPORTED_FILES, "every entry is kept");
        assert_eq!(plan.files.len(), MAX_IMPORTED_FILES);
        assert_eq!(plan.files[0].of, FileOf::Entry(0));
        let trashed = plan
            .files
            .iter()
            .filter(|f| matches!(f.of, FileOf::Trashed(_)))
            .count();
        assert_eq!(trashed, MAX_IMPORTED_FILES - 1);
        assert_eq!(plan.skipped.len(), 1, "{:?}", plan.skipped);
        let skipped = &plan.skipped[0];
        assert!(skipped.item.ends_with(": key.pem"), "{}", skipped.item);
        assert!(skipped.reason.contains("exceed what one import takes"));
        // The first bin entry gets its file, the last one goes without.
        let first = plan.trash.iter().position(|(e, _)| e.title == "Old 0");
        assert!(plan
            .files
            .iter()
            .any(|f| Some(f.of) == first.map(FileOf::Trashed)));
    }

    #[test]
    fn a_trashed_entry_keeps_its_attachments_until_it_is_deleted_for_good() {
        use crate::EntryStore;
        // More than a chunk, and not the same in every chunk.
        let key: Vec<u8> = (0..1_500_000u32)
            .map(|i| (i * 7 + i / 4096) as u8)
            .collect();
        let db = with_bin(
            |root| add_with_file(root, "Live", "a.txt", b"live"),
            |bin| {
                add_with_file(bin, "Old server", "key.pem", &key);
                add_with_file(bin, "Old router", "config.txt", b"router");
            },
        );
        let plan = parse(&saved(db), Some(&SecretString::from("pw"))).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kdf = crate::KdfParams::new(1024, 1, 1).unwrap();
        let mut ws =
            crate::OpenWorkspace::create(dir.path().join("w.pcx"), &"pw".into(), kdf).unwrap();
        let preview = ws.preview_import(plan).unwrap();
        let imported = ws.import(preview).unwrap();
        assert_eq!((imported.created, imported.attachments), (1, 3));
        let bin = ws.trashed().unwrap();
        let id_of = |title: &str| {
            bin.iter()
                .find(|t| t.entry.title == title)
                .map(|t| t.entry.id.clone())
                .unwrap()
        };
        let (server, router) = (id_of("Old server"), id_of("Old router"));

        let back = ws.untrash(&server).unwrap();
        assert_eq!(back.id, server);
        let listed = ws.attachments(&server).unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|a| (a.name.as_str(), a.size))
                .collect::<Vec<_>>(),
            [("key.pem", key.len() as u64)]
        );
        assert!(
            *ws.read_attachment(&server, "key.pem").unwrap() == key,
            "the file comes back byte for byte"
        );

        // Deleting for good, from the bin or by purge, deletes them.
        assert_eq!(ws.attachments(&router).unwrap().len(), 1);
        assert_eq!(ws.empty_trash().unwrap(), 1);
        assert!(ws.attachments(&router).unwrap().is_empty());
        ws.purge(&server).unwrap();
        assert!(ws.attachments(&server).unwrap().is_empty());
        let live = ws.find("Live").unwrap().id;
        assert_eq!(
            ws.attachments(&live).unwrap().len(),
            1,
            "the live one stays"
        );
    }

    #[test]
    fn a_huge_history_is_read_only_as_far_as_a_workspace_keeps_one() {
        let mut db = keepass::Database::new();
        let mut root = db.root_mut();
        let mut entry = root.add_entry();
        entry.set_unprotected("Title", "Mail");
        let id = entry.id();
        let mut history = keepass::db::History::default();
        for i in (0..MAX_IMPORTED_VERSIONS + 200).rev() {
            let mut scratch = keepass::Database::new();
            let mut scratch_root = scratch.root_mut();
            let mut old = scratch_root.add_entry_with_id(id).unwrap();
            old.set_unprotected("Title", "Mail");
            old.set_unprotected("Notes", format!("v{i}"));
            let old: keepass::db::Entry = (*old).clone();
            history.add_entry(old);
        }
        entry.history = Some(history);
        let plan = parse(&saved(db), Some(&SecretString::from("pw"))).unwrap();
        let earlier = &plan.history[&0];
        assert_eq!(earlier.len(), MAX_IMPORTED_VERSIONS);
        assert_eq!(
            earlier.last().unwrap().entry.notes,
            format!("v{}", MAX_IMPORTED_VERSIONS + 199)
        );
        assert_eq!(earlier[0].entry.notes, "v200");
    }

    #[test]
    fn attachment_names_lose_formatting_characters() {
        assert_eq!(attachment_name("invoice\u{202e}fdp.exe"), "invoice-fdp.exe");
        assert_eq!(attachment_name(" a/b\u{200b} "), "a-b-");
    }

    #[test]
    fn published_kdbx_files_open_with_their_passwords() {
        let pw = |p: &str| SecretString::from(p);
        let new_db = parse(&fixture("NewDatabase.kdbx"), Some(&pw("a"))).unwrap();
        let sample = new_db
            .entries
            .iter()
            .find(|e| e.title == "Sample Entry")
            .expect("the sample entry");
        let EntryKind::Login(l) = &sample.kind else {
            panic!("a login")
        };
        let otp = l.otp.as_ref().expect("the legacy TOTP seed");
        assert_eq!(
            data_encoding::BASE32_NOPAD.encode(otp.secret()),
            "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
        );
        assert_eq!((otp.digits, otp.period), (6, 30));
        assert!(parse(&fixture("Format400.kdbx"), Some(&pw("t"))).is_ok());
        assert!(parse(&fixture("Format300.kdbx"), Some(&pw("a"))).is_ok());
        assert!(parse(&fixture("NonAscii.kdbx"), Some(&pw("Δöض"))).is_ok());
        assert!(matches!(
            parse(&fixture("NewDatabase.kdbx"), Some(&pw("wrong"))),
            Err(Error::WrongPassword)
        ));
        assert!(matches!(
            parse(&fixture("NewDatabase.kdbx"), None),
            Err(Error::PasswordNeeded)
        ));
        let broken = parse(&fixture("BrokenHeaderHash.kdbx"), Some(&pw("a")));
        assert!(broken.is_err());
        assert!(parse(b"not a kdbx", Some(&pw("a"))).is_err());
    }
}
