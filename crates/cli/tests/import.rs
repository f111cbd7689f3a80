//! The import contract against other projects' published test exports (tests/fixtures):
//! every format reads, a dry run writes nothing, duplicates are left out, an encrypted file
//! needs its password, and after import every OTP code matches oathtool (TOTP with SHA256 and
//! SHA512, 7 and 8 digits, other periods; HOTP counters that advance and persist) and the
//! Steam code matches a published vector.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

fn import(dir: &Path, format: &str, file: &Path, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec![
        "import",
        "w.pcx",
        "--from",
        format,
        file.to_str().unwrap(),
        "--json",
    ];
    args.extend(extra);
    let out = run(dir, &args, "", env);
    assert_eq!(out.code, 0, "{format}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn otp_code(dir: &Path, title: &str, at: u64) -> String {
    let out = ok(
        dir,
        &["otp", "w.pcx", title, "--at", &at.to_string(), "--json"],
    )
    .stdout;
    let v: Value = serde_json::from_str(&out).unwrap();
    v["code"].as_str().unwrap().to_owned()
}

#[test]
fn aegis_exports_import_and_codes_match_oathtool() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);

    // A dry run lists the seven entries and writes nothing.
    let dry = import(
        d,
        "aegis",
        &fixture("aegis/aegis_plain.json"),
        &["--dry-run"],
        &[],
    );
    assert_eq!(
        (dry["dry_run"].as_bool(), dry["imported"].as_u64()),
        (Some(true), Some(0))
    );
    assert_eq!(dry["entries"].as_array().unwrap().len(), 7);
    assert_eq!(ok(d, &["list", "w.pcx", "--json"]).stdout.trim(), "[]");

    // The encrypted export needs its password; with it, the same seven.
    let encrypted = fixture("aegis/aegis_encrypted.json");
    fails(
        run(d, &["import", "w.pcx", "--from", "aegis", encrypted.to_str().unwrap()], "", &[]),
        "the file is encrypted: set PORTCULLIS_IMPORT_PASSWORD, type it on a terminal or send it on standard input",
    );
    fails(
        run(
            d,
            &[
                "import",
                "w.pcx",
                "--from",
                "aegis",
                encrypted.to_str().unwrap(),
            ],
            "",
            &[("PORTCULLIS_IMPORT_PASSWORD", "wrong")],
        ),
        "wrong password for this file, or the file is damaged",
    );
    let done = import(
        d,
        "aegis",
        &encrypted,
        &[],
        &[("PORTCULLIS_IMPORT_PASSWORD", "test")],
    );
    assert_eq!(done["imported"], 7);

    // Importing the same accounts again (as otpauth URIs) adds nothing.
    let again = import(d, "otpauth", &fixture("aegis/plain.txt"), &[], &[]);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["duplicates"].as_array().unwrap().len(), 7);

    // TOTP variants match oathtool at a fixed time.
    let at = 1_700_000_000u64;
    let t = format!("@{at}");
    for (title, secret, alg, digits, period) in [
        ("Deno", "4SJHB4GSD43FZBAI7C2HLRJGPQ", "sha1", "6", "30"),
        ("SPDX", "5OM4WOOGPLQEF6UGN3CPEOOLWU", "sha256", "7", "20"),
        ("Airbnb", "7ELGJSGXNCCTV3O6LKJWYFV2RA", "sha512", "8", "50"),
    ] {
        let expected = oathtool(&[
            &format!("--totp={alg}"),
            "-b",
            "-d",
            digits,
            "-s",
            &format!("{period}s"),
            "-N",
            &t,
            secret,
        ]);
        assert_eq!(otp_code(d, title, at), expected, "{title}");
    }

    // HOTP: each `otp` gives the next counter's code, and the counter persists.
    for (title, secret, alg, digits, counter) in [
        ("Issuu", "YOOMIXWS5GN6RTBPUFFWKTW5M4", "sha1", "6", 1u64),
        (
            "Air Canada",
            "KUVJJOM753IHTNDSZVCNKL7GII",
            "sha256",
            "7",
            50,
        ),
        ("WWE", "5VAML3X35THCEBVRLV24CGBKOY", "sha512", "8", 10300),
    ] {
        for c in [counter, counter + 1] {
            // oathtool's --hotp is SHA1 only; for SHA256/512, HOTP(c) is TOTP with a 1 s step
            // at time c (RFC 6238 section 4), which oathtool computes for any algorithm.
            let c_text = c.to_string();
            let at_c = format!("@{c}");
            let expected = if alg == "sha1" {
                oathtool(&["--hotp", "-b", "-d", digits, "-c", &c_text, secret])
            } else {
                oathtool(&[
                    &format!("--totp={alg}"),
                    "-b",
                    "-d",
                    digits,
                    "-s",
                    "1s",
                    "-N",
                    &at_c,
                    secret,
                ])
            };
            assert_eq!(otp_code(d, title, at), expected, "{title} counter {c}");
        }
    }
}

#[test]
fn other_formats_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let google = import(
        d,
        "google-migration",
        &fixture("google-migration/example_export.txt"),
        &[],
        &[],
    );
    assert_eq!(
        (
            google["imported"].as_u64(),
            google["duplicates"].as_array().map(Vec::len)
        ),
        (Some(4), Some(2)),
        "four accounts (one HOTP) that share the demo key, two rows given twice: {google}"
    );
    let twofas = import(
        d,
        "2fas",
        &fixture("aegis/2fas_authenticator_plain.2fas"),
        &[],
        &[],
    );
    assert!(twofas["imported"].as_u64().unwrap() >= 4);
    let bitwarden = import(
        d,
        "bitwarden",
        &fixture("keepassxc/bitwarden_export.json"),
        &[],
        &[],
    );
    let reasons: Vec<&str> = bitwarden["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["cards are not supported", "identities are not supported"]
    );
    let steam = import(d, "bitwarden", &fixture("aegis/bitwarden.json"), &[], &[]);
    assert_eq!(
        (
            steam["imported"].as_u64(),
            steam["similar"].as_array().map(Vec::len)
        ),
        (Some(4), Some(2)),
        "two of its four logins share a key with authenticator entries from 2FAS: {steam}"
    );

    // A Steam account: the code matches the published vector (KeePassXC's tests).
    std::fs::write(
        d.join("steam.txt"),
        "otpauth://totp/Steam:gamer?secret=63BEDWCQZKTQWPESARIERL5DTTQFCJTK&issuer=Steam&encoder=steam\n",
    )
    .unwrap();
    import(d, "otpauth", &d.join("steam.txt"), &[], &[]);
    assert_eq!(otp_code(d, "Steam", 1_511_200_518), "FR8RV");

    // Not the format named: a clean error, nothing written.
    fails(
        run(
            d,
            &[
                "import",
                "w.pcx",
                "--from",
                "aegis",
                d.join("steam.txt").to_str().unwrap(),
            ],
            "",
            &[],
        ),
        "not a Aegis file: it is not an Aegis JSON export",
    );
}

/// A KDBX 4 file made by KeePassXC itself (keepassxc-cli from the Debian package keepassxc):
/// groups, a login with an `otp` attribute, legacy `TOTP Seed`/`TOTP Settings` fields (one
/// Steam), a note, an extra field, an entry with an earlier version in its history, and an entry
/// in the recycle bin.
#[test]
fn kdbx_made_by_keepassxc_imports_with_groups_and_totp() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let entry = |uuid: u8, fields: &[(&str, &str)]| -> String {
        let strings: String = fields
            .iter()
            .map(|(k, v)| format!("<String><Key>{k}</Key><Value>{v}</Value></String>"))
            .collect();
        format!("<Entry><UUID>{}</UUID>{strings}</Entry>", uuid_b64(uuid))
    };
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<KeePassFile><Meta><Generator>test</Generator><DatabaseName>t</DatabaseName>
<RecycleBinEnabled>True</RecycleBinEnabled><RecycleBinUUID>{bin}</RecycleBinUUID></Meta><Root>
<Group><UUID>{root}</UUID><Name>Root</Name>
<Group><UUID>{work}</UUID><Name>Work</Name>
<Group><UUID>{dev}</UUID><Name>Dev</Name>{github}</Group>{legacy}</Group>
{steam}{note_with_history}
<Group><UUID>{bin}</UUID><Name>Recycle Bin</Name>{deleted}</Group>
</Group></Root></KeePassFile>"#,
        root = uuid_b64(1),
        work = uuid_b64(2),
        dev = uuid_b64(3),
        bin = uuid_b64(4),
        github = entry(10, &[
            ("Title", "GitHub"),
            ("UserName", "octocat"),
            ("Password", "gh-pass"),
            ("URL", "https://github.com"),
            ("otp", "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&amp;period=30&amp;digits=8&amp;algorithm=SHA256"),
            ("Recovery", "extra-field-value"),
        ]),
        legacy = entry(11, &[
            ("Title", "Legacy"),
            ("UserName", "me"),
            ("TOTP Seed", "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"),
            ("TOTP Settings", "30;6"),
        ]),
        steam = entry(12, &[
            ("Title", "Steam"),
            ("UserName", "gamer"),
            ("TOTP Seed", "63BEDWCQZKTQWPESARIERL5DTTQFCJTK"),
            ("TOTP Settings", "30;S"),
        ]),
        // Safe's history: once it was a login.
        note_with_history = entry(13, &[("Title", "Safe"), ("Notes", "behind the painting")])
            .replace("</Entry>", &format!(
                "<History>{}</History></Entry>",
                entry(13, &[("Title", "Safe"), ("UserName", "me"), ("Password", "old-safe-pass")]),
            )),
        deleted = entry(14, &[("Title", "Deleted"), ("UserName", "gone")]),
    );
    keepassxc_kdbx(d, &xml);

    let env = [("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")];
    let done = import(d, "kdbx", &d.join("kx.kdbx"), &[], &env);
    let mut titles: Vec<&str> = done["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        ["GitHub", "Legacy", "Safe", "Steam"],
        "the recycle bin's entry goes to the bin"
    );
    let bin: Value = serde_json::from_str(&ok(d, &["trash", "w.pcx", "--json"]).stdout).unwrap();
    assert_eq!(bin[0]["title"], "Deleted");
    assert_eq!(bin.as_array().unwrap().len(), 1);
    // KeePassXC's history item: Safe's version 1, a login with its old password.
    let history: Value =
        serde_json::from_str(&ok(d, &["history", "w.pcx", "Safe", "--json", "--reveal"]).stdout)
            .unwrap();
    assert_eq!(history[1]["version"], 1);
    assert_eq!(history[1]["password"], "old-safe-pass");
    assert_eq!(
        history[0]["changed"],
        serde_json::json!(["type", "notes", "username", "password"])
    );
    let github: Value =
        serde_json::from_str(&ok(d, &["show", "w.pcx", "GitHub", "--json", "--reveal"]).stdout)
            .unwrap();
    assert_eq!(github["group"], "Work/Dev");
    assert_eq!(github["password"], "gh-pass");
    // Other string fields become custom fields (this one unprotected: plain).
    assert_eq!(
        github["fields"],
        serde_json::json!([{"name": "Recovery", "secret": false, "value": "extra-field-value"}])
    );
    assert!(!github["notes"]
        .as_str()
        .unwrap()
        .contains("extra-field-value"));
    let at = 1_700_000_000u64;
    let t = format!("@{at}");
    assert_eq!(
        otp_code(d, "GitHub", at),
        oathtool(&[
            "--totp=sha256",
            "-b",
            "-d",
            "8",
            "-N",
            &t,
            "JBSWY3DPEHPK3PXP"
        ])
    );
    assert_eq!(
        otp_code(d, "Legacy", at),
        oathtool(&["--totp", "-b", "-N", &t, "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"])
    );
    assert_eq!(otp_code(d, "Steam", 1_511_200_518), "FR8RV");
    fails(
        run(
            d,
            &[
                "import",
                "w.pcx",
                "--from",
                "kdbx",
                d.join("kx.kdbx").to_str().unwrap(),
            ],
            "",
            &[("PORTCULLIS_IMPORT_PASSWORD", "wrong")],
        ),
        "wrong password for this file, or the file is damaged",
    );
}

/// `dir/kx.kdbx` with password `kx-pass`, made by KeePassXC itself (keepassxc-cli, Debian
/// package keepassxc) from the KeePass XML `xml`.
fn keepassxc_kdbx(dir: &Path, xml: &str) -> PathBuf {
    std::fs::write(dir.join("in.xml"), xml).unwrap();
    let made = Command::new("keepassxc-cli")
        .args(["import", "-q", "-p", "-t", "100"])
        .arg(dir.join("in.xml"))
        .arg(dir.join("kx.kdbx"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"kx-pass\nkx-pass\n")?;
            c.wait_with_output()
        })
        .expect("keepassxc-cli is installed by scripts/test (Debian package keepassxc)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    dir.join("kx.kdbx")
}

fn uuid_b64(n: u8) -> String {
    let mut bytes = [0u8; 16];
    bytes[15] = n;
    data_encoding::BASE64.encode(&bytes)
}

/// QR images made by qrencode (Debian package qrencode), one as JPEG (ImageMagick), and the
/// published Google Authenticator export screenshot.
#[test]
fn qr_images_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let uri = "otpauth://totp/Acme:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&algorithm=SHA512&digits=8";
    let png = d.join("acme.png");
    let status = Command::new("qrencode")
        .args(["-s", "6", "-o"])
        .arg(&png)
        .arg(uri)
        .status()
        .expect("qrencode is installed by scripts/test (Debian package qrencode)");
    assert!(status.success());
    let jpeg = d.join("acme.jpg");
    let status = Command::new("convert")
        .arg(&png)
        .arg(&jpeg)
        .status()
        .expect("ImageMagick is installed by scripts/test");
    assert!(status.success());
    let done = import(d, "qr-image", &jpeg, &[], &[]);
    assert_eq!(done["imported"], 1, "{done}");
    let again = import(d, "qr-image", &png, &[], &[]);
    assert_eq!(again["duplicates"].as_array().unwrap().len(), 1);
    let at = 1_700_000_000u64;
    assert_eq!(
        otp_code(d, "Acme", at),
        oathtool(&[
            "--totp=sha512",
            "-b",
            "-d",
            "8",
            "-N",
            &format!("@{at}"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        ])
    );
    let google = import(
        d,
        "qr-image",
        &fixture("google-migration/example_export.png"),
        &[],
        &[],
    );
    assert!(google["imported"].as_u64().unwrap() >= 1, "{google}");
    fails(
        run(
            d,
            &[
                "import",
                "w.pcx",
                "--from",
                "qr-image",
                fixture("aegis/plain.txt").to_str().unwrap(),
            ],
            "",
            &[],
        ),
        "not a QR image file: it is not a PNG or JPEG image, or it is too large",
    );
}

/// Two logins that share one authenticator secret (one Google account reached two ways) are
/// both imported, from every format that carries logins or generators; the second is listed as
/// similar; a row repeated word for word is still left out as a duplicate, and importing the
/// file again adds nothing.
#[test]
fn entries_sharing_an_otp_secret_are_all_imported() {
    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let uri =
        |account: &str| format!("otpauth://totp/Google:{account}?secret={SECRET}&issuer=Google");
    let logins = [
        ("Google work", "work@example.com", "pw-work"),
        ("Gmail alias", "alias@example.com", "pw-alias"),
        ("Google work", "work@example.com", "pw-work"),
    ];
    let csv = {
        let mut s = String::from("title,username,password,url,notes,otp\n");
        for (title, user, pw) in logins {
            s += &format!(
                "{title},{user},{pw},https://accounts.google.com,,{}\n",
                uri(user)
            );
        }
        s
    };
    let bitwarden = serde_json::json!({
        "encrypted": false,
        "folders": [],
        "items": logins.iter().map(|(title, user, pw)| serde_json::json!({
            "type": 1,
            "name": title,
            "login": {
                "username": user,
                "password": pw,
                "totp": uri(user),
                "uris": [{"uri": "https://accounts.google.com"}],
            },
        })).collect::<Vec<_>>(),
    });
    let aegis = serde_json::json!({
        "version": 1,
        "header": {"slots": null, "params": null},
        "db": {"version": 2, "entries": logins.iter().map(|(_, user, _)| serde_json::json!({
            "type": "totp",
            "uuid": "00000000-0000-0000-0000-000000000000",
            "name": user,
            "issuer": "Google",
            "info": {"secret": SECRET, "algo": "SHA1", "digits": 6, "period": 30},
        })).collect::<Vec<_>>()},
    });
    let kdbx_xml = {
        let entries: String = logins
            .iter()
            .enumerate()
            .map(|(i, (title, user, pw))| {
                let otp = uri(user).replace('&', "&amp;");
                format!(
                    "<Entry><UUID>{}</UUID>\
                     <String><Key>Title</Key><Value>{title}</Value></String>\
                     <String><Key>UserName</Key><Value>{user}</Value></String>\
                     <String><Key>Password</Key><Value>{pw}</Value></String>\
                     <String><Key>URL</Key><Value>https://accounts.google.com</Value></String>\
                     <String><Key>otp</Key><Value>{otp}</Value></String></Entry>",
                    uuid_b64(10 + i as u8)
                )
            })
            .collect();
        format!(
            r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<KeePassFile><Meta><Generator>test</Generator></Meta><Root>
<Group><UUID>{}</UUID><Name>Root</Name>{entries}</Group></Root></KeePassFile>"#,
            uuid_b64(1)
        )
    };

    for format in ["csv", "bitwarden", "aegis", "kdbx"] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        init(d);
        let file = match format {
            "csv" => write(d, "in.csv", &csv),
            "bitwarden" => write(d, "in.json", &bitwarden.to_string()),
            "aegis" => write(d, "in.json", &aegis.to_string()),
            _ => keepassxc_kdbx(d, &kdbx_xml),
        };
        let env = [("PORTCULLIS_IMPORT_PASSWORD", "kx-pass")];
        let done = import(d, format, &file, &[], &env);
        assert_eq!(done["imported"], 2, "{format}: {done}");
        let similar = done["similar"].as_array().unwrap();
        assert_eq!(similar.len(), 1, "{format}: {done}");
        assert_eq!(
            similar[0]["reason"], "same authenticator secret",
            "{format}"
        );
        assert_eq!(
            (&similar[0]["in_workspace"], &similar[0]["imported"]),
            (&Value::Bool(false), &Value::Bool(true))
        );
        let dups = done["duplicates"].as_array().unwrap();
        assert_eq!(dups.len(), 1, "{format}: {done}");
        assert_eq!(dups[0]["reason"], "appears twice in the file");

        // Both accounts are there, each with its own user name (and password).
        let list: Value =
            serde_json::from_str(&ok(d, &["list", "w.pcx", "--json"]).stdout).unwrap();
        let mut users: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["username"].as_str().unwrap())
            .collect();
        users.sort();
        assert_eq!(users, ["alias@example.com", "work@example.com"], "{format}");
        if format != "aegis" {
            for (title, _, pw) in &logins[..2] {
                let shown: Value = serde_json::from_str(
                    &ok(d, &["show", "w.pcx", title, "--json", "--reveal"]).stdout,
                )
                .unwrap();
                assert_eq!(shown["password"], *pw, "{format}: {title}");
            }
        }

        // The same file again: every item is already in the workspace.
        let again = import(d, format, &file, &[], &env);
        assert_eq!(again["imported"], 0, "{format}: {again}");
        assert_eq!(again["duplicates"].as_array().unwrap().len(), 3);
        assert!(again["similar"].as_array().unwrap().is_empty());
    }
}

/// `--skip-similar` leaves look-alikes out and says so; without it, a login with the same
/// title, user name and URL but another password is imported and flagged.
#[test]
fn similar_items_are_flagged_and_skipped_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let first = write(
        d,
        "a.csv",
        "title,username,password,url\nMail,me@example.com,old-pw,https://mail.example.com\n",
    );
    assert_eq!(import(d, "csv", &first, &[], &[])["imported"], 1);
    let changed = write(
        d,
        "b.csv",
        "title,username,password,url\nmail,ME@example.com,new-pw,https://mail.example.com\n",
    );

    let skipped = import(d, "csv", &changed, &["--skip-similar"], &[]);
    assert_eq!(skipped["imported"], 0, "{skipped}");
    let similar = &skipped["similar"][0];
    assert_eq!(
        (&similar["item"], &similar["similar_to"], &similar["reason"]),
        (
            &Value::from("mail"),
            &Value::from("Mail"),
            &Value::from("same title, user name and URL")
        )
    );
    assert_eq!(
        (&similar["in_workspace"], &similar["imported"]),
        (&Value::Bool(true), &Value::Bool(false))
    );

    let out = ok(
        d,
        &[
            "import",
            "w.pcx",
            "--from",
            "csv",
            changed.to_str().unwrap(),
        ],
    )
    .stdout;
    assert_eq!(
        out,
        "imported 1 entries\n  ~ mail: similar to Mail (same title, user name and URL), imported\n"
    );
    let list: Value = serde_json::from_str(&ok(d, &["list", "w.pcx", "--json"]).stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A KeePass 1 (KDB) file: its fixed 124-byte header (AES, `rounds` at offset 120), then a
/// block of ciphertext.
fn kdb(rounds: u32) -> Vec<u8> {
    let mut out = vec![0x03, 0xd9, 0xa2, 0x9a, 0x65, 0xfb, 0x4b, 0xb5];
    out.extend(2u32.to_le_bytes()); // flags: AES
    out.extend(0x0003_0004u32.to_le_bytes()); // version 3.4
    out.extend([0x11; 32]); // master seed, IV
    out.extend(1u32.to_le_bytes()); // groups
    out.extend(1u32.to_le_bytes()); // entries
    out.extend([0x22; 64]); // content hash, transform seed
    out.extend(rounds.to_le_bytes());
    out.extend([0x33; 16]);
    out
}

/// An encrypted Aegis vault with `slots` password slots, each of scrypt cost (n, r, p).
fn aegis_slots(slots: usize, (n, r, p): (u64, u32, u32)) -> String {
    let slot = serde_json::json!({
        "type": 1, "uuid": "00000000-0000-0000-0000-000000000000",
        "key": "00".repeat(32), "key_params": {"nonce": "00".repeat(12), "tag": "00".repeat(16)},
        "n": n, "r": r, "p": p, "salt": "00".repeat(32),
    });
    serde_json::json!({
        "version": 1,
        "header": {
            "slots": vec![slot; slots],
            "params": {"nonce": "00".repeat(12), "tag": "00".repeat(16)},
        },
        "db": "AAAA",
    })
    .to_string()
}

#[test]
fn costly_or_oversized_files_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    let password = [("PORTCULLIS_IMPORT_PASSWORD", "x")];
    let import = |format: &str, file: &Path| {
        run(
            d,
            &["import", "w.pcx", "--from", format, file.to_str().unwrap()],
            "",
            &password,
        )
    };

    // KeePass 1 asking for 2^32 − 1 AES rounds (minutes of work): refused from its header.
    let file = d.join("rounds.kdb");
    std::fs::write(&file, kdb(u32::MAX)).unwrap();
    fails(
        import("kdbx", &file),
        "this KeePass file asks for a key derivation too costly to run (4294967295 AES rounds \
         (at most 1073741824)): lower it in KeePassXC (Database settings, Encryption) and \
         export again",
    );

    // Aegis: each slot within the per-slot bounds, but 100 of them (hours of scrypt).
    let file = write(d, "slots.json", &aegis_slots(100, (1 << 15, 8, 16)));
    fails(
        import("aegis", &file),
        "this Aegis vault asks for more key derivation than one import runs (100 password \
         slots costing N·r·p = 419430400 in all, at most 16777216): export it again from Aegis \
         with one password",
    );
    // One slot beyond the bounds: its reason, not a wrong password.
    let file = write(d, "huge.json", &aegis_slots(1, (1 << 40, 8, 1)));
    fails(
        import("aegis", &file),
        "this Aegis vault asks for a scrypt cost too high to run (N = 1099511627776, r = 8, \
         p = 1; at most N = 2^20, r = 16, p = 16 and 1 GiB of memory)",
    );

    // A file above 64 MiB is refused before it is read.
    let file = d.join("big.csv");
    std::fs::File::create(&file)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    fails(
        import("csv", &file),
        "the import file is larger than 64 MiB, the most this version reads",
    );
    assert_eq!(ok(d, &["list", "w.pcx", "--json"]).stdout.trim(), "[]");
}
