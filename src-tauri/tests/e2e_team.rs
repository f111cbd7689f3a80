//! End to end: a team workspace on a real PostgreSQL 15, the app as one member and the CLI as
//! another. The app opens it as alice (the start screen's team form, her master password, then
//! her authenticator code on the same factor screen as a file's). Bob is the real `portcullis`
//! binary, built for this test, with his passwords on standard input: he asks to join and
//! prints his fingerprint; alice compares it on the Members screen (a wrong one is refused) and
//! approves him, after her second factor again; bob adds an entry and edits the one alice has
//! open, and the open app shows both within 2 s (the list and the detail pane). The Security
//! screen shows alice's own second factor. Alice removes bob: the entries he could read are
//! listed, each linked to the entry. Carol asks to join from the start screen. The server
//! stops while the app is open: the offline banner comes and a change is refused, until it
//! starts again. With the server stopped, the app
//! opens the offline copy it kept: the banner says since when, the entries read, and a change
//! is refused with the core's message.
#![allow(clippy::unwrap_used)]

mod common;

use common::{App, Authenticator};
use portcullis_core::crypto::{KdfParams, SecretString};
use portcullis_core::entry_edit::{EntryChanges, EntryType};
use portcullis_core::team::{self, Team, TeamUrl};
use portcullis_core::{EntryStore, Guarded};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_support::Postgres;

fn secret(s: &str) -> SecretString {
    SecretString::new(s.into())
}

fn url(pg: &Postgres, role: &str) -> TeamUrl {
    TeamUrl::parse(&format!(
        "postgresql://{role}@127.0.0.1:{}/vault?workspace=ops&sslmode=disable",
        pg.port
    ))
    .unwrap()
}

fn connect(pg: &Postgres, role: &str) -> Team {
    Team::connect(&url(pg, role), &secret(&format!("{role}-db"))).unwrap()
}

/// Runs the core's blocking PostgreSQL client from the test's async runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// A workspace `ops` in database `vault`, with the login roles alice and bob: alice its admin
/// with an authenticator (her key is returned) and an entry, Runbook. This process's own
/// offline copies and heads go to a folder of its own.
fn team(data_home: &Path) -> (Postgres, String) {
    std::env::set_var("XDG_DATA_HOME", data_home);
    let pg = Postgres::start();
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
    let admin = TeamUrl::parse(&format!(
        "postgresql://{}@127.0.0.1:{}/vault?sslmode=disable",
        test_support::POSTGRES_ADMIN,
        pg.port
    ))
    .unwrap();
    team::setup(&mut team::connect(&admin, &secret(&pg.admin_password)).unwrap()).unwrap();
    let kdf = KdfParams::new(1024, 1, 1).unwrap();
    let mut alice = connect(&pg, "alice")
        .new_member(&secret("alice master"), kdf)
        .unwrap();
    alice.create_workspace().unwrap();
    let enrolment = alice.begin_totp("phone").unwrap();
    let otp = portcullis_core::otp::OtpParams::parse(enrolment.uri.expose_secret()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    alice.confirm_totp(&otp.code_at(now).code).unwrap();
    let mut ws = alice.open_workspace().unwrap();
    ws.add_entry(
        EntryType::Note,
        EntryChanges {
            title: Some("Runbook".into()),
            notes: Some("Restart: ask alice".into()),
            ..EntryChanges::default()
        },
    )
    .unwrap();
    (pg, enrolment.key.expose_secret().replace(' ', ""))
}

/// The CLI binary, built for this test (cargo does nothing when it is up to date), in the
/// target directory this test binary runs from.
fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test binary>
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args([
        "build",
        "--quiet",
        "-p",
        "portcullis-cli",
        "--bin",
        "portcullis",
    ]);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build
        .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "the CLI did not build");
    profile_dir.join("portcullis")
}

/// Bob: the `portcullis` CLI on a computer of his own (his own data folder), his database
/// password and master password sent on standard input, never as arguments or environment.
struct Bob {
    bin: PathBuf,
    url: String,
    home: tempfile::TempDir,
}

impl Bob {
    fn new(pg: &Postgres) -> Self {
        Self {
            bin: cli_binary(),
            url: format!(
                "postgresql://bob@127.0.0.1:{}/vault?workspace=ops&sslmode=disable",
                pg.port
            ),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `portcullis ARGS…`, `{url}` standing for bob's address; its standard output, once it
    /// succeeded.
    fn run(&self, args: &[&str]) -> String {
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "{url}" { self.url.as_str() } else { a })
            .collect();
        let mut child = Command::new(&self.bin)
            .args(&args)
            .env_remove("PGPASSWORD")
            .env_remove("PORTCULLIS_PASSWORD")
            .env_remove("PORTCULLIS_NEW_PASSWORD")
            .env("PGPASSFILE", "/nonexistent")
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The database password, then the master password (new for `team join`).
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(b"bob-db\nbob master\n");
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "portcullis {args:?}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

/// Polls the page every 50 ms until `css` shows, for at most 2 s after `since`; how long it
/// took from `since`.
async fn within_2s(app: &App, css: &str, since: Instant) -> Duration {
    loop {
        if app.client.find(fantoccini::Locator::Css(css)).await.is_ok() {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(2),
            "{css} did not show within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fills the start screen's team form as alice and sends it: first without the database
/// password (none is kept yet: the app asks for it), then with it, kept in the keyring.
async fn open_as_alice(app: &App, pg: &Postgres) {
    if app
        .client
        .find(fantoccini::Locator::Css(r#"[data-testid="team-form"]"#))
        .await
        .is_err()
    {
        app.click(r#"[data-testid="team-mode"]"#).await;
    }
    app.type_into(r#"[data-testid="team-host"]"#, "127.0.0.1")
        .await;
    app.type_into(r#"[data-testid="team-port"]"#, &pg.port.to_string())
        .await;
    app.type_into(r#"[data-testid="team-database"]"#, "vault")
        .await;
    app.type_into(r#"[data-testid="team-workspace"]"#, "ops")
        .await;
    app.type_into(r#"[data-testid="team-user"]"#, "alice").await;
    app.select(r#"[data-testid="team-sslmode"]"#, "disable")
        .await;
    app.type_into(r#"[data-testid="team-password"]"#, "alice master")
        .await;
    app.click(r#"[data-testid="team-submit"]"#).await;
    app.wait_text(r#"[data-testid="error"]"#, |t| {
        t.contains("Enter the database password")
    })
    .await;
    app.type_into(r#"[data-testid="team-db-password"]"#, "alice-db")
        .await;
    app.click(r#"[data-testid="team-remember"]"#).await;
    app.shot("01-team-form").await;
    let unnamed = app.unnamed_controls().await;
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:?}");
    app.click(r#"[data-testid="team-submit"]"#).await;
}

/// The factor screen, as for a file: alice's authenticator code (sent once it is whole).
async fn pass_factor(app: &App, phone: &mut Authenticator) {
    app.type_into(r#"[data-testid="code"]"#, &phone.next())
        .await;
    app.wait(r#"[data-testid="add"]"#).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_workspace_in_the_app_with_the_cli_as_another_member_and_offline() {
    let data_home = tempfile::tempdir().unwrap();
    let (pg, key) = blocking(|| team(data_home.path()));
    let bob = blocking(|| Bob::new(&pg));

    let keyring_home = tempfile::tempdir().unwrap();
    let keyring = test_support::Keyring::start(keyring_home.path());
    let (app, _) =
        App::start_with("team", &[("DBUS_SESSION_BUS_ADDRESS", keyring.bus.clone())]).await;
    // The code alice used to enrol is behind the app's clock from here.
    app.clock.advance(60);
    let mut phone = Authenticator::new(&key, &app.clock);
    app.shot("00-start").await;

    // Carol asks to join from the start screen (a new identity): the app shows her
    // fingerprint, the one the server lists for her, and the founder's, alice's.
    app.click(r#"[data-testid="team-mode"]"#).await;
    for (field, value) in [
        ("team-host", "127.0.0.1".to_owned()),
        ("team-port", pg.port.to_string()),
        ("team-database", "vault".to_owned()),
        ("team-workspace", "ops".to_owned()),
        ("team-user", "carol".to_owned()),
        ("team-db-password", "carol-db".to_owned()),
        ("team-password", "carol master".to_owned()),
    ] {
        app.type_into(&format!(r#"[data-testid="{field}"]"#), &value)
            .await;
    }
    app.select(r#"[data-testid="team-sslmode"]"#, "disable")
        .await;
    app.click(r#"[data-testid="team-join"]"#).await;
    let carol_fp = app
        .wait_text(
            r#"[data-testid="join-fingerprint"], [data-testid="error"]"#,
            |t| !t.is_empty(),
        )
        .await;
    app.shot("01a-join-requested").await;
    if let Ok(error) = app
        .client
        .find(fantoccini::Locator::Css(r#"[data-testid="error"]"#))
        .await
    {
        panic!("the join was refused: {}", error.text().await.unwrap());
    }
    let founder_fp = app
        .text(r#"[data-testid="join-founder-fingerprint"]"#)
        .await;
    app.shot("01a-join-requested").await;
    let members = blocking(|| connect(&pg, "alice").members().unwrap());
    let listed = |name: &str| members.iter().find(|m| m.name == name).unwrap();
    assert_eq!(
        (
            listed("carol").state.as_str(),
            listed("carol").fingerprint.as_str()
        ),
        ("pending", carol_fp.as_str())
    );
    assert_eq!(listed("alice").fingerprint, founder_fp);

    open_as_alice(&app, &pg).await;
    app.wait(r#"[data-testid="code"]"#).await;
    app.shot("02-factor").await;
    pass_factor(&app, &mut phone).await;
    app.wait(r#"[data-testid="entry-Runbook"]"#).await;
    assert!(
        app.client
            .find(fantoccini::Locator::Css(
                r#"[data-testid="offline-banner"]"#
            ))
            .await
            .is_err(),
        "online: no offline banner"
    );

    // Alice adds an entry.
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "From alice")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait(r#"[data-testid="entry-From alice"]"#).await;

    // Bob asks to join with the CLI, which prints his fingerprint; alice compares it on the
    // Members screen with the one computed there (a wrong one is refused) and approves him,
    // after her factor again: six minutes on, the one of her unlock is stale.
    let joined: serde_json::Value = serde_json::from_str(&blocking(|| {
        bob.run(&[
            "team",
            "join",
            "{url}",
            "--json",
            "--kdf-memory-mib",
            "1",
            "--kdf-iterations",
            "1",
            "--kdf-parallelism",
            "1",
        ])
    }))
    .unwrap();
    let bob_fp = joined["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(joined["founder"], "alice");
    app.click(r#"[data-testid="members-open"]"#).await;
    app.wait(r#"[data-testid="member-bob"][data-state="pending"]"#)
        .await;
    assert_eq!(app.text(r#"[data-testid="fingerprint-bob"]"#).await, bob_fp);
    let wrong = bob_fp.replace(&bob_fp[..4], "AAAA");
    assert_ne!(wrong, bob_fp);
    app.type_into(r#"[data-testid="typed-fingerprint-bob"]"#, &wrong)
        .await;
    app.click(r#"[data-testid="approve-bob"]"#).await;
    app.wait_text(r#"[data-testid="members-error"]"#, |t| {
        t.contains("does not match")
    })
    .await;
    app.clock.advance(6 * 60);
    app.type_into(r#"[data-testid="typed-fingerprint-bob"]"#, &bob_fp)
        .await;
    app.select(r#"[data-testid="role-bob"]"#, "editor").await;
    app.click(r#"[data-testid="approve-bob"]"#).await;
    app.type_into(r#"[data-testid="step-up-code"]"#, &phone.next())
        .await;
    app.click(r#".step-up button[type="submit"]"#).await;
    app.wait(r#"[data-testid="member-bob"][data-state="active"]"#)
        .await;
    app.wait_text(r#"[data-testid="team-log"]"#, |t| t.contains("approved"))
        .await;
    app.shot("04-members").await;
    let unnamed = app.unnamed_controls().await;
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:?}");
    // Bob sees himself an active editor, and alice's entries.
    let members: serde_json::Value = serde_json::from_str(&blocking(|| {
        bob.run(&["team", "members", "{url}", "--json"])
    }))
    .unwrap();
    let me = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "bob")
        .unwrap();
    assert_eq!(
        (&me["state"], &me["role"]),
        (&"active".into(), &"editor".into())
    );
    let listed = blocking(|| bob.run(&["list", "{url}"]));
    assert!(
        listed.contains("From alice") && listed.contains("Runbook"),
        "{listed}"
    );
    app.click(r#"[data-testid="back"]"#).await;

    // Alice has Runbook open; bob adds an entry and edits Runbook with the CLI: the open app
    // shows both within 2 s, the list and the detail pane, without anyone touching it.
    app.click(r#"[data-testid="entry-Runbook"]"#).await;
    app.wait_text(r#"[data-testid="detail-notes"]"#, |t| {
        t == "Restart: ask alice"
    })
    .await;
    let added = blocking(|| {
        bob.run(&["add", "{url}", "--kind", "note", "--title", "From bob"]);
        Instant::now()
    });
    let took = within_2s(&app, r#"[data-testid="entry-From bob"]"#, added).await;
    eprintln!("bob's new entry showed in the app {took:?} after the CLI returned");
    let edited = blocking(|| {
        bob.run(&["edit", "{url}", "Runbook", "--notes", "Restart: ask bob"]);
        Instant::now()
    });
    loop {
        let notes = app.text(r#"[data-testid="detail-notes"]"#).await;
        if notes == "Restart: ask bob" {
            break;
        }
        assert!(
            edited.elapsed() < Duration::from_secs(2),
            "the detail pane still shows {notes:?} 2 s after bob's edit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "bob's edit showed in the open detail pane {:?} after the CLI returned",
        edited.elapsed()
    );
    assert_eq!(app.text(r#"[data-testid="detail-title"]"#).await, "Runbook");
    app.shot("03-live-refresh").await;

    // Alice removes bob: the Members screen lists the entries he could read, each a link to
    // the entry (its secrets to change).
    app.click(r#"[data-testid="members-open"]"#).await;
    app.click(r#"[data-testid="remove-bob"]"#).await;
    app.click(r#"[data-testid="remove-confirmed"]"#).await;
    app.wait(r#"[data-testid="member-bob"][data-state="removed"]"#)
        .await;
    let to_change = app.text(r#"[data-testid="to-change"]"#).await;
    for title in ["Runbook", "From alice", "From bob"] {
        assert!(to_change.contains(title), "{to_change}");
    }
    app.shot("04b-removed").await;
    app.click(r#"[data-testid="to-change-Runbook"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Runbook")
        .await;

    // The Security screen manages alice's own second factor as a member; a file's settings
    // (quick unlock, device binding) do not show.
    app.click(r#"[data-testid="security"]"#).await;
    app.wait(r#"[data-testid="security-team"]"#).await;
    app.wait(r#"[data-testid="method-row-phone"]"#).await;
    assert!(app
        .client
        .find(fantoccini::Locator::Css(r#"[data-testid="binding-state"]"#))
        .await
        .is_err());
    app.shot("05-security-on-team").await;
    app.click(r#"[data-testid="back"]"#).await;

    // The server stops while the app is open: the offline banner comes and a change is
    // refused; it starts again: the banner goes and the same change is saved.
    blocking(|| pg.stop());
    let banner = app
        .wait_text(r#"[data-testid="offline-banner"]"#, |t| !t.is_empty())
        .await;
    assert!(
        banner.starts_with("Offline: the server cannot be reached"),
        "{banner}"
    );
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "While lost")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="form-error"]"#, |t| {
        t.contains("last synced")
    })
    .await;
    app.shot("05b-server-lost").await;
    blocking(|| pg.start_again());
    let back = Instant::now();
    while app
        .client
        .find(fantoccini::Locator::Css(
            r#"[data-testid="offline-banner"]"#,
        ))
        .await
        .is_ok()
    {
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "the banner stayed after the server came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "back online in the app {:?} after the server started",
        back.elapsed()
    );
    app.click(r#"[data-testid="save"]"#).await;
    app.wait(r#"[data-testid="entry-While lost"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="team-form"], [data-testid="submit"]"#)
        .await;

    // The server stops: the copy kept at the last sync opens, read-only, and says so.
    blocking(|| pg.stop());
    if app
        .client
        .find(fantoccini::Locator::Css(r#"[data-testid="team-form"]"#))
        .await
        .is_err()
    {
        app.click(r#"[data-testid="team-mode"]"#).await;
    }
    // The address is filled in again, the database password left empty: the keyring's.
    assert_eq!(
        app.wait(r#"[data-testid="team-user"]"#)
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("alice")
    );
    assert_eq!(
        app.wait(r#"[data-testid="team-db-password"]"#)
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
    app.type_into(r#"[data-testid="team-password"]"#, "alice master")
        .await;
    app.click(r#"[data-testid="team-submit"]"#).await;
    pass_factor(&app, &mut phone).await;
    let banner = app
        .wait_text(r#"[data-testid="offline-banner"]"#, |t| !t.is_empty())
        .await;
    assert!(
        banner.starts_with("Offline: the server cannot be reached"),
        "{banner}"
    );
    for title in ["Runbook", "From alice", "From bob", "While lost"] {
        app.wait(&format!(r#"[data-testid="entry-{title}"]"#)).await;
    }
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "While offline")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    let refused = app
        .wait_text(r#"[data-testid="form-error"]"#, |t| !t.is_empty())
        .await;
    assert!(
        refused.contains("the server cannot be reached") && refused.contains("last synced"),
        "{refused}"
    );
    app.shot("06-offline").await;

    // Neither password ever reached the app's log.
    let logs = app.logs();
    assert!(!logs.contains("alice-db") && !logs.contains("alice master"));
    app.stop().await;
    blocking(|| drop(pg));
}
