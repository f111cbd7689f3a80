//! Custom fields through the CLI contract: `add`/`edit --field NAME=VALUE` and
//! `--secret-field NAME` (value from standard input), `edit --remove-field`, `show --json`
//! (secret values only with `--reveal`), search (plain fields only), and a KDBX round trip
//! checked with keepassxc-cli.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;

fn show(d: &Path, ws: &str, entry: &str, reveal: bool) -> Value {
    let mut args = vec!["show", ws, entry, "--json"];
    if reveal {
        args.push("--reveal");
    }
    serde_json::from_str(&ok(d, &args).stdout).unwrap()
}

fn add_bank(d: &Path) {
    // A login reads its password first, then each secret field's value, a line each.
    let out = run(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "Bank",
            "--field",
            "Account=12-34-56",
            "--secret-field",
            "PIN",
            "--secret-field",
            "Recovery phrase",
        ],
        "bank-pw\n4321\nalpha beta gamma\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn fields_are_added_shown_searched_edited_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_bank(d);

    let hidden = show(d, "w.pcx", "Bank", false);
    assert_eq!(
        hidden["fields"],
        json!([
            {"name": "Account", "secret": false, "value": "12-34-56"},
            {"name": "PIN", "secret": true},
            {"name": "Recovery phrase", "secret": true},
        ])
    );
    let text = ok(d, &["show", "w.pcx", "Bank"]).stdout;
    assert!(text.contains("Account = 12-34-56"), "{text}");
    assert!(!text.contains("4321") && !text.contains("alpha"), "{text}");
    let revealed = show(d, "w.pcx", "Bank", true);
    assert_eq!(revealed["fields"][1]["value"], "4321");
    assert_eq!(revealed["fields"][2]["value"], "alpha beta gamma");
    assert_eq!(revealed["password"], "bank-pw");

    // Plain values are searched, secret ones never.
    let found = |q: &str| -> usize {
        let v: Value =
            serde_json::from_str(&ok(d, &["search", "w.pcx", q, "--json"]).stdout).unwrap();
        v.as_array().unwrap().len()
    };
    assert_eq!(found("34-56"), 1);
    assert_eq!(found("4321"), 0);
    assert_eq!(found("gamma"), 0);

    // Edit: set one by name (it keeps its place), add one, remove one; the rest stay.
    let out = run(
        d,
        &[
            "edit",
            "w.pcx",
            "Bank",
            "--field",
            "Account=99",
            "--field",
            "Branch=Main St",
            "--remove-field",
            "Recovery phrase",
        ],
        "",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = show(d, "w.pcx", "Bank", true);
    assert_eq!(
        v["fields"],
        json!([
            {"name": "Account", "secret": false, "value": "99"},
            {"name": "PIN", "secret": true, "value": "4321"},
            {"name": "Branch", "secret": false, "value": "Main St"},
        ])
    );
    assert_eq!(v["password"], "bank-pw", "the password is kept");

    // Bad input: a clear error, nothing changed.
    fails(
        run(
            d,
            &["edit", "w.pcx", "Bank", "--remove-field", "Nope"],
            "",
            &[],
        ),
        "no custom field is named “Nope”",
    );
    fails(
        run(
            d,
            &["edit", "w.pcx", "Bank", "--field", "Password=x"],
            "",
            &[],
        ),
        "“Password” is a standard field, not a custom one",
    );
    fails(
        run(d, &["edit", "w.pcx", "Bank", "--field", "novalue"], "", &[]),
        "--field novalue: write NAME=VALUE",
    );
    fails(
        run(
            d,
            &[
                "add",
                "w.pcx",
                "--title",
                "N",
                "--kind",
                "note",
                "--secret-field",
                "K",
            ],
            "",
            &[],
        ),
        "--secret-field K: no value on standard input",
    );
    assert_eq!(show(d, "w.pcx", "Bank", true)["fields"], v["fields"]);
}

#[test]
fn custom_fields_survive_a_kdbx_round_trip_that_keepassxc_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_bank(d);
    let out = run(
        d,
        &["export", "w.pcx", "--to", "kdbx", "out.kdbx"],
        "",
        &[("PORTCULLIS_EXPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let kdbx = d.join("out.kdbx");
    let kdbx = kdbx.to_str().unwrap();
    let attr = |name: &str, reveal: bool| {
        let mut args = vec!["show", "-q", "-a", name];
        if reveal {
            args.push("-s");
        }
        args.extend([kdbx, "Bank"]);
        keepassxc_cli(&args, "kx-pass").trim().to_owned()
    };
    assert_eq!(attr("Account", false), "12-34-56");
    assert_eq!(attr("PIN", true), "4321");
    assert_eq!(attr("Recovery phrase", true), "alpha beta gamma");
    // Secret fields are protected attributes, plain ones not (KeePassXC's XML export says).
    let xml = keepassxc_cli(&["export", "-q", "--format", "xml", kdbx], "kx-pass");
    let value_tag = |name: &str| {
        let at = xml.find(&format!("<Key>{name}</Key>")).unwrap();
        let rest = &xml[at..];
        let start = rest.find("<Value").unwrap();
        rest[start..start + rest[start..].find('>').unwrap() + 1].to_owned()
    };
    assert_eq!(value_tag("PIN"), r#"<Value ProtectInMemory="True">"#);
    assert_eq!(
        value_tag("Recovery phrase"),
        r#"<Value ProtectInMemory="True">"#
    );
    assert_eq!(value_tag("Account"), "<Value>");

    init_at(d, "back.pcx");
    let round = run(
        d,
        &["import", "back.pcx", "--from", "kdbx", kdbx, "--json"],
        "",
        &[("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")],
    );
    assert_eq!(round.code, 0, "{}", round.stderr);
    let mut fields: Vec<Value> = show(d, "back.pcx", "Bank", true)["fields"]
        .as_array()
        .unwrap()
        .clone();
    // KeePass keeps no field order: ours reads them by name.
    fields.sort_by_key(|f| f["name"].as_str().unwrap().to_owned());
    assert_eq!(
        Value::Array(fields),
        json!([
            {"name": "Account", "secret": false, "value": "12-34-56"},
            {"name": "PIN", "secret": true, "value": "4321"},
            {"name": "Recovery phrase", "secret": true, "value": "alpha beta gamma"},
        ])
    );
}

/// The CSV export writes custom fields as a JSON list in a last `custom_fields` column, which
/// our CSV import reads back: names, values (line breaks, commas, quotes, a leading `=`), order
/// and secrecy.
#[test]
fn custom_fields_survive_a_csv_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_bank(d);
    ok(
        d,
        &[
            "edit",
            "w.pcx",
            "Bank",
            "--field",
            "Branch=line one, \"quoted\"\nline two",
            "--field",
            "Formula==HYPERLINK(\"x\")",
        ],
    );
    let before = show(d, "w.pcx", "Bank", true)["fields"].clone();
    assert_eq!(before.as_array().unwrap().len(), 5, "{before}");
    let out = run(d, &["export", "w.pcx", "--to", "csv", "out.csv"], "", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let csv = std::fs::read_to_string(d.join("out.csv")).unwrap();
    assert!(
        csv.starts_with("title,username,password,url,notes,otp,group,custom_fields\n"),
        "{csv}"
    );
    init_at(d, "back.pcx");
    let back = run(
        d,
        &["import", "back.pcx", "--from", "csv", "out.csv"],
        "",
        &[],
    );
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(show(d, "back.pcx", "Bank", true)["fields"], before);
    assert_eq!(
        show(d, "back.pcx", "Bank", false)["fields"][1],
        json!({"name": "PIN", "secret": true})
    );
}
