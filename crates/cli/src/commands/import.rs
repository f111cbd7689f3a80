//! import.

use super::unlock;
use crate::cli::{ImportArgs, ImportFormat};
use crate::input::SecretInput;
use crate::progress::with_spinner;
use anyhow::{Context, Result};
use portcullis_core::import;

pub fn import(args: ImportArgs, input: &mut SecretInput) -> Result<()> {
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let entries = match args.from {
        ImportFormat::Csv => import::csv::parse(std::io::BufReader::new(file))?,
    };
    let mut ws = unlock(&args.workspace, input)?;
    let added = with_spinner("Importing…", || ws.add_all(entries))?;
    if args.json {
        crate::output::print_json(&serde_json::json!({ "imported": added.len() }))?;
    } else {
        println!("imported {} entries", added.len());
    }
    Ok(())
}
