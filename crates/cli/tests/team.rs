//! `portcullis team setup` against a real PostgreSQL 15.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, run};
use test_support::{Postgres, POSTGRES_ADMIN};

fn json(out: &common::Out) -> serde_json::Value {
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn setup_creates_the_schema_once_with_the_password_as_libpq_finds_it() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgresql://{POSTGRES_ADMIN}@127.0.0.1:{}/postgres?sslmode=disable",
        pg.port
    );
    let no_file = ("PGPASSFILE", "/nonexistent/pgpass");
    let setup = |stdin: &str, env: &[(&str, &str)]| {
        run(dir.path(), &["team", "setup", &url, "--json"], stdin, env)
    };

    let missing = setup("", &[("PGPASSWORD", &pg.admin_password), no_file]);
    assert_ne!(missing.code, 0);
    assert!(
        missing
            .stderr
            .contains("CREATE ROLE portcullis_member NOLOGIN"),
        "{}",
        missing.stderr
    );
    pg.admin("postgres", "CREATE ROLE portcullis_member NOLOGIN");

    // From PGPASSWORD, then from standard input, then from a password file.
    let first = setup("", &[("PGPASSWORD", &pg.admin_password), no_file]);
    assert_eq!(json(&first), serde_json::json!({"from": 0, "to": 1}));
    let again = setup(&format!("{}\n", pg.admin_password), &[no_file]);
    assert_eq!(json(&again), serde_json::json!({"from": 1, "to": 1}));
    let pgpass = dir.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "127.0.0.1:{}:*:{POSTGRES_ADMIN}:{}\n",
            pg.port, pg.admin_password
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let from_file = setup("", &[("PGPASSFILE", pgpass.to_str().unwrap())]);
    assert_eq!(json(&from_file), serde_json::json!({"from": 1, "to": 1}));

    let wrong = setup("", &[("PGPASSWORD", "wrong-password-123"), no_file]);
    assert_ne!(wrong.code, 0);
    assert!(
        wrong.stderr.contains("password authentication failed"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("wrong-password-123"));

    let with_password = url.replace(POSTGRES_ADMIN, &format!("{POSTGRES_ADMIN}:pw"));
    fails(
        run(dir.path(), &["team", "setup", &with_password], "", &[]),
        "PostgreSQL address: leave the password out (use PGPASSWORD, ~/.pgpass or the prompt)",
    );
}
