//! history, restore, trash, untrash: entry versions and the recycle bin (the core keeps them;
//! this only prints).

use super::open_entries;
use crate::cli::{EntryRef, HistoryArgs, RestoreArgs, TrashArgs};
use crate::input::SecretInput;
use crate::output::{print_json, printable, rfc3339};
use anyhow::Result;
use portcullis_core::entry::EntryType;
use portcullis_core::EntryKind;
use serde::Serialize;
use zeroize::Zeroizing;

/// One version as `history --json` prints it.
#[derive(Serialize)]
struct VersionJson<'a> {
    version: u64,
    modified: String,
    changed: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<Option<&'a str>>,
}

/// One entry of the bin as `trash --json` prints it.
#[derive(Serialize)]
struct TrashedJson<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'static str,
    deleted: String,
}

pub fn history(args: HistoryArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let Some(entry) = args.entry else {
        if let Some(limit) = args.limit {
            ws.set_history_limit(limit)?;
        }
        let limit = ws.history_limit()?;
        println!("keeps {limit} earlier versions per entry");
        return Ok(());
    };
    let versions = ws.history(&entry)?;
    let password = |e: &portcullis_core::Entry| match &e.kind {
        EntryKind::Login(l) => Some(Zeroizing::new(l.password.expose_secret().to_owned())),
        _ => None,
    };
    let passwords: Vec<Option<Zeroizing<String>>> = versions
        .iter()
        .map(|v| {
            if args.reveal {
                password(&v.entry)
            } else {
                None
            }
        })
        .collect();
    if args.json {
        let out: Vec<VersionJson<'_>> = versions
            .iter()
            .zip(&passwords)
            .map(|(v, p)| VersionJson {
                version: v.number,
                modified: rfc3339(v.modified),
                changed: &v.changed,
                password: args.reveal.then(|| p.as_ref().map(|p| p.as_str())),
            })
            .collect();
        return print_json(&out);
    }
    for (v, p) in versions.iter().zip(&passwords) {
        let changed = if v.changed.is_empty() {
            "-".to_owned()
        } else {
            v.changed.join(", ")
        };
        let mut line = format!("{:>4}  {}  {}", v.number, rfc3339(v.modified), changed);
        if v.current {
            line.push_str("  (current)");
        }
        if let Some(p) = p {
            line.push_str(&format!("  password: {}", printable(p)));
        }
        println!("{line}");
    }
    Ok(())
}

pub fn restore(args: RestoreArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let entry = ws.restore_version(&args.entry, args.version)?;
    println!(
        "restored version {} of “{}” ({})",
        args.version,
        printable(&entry.title),
        entry.id
    );
    Ok(())
}

pub fn trash(args: TrashArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    if args.empty {
        let count = ws.empty_trash()?;
        println!("deleted {count} entries for good");
        return Ok(());
    }
    let bin = ws.trashed()?;
    if args.json {
        let out: Vec<TrashedJson<'_>> = bin
            .iter()
            .map(|t| TrashedJson {
                id: &t.entry.id,
                title: &t.entry.title,
                kind: EntryType::of(&t.entry.kind).as_str(),
                deleted: rfc3339(t.deleted),
            })
            .collect();
        return print_json(&out);
    }
    if bin.is_empty() {
        println!("the recycle bin is empty");
    }
    for t in &bin {
        println!(
            "{}  {}  {}",
            t.entry.id,
            rfc3339(t.deleted),
            printable(&t.entry.title)
        );
    }
    Ok(())
}

pub fn untrash(args: EntryRef, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let entry = ws.untrash(&args.entry)?;
    println!(
        "restored “{}” ({}) from the recycle bin",
        printable(&entry.title),
        entry.id
    );
    Ok(())
}
