//! Issue 13, item 1, through the real CLI: triggers planted with SQLite in a workspace file
//! (no password needed) would make the MFA record's writes vanish, so backup codes could be
//! replayed and wrong codes never counted. The CLI refuses the file as damaged.
#![allow(clippy::unwrap_used)]

mod common;

use portcullis_core::otp::OtpParams;
use std::path::Path;

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
        .execute_batch(test_support::SILENCE_MFA)
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
