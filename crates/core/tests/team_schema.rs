//! The team schema against a real PostgreSQL 15: `setup` creates it once and changes nothing
//! the second time, and row-level security holds when each role sends its own SQL with psql.
#![allow(clippy::unwrap_used)]

use portcullis_core::crypto::SecretString;
use portcullis_core::team::{self, Error, Setup, TeamUrl, SCHEMA_VERSION};
use test_support::Postgres;

const DB: &str = "vault";
const WS: &str = "00000000-0000-4000-8000-000000000001";

fn secret(s: &str) -> SecretString {
    SecretString::new(s.into())
}

fn url(pg: &Postgres, role: &str) -> TeamUrl {
    TeamUrl::parse(&format!(
        "postgresql://{role}@127.0.0.1:{}/{DB}?sslmode=disable",
        pg.port
    ))
    .unwrap()
}

/// A member's SQL as that member; `Err` holds PostgreSQL's refusal.
fn sql(pg: &Postgres, role: &str, statement: &str) -> Result<String, String> {
    pg.psql(role, &format!("{role}-pw"), DB, statement)
}

/// What the schema holds: tables, policies, functions and grants, in a stable order.
fn catalog(pg: &Postgres) -> String {
    pg.admin(
        DB,
        "SELECT (SELECT string_agg(tablename || ':' || policyname || ':' || cmd || ':' || coalesce(qual, '') || coalesce(with_check, ''), ';' ORDER BY tablename, policyname) FROM pg_policies WHERE schemaname = 'portcullis')
             || (SELECT string_agg(table_name || ':' || privilege_type || ':' || grantee, ';' ORDER BY table_name, privilege_type, grantee) FROM information_schema.role_table_grants WHERE table_schema = 'portcullis')
             || (SELECT string_agg(proname, ';' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'portcullis'::regnamespace)
             || (SELECT version::text FROM portcullis.schema_version)",
    )
}

/// The error of a connection that must fail.
fn refused(url: &TeamUrl, password: &str) -> Error {
    match team::connect(url, &secret(password)) {
        Ok(_) => panic!("connected"),
        Err(e) => e,
    }
}

fn count(pg: &Postgres, role: &str, table: &str) -> String {
    sql(
        pg,
        role,
        &format!("SELECT count(*) FROM portcullis.{table}"),
    )
    .unwrap()
}

/// Writes the new record `id` through `write_record`, at the next position of the change chain.
fn record(id: &str) -> String {
    format!(
        "SELECT portcullis.write_record('{WS}',
             (SELECT coalesce(max(seq), 0) + 1 FROM portcullis.changes WHERE workspace = '{WS}'),
             '\\x01', 'entry', '{id}', 0, 1, '\\x00', '\\x00')"
    )
}

#[test]
fn setup_is_idempotent_and_postgresql_enforces_membership_and_roles() {
    let pg = Postgres::start();
    pg.admin("postgres", &format!("CREATE DATABASE {DB}"));
    let admin = |s: &str| pg.admin(DB, s);
    for role in ["alice", "bob", "carol", "mallory"] {
        admin(&format!("CREATE ROLE {role} LOGIN PASSWORD '{role}-pw'"));
    }

    // Through our client, as the database administrator.
    let admin_url = url(&pg, test_support::POSTGRES_ADMIN);
    let mut client = team::connect(&admin_url, &secret(&pg.admin_password)).unwrap();
    let e = team::setup(&mut client).unwrap_err();
    assert!(matches!(e, Error::NoMemberRole), "{e}");
    assert!(e
        .to_string()
        .contains("CREATE ROLE portcullis_member NOLOGIN"));
    admin("CREATE ROLE portcullis_member NOLOGIN");
    for role in ["alice", "bob", "carol"] {
        admin(&format!("GRANT portcullis_member TO {role}"));
    }
    assert_eq!(
        team::setup(&mut client).unwrap(),
        Setup {
            from: 0,
            to: SCHEMA_VERSION
        }
    );
    let first = catalog(&pg);
    assert_eq!(
        team::setup(&mut client).unwrap(),
        Setup {
            from: SCHEMA_VERSION,
            to: SCHEMA_VERSION
        }
    );
    assert_eq!(catalog(&pg), first, "a second setup changed the schema");
    assert_eq!(team::schema::version(&mut client).unwrap(), SCHEMA_VERSION);

    // Alice founds a workspace and becomes its first admin; nobody else can found it again.
    sql(
        &pg,
        "alice",
        &format!("INSERT INTO portcullis.workspaces (id, name) VALUES ('{WS}', 'ops')"),
    )
    .unwrap();
    let founding = |role: &str| {
        sql(&pg, role, &format!(
            "INSERT INTO portcullis.memberships (workspace, state, access) VALUES ('{WS}', 'active', 'admin')"
        ))
    };
    founding("bob").unwrap_err();
    founding("alice").unwrap();
    sql(&pg, "alice", &record("e1")).unwrap();

    // Bob asks to join: he may only ask, and sees nothing until approved.
    let ask = |role: &str, state: &str, access: &str| {
        sql(&pg, role, &format!(
            "INSERT INTO portcullis.memberships (workspace, state, access) VALUES ('{WS}', '{state}', '{access}')"
        ))
    };
    ask("bob", "active", "viewer").unwrap_err();
    ask("bob", "pending", "admin").unwrap_err();
    ask("bob", "pending", "viewer").unwrap();
    assert_eq!(count(&pg, "bob", "records"), "0");
    sql(&pg, "bob", &record("e2")).unwrap_err();
    let approve = |who: &str, state: &str, access: &str| {
        sql(
            &pg,
            who,
            &format!(
            "WITH u AS (UPDATE portcullis.memberships SET state = '{state}', access = '{access}'
             WHERE workspace = '{WS}' AND role = 'bob' RETURNING 1) SELECT count(*) FROM u"
        ),
        )
    };
    assert_eq!(
        approve("bob", "active", "admin").unwrap(),
        "0",
        "bob approved himself"
    );

    // Approved as a viewer: he reads, and changes nothing.
    assert_eq!(approve("alice", "active", "viewer").unwrap(), "1");
    assert_eq!(count(&pg, "bob", "records"), "1");
    sql(&pg, "bob", &record("e3")).unwrap_err();
    for statement in [
        format!("UPDATE portcullis.records SET version = 9 WHERE workspace = '{WS}'"),
        format!("DELETE FROM portcullis.records WHERE workspace = '{WS}'"),
    ] {
        let e = sql(&pg, "bob", &statement).unwrap_err();
        assert!(e.contains("permission denied"), "{statement}: {e}");
    }

    // As an editor he writes, through write_record only, always as himself, at the next
    // position of the chain and from the version he read.
    assert_eq!(approve("alice", "active", "editor").unwrap(), "1");
    sql(&pg, "bob", &record("e4")).unwrap();
    assert_eq!(
        sql(
            &pg,
            "bob",
            "SELECT writer || ' ' || seq FROM portcullis.records WHERE id = 'e4'"
        )
        .unwrap(),
        "bob 2"
    );
    let e = sql(&pg, "bob", &format!(
        "INSERT INTO portcullis.records (workspace, collection, id, version, epoch, sealed, signature, seq)
         VALUES ('{WS}', 'entry', 'e5', 1, 1, '\\x00', '\\x00', 3)"
    ))
    .unwrap_err();
    assert!(e.contains("permission denied"), "{e}");
    let write = |seq: u32, expected: u32| {
        sql(&pg, "bob", &format!(
            "SELECT portcullis.write_record('{WS}', {seq}, '\\x01', 'entry', 'e4', {expected}, 1, '\\x00', '\\x00')"
        ))
    };
    let stale = write(3, 5).unwrap_err();
    assert!(
        stale.contains("changed or deleted by someone else"),
        "{stale}"
    );
    let behind = write(2, 1).unwrap_err();
    assert!(behind.contains("changed meanwhile"), "{behind}");
    let far = write(9, 1).unwrap_err();
    assert!(far.contains("changed meanwhile"), "{far}");
    write(3, 1).unwrap();
    assert_eq!(
        sql(
            &pg,
            "bob",
            "SELECT version FROM portcullis.records WHERE id = 'e4'"
        )
        .unwrap(),
        "2"
    );

    // The audit log grows only through append_audit: an admin, as themselves, at the next
    // position; nobody changes or removes a row of it or of the change chain.
    let append = |role: &str, position: u32| {
        sql(
            &pg,
            role,
            &format!("SELECT portcullis.append_audit('{WS}', {position}, '\\x01')"),
        )
    };
    append("alice", 1).unwrap();
    let far = append("alice", 9_000_000).unwrap_err();
    assert!(far.contains("moved on"), "{far}");
    let editor = append("bob", 2).unwrap_err();
    assert!(editor.contains("only an admin"), "{editor}");
    append("alice", 2).unwrap();
    for statement in [
        format!(
            "INSERT INTO portcullis.changes (workspace, seq, element) VALUES ('{WS}', 4, '\\x01')"
        ),
        format!(
            "INSERT INTO portcullis.audit (workspace, seq, element) VALUES ('{WS}', 3, '\\x01')"
        ),
        "UPDATE portcullis.audit SET element = '\\x02'".to_owned(),
        "DELETE FROM portcullis.audit".to_owned(),
        "UPDATE portcullis.changes SET element = '\\x02'".to_owned(),
        "DELETE FROM portcullis.changes".to_owned(),
    ] {
        let e = sql(&pg, "alice", &statement).unwrap_err();
        assert!(e.contains("permission denied"), "{statement}: {e}");
    }
    assert_eq!(count(&pg, "alice", "audit"), "2");

    // SET ROLE does not change who a member is: bob as portcullis_member still writes only
    // as bob, and approves nobody.
    let as_group = |statement: &str| {
        sql(
            &pg,
            "bob",
            &format!("SET ROLE portcullis_member; {statement}"),
        )
    };
    as_group(&record("e9")).unwrap();
    assert_eq!(
        sql(
            &pg,
            "bob",
            "SELECT writer FROM portcullis.records WHERE id = 'e9'"
        )
        .unwrap(),
        "bob"
    );
    as_group("INSERT INTO portcullis.identities (role, x25519, ed25519) VALUES ('portcullis_member', decode(repeat('11', 32), 'hex'), decode(repeat('22', 32), 'hex'))").unwrap_err();
    assert_eq!(
        as_group(&format!("WITH u AS (UPDATE portcullis.memberships SET access = 'admin' WHERE workspace = '{WS}' RETURNING 1) SELECT count(*) FROM u")).unwrap(),
        "0"
    );

    // An editor changes no membership, and reads only the grants sealed to them.
    assert_eq!(
        approve("bob", "active", "admin").unwrap(),
        "0",
        "an editor made himself admin"
    );
    sql(&pg, "alice", &format!(
        "INSERT INTO portcullis.grants (workspace, epoch, role, sealed, signature) VALUES ('{WS}', 1, 'alice', '\\x01', '\\x01')"
    ))
    .unwrap();
    assert_eq!(count(&pg, "alice", "grants"), "1");
    assert_eq!(count(&pg, "bob", "grants"), "0");

    // Sealed identity keys: each role reaches only its own.
    sql(&pg, "alice", "INSERT INTO portcullis.identities (x25519, ed25519) VALUES (decode(repeat('11', 32), 'hex'), decode(repeat('22', 32), 'hex'))").unwrap();
    sql(
        &pg,
        "alice",
        "INSERT INTO portcullis.identity_secrets (sealed) VALUES ('\\x33')",
    )
    .unwrap();
    assert_eq!(count(&pg, "bob", "identities"), "1");
    assert_eq!(count(&pg, "bob", "identity_secrets"), "0");
    assert_eq!(count(&pg, "alice", "identity_secrets"), "1");
    sql(
        &pg,
        "bob",
        "INSERT INTO portcullis.identity_secrets (role, sealed) VALUES ('alice', '\\x00')",
    )
    .unwrap_err();

    // A member of the role who is not a member of the workspace reads none of its rows.
    for table in ["records", "changes", "grants", "audit"] {
        assert_eq!(count(&pg, "carol", table), "0", "{table}");
    }
    // Without portcullis_member, not even the schema.
    let e = sql(&pg, "mallory", "SELECT count(*) FROM portcullis.workspaces").unwrap_err();
    assert!(e.contains("permission denied"), "{e}");

    // Removed: access ends with the next statement.
    assert_eq!(approve("alice", "removed", "editor").unwrap(), "1");
    assert_eq!(count(&pg, "bob", "records"), "0");
    sql(&pg, "bob", &record("e6")).unwrap_err();
}

#[test]
fn connection_failures_are_clear_and_hold_no_password() {
    let pg = Postgres::start();
    let wrong = refused(
        &url(&pg, test_support::POSTGRES_ADMIN),
        "not-the-password-xyz",
    );
    assert!(matches!(wrong, Error::Connect(_)), "{wrong}");
    assert!(
        wrong.to_string().contains("password authentication failed"),
        "{wrong}"
    );
    assert!(!wrong.to_string().contains("not-the-password-xyz"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = TeamUrl::parse(&format!(
        "postgresql://a@127.0.0.1:{port}/db?sslmode=disable"
    ))
    .unwrap();
    let down = refused(&url, "x");
    assert!(matches!(down, Error::Unreachable(_)), "{down}");

    // A server without TLS: `require` refuses to go on in clear; `prefer` goes on.
    let address = |rest: &str| {
        TeamUrl::parse(&format!(
            "postgresql://{}@127.0.0.1:{}/postgres?{rest}",
            test_support::POSTGRES_ADMIN,
            pg.port
        ))
        .unwrap()
    };
    assert!(matches!(
        refused(&address("sslmode=require"), &pg.admin_password),
        Error::Connect(_)
    ));
    team::connect(&address("sslmode=prefer"), &secret(&pg.admin_password)).unwrap();
}

/// Whether the connection is encrypted, as the server sees it.
fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn tls_follows_sslmode_and_checks_the_certificate_as_asked() {
    let pg = Postgres::start_tls();
    let ca = pg.ca_file.clone().unwrap();
    let other_ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(other_ca.path(), test_support::certificates().unwrap().ca).unwrap();
    let address = |host: &str, rest: String| {
        TeamUrl::parse(&format!(
            "postgresql://{}@{host}:{}/postgres?{rest}",
            test_support::POSTGRES_ADMIN,
            pg.port
        ))
        .unwrap()
    };
    let connect = |url: TeamUrl| team::connect(&url, &secret(&pg.admin_password));
    let root = |mode: &str, file: &std::path::Path| {
        format!("sslmode={mode}&sslrootcert={}", file.display())
    };

    // Encrypted whenever TLS is asked for or offered.
    for rest in [
        "sslmode=prefer".to_owned(),
        "sslmode=require".to_owned(),
        root("verify-ca", &ca),
        root("verify-full", &ca),
    ] {
        let mut client =
            connect(address("127.0.0.1", rest.clone())).unwrap_or_else(|e| panic!("{rest}: {e}"));
        assert!(encrypted(&mut client), "{rest}");
    }
    let mut clear = connect(address("127.0.0.1", "sslmode=disable".into())).unwrap();
    assert!(!encrypted(&mut clear));

    // A certificate from another CA: refused when checked, not by `require` alone.
    for mode in ["verify-ca", "verify-full", "require"] {
        let e = match connect(address("127.0.0.1", root(mode, other_ca.path()))) {
            Ok(_) => panic!("{mode}: connected to a server another CA vouches for"),
            Err(e) => e,
        };
        assert!(matches!(e, Error::Connect(_)), "{mode}: {e}");
    }
    let tls_error = |rest: &str| {
        let e = refused(&address("127.0.0.1", rest.into()), "x");
        assert!(matches!(e, Error::Tls(_)), "{rest}: {e}");
        e.to_string()
    };
    tls_error("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem");
    // Checking needs a CA: none at hand, or the system's for less than the host name, is refused
    // before connecting (any public CA would vouch for some other host's certificate).
    assert!(tls_error("sslmode=verify-ca").contains("need the CA"));
    assert!(tls_error("sslmode=verify-ca&sslrootcert=system").contains("needs sslmode=verify-full"));
    assert!(tls_error("sslmode=require&sslrootcert=system").contains("needs sslmode=verify-full"));
    assert!(matches!(
        refused(
            &address("localhost", "sslmode=verify-full&sslrootcert=system".into()),
            "x"
        ),
        Error::Connect(_)
    ));
    // The certificate names localhost and 127.0.0.1, not 127.0.0.2: only verify-full minds.
    connect(address("127.0.0.2", root("verify-ca", &ca))).unwrap();
    assert!(connect(address("127.0.0.2", root("verify-full", &ca))).is_err());
}
