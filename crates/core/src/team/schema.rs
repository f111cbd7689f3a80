//! The team schema in PostgreSQL and its migrations (docs/TEAM.md, "Schema"). `team setup` runs
//! [`setup`] as a role that may create objects; it applies the migrations the database lacks in
//! one transaction and changes nothing when run again. Members hold only what the NOLOGIN role
//! `portcullis_member` is granted, and row-level security decides which rows they reach.

use super::{col, Error};
use postgres::Client;

/// The schema version this build creates and expects.
pub const SCHEMA_VERSION: i32 = 3;

/// The role the database administrator grants to every member's login role.
pub const MEMBER_ROLE: &str = "portcullis_member";

/// `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: identities, workspaces, memberships, grants, records, the change chain, the audit
    // log; row-level security keyed on the connected role.
    r#"
CREATE SCHEMA portcullis;
REVOKE ALL ON SCHEMA portcullis FROM PUBLIC;
GRANT USAGE ON SCHEMA portcullis TO portcullis_member;

CREATE TABLE portcullis.schema_version (version integer NOT NULL);
INSERT INTO portcullis.schema_version VALUES (0);

-- Public halves of each member's identity: readable by every member.
CREATE TABLE portcullis.identities (
    role     name PRIMARY KEY DEFAULT session_user,
    x25519   bytea NOT NULL CHECK (length(x25519) = 32),
    ed25519  bytea NOT NULL CHECK (length(ed25519) = 32),
    created  timestamptz NOT NULL DEFAULT now()
);
-- Sealed private keys and MFA configuration: each role reaches its own row only (no one can
-- fetch another member's sealed keys to guess their password offline).
CREATE TABLE portcullis.identity_secrets (
    role        name PRIMARY KEY DEFAULT session_user REFERENCES portcullis.identities,
    sealed      bytea NOT NULL,
    mfa         bytea,
    mfa_version bigint NOT NULL DEFAULT 0 CHECK (mfa_version >= 0)
);
CREATE TABLE portcullis.workspaces (
    id       uuid PRIMARY KEY,
    name     text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    creator  name NOT NULL DEFAULT session_user,
    created  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE portcullis.memberships (
    workspace    uuid NOT NULL REFERENCES portcullis.workspaces ON DELETE CASCADE,
    role         name NOT NULL DEFAULT session_user,
    state        text NOT NULL CHECK (state IN ('pending', 'active', 'removed')),
    access       text NOT NULL DEFAULT 'viewer' CHECK (access IN ('admin', 'editor', 'viewer')),
    approved_by  name,
    signature    bytea,
    changed      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace, role)
);
CREATE TABLE portcullis.grants (
    workspace   uuid NOT NULL REFERENCES portcullis.workspaces ON DELETE CASCADE,
    epoch       bigint NOT NULL CHECK (epoch >= 1),
    role        name NOT NULL,
    sealed      bytea NOT NULL,
    granted_by  name NOT NULL DEFAULT session_user,
    signature   bytea NOT NULL,
    PRIMARY KEY (workspace, epoch, role)
);
CREATE TABLE portcullis.records (
    workspace   uuid NOT NULL REFERENCES portcullis.workspaces ON DELETE CASCADE,
    collection  text NOT NULL,
    id          text NOT NULL,
    version     bigint NOT NULL CHECK (version >= 1),
    epoch       bigint NOT NULL CHECK (epoch >= 1),
    sealed      bytea NOT NULL,
    writer      name NOT NULL DEFAULT session_user,
    signature   bytea NOT NULL,
    seq         bigint NOT NULL CHECK (seq >= 1),
    PRIMARY KEY (workspace, collection, id)
);
CREATE TABLE portcullis.changes (
    workspace  uuid NOT NULL REFERENCES portcullis.workspaces ON DELETE CASCADE,
    seq        bigint NOT NULL CHECK (seq >= 1),
    element    bytea NOT NULL,
    writer     name NOT NULL DEFAULT session_user,
    PRIMARY KEY (workspace, seq)
);
CREATE TABLE portcullis.audit (
    workspace  uuid NOT NULL REFERENCES portcullis.workspaces ON DELETE CASCADE,
    seq        bigint NOT NULL CHECK (seq >= 1),
    actor      name NOT NULL DEFAULT session_user,
    at         timestamptz NOT NULL DEFAULT now(),
    element    bytea NOT NULL,
    PRIMARY KEY (workspace, seq)
);

-- Every rule names the member by session_user, the login role: SET ROLE (to portcullis_member,
-- or any role a member belongs to) changes current_user, never who the member is.
-- The connected member's access to a workspace when their membership is active, else NULL.
-- SECURITY DEFINER (as the schema's owner, which row-level security does not restrict) so that
-- policies on memberships can consult memberships.
CREATE FUNCTION portcullis.access(ws uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$ SELECT m.access FROM portcullis.memberships m
   WHERE m.workspace = ws AND m.role = session_user AND m.state = 'active' $$;
-- Whether the connected role created the workspace and nobody is a member of it yet: the
-- creator's first admin membership.
CREATE FUNCTION portcullis.founding(ws uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$ SELECT EXISTS (SELECT 1 FROM portcullis.workspaces w WHERE w.id = ws AND w.creator = session_user)
      AND NOT EXISTS (SELECT 1 FROM portcullis.memberships m WHERE m.workspace = ws) $$;
REVOKE ALL ON FUNCTION portcullis.access(uuid), portcullis.founding(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portcullis.access(uuid), portcullis.founding(uuid) TO portcullis_member;

ALTER TABLE portcullis.identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.identity_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.records ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE portcullis.audit ENABLE ROW LEVEL SECURITY;

CREATE POLICY read_all ON portcullis.identities FOR SELECT USING (true);
CREATE POLICY add_own ON portcullis.identities FOR INSERT WITH CHECK (role = session_user);

CREATE POLICY own ON portcullis.identity_secrets
    USING (role = session_user) WITH CHECK (role = session_user);

CREATE POLICY read_all ON portcullis.workspaces FOR SELECT USING (true);
CREATE POLICY create_own ON portcullis.workspaces FOR INSERT WITH CHECK (creator = session_user);

CREATE POLICY read ON portcullis.memberships FOR SELECT
    USING (role = session_user OR portcullis.access(workspace) IS NOT NULL);
CREATE POLICY request ON portcullis.memberships FOR INSERT WITH CHECK (
    (role = session_user AND state = 'pending' AND access = 'viewer' AND approved_by IS NULL)
    OR (role = session_user AND state = 'active' AND access = 'admin' AND portcullis.founding(workspace))
    OR portcullis.access(workspace) = 'admin');
CREATE POLICY administer ON portcullis.memberships FOR UPDATE
    USING (portcullis.access(workspace) = 'admin')
    WITH CHECK (portcullis.access(workspace) = 'admin');

CREATE POLICY own ON portcullis.grants FOR SELECT
    USING (role = session_user AND portcullis.access(workspace) IS NOT NULL);
-- Admins see every grant of their workspace (each is sealed to its member): a removal deletes
-- them, and DELETE reaches only rows SELECT does.
CREATE POLICY administer ON portcullis.grants FOR SELECT
    USING (portcullis.access(workspace) = 'admin');
CREATE POLICY grant_key ON portcullis.grants FOR INSERT
    WITH CHECK (portcullis.access(workspace) = 'admin' AND granted_by = session_user);
CREATE POLICY revoke_key ON portcullis.grants FOR DELETE
    USING (portcullis.access(workspace) = 'admin');

CREATE POLICY read ON portcullis.records FOR SELECT
    USING (portcullis.access(workspace) IS NOT NULL);
CREATE POLICY write ON portcullis.records FOR INSERT
    WITH CHECK (portcullis.access(workspace) IN ('admin', 'editor') AND writer = session_user);
CREATE POLICY change ON portcullis.records FOR UPDATE
    USING (portcullis.access(workspace) IN ('admin', 'editor'))
    WITH CHECK (portcullis.access(workspace) IN ('admin', 'editor') AND writer = session_user);
CREATE POLICY remove ON portcullis.records FOR DELETE
    USING (portcullis.access(workspace) IN ('admin', 'editor'));

CREATE POLICY read ON portcullis.changes FOR SELECT
    USING (portcullis.access(workspace) IS NOT NULL);
CREATE POLICY append ON portcullis.changes FOR INSERT
    WITH CHECK (portcullis.access(workspace) IN ('admin', 'editor') AND writer = session_user);

CREATE POLICY read ON portcullis.audit FOR SELECT
    USING (portcullis.access(workspace) IS NOT NULL);
-- The only way into the audit log: an admin, as themselves, at the next position (which the
-- element signs, so the client names it). Members hold no INSERT on the table itself, so no one
-- can take a far position or leave a gap that would stop every later append.
CREATE FUNCTION portcullis.append_audit(ws uuid, next_seq bigint, element bytea) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
    IF portcullis.access(ws) IS DISTINCT FROM 'admin' THEN
        RAISE EXCEPTION 'only an admin of this workspace writes its audit log'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(ws::text));
    IF next_seq IS DISTINCT FROM
        (SELECT coalesce(max(a.seq), 0) + 1 FROM portcullis.audit a WHERE a.workspace = ws) THEN
        RAISE EXCEPTION 'the audit log moved on meanwhile; try again'
            USING ERRCODE = 'serialization_failure';
    END IF;
    INSERT INTO portcullis.audit (workspace, seq, actor, element)
        VALUES (ws, next_seq, session_user, element);
END
$$;
REVOKE ALL ON FUNCTION portcullis.append_audit(uuid, bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portcullis.append_audit(uuid, bigint, bytea) TO portcullis_member;

GRANT SELECT ON portcullis.schema_version TO portcullis_member;
GRANT SELECT, INSERT ON portcullis.identities TO portcullis_member;
GRANT SELECT, INSERT, UPDATE ON portcullis.identity_secrets TO portcullis_member;
GRANT SELECT, INSERT ON portcullis.workspaces TO portcullis_member;
GRANT SELECT, INSERT, UPDATE ON portcullis.memberships TO portcullis_member;
GRANT SELECT, INSERT, DELETE ON portcullis.grants TO portcullis_member;
GRANT SELECT, INSERT, UPDATE, DELETE ON portcullis.records TO portcullis_member;
GRANT SELECT, INSERT ON portcullis.changes TO portcullis_member;
GRANT SELECT ON portcullis.audit TO portcullis_member;
"#,
    // 1 -> 2: records are written only through write_record, which appends the change that
    // describes the write in the same statement, at the next position of the chain, and
    // checks the version the writer started from (optimistic concurrency).
    r#"
REVOKE INSERT, UPDATE, DELETE ON portcullis.records FROM portcullis_member;
REVOKE INSERT ON portcullis.changes FROM portcullis_member;
DROP POLICY write ON portcullis.records;
DROP POLICY change ON portcullis.records;
DROP POLICY remove ON portcullis.records;
DROP POLICY append ON portcullis.changes;

-- Writes (sealed not NULL: version `expected` + 1, 1 for a new record) or deletes (sealed
-- NULL: version `expected`) one record as the connected member, an editor or admin, and
-- appends its signed change at `next_seq`. The client's element names the same record,
-- version and hash; clients refuse records that do not match the chain.
CREATE FUNCTION portcullis.write_record(ws uuid, next_seq bigint, element bytea,
        coll text, rid text, expected bigint, new_epoch bigint, sealed bytea, signature bytea)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
    touched integer;
BEGIN
    IF portcullis.access(ws) IS NULL OR portcullis.access(ws) NOT IN ('admin', 'editor') THEN
        RAISE EXCEPTION 'only an editor or admin of this workspace changes its entries'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('changes ' || ws::text));
    IF next_seq IS DISTINCT FROM
        (SELECT coalesce(max(c.seq), 0) + 1 FROM portcullis.changes c WHERE c.workspace = ws) THEN
        RAISE EXCEPTION 'the workspace changed meanwhile; try again'
            USING ERRCODE = 'serialization_failure';
    END IF;
    -- A record is sealed under the latest epoch's key: a client that missed a rotation
    -- fetches the new key and writes again (a removed member holds the older keys).
    IF sealed IS NOT NULL AND new_epoch <
        (SELECT max(g.epoch) FROM portcullis.grants g WHERE g.workspace = ws AND g.role = session_user) THEN
        RAISE EXCEPTION 'the workspace key changed meanwhile; try again'
            USING ERRCODE = 'serialization_failure';
    END IF;
    IF sealed IS NULL THEN
        DELETE FROM portcullis.records r
            WHERE r.workspace = ws AND r.collection = coll AND r.id = rid AND r.version = expected;
    ELSIF expected = 0 THEN
        INSERT INTO portcullis.records (workspace, collection, id, version, epoch, sealed,
                                        writer, signature, seq)
            VALUES (ws, coll, rid, 1, new_epoch, sealed, session_user, signature, next_seq)
            ON CONFLICT DO NOTHING;
    ELSE
        UPDATE portcullis.records r SET version = expected + 1, epoch = new_epoch,
                sealed = write_record.sealed, writer = session_user,
                signature = write_record.signature, seq = next_seq
            WHERE r.workspace = ws AND r.collection = coll AND r.id = rid
              AND r.version = expected;
    END IF;
    GET DIAGNOSTICS touched = ROW_COUNT;
    IF touched <> 1 THEN
        RAISE EXCEPTION 'the entry was changed or deleted by someone else meanwhile'
            USING ERRCODE = 'PCV01';
    END IF;
    INSERT INTO portcullis.changes (workspace, seq, element, writer)
        VALUES (ws, next_seq, element, session_user);
    PERFORM pg_notify('portcullis_' || replace(ws::text, '-', ''), next_seq::text);
END
$$;
REVOKE ALL ON FUNCTION portcullis.write_record(uuid, bigint, bytea, text, text, bigint, bigint,
    bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION portcullis.write_record(uuid, bigint, bytea, text, text, bigint,
    bigint, bytea, bytea) TO portcullis_member;
"#,
    // 2 -> 3: each member records their exports in a log of their own (their own hash chain),
    // so that no member's row can stop the admins' audit log or another member's exports; a
    // removal names the chain's position.
    r#"
CREATE TABLE portcullis.exports (
    workspace  uuid NOT NULL REFERENCES portcullis.workspaces ON DELETE CASCADE,
    role       name NOT NULL DEFAULT session_user,
    seq        bigint NOT NULL CHECK (seq >= 1),
    element    bytea NOT NULL,
    PRIMARY KEY (workspace, role, seq)
);
ALTER TABLE portcullis.exports ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON portcullis.exports FOR SELECT
    USING (portcullis.access(workspace) IS NOT NULL);
CREATE POLICY append ON portcullis.exports FOR INSERT
    WITH CHECK (portcullis.access(workspace) IS NOT NULL AND role = session_user);
GRANT SELECT, INSERT ON portcullis.exports TO portcullis_member;
-- The position of the change chain when a member was removed, which the removing admin signs:
-- their writes up to it stay valid, none after it is accepted.
ALTER TABLE portcullis.memberships ADD COLUMN removed_at bigint CHECK (removed_at >= 0);
-- The founder's membership is the root every other one is checked from: no admin changes it.
DROP POLICY administer ON portcullis.memberships;
CREATE POLICY administer ON portcullis.memberships FOR UPDATE
    USING (portcullis.access(workspace) = 'admin'
           AND role <> (SELECT w.creator FROM portcullis.workspaces w WHERE w.id = workspace))
    WITH CHECK (portcullis.access(workspace) = 'admin');
"#,
];

/// What [`setup`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// The schema version found (0: none).
    pub from: i32,
    /// The schema version now.
    pub to: i32,
}

/// Creates the schema, or applies the migrations it lacks, in one transaction; two setups at
/// once wait for each other. A schema newer than this build is refused.
pub fn setup(client: &mut Client) -> Result<Setup, Error> {
    let mut tx = client.transaction()?;
    // One setup at a time: the key is "PCLS" (as the file's application id).
    tx.execute("SELECT pg_advisory_xact_lock(1346587731)", &[])?;
    let member_role: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
            &[&MEMBER_ROLE],
        )?
        .get(0);
    if !member_role {
        return Err(Error::NoMemberRole);
    }
    let from = version_in(&mut tx)?;
    if from > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew(from));
    }
    let start = usize::try_from(from).map_err(|_| Error::SchemaDamaged)?;
    for sql in MIGRATIONS.iter().skip(start) {
        tx.batch_execute(sql)?;
    }
    tx.execute(
        "UPDATE portcullis.schema_version SET version = $1",
        &[&SCHEMA_VERSION],
    )?;
    tx.commit()?;
    tracing::info!(from, to = SCHEMA_VERSION, "team schema set up");
    Ok(Setup {
        from,
        to: SCHEMA_VERSION,
    })
}

/// The schema version a database holds (0: no schema), checked by every connection before use.
pub fn version(client: &mut Client) -> Result<i32, Error> {
    let mut tx = client.transaction()?;
    let v = version_in(&mut tx)?;
    tx.commit()?;
    Ok(v)
}

fn version_in(tx: &mut postgres::Transaction<'_>) -> Result<i32, Error> {
    let exists: bool = tx
        .query_one(
            "SELECT to_regclass('portcullis.schema_version') IS NOT NULL",
            &[],
        )?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let rows = tx.query("SELECT version FROM portcullis.schema_version", &[])?;
    match rows.as_slice() {
        [row] => col(row, 0),
        _ => Err(Error::SchemaDamaged),
    }
}
