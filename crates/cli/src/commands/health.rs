//! health: the password health report (the core's `health` module), as JSON or by title.

use super::open_entries;
use crate::cli::HealthArgs;
use crate::input::SecretInput;
use crate::output::{print_json, printable};
use anyhow::Result;
use portcullis_core::health::{self, Flagged, HealthReport};
use serde::Serialize;

/// The CLI contract: ids only, by category.
#[derive(Serialize)]
struct HealthJson<'a> {
    weak: Vec<&'a str>,
    reused: Vec<Vec<&'a str>>,
    old: Vec<&'a str>,
    missing_2fa: Vec<&'a str>,
}

fn ids(list: &[Flagged]) -> Vec<&str> {
    list.iter().map(|f| f.id.as_str()).collect()
}

pub fn health(args: HealthArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let report = health::report(&mut *ws)?;
    if args.json {
        return print_json(&HealthJson {
            weak: ids(&report.weak),
            reused: report.reused.iter().map(|g| ids(g)).collect(),
            old: ids(&report.old),
            missing_2fa: ids(&report.missing_2fa),
        });
    }
    print!("{}", human(&report));
    Ok(())
}

/// Each category with its count and the titles it lists (a reused password's entries on one
/// line).
fn human(report: &HealthReport) -> String {
    let mut out = format!("{} passwords checked\n", report.checked);
    let line = |f: &Flagged| format!("  {}  {}\n", short(&f.id), printable(&f.title));
    let mut section = |name: &str, items: Vec<String>| {
        out.push_str(&format!("{name}: {}\n", items.len()));
        items.iter().for_each(|i| out.push_str(i));
    };
    section("Weak passwords", report.weak.iter().map(line).collect());
    section(
        "Reused passwords",
        report
            .reused
            .iter()
            .map(|g| {
                let titles: Vec<String> = g
                    .iter()
                    .map(|f| format!("{} ({})", printable(&f.title), short(&f.id)))
                    .collect();
                format!("  {}\n", titles.join(", "))
            })
            .collect(),
    );
    section(
        "Unchanged for over a year",
        report.old.iter().map(line).collect(),
    );
    section(
        "No second factor (the site offers one)",
        report.missing_2fa.iter().map(line).collect(),
    );
    out
}

/// The first 8 characters of an id, as `list` shows them.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
