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

#[test]
fn init_join_and_members_as_each_role_sees_them() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    pg.admin("postgres", "CREATE DATABASE vault");
    pg.admin("vault", "CREATE ROLE portcullis_member NOLOGIN");
    for role in ["alice", "bob", "carol"] {
        pg.admin(
            "vault",
            &format!(
                "CREATE ROLE {role} LOGIN PASSWORD '{role}-db'; GRANT portcullis_member TO {role}"
            ),
        );
    }
    let admin_url = format!(
        "postgresql://{POSTGRES_ADMIN}@127.0.0.1:{}/vault?sslmode=disable",
        pg.port
    );
    let setup = run(
        dir.path(),
        &["team", "setup", &admin_url],
        "",
        &[("PGPASSWORD", &pg.admin_password)],
    );
    assert_eq!(setup.code, 0, "{}", setup.stderr);

    let url = |role: &str, ws: &str| {
        format!(
            "postgresql://{role}@127.0.0.1:{}/vault?workspace={ws}&sslmode=disable",
            pg.port
        )
    };
    // Each role with its database password and its own master password.
    let as_role = |role: &str, master: &str, args: &[&str]| {
        let db = format!("{role}-db");
        let mut all: Vec<&str> = args.to_vec();
        if matches!(args.first(), Some(&"init")) || args.get(1) == Some(&"join") {
            all.extend(common::CHEAP_KDF);
        }
        run(
            dir.path(),
            &all,
            "",
            &[
                ("PGPASSWORD", &db),
                ("PORTCULLIS_PASSWORD", master),
                ("PGPASSFILE", "/nonexistent"),
            ],
        )
    };
    let members = |role: &str| {
        json(&as_role(
            role,
            "",
            &["team", "members", &url(role, "ops"), "--json"],
        ))
    };

    let created = as_role("alice", "alice master", &["init", &url("alice", "ops")]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let alice_view = members("alice");
    assert_eq!(alice_view.as_array().unwrap().len(), 1);
    assert_eq!(alice_view[0]["name"], "alice");
    assert_eq!(alice_view[0]["role"], "admin");
    assert_eq!(alice_view[0]["state"], "active");
    let alice_fp = alice_view[0]["fingerprint"].as_str().unwrap().to_owned();
    assert!(created.stdout.contains(&alice_fp), "{}", created.stdout);

    let again = as_role("alice", "alice master", &["init", &url("alice", "ops")]);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // Bob asks; he sees his own request only, alice sees it with the fingerprint bob printed.
    let joined = json(&as_role(
        "bob",
        "bob master",
        &["team", "join", &url("bob", "ops"), "--json"],
    ));
    let bob_fp = joined["fingerprint"].as_str().unwrap().to_owned();
    assert_ne!(bob_fp, alice_fp);
    let bob_view = members("bob");
    assert_eq!(
        bob_view,
        serde_json::json!([{"name": "bob", "role": "viewer", "state": "pending", "fingerprint": bob_fp}])
    );
    let alice_view = members("alice");
    assert_eq!(alice_view.as_array().unwrap().len(), 2);
    assert_eq!(alice_view[1]["name"], "bob");
    assert_eq!(alice_view[1]["fingerprint"], bob_fp.as_str());

    // Asking again reuses the identity (and needs its password); a stranger sees nobody.
    let again = json(&as_role(
        "bob",
        "bob master",
        &["team", "join", &url("bob", "ops"), "--json"],
    ));
    assert_eq!(again["fingerprint"], bob_fp.as_str());
    let wrong = as_role("bob", "not bob's", &["team", "join", &url("bob", "ops")]);
    assert!(
        wrong
            .stderr
            .contains("wrong password for this member's identity"),
        "{}",
        wrong.stderr
    );
    assert_eq!(members("carol"), serde_json::json!([]));
    let nowhere = as_role("carol", "c", &["team", "join", &url("carol", "nowhere")]);
    assert!(
        nowhere.stderr.contains("no team workspace named “nowhere”"),
        "{}",
        nowhere.stderr
    );

    // What the server holds names no one's master password or private key in clear.
    let dump = std::process::Command::new("pg_dump")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            POSTGRES_ADMIN,
            "vault",
        ])
        .env("PGPASSWORD", &pg.admin_password)
        .output()
        .unwrap();
    assert!(dump.status.success());
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("portcullis.identity_secrets"));
    for secret in ["alice master", "bob master"] {
        assert!(!dump.contains(secret), "{secret} in the dump");
    }
}
