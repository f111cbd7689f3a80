//! The SQLite file: schema, migrations and transactions (private to the core). Knows rows and ciphertext, never
//! passwords or plaintext.

mod schema;

pub use schema::SCHEMA_VERSION;

use rusqlite::config::DbConfig;
use rusqlite::{ffi, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file does not exist.
    #[error("no workspace at this path")]
    NotFound,
    /// The file exists already (on create).
    #[error("a file already exists at this path")]
    AlreadyExists,
    /// The file is not a Portcullis workspace.
    #[error("not a Portcullis workspace")]
    NotWorkspace,
    /// The schema is newer than this build knows.
    #[error("made by a newer Portcullis")]
    TooNew,
    /// The file is damaged at the SQLite level.
    #[error("damaged workspace")]
    Damaged,
    /// The file holds SQLite objects (triggers, views, tables, indexes) the schema does not
    /// define: someone else added them, and they could change what a write does.
    #[error("the file holds SQLite objects Portcullis does not create")]
    ForeignSchema,
    /// A write changed other rows than it meant to; the transaction was rolled back.
    #[error("a write did not change the file as expected")]
    WriteMismatch,
    /// Another process holds the write lock past the busy timeout.
    #[error("this workspace is busy in another process")]
    Busy,
    /// Any other SQLite or I/O failure.
    #[error("storage error: {0}")]
    Sqlite(rusqlite::Error),
    /// A file operation around the database failed.
    #[error("file error: {0}")]
    Io(std::io::ErrorKind),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use ffi::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(NotADatabase) => Error::NotWorkspace,
            Some(DatabaseBusy | DatabaseLocked) => Error::Busy,
            Some(
                CannotOpen | PermissionDenied | ReadOnly | DiskFull | SystemIoFailure | OutOfMemory,
            ) => Error::Sqlite(e),
            // Anything else on a file that passed the application-id check means its structure
            // is broken: a corrupt page, a missing column, a value of the wrong type.
            _ => Error::Damaged,
        }
    }
}

/// One sealed record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Which collection the record belongs to (`entry`, `mfa`…).
    pub collection: String,
    /// The record id.
    pub id: String,
    /// Incremented on every write of the record.
    pub version: u64,
    /// `nonce || ciphertext || tag`.
    pub sealed: Vec<u8>,
}

/// An open workspace file.
pub struct Store {
    conn: Connection,
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Creates a new file with the current schema. Fails if the path exists.
    /// The file is made readable and writable by its owner only, whatever the umask; SQLite
    /// gives its journal the mode of the database file.
    pub fn create(path: &Path) -> Result<Self, Error> {
        create_private_file(path)?;
        let created = (|| {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let mut conn = Connection::open_with_flags(path, flags)?;
            configure(&conn)?;
            schema::create(&mut conn)?;
            Ok(Self { conn })
        })();
        if created.is_err() {
            // Nothing of value is in it yet: leave no half-made workspace behind.
            let _ = std::fs::remove_file(path);
        }
        created
    }

    /// Opens an existing file, checking that it is a workspace and migrating an older schema.
    pub fn open(path: &Path) -> Result<Self, Error> {
        if !path.is_file() {
            return Err(Error::NotFound);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        configure(&conn)?;
        schema::check_and_migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// Runs `f` in one immediate (write-locked) transaction, committed only if `f` succeeds.
    pub fn write<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut WriteTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(Error::from)?;
        let mut wtx = WriteTx { tx };
        let out = f(&mut wtx)?;
        wtx.tx.commit().map_err(Error::from)?;
        Ok(out)
    }

    /// Writes a consistent copy of the whole file into `path`, an empty file the caller made
    /// owner-only with [`crate::secret_file::create`] (SQLite's `VACUUM INTO` fills an empty
    /// file: same header, keys and records, compacted).
    pub fn copy_to(&mut self, path: &Path) -> Result<(), Error> {
        self.conn
            .execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        Ok(())
    }

    /// Runs `f` in one read transaction, so that everything it reads is one consistent state.
    pub fn read<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&ReadTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(Error::from)?;
        let rtx = ReadTx { tx };
        let out = f(&rtx)?;
        rtx.tx.finish().map_err(Error::from)?;
        Ok(out)
    }
}

/// Reads inside a consistent snapshot.
pub struct ReadTx<'c> {
    tx: rusqlite::Transaction<'c>,
}

impl ReadTx<'_> {
    /// A value of the `meta` table.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        read_meta(&self.tx, name)
    }

    /// Every record of a collection (or of all, with `None`), in collection and id order.
    pub fn rows(&self, collection: Option<&str>) -> Result<Vec<Row>, Error> {
        read_rows(&self.tx, collection)
    }

    /// Every record outside the collection `bulky`, whole, and each record of `bulky` as
    /// `(row without its sealed bytes, hash(sealed))`, read one at a time: bulky records (an
    /// attachment's chunks) are never all in memory at once.
    pub fn rows_and_hashes(&self, bulky: &str, hash: fn(&[u8]) -> [u8; 32]) -> RowsAndHashes {
        rows_and_hashes(&self.tx, bulky, hash)
    }

    /// One record, if present.
    pub fn row(&self, collection: &str, id: &str) -> Result<Option<Row>, Error> {
        read_row(&self.tx, collection, id)
    }

    /// The file's schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i32, Error> {
        schema::version(&self.tx)
    }

    /// SQLite's `data_version` of this connection: it changes when another connection
    /// commits, never for this connection's own commits. Read after the transaction's first
    /// read, it names the snapshot the transaction sees.
    pub fn data_version(&self) -> Result<i64, Error> {
        data_version(&self.tx)
    }
}

/// Writes inside one transaction.
pub struct WriteTx<'c> {
    tx: rusqlite::Transaction<'c>,
}

impl WriteTx<'_> {
    /// A value of the `meta` table.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        read_meta(&self.tx, name)
    }

    /// Sets a value of the `meta` table.
    pub fn set_meta(&self, name: &str, value: &[u8]) -> Result<(), Error> {
        let changed = self.tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            rusqlite::params![name, value],
        )?;
        exactly_one(changed)
    }

    /// Removes a value of the `meta` table.
    pub fn delete_meta(&self, name: &str) -> Result<(), Error> {
        self.tx
            .execute("DELETE FROM meta WHERE name = ?1", [name])?;
        Ok(())
    }

    /// Every record of a collection (or of all, with `None`), in collection and id order.
    pub fn rows(&self, collection: Option<&str>) -> Result<Vec<Row>, Error> {
        read_rows(&self.tx, collection)
    }

    /// Every record outside the collection `bulky`, whole, and each record of `bulky` as
    /// `(row without its sealed bytes, hash(sealed))`, read one at a time: bulky records (an
    /// attachment's chunks) are never all in memory at once.
    pub fn rows_and_hashes(&self, bulky: &str, hash: fn(&[u8]) -> [u8; 32]) -> RowsAndHashes {
        rows_and_hashes(&self.tx, bulky, hash)
    }

    /// One record, if present.
    pub fn row(&self, collection: &str, id: &str) -> Result<Option<Row>, Error> {
        read_row(&self.tx, collection, id)
    }

    /// SQLite's `data_version` of this connection (see [`ReadTx::data_version`]); inside a
    /// write transaction it names the state the write starts from.
    pub fn data_version(&self) -> Result<i64, Error> {
        data_version(&self.tx)
    }

    /// The file's schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i32, Error> {
        schema::version(&self.tx)
    }

    /// Sets the schema version to [`SCHEMA_VERSION`] in this transaction (its migrations
    /// change no table past the one opening applies).
    pub fn upgrade_schema(&self) -> Result<(), Error> {
        schema::upgrade(&self.tx)
    }

    /// Inserts or replaces a record.
    pub fn put(&self, row: &Row) -> Result<(), Error> {
        let version = i64::try_from(row.version).map_err(|_| Error::Damaged)?;
        let changed = self.tx.execute(
            "INSERT INTO records (collection, id, version, sealed) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(collection, id) DO UPDATE
             SET version = excluded.version, sealed = excluded.sealed",
            rusqlite::params![row.collection, row.id, version, row.sealed],
        )?;
        exactly_one(changed)
    }

    /// Deletes a record; returns whether it existed (the caller checks that against what it
    /// knows).
    pub fn delete(&self, collection: &str, id: &str) -> Result<bool, Error> {
        let n = self.tx.execute(
            "DELETE FROM records WHERE collection = ?1 AND id = ?2",
            [collection, id],
        )?;
        Ok(n > 0)
    }
}

/// A write of one row must change exactly one row; anything else (a planted trigger, a
/// changed table) fails the write, and with it the transaction.
fn exactly_one(changed: usize) -> Result<(), Error> {
    if changed == 1 {
        Ok(())
    } else {
        Err(Error::WriteMismatch)
    }
}

/// Creates `path` empty, readable and writable by its owner only (through the one writer of
/// secret files); fails if anything (even a dangling symbolic link) is there.
fn create_private_file(path: &Path) -> Result<(), Error> {
    crate::secret_file::create(path)
        .map(drop)
        .map_err(|e| match e {
            crate::secret_file::Error::Exists(_) => Error::AlreadyExists,
            crate::secret_file::Error::Io { source, .. } => Error::Io(source.kind()),
        })
}

fn configure(conn: &Connection) -> Result<(), Error> {
    // What the file's schema holds never runs: no trigger fires and no view is read, schema
    // objects may not call functions with side effects, and the schema itself cannot be
    // written through SQL. Open also refuses any object the schema does not define.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.pragma_update(None, "trusted_schema", "OFF")?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // One file, no -wal sidecar: a rollback journal with full syncs keeps the last committed
    // state across a crash or a kill.
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

fn read_meta(conn: &Connection, name: &str) -> Result<Option<Vec<u8>>, Error> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

fn read_row(conn: &Connection, collection: &str, id: &str) -> Result<Option<Row>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT collection, id, version, sealed FROM records
         WHERE collection = ?1 AND id = ?2",
    )?;
    Ok(stmt.query_row([collection, id], row_from_sql).optional()?)
}

fn data_version(conn: &Connection) -> Result<i64, Error> {
    Ok(conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
}

fn row_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let version: i64 = r.get(2)?;
    Ok(Row {
        collection: r.get(0)?,
        id: r.get(1)?,
        version: version.max(0) as u64,
        sealed: r.get(3)?,
    })
}

/// What [`ReadTx::rows_and_hashes`] reads: the whole rows, and the bulky ones' hashes.
pub type RowsAndHashes = Result<(Vec<Row>, Vec<(Row, [u8; 32])>), Error>;

fn rows_and_hashes(conn: &Connection, bulky: &str, hash: fn(&[u8]) -> [u8; 32]) -> RowsAndHashes {
    let mut stmt = conn.prepare_cached(
        "SELECT collection, id, version, sealed FROM records
         WHERE collection <> ?1 ORDER BY collection, id",
    )?;
    let rows = stmt
        .query_map([bulky], row_from_sql)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT collection, id, version, sealed FROM records
         WHERE collection = ?1 ORDER BY id",
    )?;
    let mut hashed = Vec::new();
    let mut query = stmt.query([bulky])?;
    while let Some(r) = query.next()? {
        let mut row = row_from_sql(r)?;
        let h = hash(&row.sealed);
        row.sealed = Vec::new();
        hashed.push((row, h));
    }
    Ok((rows, hashed))
}

fn read_rows(conn: &Connection, collection: Option<&str>) -> Result<Vec<Row>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT collection, id, version, sealed FROM records
         WHERE ?1 IS NULL OR collection = ?1 ORDER BY collection, id",
    )?;
    let rows = stmt.query_map([collection], row_from_sql)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(version: u64) -> Row {
        Row {
            collection: "mfa".into(),
            id: "config".into(),
            version,
            sealed: vec![version as u8],
        }
    }

    #[test]
    fn a_write_that_changes_no_row_fails_and_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("w.pcx")).unwrap();
        store.write(|tx| tx.put(&row(1))).unwrap();
        // A trigger that swallows the update, with triggers turned back on for this test
        // only (open refuses such a file, and the connection runs with triggers off).
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER swallow BEFORE UPDATE ON records BEGIN SELECT RAISE(IGNORE); END",
            )
            .unwrap();
        store
            .conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)
            .unwrap();
        let result = store.write(|tx| {
            tx.set_meta("manifest", b"new")?;
            tx.put(&row(2))
        });
        assert!(matches!(result, Err(Error::WriteMismatch)), "{result:?}");
        let (manifest, rows) = store
            .read(|tx| Ok::<_, Error>((tx.meta("manifest")?, tx.rows(None)?)))
            .unwrap();
        assert_eq!(manifest, None, "the whole transaction was rolled back");
        assert_eq!(rows, vec![row(1)]);
    }

    #[test]
    fn the_connection_runs_no_trigger_and_no_view() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("w.pcx")).unwrap();
        for (config, on) in [
            (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
            (DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false),
            (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        ] {
            assert_eq!(store.conn.db_config(config).unwrap(), on);
        }
        let trusted: i64 = store
            .conn
            .pragma_query_value(None, "trusted_schema", |r| r.get(0))
            .unwrap();
        assert_eq!(trusted, 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_private_and_an_existing_path_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        drop(Store::create(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let link = dir.path().join("link.pcx");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert!(matches!(Store::create(&link), Err(Error::AlreadyExists)));
        assert!(!dir.path().join("nowhere").exists());
    }
}
