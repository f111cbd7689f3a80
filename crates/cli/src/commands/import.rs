//! import: read another tool's file, show what will happen, write it in one transaction.

use super::unlock;
use crate::cli::{ImportArgs, ImportFormat};
use crate::input::SecretInput;
use crate::progress::with_spinner;
use anyhow::{Context, Result};
use portcullis_core::import::{self, Format, Skipped};
use portcullis_core::workspace::{PlannedEntry, Preview};
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
struct ImportJson<'a> {
    dry_run: bool,
    /// Entries written (0 with --dry-run).
    imported: usize,
    /// Entries that are (or would be) created.
    entries: Vec<PlannedEntry>,
    duplicates: &'a [Skipped],
    skipped: &'a [Skipped],
}

pub fn import(args: ImportArgs, input: &mut SecretInput) -> Result<()> {
    let format = format_of(args.from)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let password = if import::needs_password(format, &bytes) {
        Some(input.import_password()?)
    } else {
        None
    };
    let plan = with_spinner("Reading the file…", || {
        import::read(format, &bytes, password.as_ref())
    })?;
    let mut ws = unlock(&args.workspace, input)?;
    let preview = ws.preview_import(plan)?;
    let planned = preview.planned();
    let (duplicates, skipped) = (preview.duplicates.clone(), preview.skipped.clone());
    let imported = if args.dry_run {
        0
    } else {
        import_all(&mut ws, preview)?
    };
    let report = ImportJson {
        dry_run: args.dry_run,
        imported,
        entries: planned,
        duplicates: &duplicates,
        skipped: &skipped,
    };
    if args.json {
        return crate::output::print_json(&report);
    }
    print_report(&report);
    Ok(())
}

fn import_all(ws: &mut portcullis_core::OpenWorkspace, preview: Preview) -> Result<usize> {
    Ok(with_spinner("Importing…", || ws.import(preview))?.len())
}

fn print_report(r: &ImportJson) {
    if r.dry_run {
        println!("would import {} entries (nothing written)", r.entries.len());
        for e in &r.entries {
            println!("  + {} ({})", e.title, e.kind);
        }
    } else {
        println!("imported {} entries", r.imported);
    }
    for d in r.duplicates {
        println!("  = {}: {}", d.item, d.reason);
    }
    for s in r.skipped {
        println!("  - {}: {}", s.item, s.reason);
    }
}
