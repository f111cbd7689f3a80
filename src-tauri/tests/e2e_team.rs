//! End to end: a team workspace on a real PostgreSQL 15. The app opens it as alice (the start
//! screen's team form, her master password, then her authenticator code on the same factor
//! screen as a file's); bob, another member, writes through the core in this process; his
//! entry shows in the open app within 2 s (the live refresh). On the Members screen alice
//! approves carol with the fingerprint carol gave her (a wrong one is refused), after her
//! second factor again; the history shows it. A file-only screen answers that
//! a team workspace has no such setting. With the server stopped, the app opens the offline
//! copy it kept: the banner says since when, the entries read, and a change is refused with the
//! core's message.
#![allow(clippy::unwrap_used)]

mod common;

use common::{App, Authenticator};
use portcullis_core::crypto::{KdfParams, SecretString};
use portcullis_core::entry_edit::{EntryChanges, EntryType};
use portcullis_core::team::{self, Access, Team, TeamUrl};
use portcullis_core::{EntryStore, Guarded};
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

fn note(title: &str) -> EntryChanges {
    EntryChanges {
        title: Some(title.into()),
        ..EntryChanges::default()
    }
}

/// A workspace `ops` in database `vault`: alice its admin with an authenticator (her key is
/// returned), bob an editor. This process's own offline copies and heads go to a folder of its
/// own.
fn team(data_home: &std::path::Path) -> (Postgres, String) {
    std::env::set_var("XDG_DATA_HOME", data_home);
    let pg = Postgres::start();
    pg.admin("postgres", "CREATE DATABASE vault");
    pg.admin("vault", "CREATE ROLE portcullis_member NOLOGIN");
    for role in ["alice", "bob"] {
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
    let mut bob = connect(&pg, "bob")
        .new_member(&secret("bob master"), kdf)
        .unwrap();
    bob.request_join().unwrap();
    let fingerprint = bob.identity().public().fingerprint();
    alice.approve("bob", &fingerprint, Access::Editor).unwrap();
    // Alice's authenticator, set up after the approval (which would need it fresh).
    let enrolment = alice.begin_totp("phone").unwrap();
    let otp = portcullis_core::otp::OtpParams::parse(enrolment.uri.expose_secret()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    alice.confirm_totp(&otp.code_at(now).code).unwrap();
    (pg, enrolment.key.expose_secret().replace(' ', ""))
}

/// Fills the start screen's team form as alice and sends it: first without the database
/// password (none is kept yet: the app asks for it), then with it, kept in the keyring.
async fn open_as_alice(app: &App, pg: &Postgres) {
    app.click(r#"[data-testid="team-mode"]"#).await;
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

/// Holds what owns a blocking PostgreSQL client, dropped off the async runtime (also when a
/// step fails half-way).
struct OffRuntime<T>(Option<T>);

impl<T> Drop for OffRuntime<T> {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            tokio::task::block_in_place(|| drop(t));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_workspace_in_the_app_with_another_member_and_offline() {
    let data_home = tempfile::tempdir().unwrap();
    let (pg, key) = blocking(|| team(data_home.path()));
    let mut bob = OffRuntime(Some(blocking(|| {
        let mut bob = connect(&pg, "bob")
            .unlock_member(&secret("bob master"), false)
            .unwrap()
            .into_open()
            .unwrap()
            .open_workspace()
            .unwrap();
        bob.add_entry(EntryType::Note, note("Runbook")).unwrap();
        bob
    })));

    let keyring_home = tempfile::tempdir().unwrap();
    let keyring = test_support::Keyring::start(keyring_home.path());
    let (app, _) =
        App::start_with("team", &[("DBUS_SESSION_BUS_ADDRESS", keyring.bus.clone())]).await;
    // The code alice used to enrol is behind the app's clock from here.
    app.clock.advance(60);
    let mut phone = Authenticator::new(&key, &app.clock);
    app.shot("00-start").await;
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

    // Alice adds an entry; bob reads it after his sync.
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "From alice")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait(r#"[data-testid="entry-From alice"]"#).await;
    let bob_ws = bob.0.as_mut().unwrap();
    blocking(|| bob_ws.sync()).unwrap();
    assert!(bob_ws.find("From alice").is_ok());

    // Bob writes: the open app shows it within 2 s, without anyone touching it.
    let written = Instant::now();
    blocking(|| bob_ws.add_entry(EntryType::Note, note("From bob"))).unwrap();
    loop {
        let shown = app
            .client
            .find(fantoccini::Locator::Css(
                r#"[data-testid="entry-From bob"]"#,
            ))
            .await
            .is_ok();
        if shown {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(2),
            "bob's entry did not show within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = written.elapsed();
    eprintln!("bob's entry showed in the app after {took:?}");
    app.shot("03-live-refresh").await;

    // Carol asks to join; alice approves her on the Members screen, with the fingerprint
    // carol gave her out of band (a wrong one is refused), after her factor again: six minutes
    // on, the one of her unlock is stale.
    let carol_fp = blocking(|| {
        pg.admin(
            "vault",
            "CREATE ROLE carol LOGIN PASSWORD 'carol-db'; GRANT portcullis_member TO carol",
        );
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut carol = connect(&pg, "carol")
            .new_member(&secret("carol master"), kdf)
            .unwrap();
        carol.request_join().unwrap();
        carol.identity().public().fingerprint()
    });
    app.click(r#"[data-testid="members-open"]"#).await;
    app.wait(r#"[data-testid="member-carol"][data-state="pending"]"#)
        .await;
    assert_eq!(
        app.text(r#"[data-testid="fingerprint-carol"]"#).await,
        carol_fp
    );
    let wrong = carol_fp.replace(&carol_fp[..4], "AAAA");
    assert_ne!(wrong, carol_fp);
    app.type_into(r#"[data-testid="typed-fingerprint-carol"]"#, &wrong)
        .await;
    app.click(r#"[data-testid="approve-carol"]"#).await;
    app.wait_text(r#"[data-testid="members-error"]"#, |t| {
        t.contains("does not match")
    })
    .await;
    app.clock.advance(6 * 60);
    app.type_into(r#"[data-testid="typed-fingerprint-carol"]"#, &carol_fp)
        .await;
    app.select(r#"[data-testid="role-carol"]"#, "viewer").await;
    app.click(r#"[data-testid="approve-carol"]"#).await;
    app.type_into(r#"[data-testid="step-up-code"]"#, &phone.next())
        .await;
    app.click(r#".step-up button[type="submit"]"#).await;
    app.wait(r#"[data-testid="member-carol"][data-state="active"]"#)
        .await;
    app.wait_text(r#"[data-testid="team-log"]"#, |t| t.contains("approved"))
        .await;
    app.shot("04-members").await;
    let unnamed = app.unnamed_controls().await;
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:?}");
    let members = blocking(|| connect(&pg, "alice").members().unwrap());
    let carol = members.iter().find(|m| m.name == "carol").unwrap();
    assert_eq!(
        (carol.state.as_str(), carol.access),
        ("active", Access::Viewer)
    );
    app.click(r#"[data-testid="back"]"#).await;

    // A file workspace's screen: the app says a team workspace has no such setting.
    app.click(r#"[data-testid="security"]"#).await;
    app.wait_text(r#"[data-testid="security-error"]"#, |t| {
        t.contains("team workspace")
    })
    .await;
    app.shot("05-security-on-team").await;
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="team-form"], [data-testid="submit"]"#)
        .await;

    // The server stops: the copy kept at the last sync opens, read-only, and says so.
    blocking(|| {
        drop(bob);
        pg.stop();
    });
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
    for title in ["Runbook", "From alice", "From bob"] {
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
