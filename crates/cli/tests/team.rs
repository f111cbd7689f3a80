//! Team workspaces against a real PostgreSQL 15: setup, members, and entries shared by them.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, run};
use portcullis_core::team::SCHEMA_VERSION;
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
    assert_eq!(
        json(&first),
        serde_json::json!({"from": 0, "to": SCHEMA_VERSION})
    );
    let again = setup(&format!("{}\n", pg.admin_password), &[no_file]);
    assert_eq!(
        json(&again),
        serde_json::json!({"from": SCHEMA_VERSION, "to": SCHEMA_VERSION})
    );
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
    assert_eq!(
        json(&from_file),
        serde_json::json!({"from": SCHEMA_VERSION, "to": SCHEMA_VERSION})
    );

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

/// A database `vault` with the schema set up and login roles alice, bob, carol and dave (database
/// passwords ROLE-db), each granted portcullis_member.
struct Team {
    pg: Postgres,
    dir: tempfile::TempDir,
    /// The CLI's clock, when a test sets it (Unix seconds).
    clock: std::cell::Cell<Option<i64>>,
}

impl Team {
    fn start() -> Team {
        let pg = Postgres::start();
        let dir = tempfile::tempdir().unwrap();
        pg.admin("postgres", "CREATE DATABASE vault");
        pg.admin("vault", "CREATE ROLE portcullis_member NOLOGIN");
        for role in ["alice", "bob", "carol", "dave"] {
            pg.admin(
                "vault",
                &format!("CREATE ROLE {role} LOGIN PASSWORD '{role}-db'; GRANT portcullis_member TO {role}"),
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
        Team {
            pg,
            dir,
            clock: std::cell::Cell::new(None),
        }
    }

    fn url(&self, role: &str) -> String {
        format!(
            "postgresql://{role}@127.0.0.1:{}/vault?workspace=ops&sslmode=disable",
            self.pg.port
        )
    }

    /// `portcullis ARGS…` as `role` with its database password and the master password
    /// `master`; `{url}` in ARGS stands for the role's address of workspace ops.
    fn run(&self, role: &str, master: &str, args: &[&str]) -> common::Out {
        self.run_in(role, master, "", args)
    }

    /// [`run`](Self::run) with `stdin` on standard input.
    fn run_in(&self, role: &str, master: &str, stdin: &str, args: &[&str]) -> common::Out {
        self.run_with(role, master, stdin, &[], args)
    }

    /// [`run_in`](Self::run_in) with more environment.
    fn run_with(
        &self,
        role: &str,
        master: &str,
        stdin: &str,
        extra: &[(&str, &str)],
        args: &[&str],
    ) -> common::Out {
        let db = format!("{role}-db");
        let data = self.dir.path().join(format!("data-{role}"));
        let data = data.to_str().unwrap();
        let url = self.url(role);
        let mut all: Vec<&str> = args
            .iter()
            .map(|a| if *a == "{url}" { url.as_str() } else { a })
            .collect();
        if matches!(args.first(), Some(&"init")) || args.get(1) == Some(&"join") {
            all.extend(common::CHEAP_KDF);
        }
        let clock = self.clock.get().map(common::clock_at);
        let mut env = vec![
            ("PGPASSWORD", db.as_str()),
            ("PORTCULLIS_PASSWORD", master),
            ("PGPASSFILE", "/nonexistent"),
            // Each member on a computer of their own.
            ("XDG_DATA_HOME", data),
        ];
        if let Some((var, at)) = &clock {
            env.push((var, at));
        }
        env.extend(extra);
        run(self.dir.path(), &all, stdin, &env)
    }

    /// Deletes `role`'s offline copies (their computer keeps the heads it verified).
    fn forget_copies(&self, role: &str) {
        let dir = self.dir.path().join(format!("data-{role}/portcullis/team"));
        for entry in std::fs::read_dir(dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "copy") {
                std::fs::remove_file(path).unwrap();
            }
        }
    }

    fn ok(&self, role: &str, master: &str, args: &[&str]) -> String {
        let out = self.run(role, master, args);
        assert_eq!(out.code, 0, "{role} {args:?}: {}", out.stderr);
        out.stdout
    }

    fn members(&self, role: &str) -> serde_json::Value {
        json(&self.run(role, "", &["team", "members", "{url}", "--json"]))
    }

    /// The roles holding a key of `epoch`, as the database administrator sees them.
    fn grantees(&self, epoch: u32) -> String {
        self.pg.admin("vault", &format!("SELECT string_agg(role::text, ',' ORDER BY role) FROM portcullis.grants WHERE epoch = {epoch}"))
    }
}

#[test]
fn init_join_and_members_as_each_role_sees_them() {
    let team = Team::start();
    let created = team.ok("alice", "alice master", &["init", "{url}"]);
    let alice_view = team.members("alice");
    assert_eq!(alice_view.as_array().unwrap().len(), 1);
    assert_eq!(alice_view[0]["name"], "alice");
    assert_eq!(alice_view[0]["role"], "admin");
    assert_eq!(alice_view[0]["state"], "active");
    let alice_fp = alice_view[0]["fingerprint"].as_str().unwrap().to_owned();
    assert!(created.contains(&alice_fp), "{created}");

    let again = team.run("alice", "alice master", &["init", "{url}"]);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // Bob asks; he sees his own request only, alice sees it with the fingerprint bob printed.
    let joined = json(&team.run("bob", "bob master", &["team", "join", "{url}", "--json"]));
    let bob_fp = joined["fingerprint"].as_str().unwrap().to_owned();
    assert_ne!(bob_fp, alice_fp);
    // Bob is told whom he joins: the founder's fingerprint, to compare with alice's.
    assert_eq!(joined["founder"], "alice");
    assert_eq!(joined["founder_fingerprint"], alice_fp.as_str());
    assert_eq!(
        team.members("bob"),
        serde_json::json!([{"name": "bob", "role": "viewer", "state": "pending", "fingerprint": bob_fp}])
    );
    let alice_view = team.members("alice");
    assert_eq!(alice_view.as_array().unwrap().len(), 2);
    assert_eq!(alice_view[1]["name"], "bob");
    assert_eq!(alice_view[1]["fingerprint"], bob_fp.as_str());

    // Asking again reuses the identity (and needs its password); a stranger sees nobody.
    let again = json(&team.run("bob", "bob master", &["team", "join", "{url}", "--json"]));
    assert_eq!(again["fingerprint"], bob_fp.as_str());
    let wrong = team.run("bob", "not bob's", &["team", "join", "{url}"]);
    assert!(
        wrong
            .stderr
            .contains("wrong password for this member's identity"),
        "{}",
        wrong.stderr
    );
    assert_eq!(team.members("carol"), serde_json::json!([]));
    let elsewhere = team
        .url("carol")
        .replace("workspace=ops", "workspace=nowhere");
    let nowhere = team.run("carol", "c", &["team", "join", &elsewhere]);
    assert!(
        nowhere.stderr.contains("no team workspace named “nowhere”"),
        "{}",
        nowhere.stderr
    );

    // What the server holds names no one's master password in clear.
    let dump = std::process::Command::new("pg_dump")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &team.pg.port.to_string(),
            "-U",
            POSTGRES_ADMIN,
            "vault",
        ])
        .env("PGPASSWORD", &team.pg.admin_password)
        .output()
        .unwrap();
    assert!(dump.status.success());
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("portcullis.identity_secrets"));
    // ring's PKCS#8 form of an Ed25519 private key starts with these bytes (pg_dump writes
    // bytea in hex): only sealed keys are on the server.
    assert!(dump.contains("\\x"), "bytea columns in hex");
    assert!(
        !dump.contains("3053020101300506032b657004220420"),
        "a private key in clear"
    );
}

#[test]
fn admins_approve_by_fingerprint_change_roles_and_remove_with_a_new_key() {
    let team = Team::start();
    team.ok("alice", "alice master", &["init", "{url}"]);
    let fingerprint = |role: &str, master: &str| {
        json(&team.run(role, master, &["team", "join", "{url}", "--json"]))["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let bob_fp = fingerprint("bob", "bob master");
    let carol_fp = fingerprint("carol", "carol master");

    let approve = |role: &str, master: &str, member: &str, fp: &str, access: &str| {
        team.run(
            role,
            master,
            &[
                "team",
                "approve",
                "{url}",
                member,
                "--fingerprint",
                fp,
                "--role",
                access,
            ],
        )
    };
    let wrong = approve("alice", "alice master", "bob", &carol_fp, "editor");
    assert!(
        wrong
            .stderr
            .contains("the fingerprint does not match bob's identity"),
        "{}",
        wrong.stderr
    );
    let wrong_password = approve("alice", "not alice's", "bob", &bob_fp, "editor");
    assert!(
        wrong_password
            .stderr
            .contains("wrong password for this member's identity"),
        "{}",
        wrong_password.stderr
    );
    // Typed in lower case without dashes: the same fingerprint.
    let typed = bob_fp.replace('-', " ").to_lowercase();
    let out = approve("alice", "alice master", "bob", &typed, "editor");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(team.grantees(1), "alice,bob");
    let bob_view = team.members("bob");
    assert_eq!(
        bob_view.as_array().unwrap().len(),
        3,
        "an active member sees every member"
    );
    assert_eq!(bob_view[1]["state"], "active");
    assert_eq!(bob_view[1]["role"], "editor");

    // An editor approves nobody; an admin can.
    let not_admin = approve("bob", "bob master", "carol", &carol_fp, "viewer");
    assert!(
        not_admin.stderr.contains("only an admin"),
        "{}",
        not_admin.stderr
    );
    team.ok(
        "alice",
        "alice master",
        &[
            "team",
            "approve",
            "{url}",
            "carol",
            "--fingerprint",
            &carol_fp,
            "--role",
            "viewer",
        ],
    );
    team.ok(
        "alice",
        "alice master",
        &["team", "role", "{url}", "bob", "admin"],
    );
    assert_eq!(team.members("alice")[1]["role"], "admin");

    // Removing carol: her keys go, and the others get epoch 2's key from bob, now an admin.
    let removed = team.ok("bob", "bob master", &["team", "remove", "{url}", "carol"]);
    assert!(removed.contains("epoch 2"), "{removed}");
    assert_eq!(team.grantees(2), "alice,bob");
    assert_eq!(team.grantees(1), "alice,bob");
    assert_eq!(
        team.members("carol"),
        serde_json::json!([{"name": "carol", "role": "viewer", "state": "removed", "fingerprint": carol_fp}])
    );
    let self_removal = team.run(
        "alice",
        "alice master",
        &["team", "remove", "{url}", "alice"],
    );
    assert!(
        self_removal.stderr.contains("cannot remove themselves"),
        "{}",
        self_removal.stderr
    );

    // The founder stays an admin: no other admin can demote or remove them.
    let demote = team.run(
        "bob",
        "bob master",
        &["team", "role", "{url}", "alice", "viewer"],
    );
    assert!(
        demote
            .stderr
            .contains("the founder of a team workspace stays its admin"),
        "{}",
        demote.stderr
    );
    let oust = team.run("bob", "bob master", &["team", "remove", "{url}", "alice"]);
    assert!(oust.stderr.contains("the founder"), "{}", oust.stderr);
    // Nor through their own SQL: PostgreSQL keeps the founder's membership as it is.
    assert_eq!(
        team.pg
            .psql(
                "bob",
                "bob-db",
                "vault",
                "WITH u AS (UPDATE portcullis.memberships SET state = 'removed' WHERE role = 'alice' RETURNING 1) SELECT count(*) FROM u"
            )
            .unwrap(),
        "0"
    );

    // A removed member is told so when asking again.
    let back = team.run("carol", "carol master", &["team", "join", "{url}"]);
    assert!(back.stderr.contains("you were removed"), "{}", back.stderr);

    // Bob approves dave, then bob is removed: dave's membership is signed again by alice, so he
    // still counts and gets the new key.
    let dave_fp = fingerprint("dave", "dave master");
    team.ok(
        "bob",
        "bob master",
        &[
            "team",
            "approve",
            "{url}",
            "dave",
            "--fingerprint",
            &dave_fp,
        ],
    );
    // Dave writes under epoch 2, whose key bob granted him.
    team.ok(
        "dave",
        "dave master",
        &["add", "{url}", "--kind", "note", "--title", "By dave"],
    );
    team.ok("alice", "alice master", &["team", "remove", "{url}", "bob"]);
    assert_eq!(team.grantees(3), "alice,dave");
    assert_eq!(team.members("dave").as_array().unwrap().len(), 4);
    // The keys bob granted are sealed again by alice: dave still opens epoch 2's record.
    assert_eq!(
        team.pg.admin(
            "vault",
            "SELECT string_agg(DISTINCT granted_by::text, ',') FROM portcullis.grants WHERE role = 'dave'"
        ),
        "alice"
    );
    assert_eq!(team.titles("dave"), ["By dave"]);

    // The server makes carol an admin again on its own: no client trusts that membership.
    team.pg.admin(
        "vault",
        "UPDATE portcullis.memberships SET state = 'active', access = 'admin' WHERE role = 'carol'",
    );
    let forged = approve("carol", "carol master", "dave", &dave_fp, "viewer");
    assert!(forged.stderr.contains("only an admin"), "{}", forged.stderr);
    let out = team.run(
        "alice",
        "alice master",
        &["team", "role", "{url}", "carol", "editor"],
    );
    assert!(
        out.stderr.contains("not an active member"),
        "{}",
        out.stderr
    );
    team.ok(
        "alice",
        "alice master",
        &["team", "role", "{url}", "dave", "viewer"],
    );

    // The audit log, checked, names every step; a row changed on the server is refused, and
    // no admin writes after it.
    let log = json(&team.run("alice", "", &["team", "log", "{url}", "--json"]));
    let steps: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["chain"] == "audit")
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["seq"],
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "1 alice created ops",
            "2 alice approved bob editor",
            "3 alice approved carol viewer",
            "4 alice role bob admin",
            "5 bob removed carol",
            "6 bob rotated 2",
            "7 bob approved dave editor",
            "8 alice removed bob",
            "9 alice rotated 3",
            "10 alice role dave viewer",
        ]
    );
    assert_eq!(
        team.run("bob", "", &["team", "log", "{url}", "--json"])
            .stdout
            .trim(),
        "[]"
    );
    team.pg.admin("vault", "UPDATE portcullis.audit SET element = set_byte(element, 60, get_byte(element, 60) # 1) WHERE seq = 3");
    let tampered = team.run("alice", "", &["team", "log", "{url}"]);
    assert!(
        tampered
            .stderr
            .contains("the audit log was changed on the server at event 3"),
        "{}",
        tampered.stderr
    );
    assert!(tampered.stdout.is_empty());
    let blocked = team.run(
        "alice",
        "alice master",
        &["team", "role", "{url}", "dave", "editor"],
    );
    assert!(blocked.stderr.contains("at event 3"), "{}", blocked.stderr);
    team.pg
        .admin("vault", "DELETE FROM portcullis.audit WHERE seq = 3");
    let dropped = team.run("alice", "", &["team", "log", "{url}"]);
    assert!(dropped.stderr.contains("at event 3"), "{}", dropped.stderr);
}

/// A workspace with alice (admin), bob (editor) and carol (viewer), each with the master
/// password "ROLE master".
fn team_of_three() -> Team {
    let team = Team::start();
    team.ok("alice", "alice master", &["init", "{url}"]);
    for (role, access) in [("bob", "editor"), ("carol", "viewer")] {
        let master = format!("{role} master");
        let fp = json(&team.run(role, &master, &["team", "join", "{url}", "--json"]))
            ["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned();
        team.ok(
            "alice",
            "alice master",
            &[
                "team",
                "approve",
                "{url}",
                role,
                "--fingerprint",
                &fp,
                "--role",
                access,
            ],
        );
    }
    team
}

impl Team {
    /// `list --json` as `role`: the titles, in list order.
    fn titles(&self, role: &str) -> Vec<String> {
        let master = format!("{role} master");
        json(&self.run(role, &master, &["list", "{url}", "--json"]))
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Whether a `pg_dump` of the database holds `text`, as text or as the hex of bytea.
    fn dump_holds(&self, text: &str) -> bool {
        let dump = self.pg.dump("vault");
        let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        dump.contains(text) || dump.contains(&hex)
    }
}

#[test]
fn members_share_entries_each_with_the_rights_of_their_role() {
    let team = team_of_three();
    let added = team.run_in(
        "alice",
        "alice master",
        "router-secret-42\n",
        &[
            "add",
            "{url}",
            "--title",
            "Router",
            "--username",
            "admin",
            "--url",
            "https://192.0.2.1",
        ],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let id = added.stdout.trim().to_owned();
    team.ok(
        "alice",
        "alice master",
        &[
            "add",
            "{url}",
            "--kind",
            "otp",
            "--title",
            "Cloud root",
            "--otp",
            "JBSWY3DPEHPK3PXP",
        ],
    );

    // Bob, an editor, reads what alice wrote, secrets included, and changes it.
    assert_eq!(team.titles("bob"), ["Cloud root", "Router"]);
    let shown = json(&team.run(
        "bob",
        "bob master",
        &["show", "{url}", "Router", "--json", "--reveal"],
    ));
    assert_eq!(shown["password"], "router-secret-42");
    assert_eq!(shown["id"], id.as_str());
    team.ok(
        "bob",
        "bob master",
        &["edit", "{url}", "Router", "--username", "root"],
    );
    let shown = json(&team.run("alice", "alice master", &["show", "{url}", &id, "--json"]));
    assert_eq!(shown["username"], "root");
    assert_eq!(team.titles("alice"), team.titles("bob"));

    // Carol, a viewer, reads and takes codes, and changes nothing.
    let code = |role: &str| {
        let master = format!("{role} master");
        json(&team.run(
            role,
            &master,
            &["otp", "{url}", "Cloud root", "--at", "59", "--json"],
        ))["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(code("carol"), code("alice"));
    assert_eq!(code("carol").len(), 6);
    let search = json(&team.run(
        "carol",
        "carol master",
        &["search", "{url}", "rout", "--json"],
    ));
    assert_eq!(search[0]["title"], "Router");
    for args in [
        vec!["add", "{url}", "--kind", "note", "--title", "Mine"],
        vec!["edit", "{url}", "Router", "--username", "carol"],
        vec!["rm", "{url}", "Router"],
    ] {
        fails(
            team.run("carol", "carol master", &args),
            "you are a viewer of this team workspace: only its editors and admins change entries",
        );
    }

    // A dump of the server holds no title, user name, address, password, note or OTP secret.
    team.ok(
        "alice",
        "alice master",
        &["edit", "{url}", "Router", "--notes", "behind the blue door"],
    );
    assert!(
        team.dump_holds("portcullis_member"),
        "a dump of the team's schema"
    );
    for secret in [
        "Router",
        "root",
        "192.0.2.1",
        "router-secret-42",
        "Cloud root",
        "behind the blue door",
        "JBSWY3DPEHPK3PXP",
    ] {
        assert!(!team.dump_holds(secret), "{secret} in clear on the server");
    }

    // Every member lists the versions an edit kept (the CLI contract of `history`).
    let versions = json(&team.run(
        "carol",
        "carol master",
        &["history", "{url}", "Router", "--json"],
    ));
    let changed: Vec<String> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("{} {}", v["version"], v["changed"]))
        .collect();
    assert_eq!(changed, ["3 [\"notes\"]", "2 [\"username\"]", "1 []"]);

    // Attachments (the CLI contract of attach, attachments, attachment --out): alice attaches,
    // carol, a viewer, lists and saves, and attaches nothing.
    let key = team.dir.path().join("router.key");
    std::fs::write(&key, b"-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let key = key.to_str().unwrap();
    team.ok(
        "alice",
        "alice master",
        &["attach", "{url}", "Cloud root", key],
    );
    let listed = json(&team.run(
        "carol",
        "carol master",
        &["attachments", "{url}", "Cloud root", "--json"],
    ));
    assert_eq!(listed[0]["name"], "router.key", "{listed}");
    assert_eq!(listed[0]["size"], 36);
    let saved = team.dir.path().join("saved.key");
    team.ok(
        "carol",
        "carol master",
        &[
            "attachment",
            "{url}",
            "Cloud root",
            "router.key",
            "--out",
            saved.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
    );
    fails(
        team.run(
            "carol",
            "carol master",
            &["attach", "{url}", "Cloud root", key, "--name", "x"],
        ),
        "you are a viewer of this team workspace: only its editors and admins change entries",
    );

    // A deletion reaches everyone: the entry goes to the bin every member sees; the change
    // chain keeps every write in order (an edit writes the entry and its history; `rm` the
    // entry and its bin record).
    team.ok("bob", "bob master", &["rm", "{url}", "Router"]);
    assert_eq!(team.titles("carol"), ["Cloud root"]);
    let bin = json(&team.run("carol", "carol master", &["trash", "{url}", "--json"]));
    assert_eq!(bin[0]["title"], "Router", "{bin}");
    assert_eq!(
        team.pg.admin(
            "vault",
            "SELECT string_agg(writer::text, ',' ORDER BY seq) FROM portcullis.changes"
        ),
        "alice,alice,bob,bob,alice,alice,alice,alice,alice,bob,bob"
    );

    // The log names each entry change by id, never by title, after checking the history.
    let log = team.run("carol", "", &["team", "log", "{url}", "--json"]);
    assert!(!log.stdout.contains("Router"), "{}", log.stdout);
    let changes: Vec<String> = json(&log)
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["chain"] == "changes")
        .map(|e| {
            format!(
                "{} {} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap() == id
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "alice entry created true",
            "alice entry created false",
            "bob entry changed true",
            "bob version kept true",
            "alice entry changed true",
            "alice version kept true",
            "alice entry changed false",
            "alice attachment chunk written false",
            "alice attachment added false",
            "bob entry deleted true",
            "bob entry moved to the bin true",
        ]
    );

    // Other commands say they do not work on a team workspace yet, instead of failing oddly.
    fails(
        team.run(
            "alice",
            "alice master",
            &["device-binding", "disable", "{url}"],
        ),
        "this command does not work on team workspaces yet (these do: add, edit, rm, list, search, show, otp, connect, history, restore, trash, untrash, health, import, export, passwd, mfa)",
    );
}

#[test]
fn after_a_removal_new_entries_use_the_new_key_and_a_newcomer_reads_old_and_new() {
    let team = team_of_three();
    team.ok(
        "alice",
        "alice master",
        &["add", "{url}", "--kind", "note", "--title", "Before"],
    );
    team.ok(
        "bob",
        "bob master",
        &["add", "{url}", "--kind", "note", "--title", "By bob"],
    );
    let removed = team.ok("alice", "alice master", &["team", "remove", "{url}", "bob"]);
    assert!(removed.contains("epoch 2"), "{removed}");
    assert!(
        removed.contains("bob could read these entries") && removed.contains("Before"),
        "{removed}"
    );
    team.ok(
        "alice",
        "alice master",
        &["add", "{url}", "--kind", "note", "--title", "After"],
    );
    assert_eq!(
        team.pg.admin(
            "vault",
            "SELECT string_agg(epoch::text, ',' ORDER BY seq) FROM portcullis.records"
        ),
        "1,1,2"
    );
    fails(
        team.run("bob", "bob master", &["list", "{url}"]),
        "“bob” is not an active member of this workspace",
    );
    assert_eq!(team.titles("carol"), ["After", "Before", "By bob"]);

    // Dave joins after the rotation: he gets every epoch's key.
    let fp = json(&team.run("dave", "dave master", &["team", "join", "{url}", "--json"]))
        ["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    team.ok(
        "alice",
        "alice master",
        &[
            "team",
            "approve",
            "{url}",
            "dave",
            "--fingerprint",
            &fp,
            "--role",
            "editor",
        ],
    );
    // Bob's writes before his removal stay valid (his removal, signed by alice, names the
    // position the chain had then), also for a newcomer who replays it all.
    assert_eq!(team.titles("dave"), ["After", "Before", "By bob"]);
    team.ok(
        "dave",
        "dave master",
        &["edit", "{url}", "Before", "--title", "Before, edited"],
    );
    assert_eq!(team.titles("alice"), ["After", "Before, edited", "By bob"]);
}

#[test]
fn records_or_history_changed_on_the_server_are_refused_not_shown() {
    let team = team_of_three();
    team.ok(
        "alice",
        "alice master",
        &[
            "add", "{url}", "--kind", "note", "--title", "One", "--notes", "first",
        ],
    );
    team.ok(
        "alice",
        "alice master",
        &["add", "{url}", "--kind", "note", "--title", "Two"],
    );
    let admin = |sql: &str| team.pg.admin("vault", sql);
    // Each check opens as on a computer without an offline copy (one would answer from what it
    // verified before and fetch only what changed since), keeping the head it verified.
    let refused_for = |role: &str, what: &str| {
        team.forget_copies(role);
        let out = team.run(role, &format!("{role} master"), &["list", "{url}"]);
        assert_ne!(out.code, 0, "{what}: accepted");
        assert!(
            [
                "altered on the server",
                "were altered",
                "rolled back or forked"
            ]
            .iter()
            .any(|m| out.stderr.contains(m)),
            "{what}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{what}: {}", out.stderr);
    };
    let refused = |what: &str| refused_for("carol", what);
    let one = "(SELECT id FROM portcullis.records ORDER BY seq LIMIT 1)";

    // A flipped byte in a record, then a byte added to it.
    let flip = format!(
        "UPDATE portcullis.records SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1) WHERE id = {one}"
    );
    admin(&flip);
    refused("a changed record");
    admin(&flip);
    admin(&format!(
        "UPDATE portcullis.records SET sealed = sealed || '\\x00'::bytea WHERE id = {one}"
    ));
    refused("a longer record");
    admin(&format!("UPDATE portcullis.records SET sealed = substring(sealed FROM 1 FOR length(sealed) - 1) WHERE id = {one}"));
    assert_eq!(team.titles("carol"), ["One", "Two"]);

    // Two records swapped (each sealed for its own place), then swapped back.
    let swap = "UPDATE portcullis.records r SET sealed = o.sealed FROM portcullis.records o WHERE r.id <> o.id";
    admin(swap);
    refused("swapped records");
    admin(swap);
    assert_eq!(team.titles("carol"), ["One", "Two"]);

    // A record rolled back to its earlier version after an edit.
    admin("CREATE TABLE saved AS SELECT * FROM portcullis.records");
    team.ok(
        "alice",
        "alice master",
        &["edit", "{url}", "One", "--notes", "second"],
    );
    admin(
        "UPDATE portcullis.records r SET version = s.version, sealed = s.sealed, seq = s.seq
         FROM saved s WHERE r.id = s.id AND s.seq = 1",
    );
    refused("a rolled-back record");
    admin("DELETE FROM portcullis.records; INSERT INTO portcullis.records SELECT * FROM saved");
    refused("every record rolled back");

    // The history rolled back with them (its last change dropped): consistent, but older than
    // the history alice verified when she wrote that change.
    admin("DELETE FROM portcullis.changes WHERE seq = 3");
    refused_for("alice", "a history rolled back");
    admin("DROP TABLE saved");

    // A record dropped, or one added that no change wrote.
    let fresh = team_of_three();
    fresh.ok(
        "alice",
        "alice master",
        &["add", "{url}", "--kind", "note", "--title", "One"],
    );
    fresh.ok(
        "alice",
        "alice master",
        &["add", "{url}", "--kind", "note", "--title", "Two"],
    );
    let fresh_admin = |sql: &str| fresh.pg.admin("vault", sql);
    fresh_admin("CREATE TABLE saved AS SELECT * FROM portcullis.records");
    fresh_admin("DELETE FROM portcullis.records WHERE seq = 1");
    let out = fresh.run("carol", "carol master", &["list", "{url}"]);
    assert!(
        out.stderr.contains("were altered"),
        "a dropped record: {}",
        out.stderr
    );
    fresh_admin("INSERT INTO portcullis.records SELECT * FROM saved WHERE seq = 1");
    fresh_admin("INSERT INTO portcullis.records SELECT workspace, collection, 'copy', version, epoch, sealed, writer, signature, seq FROM saved WHERE seq = 2");
    let out = fresh.run("carol", "carol master", &["list", "{url}"]);
    assert!(
        out.stderr.contains("were altered"),
        "an added record: {}",
        out.stderr
    );
}

/// The code of an authenticator with Base32 `secret` at `unix` seconds.
fn totp_at(secret: &str, unix: i64) -> String {
    common::oathtool(&["--totp", "-b", "-N", &format!("@{unix}"), secret])
}

#[test]
fn each_member_has_their_own_second_factor_and_admins_need_it_fresh() {
    let team = Team::start();
    let t = common::real_now();
    team.clock.set(Some(t));
    team.ok("alice", "alice master", &["init", "{url}"]);
    let bob_fp = json(&team.run("bob", "bob master", &["team", "join", "{url}", "--json"]))
        ["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();

    // Alice sets up an authenticator for herself.
    let begun = json(&team.run(
        "alice",
        "alice master",
        &[
            "mfa", "totp", "begin", "{url}", "--label", "phone", "--json",
        ],
    ));
    let secret = begun["secret"].as_str().unwrap().to_owned();
    assert!(begun["uri"].as_str().unwrap().contains("alice"), "{begun}");
    let confirmed = json(&team.run(
        "alice",
        "alice master",
        &[
            "mfa",
            "totp",
            "confirm",
            "{url}",
            &totp_at(&secret, t),
            "--json",
        ],
    ));
    let backup: Vec<String> = confirmed["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(backup.len(), 10);
    let status = |role: &str| {
        json(&team.run(
            role,
            &format!("{role} master"),
            &["mfa", "status", "{url}", "--json"],
        ))["state"]
            .clone()
    };
    assert_eq!(status("alice"), "enabled");

    // Her password alone no longer acts for her; her code does, once.
    let approve = |extra: &[&str]| {
        let mut args = vec![
            "team",
            "approve",
            "{url}",
            "bob",
            "--fingerprint",
            &bob_fp,
            "--role",
            "editor",
        ];
        args.extend(extra);
        team.run("alice", "alice master", &args)
    };
    let bare = approve(&[]);
    assert_ne!(bare.code, 0);
    assert!(
        bare.stderr.contains("needs a second factor"),
        "{}",
        bare.stderr
    );
    assert_eq!(team.members("alice")[1]["state"], "pending");
    team.clock.set(Some(t + 30));
    let code = totp_at(&secret, t + 30);
    let out = approve(&["--totp", &code]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(team.members("alice")[1]["state"], "active");
    let replay = team.run("alice", "alice master", &["list", "{url}", "--totp", &code]);
    assert_ne!(replay.code, 0, "a code used twice");
    let by_backup = team.run(
        "alice",
        "alice master",
        &["list", "{url}", "--backup-code", &backup[0]],
    );
    assert_eq!(by_backup.code, 0, "{}", by_backup.stderr);

    // A new master password seals her keys and her settings again: the old one opens nothing,
    // her factor still guards the new one.
    let changed = team.run_with(
        "alice",
        "alice master",
        "",
        &[("PORTCULLIS_NEW_PASSWORD", "alice's new master")],
        &["passwd", "{url}", "--backup-code", &backup[2]],
    );
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    let old = team.run(
        "alice",
        "alice master",
        &["list", "{url}", "--backup-code", &backup[3]],
    );
    assert!(old.stderr.contains("wrong password"), "{}", old.stderr);
    let bare = team.run("alice", "alice's new master", &["list", "{url}"]);
    assert!(
        bare.stderr.contains("needs a second factor"),
        "{}",
        bare.stderr
    );
    team.ok(
        "alice",
        "alice's new master",
        &["list", "{url}", "--backup-code", &backup[3]],
    );

    // Bob set no factor: his own password is enough for him, whatever alice set.
    assert_eq!(status("bob"), "not enabled");
    team.ok("bob", "bob master", &["list", "{url}"]);

    // The server holds alice's settings sealed: not her authenticator's secret, not a code.
    let dump = team.pg.dump("vault");
    assert!(
        !dump.contains(&secret),
        "the TOTP secret in clear on the server"
    );
    let hex: String = backup[1].bytes().map(|b| format!("{b:02x}")).collect();
    assert!(!dump.contains(&backup[1]) && !dump.contains(&hex));

    // Her settings changed on the server are refused, not obeyed.
    team.pg.admin(
        "vault",
        "UPDATE portcullis.identity_secrets SET mfa = set_byte(mfa, 30, get_byte(mfa, 30) # 1) WHERE role = 'alice'",
    );
    let tampered = team.run("alice", "alice's new master", &["list", "{url}"]);
    assert!(
        tampered
            .stderr
            .contains("second-factor settings on the server are damaged"),
        "{}",
        tampered.stderr
    );
}

#[test]
fn members_import_and_export_a_team_workspace_and_exports_are_logged() {
    let team = team_of_three();
    let csv = team.dir.path().join("in.csv");
    std::fs::write(
        &csv,
        "title,username,password,url\nMail,me@example.com,mail-pw,https://mail.example.com\nBank,me,bank-pw,https://bank.example.com\n",
    )
    .unwrap();
    let imported = json(&team.run(
        "bob",
        "bob master",
        &[
            "import",
            "{url}",
            "--from",
            "csv",
            csv.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(imported["imported"], 2, "{imported}");
    assert_eq!(team.titles("alice"), ["Bank", "Mail"]);
    // The same file again: nothing new (duplicates are found against the team's entries).
    let again = json(&team.run(
        "bob",
        "bob master",
        &[
            "import",
            "{url}",
            "--from",
            "csv",
            csv.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(again["imported"], 0, "{again}");
    // A viewer imports nothing.
    let refused = team.run(
        "carol",
        "carol master",
        &["import", "{url}", "--from", "csv", csv.to_str().unwrap()],
    );
    assert!(
        refused.stderr.contains("you are a viewer"),
        "{}",
        refused.stderr
    );

    // Any member exports what they can read; the log says who, what and how many.
    let out = team.dir.path().join("carol.csv");
    team.ok(
        "carol",
        "carol master",
        &["export", "{url}", "--to", "csv", out.to_str().unwrap()],
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.contains("bank-pw") && written.contains("mail-pw"),
        "{written}"
    );
    let kdbx = team.dir.path().join("alice.kdbx");
    let exported = team.run_with(
        "alice",
        "alice master",
        "",
        &[("PORTCULLIS_EXPORT_PASSWORD", "kdbx pw")],
        &["export", "{url}", "--to", "kdbx", kdbx.to_str().unwrap()],
    );
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let copy = team.dir.path().join("copy.pcx");
    let no_copy = team.run(
        "alice",
        "alice master",
        &[
            "export",
            "{url}",
            "--to",
            "portcullis",
            copy.to_str().unwrap(),
        ],
    );
    assert!(
        no_copy.stderr.contains("csv, otpauth or kdbx"),
        "{}",
        no_copy.stderr
    );
    assert!(!copy.exists());
    let log = json(&team.run("bob", "", &["team", "log", "{url}", "--json"]));
    let exports: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "exported")
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap(),
                e["subject"].as_str().unwrap()
            )
        })
        .collect();
    let mut exports = exports;
    exports.sort();
    assert_eq!(
        exports,
        ["alice 2 entries as kdbx", "carol 2 entries as csv"]
    );

    // A viewer's junk stops neither the admins' audit log nor another member's exports: the
    // audit log takes admins' events only, and carol's export log is hers alone.
    let as_carol = |sql: &str| team.pg.psql("carol", "carol-db", "vault", sql);
    let ws = "(SELECT id FROM portcullis.workspaces WHERE name = 'ops')";
    let junk = as_carol(&format!("SELECT portcullis.append_audit({ws}, 4, '\\x00')")).unwrap_err();
    assert!(junk.contains("only an admin"), "{junk}");
    as_carol(&format!(
        "INSERT INTO portcullis.exports (workspace, seq, element) SELECT {ws}, 2, '\\x00'"
    ))
    .unwrap();
    let log = team.run("bob", "", &["team", "log", "{url}", "--json"]);
    assert!(
        log.stderr
            .contains("the export log of carol was changed on the server at event 2"),
        "{}",
        log.stderr
    );
    assert!(json(&log)
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["actor"] == "alice" && e["action"] == "exported"));
    team.ok(
        "alice",
        "alice master",
        &["team", "role", "{url}", "bob", "viewer"],
    );
    let again = team.dir.path().join("alice.csv");
    team.ok(
        "alice",
        "alice master",
        &["export", "{url}", "--to", "csv", again.to_str().unwrap()],
    );
}

#[test]
fn with_the_server_down_members_read_their_last_synced_copy_and_change_nothing() {
    let team = team_of_three();
    let t = common::real_now();
    team.clock.set(Some(t));
    team.run_in(
        "alice",
        "alice master",
        "router-secret\n",
        &["add", "{url}", "--title", "Router", "--username", "admin"],
    );
    // Alice sets up her own factor; her copy keeps it.
    let begun = json(&team.run(
        "alice",
        "alice master",
        &[
            "mfa", "totp", "begin", "{url}", "--label", "phone", "--json",
        ],
    ));
    let secret = begun["secret"].as_str().unwrap().to_owned();
    team.ok(
        "alice",
        "alice master",
        &["mfa", "totp", "confirm", "{url}", &totp_at(&secret, t)],
    );
    team.clock.set(Some(t + 30));
    team.ok(
        "alice",
        "alice master",
        &["list", "{url}", "--totp", &totp_at(&secret, t + 30)],
    );
    assert_eq!(team.titles("carol"), ["Router"]);
    // Carol changes her password (through an address that names no workspace): every copy of
    // hers follows, the old password opens nothing.
    let no_workspace = format!(
        "postgresql://carol@127.0.0.1:{}/vault?sslmode=disable",
        team.pg.port
    );
    let changed = team.run_with(
        "carol",
        "carol master",
        "",
        &[("PORTCULLIS_NEW_PASSWORD", "carol new")],
        &["passwd", &no_workspace],
    );
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    // Dave never opened it on his computer.
    team.pg.stop();
    let old = team.run("carol", "carol master", &["list", "{url}"]);
    assert!(old.stderr.contains("wrong password"), "{}", old.stderr);

    let offline = team.run(
        "carol",
        "carol new",
        &["show", "{url}", "Router", "--reveal", "--json"],
    );
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(json(&offline)["password"], "router-secret");
    assert!(
        offline
            .stderr
            .contains("offline: cannot connect to the PostgreSQL server"),
        "{}",
        offline.stderr
    );
    assert!(offline.stderr.contains("last synced"), "{}", offline.stderr);
    // The copy's history and bin read offline too; changing them needs the server.
    let versions = json(&team.run(
        "carol",
        "carol new",
        &["history", "{url}", "Router", "--json"],
    ));
    assert_eq!(versions[0]["version"], 1, "{versions}");
    let bin = team.run("carol", "carol new", &["trash", "{url}", "--json"]);
    assert_eq!(bin.code, 0, "{}", bin.stderr);
    assert_eq!(json(&bin), serde_json::json!([]));
    let write = team.run(
        "carol",
        "carol new",
        &["add", "{url}", "--kind", "note", "--title", "New"],
    );
    assert!(
        write.stderr.contains("changes need the server"),
        "{}",
        write.stderr
    );
    let wrong = team.run("carol", "not carol's", &["list", "{url}"]);
    assert!(wrong.stderr.contains("wrong password"), "{}", wrong.stderr);
    let never = team.run("dave", "dave master", &["list", "{url}"]);
    assert!(
        never
            .stderr
            .contains("cannot connect to the PostgreSQL server"),
        "{}",
        never.stderr
    );
    assert_ne!(never.code, 0);

    // Alice's factor guards her copy too.
    team.clock.set(Some(t + 60));
    let bare = team.run("alice", "alice master", &["list", "{url}"]);
    assert!(
        bare.stderr.contains("needs a second factor"),
        "{}",
        bare.stderr
    );
    team.ok(
        "alice",
        "alice master",
        &["list", "{url}", "--totp", &totp_at(&secret, t + 60)],
    );

    // A copy changed on disk is refused, not read.
    let data = team
        .dir
        .path()
        .join("data-carol")
        .join("portcullis")
        .join("team");
    let copy = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "copy"))
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let mut bytes = std::fs::read(&copy).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&copy, bytes).unwrap();
    let damaged = team.run("carol", "carol new", &["list", "{url}"]);
    assert!(
        damaged
            .stderr
            .contains("offline copy of this workspace on this computer cannot be used"),
        "{}",
        damaged.stderr
    );
}
