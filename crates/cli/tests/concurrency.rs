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

/// Holds a read transaction on `path` from another process (python3's sqlite3) until dropped:
/// a writer of the file can begin but not commit.
struct ReadLock(std::process::Child);

impl ReadLock {
    fn hold(path: &std::path::Path) -> Self {
        use std::io::BufRead;
        let script = "import sqlite3, sys\n\
            c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
            c.execute('BEGIN')\n\
            c.execute('SELECT count(*) FROM records').fetchall()\n\
            print('locked', flush=True)\n\
            sys.stdin.readline()\n";
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "locked");
        Self(child)
    }
}

impl Drop for ReadLock {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

#[test]
fn a_wrong_code_is_never_judged_without_being_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let begun: serde_json::Value = serde_json::from_str(
        &ok(
            d,
            &["mfa", "totp", "begin", "w.pcx", "--label", "app", "--json"],
        )
        .stdout,
    )
    .unwrap();
    let secret = begun["secret"].as_str().unwrap();
    // Every run from here on a clock pinned at `now`, where `wrong` is wrong by construction.
    let now = real_now();
    let (clock, at) = clock_at(now);
    let pinned = [(clock, at.as_str())];
    let code_at = |step: i64| oathtool(&["--totp", "-b", "-N", &format!("@{}", step * 30), secret]);
    ok_with(
        d,
        &["mfa", "totp", "confirm", "w.pcx", &code_at(now / 30)],
        &pinned,
    );
    let accepted: Vec<String> = (now / 30 - 1..=now / 30 + 1).map(code_at).collect();
    let wrong = &test_support::wrong_code(&accepted);
    let locked_for = || {
        let status: serde_json::Value = serde_json::from_str(
            &ok_with(d, &["mfa", "status", "w.pcx", "--json"], &pinned).stdout,
        )
        .unwrap();
        status["locked_for_seconds"].as_u64()
    };
    for _ in 0..4 {
        fails(
            run(d, &["list", "w.pcx", "--totp", wrong], "", &pinned),
            "wrong code",
        );
    }
    assert_eq!(locked_for(), None);

    // The fifth wrong code while another process reads the file: the attempt cannot commit.
    let lock = ReadLock::hold(&d.join("w.pcx"));
    let blocked = run(
        d,
        &["list", "w.pcx", "--totp", wrong],
        "",
        &[("PORTCULLIS_LOG", "info"), pinned[0]],
    );
    drop(lock);
    assert_ne!(blocked.code, 0);
    assert!(
        blocked
            .stderr
            .ends_with("error: this workspace is busy in another process; try again\n"),
        "{}",
        blocked.stderr
    );
    // A verdict was reached only if the failure was saved first (else guesses are free, and
    // the log or the timing tells which one was right).
    let judged = blocked.stderr.contains("second factor refused");
    assert!(
        !judged || locked_for().is_some(),
        "the code was judged but its failure not counted: {}",
        blocked.stderr
    );
    // The next wrong code is the fifth counted one: the delay starts.
    fails(
        run(d, &["list", "w.pcx", "--totp", wrong], "", &pinned),
        "wrong code",
    );
    assert!(locked_for().is_some());
}
