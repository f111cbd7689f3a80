//! Secrets need not be arguments, which every local user sees (`ps`, /proc/PID/cmdline) and
//! shell history keeps: `--otp -` reads the generator from standard input and `--notes-file`
//! reads the notes from a file, for `add` and `edit`.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;

#[test]
fn otp_and_notes_come_from_standard_input_and_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    std::fs::write(
        d.join("notes.txt"),
        "recovery phrase: correct horse\nline two\n",
    )
    .unwrap();
    // Standard input: the master password comes from the environment, then the OTP line, then
    // the entry password.
    let out = run(
        d,
        &[
            "add",
            "w.pcx",
            "--title",
            "Mail",
            "--otp",
            "-",
            "--notes-file",
            "notes.txt",
        ],
        "otpauth://totp/Mail:me?secret=GEZDGNBVGY3TQOJQ\nentry-pw\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown: Value =
        serde_json::from_str(&ok(d, &["show", "w.pcx", "Mail", "--json", "--reveal"]).stdout)
            .unwrap();
    assert_eq!(shown["notes"], "recovery phrase: correct horse\nline two\n");
    assert_eq!(shown["password"], "entry-pw");
    let code = ok(d, &["otp", "w.pcx", "Mail", "--at", "1700000000"]).stdout;
    assert_eq!(
        code.split_whitespace().next().unwrap(),
        oathtool(&["--totp", "-b", "-N", "@1700000000", "GEZDGNBVGY3TQOJQ"])
    );

    // edit: a new key from standard input replaces the generator; new notes from a file.
    std::fs::write(d.join("new.txt"), "new notes").unwrap();
    let out = run(
        d,
        &[
            "edit",
            "w.pcx",
            "Mail",
            "--otp",
            "-",
            "--notes-file",
            "new.txt",
        ],
        "JBSWY3DPEHPK3PXP\n",
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let code = ok(d, &["otp", "w.pcx", "Mail", "--at", "1700000000"]).stdout;
    assert_eq!(
        code.split_whitespace().next().unwrap(),
        oathtool(&["--totp", "-b", "-N", "@1700000000", "JBSWY3DPEHPK3PXP"])
    );

    // Nothing on standard input, a notes file too large: clear errors, nothing changed.
    fails(
        run(
            d,
            &[
                "add", "w.pcx", "--title", "X", "--kind", "otp", "--otp", "-",
            ],
            "",
            &[],
        ),
        "--otp -: no OTP URI or key on standard input",
    );
    std::fs::write(d.join("big.txt"), vec![b'a'; (1 << 20) + 1]).unwrap();
    fails(
        run(
            d,
            &["add", "w.pcx", "--title", "X", "--notes-file", "big.txt"],
            "",
            &[],
        ),
        "the notes file big.txt is larger than 1 MiB",
    );
    let list: Value = serde_json::from_str(&ok(d, &["list", "w.pcx", "--json"]).stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn help_says_that_arguments_are_visible() {
    let dir = tempfile::tempdir().unwrap();
    let help = ok(dir.path(), &["add", "--help"]).stdout;
    assert!(help.contains("--notes-file <FILE>"), "{help}");
    assert!(help.contains("visible to other local users"), "{help}");
}
