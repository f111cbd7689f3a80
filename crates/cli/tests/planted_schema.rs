//! Issue 13, item 1, through the real CLI: triggers planted with SQLite in a workspace file
//! (no password needed) would make the MFA record's writes vanish, so backup codes could be
//! replayed and wrong codes never counted. The CLI refuses the file as damaged.
#![allow(clippy::unwrap_used)]

mod common;

use portcullis_core::otp::OtpParams;
use std::path::Path;

/// The two triggers of the report: the MFA record's update and the manifest update of the same
/// transaction do nothing.
const SILENCE_MFA: &str = "
    CREATE TRIGGER keep_mfa BEFORE UPDATE ON records WHEN OLD.collection = 'mfa' BEGIN
        INSERT OR REPLACE INTO meta (name, value) VALUES ('skip_manifest', x'01');
        SELECT RAISE(IGNORE);
    END;
    CREATE TRIGGER keep_manifest BEFORE UPDATE ON meta
    WHEN OLD.name = 'manifest' AND EXISTS (SELECT 1 FROM meta WHERE name = 'skip_manifest')
    BEGIN
        DELETE FROM meta WHERE name = 'skip_manifest';
        SELECT RAISE(IGNORE);
    END;";

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&common::ok(dir, args).stdout).unwrap()
}

#[test]
fn a_workspace_with_planted_triggers_is_refused_and_its_backup_codes_stay_single_use() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::init(d);
    let begun = json(
        d,
        &[
            "mfa", "totp", "begin", "w.pcx", "--label", "phone", "--json",
        ],
    );
    let otp = OtpParams::parse(begun["uri"].as_str().unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = otp.code_at(now).code;
    let confirmed = json(d, &["mfa", "totp", "confirm", "w.pcx", &code, "--json"]);
    let backup = common::backup_codes(&confirmed);

    rusqlite::Connection::open(d.join("w.pcx"))
        .unwrap()
        .execute_batch(SILENCE_MFA)
        .unwrap();

    let outs: Vec<common::Out> = (0..2)
        .map(|_| common::run(d, &["list", "w.pcx", "--backup-code", &backup[0]], "", &[]))
        .collect();
    let accepted = outs.iter().filter(|o| o.code == 0).count();
    assert_eq!(
        accepted, 0,
        "one backup code was accepted {accepted} times on a file with planted triggers"
    );
    for out in outs {
        common::fails(
            out,
            "damaged workspace: it holds SQLite triggers, views, tables or indexes that \
             Portcullis does not create",
        );
    }
}
