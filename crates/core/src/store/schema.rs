//! The schema and its migrations. `PRAGMA application_id` marks a Portcullis file;
//! `PRAGMA user_version` is the schema version.

use super::Error;
use rusqlite::Connection;

/// `PRAGMA application_id` of a workspace: "PCLS".
pub const APPLICATION_ID: i32 = 0x5043_4C53;
/// The schema version this build writes. Version 2 changes no table: it marks a file whose
/// entries are packed into buckets, so that builds reading only one record per entry refuse
/// it instead of showing it empty. Opening never sets it (a version-1 file stays readable by
/// the builds that made it until something is written); the first write does.
pub const SCHEMA_VERSION: i32 = 2;
/// The version opening migrates an older file to: the last that changed the tables.
const OPEN_VERSION: i32 = 1;

/// Migrations: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema.
    "CREATE TABLE meta (
        name  TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE records (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    INTEGER NOT NULL CHECK (version >= 1),
        sealed     BLOB NOT NULL,
        PRIMARY KEY (collection, id)
    ) WITHOUT ROWID;",
    // 1 -> 2: entries packed into buckets (the records change, not the tables), applied by
    // the first write through `upgrade`.
    "",
];

/// One row of `sqlite_schema`: type, name, table, SQL text.
type SchemaObject = (String, String, String, Option<String>);

pub(super) fn create(conn: &mut Connection) -> Result<(), Error> {
    let tx = conn.transaction()?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    migrate(&tx, 0, SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn check_and_migrate(conn: &mut Connection) -> Result<(), Error> {
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if app_id != APPLICATION_ID {
        return Err(Error::NotWorkspace);
    }
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::TooNew);
    }
    // Anything the schema of this version does not define (a trigger, a view, a table, an
    // index, a changed definition) is refused before the file is used or migrated.
    if objects(conn)? != expected_objects(version)? {
        return Err(Error::ForeignSchema);
    }
    if version < OPEN_VERSION {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        migrate(&tx, version, OPEN_VERSION)?;
        tx.commit()?;
    }
    Ok(())
}

/// The file's schema version.
pub(super) fn version(conn: &Connection) -> Result<i32, Error> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Brings a file to [`SCHEMA_VERSION`] inside the caller's write transaction (the first
/// write, which packs version-1 entry records into buckets).
pub(super) fn upgrade(conn: &Connection) -> Result<(), Error> {
    let from = version(conn)?;
    if from < SCHEMA_VERSION {
        migrate(conn, from, SCHEMA_VERSION)?;
    }
    Ok(())
}

fn migrate(conn: &Connection, from: i32, to: i32) -> Result<(), Error> {
    let start = usize::try_from(from).map_err(|_| Error::Damaged)?;
    let end = usize::try_from(to).map_err(|_| Error::Damaged)?;
    for sql in MIGRATIONS.iter().take(end).skip(start) {
        conn.execute_batch(sql)?;
    }
    conn.pragma_update(None, "user_version", to)?;
    Ok(())
}

/// Every object of the file's schema, in a stable order.
fn objects(conn: &Connection) -> Result<Vec<SchemaObject>, Error> {
    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name, tbl_name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The objects a file of schema `version` holds: its migrations run on an empty in-memory
/// database, so a migration added later defines its own objects.
fn expected_objects(version: i32) -> Result<Vec<SchemaObject>, Error> {
    let count = usize::try_from(version).map_err(|_| Error::Damaged)?;
    let conn = Connection::open_in_memory()?;
    for sql in MIGRATIONS.iter().take(count) {
        conn.execute_batch(sql)?;
    }
    objects(&conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_reach_the_current_version() {
        assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
        let mut conn = Connection::open_in_memory().unwrap();
        create(&mut conn).unwrap();
        let v: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        check_and_migrate(&mut conn).unwrap();
    }

    #[test]
    fn foreign_and_newer_files_are_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(matches!(
            check_and_migrate(&mut conn),
            Err(Error::NotWorkspace)
        ));
        create(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(check_and_migrate(&mut conn), Err(Error::TooNew)));
    }

    #[test]
    fn an_older_schema_with_only_its_own_objects_is_migrated() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        // Version 0: no table yet.
        check_and_migrate(&mut conn).unwrap();
        assert_eq!(
            objects(&conn).unwrap(),
            expected_objects(SCHEMA_VERSION).unwrap()
        );
        assert_eq!(version(&conn).unwrap(), OPEN_VERSION);
    }

    /// Opening a version-1 file leaves it at version 1; `upgrade` (the first write) sets 2.
    #[test]
    fn version_2_is_set_by_a_write_not_by_opening() {
        let mut conn = Connection::open_in_memory().unwrap();
        create(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), SCHEMA_VERSION);
        conn.pragma_update(None, "user_version", 1).unwrap();
        check_and_migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), 1);
        upgrade(&conn).unwrap();
        assert_eq!(version(&conn).unwrap(), 2);
        check_and_migrate(&mut conn).unwrap();
    }

    #[test]
    fn any_object_outside_the_schema_is_refused() {
        for extra in [
            "CREATE TRIGGER t BEFORE UPDATE ON records BEGIN SELECT RAISE(IGNORE); END",
            "CREATE VIEW v AS SELECT * FROM records",
            "CREATE TABLE x (a)",
            "CREATE INDEX i ON records (version)",
        ] {
            let mut conn = Connection::open_in_memory().unwrap();
            create(&mut conn).unwrap();
            conn.execute_batch(extra).unwrap();
            assert!(
                matches!(check_and_migrate(&mut conn), Err(Error::ForeignSchema)),
                "{extra}"
            );
        }
    }
}
