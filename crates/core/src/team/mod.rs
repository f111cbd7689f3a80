//! Team workspaces on PostgreSQL (docs/TEAM.md). Built so far: addresses, connecting as
//! libpq does, and the schema with its row-level security (`team setup`). Identities,
//! membership, records and sync follow.

pub mod connect;
pub mod schema;
pub mod url;

pub use connect::{connect, stored_password};
pub use schema::{setup, Setup, MEMBER_ROLE, SCHEMA_VERSION};
pub use url::{is_team_url, SslMode, TeamUrl, UrlError};

/// Why a team operation failed. Messages carry no secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The address is not usable.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The server could not be reached or refused the login.
    #[error("cannot connect to the PostgreSQL server: {0}")]
    Connect(String),
    /// A TLS `sslmode` was asked for; this build speaks to PostgreSQL without TLS only.
    #[error("sslmode require, verify-ca and verify-full are not supported yet: use a local or tunnelled connection with sslmode=disable or prefer")]
    TlsUnavailable,
    /// `portcullis_member` does not exist.
    #[error("the role portcullis_member does not exist: as the database administrator, run CREATE ROLE portcullis_member NOLOGIN; then GRANT portcullis_member TO each member's login role")]
    NoMemberRole,
    /// The database holds a schema made by a newer Portcullis.
    #[error(
        "the database's Portcullis schema (version {0}) is newer than this Portcullis: update it"
    )]
    SchemaTooNew(i32),
    /// The schema's bookkeeping is not what setup wrote.
    #[error("the database's Portcullis schema is damaged")]
    SchemaDamaged,
    /// PostgreSQL refused a statement (for example: not allowed to this role).
    #[error("PostgreSQL refused: {0}")]
    Database(String),
}

impl Error {
    fn connect(e: postgres::Error) -> Self {
        Error::Connect(describe(&e))
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Database(describe(&e))
    }
}

/// The server's message when it sent one (no statement parameters: they may be secret).
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}
