//! Cross-check: the codes `portcullis otp` prints match oathtool's (Debian package oathtool,
//! installed by scripts/test) for every algorithm, length and period.
#![allow(clippy::unwrap_used)]

mod common;

use common::oathtool;

fn portcullis(dir: &std::path::Path, args: &[&str]) -> String {
    common::ok(dir, args).stdout.trim().to_owned()
}

#[test]
fn codes_match_oathtool() {
    let dir = tempfile::tempdir().unwrap();
    common::init(dir.path());
    let key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let cases = [
        ("SHA1", "sha1", 6, 30),
        ("SHA256", "sha256", 8, 60),
        ("SHA512", "sha512", 7, 20),
    ];
    for (alg, oath_alg, digits, period) in cases {
        let uri = format!(
            "otpauth://totp/T:{alg}?secret={key}&algorithm={alg}&digits={digits}&period={period}"
        );
        portcullis(
            dir.path(),
            &[
                "add", "w.pcx", "--title", alg, "--kind", "otp", "--otp", &uri,
            ],
        );
        for at in [0u64, 59, 1_111_111_109, 2_000_000_000, 1_800_000_017] {
            let ours = portcullis(dir.path(), &["otp", "w.pcx", alg, "--at", &at.to_string()]);
            let theirs = oathtool(&[
                &format!("--totp={oath_alg}"),
                "-b",
                "-d",
                &digits.to_string(),
                "-s",
                &format!("{period}s"),
                "-N",
                &format!("@{at}"),
                key,
            ]);
            assert_eq!(ours, theirs, "{alg} at {at}");
            assert_eq!(ours.len(), digits);
        }
    }
}
