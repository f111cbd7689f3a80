//! The export contract: otpauth and CSV (warned as unencrypted, owner-only files) that our own
//! import reads back, KDBX 4 that KeePassXC opens (keepassxc-cli), an encrypted Portcullis
//! backup that opens with the same password; an existing file is never overwritten.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

fn setup(d: &Path) {
    init(d);
    ok(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "GitHub",
            "--username",
            "octocat",
            "--group",
            "Work/Dev",
            "--url",
            "https://github.com",
            "--otp",
            "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
        ],
    );
    let out = run(
        d,
        &["add", "w.pcx", "--title", "Mail", "--username", "me"],
        "mail-pw\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    ok(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "Token",
            "--kind",
            "otp",
            "--otp",
            "otpauth://hotp/Token?secret=GEZDGNBVGY3TQOJQ&counter=5",
        ],
    );
}

fn titles(d: &Path, ws: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(&ok(d, &["list", ws, "--json"]).stdout).unwrap();
    let mut t: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn exports_read_back_and_keepassxc_opens_the_kdbx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);

    // otpauth and CSV: warned about, owner-only, and our import reads them back.
    for (format, file) in [("otpauth", "out.txt"), ("csv", "out.csv")] {
        let out = run(d, &["export", "w.pcx", "--to", format, file], "", &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stderr.contains("is NOT encrypted"), "{}", out.stderr);
        #[cfg(unix)]
        assert_eq!(mode(&d.join(file)), 0o600);
    }
    let otpauth = std::fs::read_to_string(d.join("out.txt")).unwrap();
    assert_eq!(otpauth.lines().count(), 2);
    assert!(otpauth.contains(
        "otpauth://hotp/Token?secret=GEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&counter=5"
    ));
    init_at(d, "back.pcx");
    let from_csv = run(
        d,
        &["import", "back.pcx", "--from", "csv", "out.csv", "--json"],
        "",
        &[],
    );
    assert_eq!(from_csv.code, 0, "{}", from_csv.stderr);
    assert_eq!(titles(d, "back.pcx"), titles(d, "w.pcx"));
    let mail: Value =
        serde_json::from_str(&ok(d, &["show", "back.pcx", "Mail", "--json", "--reveal"]).stdout)
            .unwrap();
    assert_eq!(mail["password"], "mail-pw");
    let github: Value =
        serde_json::from_str(&ok(d, &["show", "back.pcx", "GitHub", "--json"]).stdout).unwrap();
    assert_eq!(github["group"], "Work/Dev");

    // The encrypted backup opens with the same password and holds the same entries.
    ok(d, &["export", "w.pcx", "--to", "portcullis", "copy.pcx"]);
    assert_eq!(titles(d, "copy.pcx"), titles(d, "w.pcx"));
    let wrong = run(
        d,
        &["list", "copy.pcx"],
        "",
        &[("PORTCULLIS_PASSWORD", "nope")],
    );
    assert_eq!(
        wrong.stderr.trim(),
        "error: wrong password or damaged workspace"
    );

    // KDBX 4: keepassxc-cli opens it, with the groups, the password and the TOTP.
    let kx = run(
        d,
        &["export", "w.pcx", "--to", "kdbx", "out.kdbx", "--json"],
        "",
        &[("PORTCULLIS_EXPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(kx.code, 0, "{}", kx.stderr);
    let summary: Value = serde_json::from_str(&kx.stdout).unwrap();
    assert_eq!(
        (summary["exported"].as_u64(), summary["encrypted"].as_bool()),
        (Some(3), Some(true))
    );
    let keepassxc = |args: &[&str]| -> String {
        let mut child = Command::new("keepassxc-cli")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("keepassxc-cli is installed by scripts/test (Debian package keepassxc)");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"kx-pass\n").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "keepassxc-cli {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let kdbx = d.join("out.kdbx");
    let kdbx = kdbx.to_str().unwrap();
    let listing = keepassxc(&["ls", "-q", "-R", "-f", kdbx]);
    assert!(listing.contains("Work/Dev/GitHub"), "{listing}");
    let password = keepassxc(&["show", "-q", "-s", "-a", "Password", kdbx, "Mail"]);
    assert_eq!(password.trim(), "mail-pw");
    // The TOTP code KeePassXC computes equals ours (retried across a 30 s boundary).
    for attempt in 0.. {
        let theirs = keepassxc(&["show", "-q", "-t", kdbx, "Work/Dev/GitHub"]);
        let ours: Value =
            serde_json::from_str(&ok(d, &["otp", "w.pcx", "GitHub", "--json"]).stdout).unwrap();
        if theirs.trim() == ours["code"].as_str().unwrap() {
            break;
        }
        assert!(
            attempt < 2,
            "KeePassXC {} vs ours {}",
            theirs.trim(),
            ours["code"]
        );
    }
    // And our own KeePass import reads it back.
    let round = run(
        d,
        &["import", "back.pcx", "--from", "kdbx", kdbx, "--json"],
        "",
        &[("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(round.code, 0, "{}", round.stderr);
    let round: Value = serde_json::from_str(&round.stdout).unwrap();
    assert_eq!(round["duplicates"].as_array().unwrap().len(), 3, "{round}");

    // Never over an existing file.
    fails(
        run(d, &["export", "w.pcx", "--to", "csv", "out.csv"], "", &[]),
        &format!("{} exists already; choose another file", "out.csv"),
    );
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralised_and_read_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    // (title, username, password, notes): formulas, and text that only looks neutralised.
    let rows = [
        (
            "=HYPERLINK(\"https://evil.example\")",
            "-2+3",
            "=1+2",
            "@SUM(A1)",
        ),
        ("Plus", "+33 6 12 34 56 78", "-dash-first", "\tindented"),
        ("Quoted", "'=quoted already", "'-x", "'plain"),
        ("Plain", "alice", "correct horse", "x = 1"),
    ];
    for (title, username, password, notes) in rows {
        let out = run(
            d,
            &[
                "add",
                "w.pcx",
                "--title",
                title,
                &format!("--username={username}"),
                &format!("--notes={notes}"),
            ],
            &format!("{password}\n"),
            &[],
        );
        assert_eq!(out.code, 0, "{title}: {}", out.stderr);
    }
    let out = run(d, &["export", "w.pcx", "--to", "csv", "out.csv"], "", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("cells that start with = + - @"),
        "{}",
        out.stderr
    );
    let csv = std::fs::read_to_string(d.join("out.csv")).unwrap();
    for cell in [
        "\"'=HYPERLINK(\"\"https://evil.example\"\")\"",
        ",'-2+3,'=1+2,",
        ",'@SUM(A1),",
        ",'+33 6 12 34 56 78,'-dash-first,",
        ",'\tindented,",
        ",''=quoted already,''-x,",
        ",'plain,",
        ",alice,correct horse,",
    ] {
        assert!(csv.contains(cell), "{cell} not in {csv}");
    }
    for line in csv.lines() {
        let first = line.chars().next().unwrap();
        assert!(!"=+-@\t\r".contains(first), "{line}");
        assert!(!line.contains(",=") && !line.contains(",-") && !line.contains(",@"));
    }

    // Our own import removes exactly the quote it added.
    init_at(d, "back.pcx");
    let out = run(
        d,
        &["import", "back.pcx", "--from", "csv", "out.csv"],
        "",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (title, username, password, notes) in rows {
        let shown: Value =
            serde_json::from_str(&ok(d, &["show", "back.pcx", title, "--json", "--reveal"]).stdout)
                .unwrap();
        assert_eq!(
            (
                shown["username"].as_str(),
                shown["password"].as_str(),
                shown["notes"].as_str()
            ),
            (Some(username), Some(password), Some(notes)),
            "{title}"
        );
    }
}

/// The KDBX export writes each entry's earlier versions as its KeePass `<History>` (oldest
/// first) and the recycle bin as KeePass's Recycle Bin group, which keepassxc-cli shows.
#[test]
fn the_kdbx_export_carries_history_and_the_recycle_bin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    for pw in ["mail-pw-2\n", "mail-pw-3\n"] {
        let out = run(d, &["edit", "w.pcx", "Mail", "--change-password"], pw, &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    ok(
        d,
        &["add", "w.pcx", "--title", "Old router", "--kind", "note"],
    );
    ok(d, &["rm", "w.pcx", "Old router"]);
    let kx = run(
        d,
        &["export", "w.pcx", "--to", "kdbx", "out.kdbx"],
        "",
        &[("PORTCULLIS_EXPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(kx.code, 0, "{}", kx.stderr);
    let mut child = Command::new("keepassxc-cli")
        .args(["export", "-q", "--format", "xml"])
        .arg(d.join("out.kdbx"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keepassxc-cli is installed by scripts/test (Debian package keepassxc)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"kx-pass\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    // Mail's history: its first two passwords, oldest first, inside <History>.
    let history = &xml[xml.find("<History>").expect("a <History>")..];
    let history = &history[..history.find("</History>").unwrap()];
    let (first, second) = (
        history.find(">mail-pw<").expect("the first password"),
        history.find(">mail-pw-2<").expect("the second password"),
    );
    assert!(first < second, "oldest first");
    assert!(
        !history.contains("mail-pw-3"),
        "the current one is not history"
    );
    assert_eq!(xml.matches("<History>").count(), 1, "only Mail changed");
    // The bin: enabled, its UUID names the group that holds the deleted entry.
    assert!(
        xml.contains("<RecycleBinEnabled>True</RecycleBinEnabled>"),
        "{xml}"
    );
    let uuid = xml
        .split("<RecycleBinUUID>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap();
    let group = &xml[xml
        .find(&format!("<UUID>{uuid}</UUID>"))
        .expect("the bin group")..];
    let name = group
        .split("<Name>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(name, "Recycle Bin");
    assert!(group.contains("<Value>Old router</Value>"));

    // Our KeePass import reads both back: the history as earlier versions, the bin as the bin.
    init_at(d, "w2.pcx");
    let imported = run(
        d,
        &["import", "w2.pcx", "--from", "kdbx", "out.kdbx"],
        "",
        &[("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let history: Value =
        serde_json::from_str(&ok(d, &["history", "w2.pcx", "Mail", "--json", "--reveal"]).stdout)
            .unwrap();
    let versions: Vec<(u64, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["password"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [(3, "mail-pw-3"), (2, "mail-pw-2"), (1, "mail-pw")]
    );
    assert_eq!(history[0]["changed"], serde_json::json!(["password"]));
    let bin: Value = serde_json::from_str(&ok(d, &["trash", "w2.pcx", "--json"]).stdout).unwrap();
    let in_bin: Vec<&str> = bin
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(in_bin, ["Old router"]);
    assert_eq!(titles(d, "w2.pcx"), ["GitHub", "Mail", "Token"]);
}
