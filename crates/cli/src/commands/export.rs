//! export: write the workspace in another format, after a fresh second factor.

use crate::cli::{ExportArgs, ExportFormat};
use crate::input::{SecretInput, EXPORT_PASSWORD_ENV};
use crate::progress::with_spinner;
use anyhow::Result;
use portcullis_core::export::{self, Format};
use portcullis_core::{EntryStore, Guarded};

pub fn export(args: ExportArgs, input: &mut SecretInput) -> Result<()> {
    let format = match args.to {
        ExportFormat::Otpauth => Format::Otpauth,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Kdbx => Format::Kdbx,
        ExportFormat::Portcullis => Format::Portcullis,
    };
    if args.file.exists() {
        anyhow::bail!(
            "{} exists already; choose another file",
            args.file.display()
        );
    }
    let workspace = args.workspace.clone();
    let summary = match super::team_url(&workspace) {
        Some(url) => write(&mut super::team::open(url, input)?, format, &args, input)?,
        None => write(&mut super::unlock(&workspace, input)?, format, &args, input)?,
    };
    if format.is_plaintext() {
        eprintln!(
            "warning: {} is NOT encrypted: anyone who can read it has these secrets; delete it when done",
            args.file.display()
        );
    }
    if format == Format::Csv {
        eprintln!(
            "note: cells that start with = + - @, a tab or a carriage return are written with a leading ' so that a spreadsheet shows them as text instead of running them; `portcullis import --from csv` removes it"
        );
    }
    if args.json {
        crate::output::print_json(&serde_json::json!({
            "exported": summary.entries,
            "file": args.file.display().to_string(),
            "encrypted": !format.is_plaintext(),
        }))
    } else {
        println!(
            "exported {} entries to {}",
            summary.entries,
            args.file.display()
        );
        Ok(())
    }
}

/// Asks for the KeePass file's password when needed, then writes the export.
fn write<W: EntryStore + Guarded>(
    ws: &mut W,
    format: Format,
    args: &ExportArgs,
    input: &mut SecretInput,
) -> Result<export::Summary> {
    let password = match format {
        Format::Kdbx => Some(input.new_password(
            EXPORT_PASSWORD_ENV,
            "Password for the new KeePass file: ",
            "KeePass file password",
        )?),
        _ => None,
    };
    Ok(with_spinner("Exporting…", || {
        export::export(ws, format, &args.file, password.as_ref())
    })?)
}
