//! Two processes writing one workspace at once: every write that reported success is there
//! afterwards, nothing else is, and a write that could not get the file says so cleanly.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use std::collections::BTreeSet;

const WRITES_PER_WRITER: usize = 25;

/// Adds `WRITES_PER_WRITER` entries named `{name}-{i}` and edits every fifth one; returns the
/// titles whose add was acknowledged.
fn writer(dir: &std::path::Path, name: &str) -> BTreeSet<String> {
    let mut acknowledged = BTreeSet::new();
    for i in 0..WRITES_PER_WRITER {
        let title = format!("{name}-{i}");
        let out = run(
            dir,
            &["add", "w.pcx", "--title", &title, "--username", name],
            "pw-of-the-entry\n",
            &[],
        );
        if out.code == 0 {
            acknowledged.insert(title.clone());
            if i % 5 == 0 {
                let edit = run(
                    dir,
                    &["edit", "w.pcx", &title, "--url", "https://x"],
                    "",
                    &[],
                );
                assert!(
                    edit.code == 0 || edit.stderr.contains("busy"),
                    "{}",
                    edit.stderr
                );
            }
        } else {
            assert_eq!(
                out.stderr.trim_end(),
                "error: this workspace is busy in another process; try again",
                "a refused write says why"
            );
        }
    }
    acknowledged
}

#[test]
fn two_writers_lose_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| writer(dir.path(), "alpha"));
        let b = s.spawn(|| writer(dir.path(), "beta"));
        (a.join().unwrap(), b.join().unwrap())
    });
    let listed = ok(dir.path(), &["list", "w.pcx", "--json"]).stdout;
    let entries: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let titles: BTreeSet<String> = entries
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect();
    let acknowledged: BTreeSet<String> = a.union(&b).cloned().collect();
    assert_eq!(titles, acknowledged);
    assert!(
        acknowledged.len() >= WRITES_PER_WRITER,
        "most writes get through: {}",
        acknowledged.len()
    );
}
