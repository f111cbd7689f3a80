//! Entries of a team workspace shared by two members against a real PostgreSQL 15: a change
//! another member made meanwhile is reported, never overwritten; writes to other entries meet
//! no conflict; writes from two processes at once are all kept.
#![allow(clippy::unwrap_used)]

use portcullis_core::crypto::{KdfParams, SecretString};
use portcullis_core::entry_edit::{EntryChanges, EntryType};
use portcullis_core::team::{self, Access, Error as TeamError, Team, TeamUrl, TeamWorkspace};
use portcullis_core::workspace::Error;
use portcullis_core::EntryStore;
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

/// Where the verified heads go (under the data directory): a folder of this test binary, set
/// once before any test reads it; each test's server has its own port, so its own heads.
fn private_data_home() {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("XDG_DATA_HOME", dir.path());
        dir
    });
}

/// A workspace `ops` founded by alice, with bob approved as an editor.
fn two_members() -> Postgres {
    private_data_home();
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
    let admin_url = TeamUrl::parse(&format!(
        "postgresql://{}@127.0.0.1:{}/vault?sslmode=disable",
        test_support::POSTGRES_ADMIN,
        pg.port
    ))
    .unwrap();
    team::setup(&mut team::connect(&admin_url, &secret(&pg.admin_password)).unwrap()).unwrap();
    let kdf = KdfParams::new(1024, 1, 1).unwrap();
    let mut alice = connect(&pg, "alice")
        .new_member(&secret("alice master"), kdf)
        .unwrap();
    alice.create_workspace().unwrap();
    let mut bob = connect(&pg, "bob")
        .new_member(&secret("bob master"), kdf)
        .unwrap();
    bob.request_join().unwrap();
    let bob_fp = bob.identity().public().fingerprint();
    alice.approve("bob", &bob_fp, Access::Editor).unwrap();
    pg
}

fn open(pg: &Postgres, role: &str) -> TeamWorkspace {
    connect(pg, role)
        .unlock_member(&secret(&format!("{role} master")), false)
        .unwrap()
        .into_open()
        .unwrap()
        .open_workspace()
        .unwrap()
}

fn note(title: &str) -> EntryChanges {
    EntryChanges {
        title: Some(title.into()),
        ..EntryChanges::default()
    }
}

fn titles(ws: &mut TeamWorkspace) -> Vec<String> {
    ws.summaries()
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect()
}

#[test]
fn a_change_made_meanwhile_is_reported_and_other_entries_are_written_anyway() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let shared = alice.add_entry(EntryType::Note, note("Shared")).unwrap();
    let mut bob = open(&pg, "bob");
    assert_eq!(titles(&mut bob), ["Shared"]);

    // Alice renames it; bob, who read it before, edits it too: refused, nothing lost.
    let renamed = EntryChanges {
        title: Some("Shared, by alice".into()),
        ..EntryChanges::default()
    };
    alice.edit_entry(&shared.id, None, renamed).unwrap();
    let stale = EntryChanges {
        notes: Some("bob's note".into()),
        ..EntryChanges::default()
    };
    let refused = bob.edit_entry(&shared.id, None, stale.clone()).unwrap_err();
    assert!(
        matches!(TeamError::of(&refused), Some(TeamError::Conflict(t)) if t == "Shared"),
        "{refused}"
    );
    assert!(refused
        .to_string()
        .contains("changed or deleted by another member meanwhile"));

    // A new entry meets no conflict: bob's copy catches up with the chain and writes at the
    // next position.
    bob.add_entry(EntryType::Note, note("Bob's")).unwrap();
    assert_eq!(titles(&mut bob), ["Bob's", "Shared, by alice"]);
    // Once caught up, his edit applies to what alice wrote.
    bob.edit_entry(&shared.id, None, stale).unwrap();
    alice.sync().unwrap();
    let seen = alice.find(&shared.id).unwrap();
    assert_eq!(
        (seen.title.as_str(), seen.notes.as_str()),
        ("Shared, by alice", "bob's note")
    );
    assert_eq!(alice.synced_to(), bob.synced_to());
}

#[test]
fn two_processes_adding_at_once_keep_every_acknowledged_entry() {
    let pg = two_members();
    let added: Vec<String> = std::thread::scope(|s| {
        let writers: Vec<_> = ["alice", "bob"]
            .into_iter()
            .map(|role| {
                let pg = &pg;
                s.spawn(move || {
                    let mut ws = open(pg, role);
                    (0..10)
                        .map(|i| {
                            let title = format!("{role} {i}");
                            ws.add_entry(EntryType::Note, note(&title)).unwrap();
                            title
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut expected = added;
    expected.sort();
    let mut seen = titles(&mut open(&pg, "alice"));
    seen.sort();
    assert_eq!(seen, expected);
    assert_eq!(
        pg.admin(
            "vault",
            "SELECT count(*) || ' ' || max(seq) FROM portcullis.changes"
        ),
        "20 20"
    );
}

#[test]
fn an_admin_with_a_second_factor_changes_memberships_only_with_it_fresh() {
    use portcullis_core::clock::{Clock, FixedClock};
    use portcullis_core::mfa::Error as MfaError;
    use portcullis_core::Guarded;
    use std::sync::Arc;

    let pg = two_members();
    let clock = Arc::new(FixedClock::new(1_900_000_000));
    let mut alice = connect(&pg, "alice")
        .unlock_member(&secret("alice master"), false)
        .unwrap()
        .into_open()
        .unwrap()
        .with_clock(clock.clone());
    let enrolment = alice.begin_totp("phone").unwrap();
    let app = portcullis_core::otp::OtpParams::parse(enrolment.uri.expose_secret()).unwrap();
    let code = |at: i64| app.code_at(at as u64).code;
    alice.confirm_totp(&code(clock.now())).unwrap();

    // Six minutes later, the factor of the enrolment is stale: no role change without a new one.
    clock.advance(6 * 60);
    let stale = alice.set_access("bob", Access::Viewer).unwrap_err();
    assert!(
        matches!(stale, Error::Mfa(MfaError::StepUpRequired)),
        "{stale}"
    );
    alice
        .step_up(&portcullis_core::mfa::Factor::Totp {
            code: code(clock.now()).into(),
            method: None,
        })
        .unwrap();
    alice.set_access("bob", Access::Viewer).unwrap();

    // Opening again, the password alone gives a pending state, not the member.
    let pending = connect(&pg, "alice")
        .unlock_member(&secret("alice master"), false)
        .unwrap();
    assert!(matches!(pending, team::MemberUnlock::PendingMfa(_)));
    assert!(matches!(
        pending.into_open().unwrap_err(),
        Error::Mfa(MfaError::Required)
    ));
}

#[test]
fn a_listener_wakes_when_another_member_writes_and_a_sync_shows_it() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let mut listener = connect(&pg, "alice").listen().unwrap();
    // Nothing written: the wait ends empty.
    assert!(!listener
        .wait(std::time::Duration::from_millis(200))
        .unwrap());
    let mut bob = open(&pg, "bob");
    bob.add_entry(EntryType::Note, note("From bob")).unwrap();
    bob.add_entry(EntryType::Note, note("And another")).unwrap();
    assert!(listener.wait(std::time::Duration::from_secs(10)).unwrap());
    alice.sync().unwrap();
    assert_eq!(titles(&mut alice), ["And another", "From bob"]);
}

#[test]
fn a_copy_opened_before_a_rotation_writes_under_the_new_key() {
    let pg = two_members();
    let mut stale = open(&pg, "alice");
    let mut other = open(&pg, "alice");
    let removal = other.remove_member("bob").unwrap();
    assert_eq!(removal.epoch, 2);
    // The copy opened before the rotation still holds only epoch 1's key: the server refuses
    // it, the client fetches the new key and writes again.
    stale.add_entry(EntryType::Note, note("After")).unwrap();
    assert_eq!(
        pg.admin("vault", "SELECT epoch FROM portcullis.records"),
        "2"
    );
    assert_eq!(titles(&mut open(&pg, "alice")), ["After"]);
}

/// Bytes from PostgreSQL's hex text of a bytea (`\x…`).
#[test]
fn the_health_report_runs_over_a_team_workspace() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    for title in ["Mail", "Forum"] {
        alice
            .add_entry(
                EntryType::Login,
                EntryChanges {
                    title: Some(title.into()),
                    password: Some(secret("shared-Velvet-orbit-62")),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
    }
    // Another member sees the same findings: it is a rule over any EntryStore.
    let mut bob = open(&pg, "bob");
    let report = portcullis_core::health::report(&mut bob).unwrap();
    let reused: Vec<Vec<&str>> = report
        .reused
        .iter()
        .map(|g| g.iter().map(|f| f.title.as_str()).collect())
        .collect();
    assert_eq!(reused, [["Forum", "Mail"]]);
    assert_eq!(report.checked, 2);
}

fn unhex(text: &str) -> Vec<u8> {
    let digits = text.trim().trim_start_matches("\\x");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_removed_member_the_server_made_up_signs_nothing_that_is_accepted() {
    use portcullis_core::team::change::{element, Change};
    use portcullis_core::team::Identity;

    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let entry = alice.add_entry(EntryType::Note, note("Kept")).unwrap();
    let admin = |sql: &str| pg.admin("vault", sql);
    let ws_text = admin("SELECT id FROM portcullis.workspaces WHERE name = 'ops'");
    let ws: [u8; 16] = unhex(&ws_text.replace('-', "")).try_into().unwrap();
    let first = unhex(&admin(
        "SELECT element FROM portcullis.changes WHERE seq = 1",
    ));
    let prev: [u8; 32] = ring::digest::digest(&ring::digest::SHA256, &first)
        .as_ref()
        .try_into()
        .unwrap();

    // The server invents "ghost", a removed member with keys of its own, and a deletion of
    // alice's entry signed by it.
    let ghost = Identity::generate("ghost").unwrap();
    let p = ghost.public();
    admin(&format!(
        "CREATE ROLE ghost NOLOGIN;
         INSERT INTO portcullis.identities (role, x25519, ed25519)
             VALUES ('ghost', '\\x{}', '\\x{}');
         INSERT INTO portcullis.memberships (workspace, role, state, access, approved_by, removed_at)
             VALUES ('{ws_text}', 'ghost', 'removed', 'editor', 'alice', 99)",
        hex(&p.x25519),
        hex(&p.ed25519)
    ));
    let deletion = Change {
        seq: 2,
        at: 1_900_000_000,
        writer: "ghost".into(),
        collection: "entries".into(),
        id: entry.id.clone(),
        version: 1,
        epoch: 0,
        sealed: None,
    };
    let forged = element(&ghost, &deletion, &prev, &ws);
    admin(&format!(
        "INSERT INTO portcullis.changes (workspace, seq, element, writer)
             VALUES ('{ws_text}', 2, '\\x{}', 'ghost');
         DELETE FROM portcullis.records",
        hex(&forged)
    ));
    let refused = connect(&pg, "alice")
        .unlock_member(&secret("alice master"), false)
        .unwrap()
        .into_open()
        .unwrap()
        .open_workspace()
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("change history was altered on the server at change 2"),
        "{refused}"
    );
}

#[test]
fn a_founder_swapped_on_the_server_is_refused_where_the_first_was_met() {
    use portcullis_core::team::directory::membership_message;
    use portcullis_core::team::Identity;

    let pg = two_members();
    open(&pg, "alice");
    let admin = |sql: &str| pg.admin("vault", sql);
    let ws_text = admin("SELECT id FROM portcullis.workspaces WHERE name = 'ops'");
    let ws: [u8; 16] = unhex(&ws_text.replace('-', "")).try_into().unwrap();
    // The server makes up "evil", founder of the same workspace, self-signed as founders are.
    let evil = Identity::generate("evil").unwrap();
    let p = evil.public();
    let signature = evil.sign(&membership_message(&ws, p, Access::Admin));
    admin(&format!(
        "CREATE ROLE evil NOLOGIN;
         INSERT INTO portcullis.identities (role, x25519, ed25519)
             VALUES ('evil', '\\x{}', '\\x{}');
         UPDATE portcullis.workspaces SET creator = 'evil';
         INSERT INTO portcullis.memberships (workspace, role, state, access, approved_by, signature)
             VALUES ('{ws_text}', 'evil', 'active', 'admin', 'evil', '\\x{}')",
        hex(&p.x25519),
        hex(&p.ed25519),
        hex(&signature)
    ));
    let refused = connect(&pg, "alice")
        .unlock_member(&secret("alice master"), false)
        .unwrap()
        .into_open()
        .unwrap()
        .open_workspace()
        .unwrap_err();
    assert!(refused.to_string().contains("another founder"), "{refused}");
}

#[test]
fn an_open_workspace_follows_memberships_changed_after_it_opened() {
    let pg = two_members();
    let mut alice_ws = open(&pg, "alice");
    // Another session of an admin approves carol, who writes: the open copy, which never
    // heard of her, checks her writes once it has read the memberships again.
    let kdf = KdfParams::new(1024, 1, 1).unwrap();
    let mut carol = connect(&pg, "carol")
        .new_member(&secret("carol master"), kdf)
        .unwrap();
    carol.request_join().unwrap();
    let carol_fp = carol.identity().public().fingerprint();
    let mut alice = connect(&pg, "alice")
        .unlock_member(&secret("alice master"), false)
        .unwrap()
        .into_open()
        .unwrap();
    alice.approve("carol", &carol_fp, Access::Editor).unwrap();
    let mut carol_ws = open(&pg, "carol");
    carol_ws
        .add_entry(EntryType::Note, note("From carol"))
        .unwrap();
    alice_ws.sync().unwrap();
    assert_eq!(titles(&mut alice_ws), ["From carol"]);

    // Removing bob from the open copy: it seals under the new epoch's key from then on, and
    // reads what carol writes under it.
    let epoch = alice_ws.remove_member("bob").unwrap();
    assert_eq!(epoch.epoch, 2);
    alice_ws
        .add_entry(EntryType::Note, note("After bob"))
        .unwrap();
    let last = pg.admin(
        "vault",
        "SELECT epoch FROM portcullis.records ORDER BY seq DESC LIMIT 1",
    );
    assert_eq!(last.trim(), "2", "{last}");
    let mut carol_ws = open(&pg, "carol");
    carol_ws
        .add_entry(EntryType::Note, note("Carol again"))
        .unwrap();
    alice_ws.sync().unwrap();
    assert_eq!(
        titles(&mut alice_ws),
        ["After bob", "Carol again", "From carol"]
    );
    let members = alice_ws.members().unwrap();
    let bob = members.iter().find(|m| m.name == "bob").unwrap();
    assert_eq!(bob.state, "removed");
    assert!(alice_ws
        .audit_log()
        .unwrap()
        .iter()
        .any(|e| e.subject.contains("bob")));
}

#[test]
fn changes_read_on_the_listening_connection_are_checked_and_kept_by_the_open_copy() {
    let pg = two_members();
    let mut alice_ws = open(&pg, "alice");
    let mut bob_ws = open(&pg, "bob");
    let mut listener = connect(&pg, "alice").listen().unwrap();

    let point = alice_ws.sync_point();
    bob_ws.add_entry(EntryType::Note, note("One")).unwrap();
    let fetched = listener.fetch(&point).unwrap();
    assert!(alice_ws.apply(fetched).unwrap());
    assert_eq!(titles(&mut alice_ws), ["One"]);

    // The copy moved between the read and the apply (its own write): it syncs instead, and
    // nothing is applied twice.
    let point = alice_ws.sync_point();
    bob_ws.add_entry(EntryType::Note, note("Two")).unwrap();
    let fetched = listener.fetch(&point).unwrap();
    alice_ws.add_entry(EntryType::Note, note("Mine")).unwrap();
    alice_ws.apply(fetched).unwrap();
    assert_eq!(titles(&mut alice_ws), ["Mine", "One", "Two"]);
    let nothing_new = listener.fetch(&alice_ws.sync_point()).unwrap();
    assert!(!alice_ws.apply(nothing_new).unwrap());
}

#[test]
fn second_factor_settings_the_server_puts_back_or_deletes_are_refused_where_newer_were_seen() {
    use portcullis_core::clock::{Clock, FixedClock};
    use portcullis_core::Guarded;
    use std::sync::Arc;

    let pg = two_members();
    let clock = Arc::new(FixedClock::new(1_900_000_000));
    let mut alice = connect(&pg, "alice")
        .unlock_member(&secret("alice master"), false)
        .unwrap()
        .into_open()
        .unwrap()
        .with_clock(clock.clone());
    let enrolment = alice.begin_totp("phone").unwrap();
    let app = portcullis_core::otp::OtpParams::parse(enrolment.uri.expose_secret()).unwrap();
    alice
        .confirm_totp(&app.code_at(clock.now() as u64).code)
        .unwrap();
    let admin = |sql: &str| pg.admin("vault", sql);
    let row = "SELECT encode(mfa, 'hex') || ' ' || mfa_version
               FROM portcullis.identity_secrets WHERE role = 'alice'";
    let before = admin(row);
    let (sealed, version) = before.trim().split_once(' ').unwrap();

    // A code used later moves the settings on (its time step is now spent).
    clock.advance(60);
    let code = app.code_at(clock.now() as u64).code;
    alice
        .step_up(&portcullis_core::mfa::Factor::Totp {
            code: code.clone().into(),
            method: None,
        })
        .unwrap();
    assert_ne!(admin(row), before);

    let unlock = || {
        connect(&pg, "alice")
            .unlock_member(&secret("alice master"), false)
            .map(|_| ())
    };
    // The server puts the earlier sealed settings back (the spent step would count again).
    admin(&format!(
        "UPDATE portcullis.identity_secrets SET mfa = '\\x{sealed}', mfa_version = {version}
         WHERE role = 'alice'"
    ));
    let refused = unlock().unwrap_err();
    assert!(
        matches!(
            team::Error::of(&refused),
            Some(TeamError::FactorSettingsRolledBack)
        ),
        "{refused}"
    );
    // Or deletes them, at the current version or from the start: no factor would be asked.
    for version in ["mfa_version + 10", "0"] {
        admin(&format!(
            "UPDATE portcullis.identity_secrets SET mfa = NULL, mfa_version = {version}
             WHERE role = 'alice'"
        ));
        let refused = unlock().unwrap_err();
        assert!(
            refused.to_string().contains("older than this computer"),
            "{refused}"
        );
    }
}

/// Custom fields travel in a team record (the packed entry encoding): what alice writes, bob
/// reads, secret values included; an edit by bob comes back to alice.
#[test]
fn custom_fields_round_trip_between_members() {
    use portcullis_core::entry::CustomField;
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let added = alice
        .add_entry(
            EntryType::Note,
            EntryChanges {
                set_fields: vec![
                    CustomField::text("Account", "12-34"),
                    CustomField::secret("PIN", secret("4321")),
                ],
                ..note("Bank")
            },
        )
        .unwrap();
    let mut bob = open(&pg, "bob");
    let read = bob.find(&added.id).unwrap();
    assert_eq!(read.fields, added.fields);
    assert!(read.fields[1].is_secret());
    assert_eq!(read.fields[1].expose_value(), "4321");
    bob.edit_entry(
        &added.id,
        None,
        EntryChanges {
            remove_fields: vec!["Account".into()],
            ..EntryChanges::default()
        },
    )
    .unwrap();
    let mut alice = open(&pg, "alice");
    assert_eq!(
        alice.find(&added.id).unwrap().fields,
        [CustomField::secret("PIN", secret("4321"))]
    );
}

fn login(title: &str, password: &str) -> EntryChanges {
    EntryChanges {
        title: Some(title.into()),
        password: Some(secret(password)),
        ..EntryChanges::default()
    }
}

fn password_of(entry: &portcullis_core::entry::Entry) -> String {
    match &entry.kind {
        portcullis_core::entry::EntryKind::Login(l) => l.password.expose_secret().to_owned(),
        _ => String::new(),
    }
}

/// How many records of `collection` the server holds for the workspace.
fn server_records(pg: &Postgres, collection: &str) -> usize {
    pg.admin(
        "vault",
        &format!("SELECT count(*) FROM portcullis.records WHERE collection = '{collection}'"),
    )
    .trim()
    .parse()
    .unwrap()
}

/// An entry's history is a team record: what alice changes, bob lists and restores (the
/// restore a new version); deleting moves the entry to the bin every member sees, from which
/// it comes back with its history; emptying the bin deletes both for good.
#[test]
fn history_and_the_recycle_bin_are_shared_between_members() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let mail = alice
        .add_entry(EntryType::Login, login("Mail", "first-Velvet-62"))
        .unwrap();
    alice
        .edit_entry(
            &mail.id,
            None,
            EntryChanges {
                password: Some(secret("second-Orbit-17")),
                ..EntryChanges::default()
            },
        )
        .unwrap();

    let mut bob = open(&pg, "bob");
    let versions = bob.history("Mail").unwrap();
    assert_eq!(
        versions.iter().map(|v| v.number).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(versions[0].changed, ["password"]);
    assert_eq!(password_of(&versions[1].entry), "first-Velvet-62");
    let restored = bob.restore_version("Mail", 1).unwrap();
    assert_eq!(password_of(&restored), "first-Velvet-62");

    alice.sync().unwrap();
    let versions = alice.history(&mail.id).unwrap();
    assert_eq!(
        versions.iter().map(|v| v.number).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert_eq!(password_of(&versions[0].entry), "first-Velvet-62");
    assert_eq!(password_of(&versions[1].entry), "second-Orbit-17");

    // rm moves it to the bin, for every member.
    alice.discard(&mail.id).unwrap();
    bob.sync().unwrap();
    assert!(titles(&mut bob).is_empty());
    let bin = bob.trashed().unwrap();
    assert_eq!(bin.len(), 1);
    assert_eq!(bin[0].entry.title, "Mail");
    bob.untrash("Mail").unwrap();
    alice.sync().unwrap();
    assert_eq!(titles(&mut alice), ["Mail"]);
    assert!(alice.trashed().unwrap().is_empty());
    assert_eq!(alice.history("Mail").unwrap().len(), 3);

    // Emptying the bin deletes the entry and its history on the server.
    alice.discard(&mail.id).unwrap();
    assert_eq!(server_records(&pg, "history"), 1);
    assert_eq!(bob.empty_trash().unwrap(), 1);
    assert_eq!(server_records(&pg, "history"), 0);
    assert_eq!(server_records(&pg, "trash"), 0);
    alice.sync().unwrap();
    assert!(alice.trashed().unwrap().is_empty());
    assert!(alice.earlier_versions().unwrap().is_empty());
}

/// The number of versions kept is the workspace's, set by an admin: an editor is refused;
/// the admin's limit trims every history at once, and later changes keep to it.
#[test]
fn the_history_limit_is_set_by_an_admin_and_trims_every_history() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let mail = alice
        .add_entry(EntryType::Login, login("Mail", "one-Velvet-62"))
        .unwrap();
    for p in ["two-Velvet-62", "three-Velvet-62", "four-Velvet-62"] {
        alice.edit_entry(&mail.id, None, login("Mail", p)).unwrap();
    }
    assert_eq!(alice.history("Mail").unwrap().len(), 4);
    assert_eq!(alice.history_limit().unwrap(), 20);

    let mut bob = open(&pg, "bob");
    let refused = bob.set_history_limit(1).unwrap_err();
    assert!(
        matches!(TeamError::of(&refused), Some(TeamError::NotAdmin)),
        "{refused}"
    );
    alice.set_history_limit(1).unwrap();
    bob.sync().unwrap();
    assert_eq!(bob.history_limit().unwrap(), 1);
    let kept = bob.history("Mail").unwrap();
    assert_eq!(kept.iter().map(|v| v.number).collect::<Vec<_>>(), [4, 3]);
    bob.edit_entry(&mail.id, None, login("Mail", "five-Velvet-62"))
        .unwrap();
    let kept = bob.history("Mail").unwrap();
    assert_eq!(kept.iter().map(|v| v.number).collect::<Vec<_>>(), [5, 4]);
    // The health report's "old" reads the history: the password changed just now.
    let now = bob.find("Mail").unwrap();
    let times = bob
        .password_change_times(std::slice::from_ref(&now))
        .unwrap();
    assert_eq!(times[&mail.id], now.modified);
}

/// A KeePass import's history and recycle bin land in a team workspace as in a file one,
/// written with the entries in one transaction.
#[test]
fn an_import_brings_history_and_the_bin_into_a_team_workspace() {
    use portcullis_core::entry::{EntryKind, Login};
    use portcullis_core::import::{Earlier, FileOf, Plan, PlannedFile};
    use portcullis_core::workspace::NewEntry;
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let entry = |title: &str, password: &str| {
        NewEntry::new(
            title,
            EntryKind::Login(Login {
                username: "me".into(),
                password: password.into(),
                url: String::new(),
                otp: None,
                ssh_key: None,
            }),
        )
    };
    let earlier = |password: &str, at: i64| Earlier {
        entry: entry("Mail", password),
        modified: Some(at),
    };
    let plan = Plan {
        entries: vec![entry("Mail", "now-Velvet-62")],
        history: [(0, vec![earlier("old-Velvet-62", 1_600_000_000)])].into(),
        trash: vec![(entry("Old forum", "gone-Velvet-62"), Vec::new())],
        files: vec![
            PlannedFile {
                of: FileOf::Entry(0),
                name: "key.pem".into(),
                data: b"-----BEGIN KEY-----".to_vec().into(),
            },
            PlannedFile {
                of: FileOf::Trashed(0),
                name: "forum.txt".into(),
                data: vec![7u8; (1 << 20) + 3].into(),
            },
        ],
        ..Plan::default()
    };
    let preview = alice.preview_import(plan).unwrap();
    let imported = alice.import(preview).unwrap();
    assert_eq!((imported.created, imported.attachments), (1, 2));

    let mut bob = open(&pg, "bob");
    let versions = bob.history("Mail").unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(password_of(&versions[1].entry), "old-Velvet-62");
    let bin = bob.trashed().unwrap();
    assert_eq!(bin.len(), 1);
    assert_eq!(bin[0].entry.title, "Old forum");
    assert_eq!(bob.attachments("Mail").unwrap()[0].name, "key.pem");
    // The bin's entry keeps its file (two chunks) until it comes back.
    bob.untrash("Old forum").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("forum.txt");
    assert_eq!(
        bob.save_attachment("Old forum", "forum.txt", &out).unwrap(),
        (1 << 20) + 3
    );
    assert_eq!(std::fs::read(&out).unwrap(), vec![7u8; (1 << 20) + 3]);
}

/// The offline copies this computer keeps, largest first (sizes in bytes).
fn offline_copy_sizes() -> Vec<u64> {
    let dir = std::path::PathBuf::from(std::env::var("XDG_DATA_HOME").unwrap());
    let mut sizes: Vec<u64> = walk(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "copy"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// An attachment is a team record in chunks: what alice attaches, bob lists and saves
/// (owner-only, never over a file); no copy holds the chunks (the offline copy stays small);
/// deleting the entry for good deletes them on the server.
#[test]
fn attachments_are_shared_in_chunks_that_no_copy_holds() {
    use std::os::unix::fs::PermissionsExt;
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let server = alice
        .add_entry(EntryType::Login, login("Server", "root-Velvet-62"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("id_ed25519");
    let content: Vec<u8> = (0..(5u32 << 19) + 11).map(|i| (i % 251) as u8).collect();
    std::fs::write(&source, &content).unwrap();
    let info = alice
        .attach_file("Server", &source, None, 64 << 20)
        .unwrap();
    assert_eq!(
        (info.name.as_str(), info.size),
        ("id_ed25519", content.len() as u64)
    );
    assert_eq!(server_records(&pg, "attachment-chunks"), 3);
    assert!(
        offline_copy_sizes()[0] < 256 << 10,
        "an offline copy holds the chunks: {:?}",
        offline_copy_sizes()
    );

    let mut bob = open(&pg, "bob");
    let listed = bob.attachments(&server.id).unwrap();
    assert_eq!(listed[0].name, "id_ed25519");
    let out = dir.path().join("saved");
    bob.save_attachment("Server", "id_ed25519", &out).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), content);
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(bob.save_attachment("Server", "id_ed25519", &out).is_err());
    assert!(
        offline_copy_sizes()[0] < 256 << 10,
        "{:?}",
        offline_copy_sizes()
    );

    // A name the entry has already is refused.
    assert!(alice
        .attach_file("Server", &source, None, 64 << 20)
        .is_err());
    // Deleting the entry for good deletes its chunks on the server.
    bob.purge("Server").unwrap();
    assert_eq!(server_records(&pg, "attachment-chunks"), 0);
    assert_eq!(server_records(&pg, "attachments"), 0);
}

/// A chunk the server swaps, or changes, is refused when saved, and no file is left.
#[test]
fn a_chunk_the_server_swaps_is_refused_and_nothing_is_saved() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    alice
        .add_entry(EntryType::Login, login("Server", "root-Velvet-62"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("cert.pem");
    std::fs::write(&source, vec![1u8; (2 << 20) + 5]).unwrap();
    alice
        .attach_file("Server", &source, None, 64 << 20)
        .unwrap();
    let mut bob = open(&pg, "bob");
    pg.admin(
        "vault",
        "UPDATE portcullis.records r SET sealed = o.sealed FROM portcullis.records o
         WHERE r.collection = 'attachment-chunks' AND o.collection = 'attachment-chunks'
           AND r.id LIKE '%/00000000/%' AND o.id LIKE '%/00000001/%'",
    );
    let out = dir.path().join("saved.pem");
    let refused = bob.save_attachment("Server", "cert.pem", &out).unwrap_err();
    assert!(
        refused.to_string().contains("attachment chunk"),
        "{refused}"
    );
    assert!(!out.exists());
}

/// A record deleted and written again starts at version 1 again: a copy that read the first
/// one must meet a conflict, not delete or overwrite the second (a stale `purge` would delete
/// another member's newer bin record and leave its history behind, unlisted).
#[test]
fn a_stale_copy_meets_a_conflict_on_a_record_deleted_and_written_again() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    let x = alice
        .add_entry(EntryType::Login, login("X", "first-Velvet-62"))
        .unwrap();
    alice.discard(&x.id).unwrap();
    let mut bob = open(&pg, "bob");
    assert_eq!(bob.trashed().unwrap().len(), 1);

    alice.untrash("X").unwrap();
    alice
        .edit_entry(&x.id, None, login("X", "second-Orbit-17"))
        .unwrap();
    alice.discard(&x.id).unwrap();

    let refused = bob.purge(&x.id).unwrap_err();
    assert!(
        matches!(TeamError::of(&refused), Some(TeamError::Conflict(_))),
        "{refused}"
    );
    assert_eq!(server_records(&pg, "trash"), 1);
    assert_eq!(server_records(&pg, "history"), 1);
    // Once synced, the purge deletes the bin record and the history with it.
    bob.sync().unwrap();
    bob.purge(&x.id).unwrap();
    assert_eq!(server_records(&pg, "trash"), 0);
    assert_eq!(server_records(&pg, "history"), 0);
}

/// An attachment added by one member while another, not yet synced, deletes the entry for
/// good: the deletion meets a conflict instead of leaving the new file behind, unlisted but
/// readable (an attach writes its entry record too).
#[test]
fn a_purge_by_a_stale_copy_does_not_leave_a_file_attached_meanwhile() {
    let pg = two_members();
    let mut alice = open(&pg, "alice");
    alice
        .add_entry(EntryType::Login, login("Server", "root-Velvet-62"))
        .unwrap();
    let mut bob = open(&pg, "bob");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_ed25519");
    std::fs::write(&key, b"private key").unwrap();
    bob.attach_file("Server", &key, None, 64 << 20).unwrap();

    let refused = alice.purge("Server").unwrap_err();
    assert!(
        matches!(TeamError::of(&refused), Some(TeamError::Conflict(_))),
        "{refused}"
    );
    assert_eq!(server_records(&pg, "attachments"), 1);
    alice.sync().unwrap();
    alice.purge("Server").unwrap();
    assert_eq!(server_records(&pg, "attachments"), 0);
    assert_eq!(server_records(&pg, "attachment-chunks"), 0);
}
