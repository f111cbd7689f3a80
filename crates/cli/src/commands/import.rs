//! import: read another tool's file, show what will happen, write it in one transaction.

use super::open_entries;
use crate::cli::{ImportArgs, ImportFormat};
use crate::input::SecretInput;
use crate::output::printable;
use crate::progress::with_spinner;
use anyhow::{anyhow, Result};
use portcullis_core::import::{self, Format, Skipped};
use portcullis_core::workspace::{Choice, PlannedEntry};
use serde::Serialize;

fn format_of(from: ImportFormat) -> Result<Format> {
    Ok(match from {
        ImportFormat::Csv => Format::Csv,
        ImportFormat::Otpauth => Format::Otpauth,
        ImportFormat::GoogleMigration => Format::GoogleMigration,
        ImportFormat::Aegis => Format::Aegis,
        ImportFormat::Bitwarden => Format::Bitwarden,
        ImportFormat::TwoFas => Format::TwoFas,
        ImportFormat::Kdbx => Format::Kdbx,
        ImportFormat::QrImage => Format::QrImage,
    })
}

#[derive(Serialize)]
struct ImportJson {
    dry_run: bool,
    /// Entries written (0 with --dry-run).
    imported: usize,
    /// Files attached to the written entries and to those written to the recycle bin
    /// (KeePass binaries).
    attachments: usize,
    /// Entries that are (or would be) created.
    entries: Vec<PlannedEntry>,
    /// Items that resemble an entry but differ from it: imported, or skipped with
    /// --skip-similar.
    similar: Vec<SimilarJson>,
    duplicates: Vec<Skipped>,
    skipped: Vec<Skipped>,
}

#[derive(Serialize)]
struct SimilarJson {
    item: String,
    similar_to: String,
    reason: String,
    /// Whether the entry it resembles is in the workspace (else earlier in the file).
    in_workspace: bool,
    imported: bool,
}

pub fn import(args: ImportArgs, input: &mut SecretInput) -> Result<()> {
    let format = format_of(args.from)?;
    let bytes = import::read_file(&args.file).map_err(|e| match e {
        import::Error::Io(io) => anyhow!("cannot read {}: {io}", args.file.display()),
        other => other.into(),
    })?;
    let password = if import::needs_password(format, &bytes) {
        Some(input.import_password()?)
    } else {
        None
    };
    let plan = with_spinner("Reading the file…", || {
        import::read(format, &bytes, password.as_ref())
    })?;
    let mut ws = open_entries(&args.workspace, input)?;
    let mut preview = ws.preview_import(plan)?;
    if args.skip_similar {
        preview.skip_similar();
    }
    let planned = preview.planned();
    let similar = planned
        .iter()
        .filter_map(|p| {
            let s = p.similar.as_ref()?;
            Some(SimilarJson {
                item: p.title.clone(),
                similar_to: s.to.clone(),
                reason: s.reason.to_string(),
                in_workspace: s.existing.is_some(),
                imported: p.choice != Choice::Skip,
            })
        })
        .collect();
    let (duplicates, skipped) = (preview.duplicates.clone(), preview.skipped.clone());
    let (imported, attachments) = if args.dry_run {
        (0, 0)
    } else {
        let done = with_spinner("Importing…", || ws.import(preview))?;
        (done.written(), done.attachments)
    };
    let report = ImportJson {
        dry_run: args.dry_run,
        imported,
        attachments,
        entries: planned
            .into_iter()
            .filter(|p| p.choice != Choice::Skip)
            .collect(),
        similar,
        duplicates,
        skipped,
    };
    if args.json {
        return crate::output::print_json(&report);
    }
    print_report(&report);
    Ok(())
}

fn print_report(r: &ImportJson) {
    if r.dry_run {
        println!("would import {} entries (nothing written)", r.entries.len());
        for e in &r.entries {
            println!("  + {} ({})", e.title, e.kind);
        }
    } else if r.attachments > 0 {
        println!(
            "imported {} entries and {} attached files",
            r.imported, r.attachments
        );
    } else {
        println!("imported {} entries", r.imported);
    }
    for s in &r.similar {
        let action = if s.imported { "imported" } else { "skipped" };
        println!(
            "  ~ {}: similar to {} ({}), {action}",
            printable(&s.item),
            printable(&s.similar_to),
            s.reason
        );
    }
    for d in &r.duplicates {
        println!("  = {}: {}", printable(&d.item), d.reason);
    }
    for s in &r.skipped {
        println!("  - {}: {}", printable(&s.item), printable(&s.reason));
    }
}
