//! Team workspaces on PostgreSQL (docs/TEAM.md). Built so far: addresses, connecting as
//! libpq does, the schema with its row-level security (`team setup`), members' identities,
//! workspace keys sealed to members, creating a workspace, asking to join and listing members,
//! approval, removal with key rotation, the audit log, and entries kept in records checked
//! against a signed change chain. Per-member second factors, live sync and the offline cache
//! follow.

pub mod admin;
pub mod audit;
mod cache;
pub mod change;
pub mod connect;
pub mod directory;
mod element;
mod entries;
pub mod grant;
mod head;
mod held;
pub mod identity;
pub mod listen;
pub mod member;
pub mod offline;
pub mod schema;
mod tls;
pub mod url;
pub mod workspace;

pub use connect::{connect, forget_password, keep_password, kept_password, stored_password};
pub use directory::{Access, Membership, Team};
pub use grant::{EpochKey, Grant, GrantError};
pub use identity::{Identity, IdentityError, PublicIdentity};
pub use listen::Listener;
pub use member::{Member, MemberUnlock};
pub use offline::{OfflineCopy, OfflineMember, OfflineUnlock, OfflineWorkspace};
pub use schema::{setup, Setup, MEMBER_ROLE, SCHEMA_VERSION};
pub use url::{is_team_url, Parts, SslMode, TeamUrl, UrlError};
pub use workspace::{Fetched, Removal, SyncPoint, TeamWorkspace};

/// Why a team operation failed. Messages carry no secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The address is not usable.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The server refused the connection or the login.
    #[error("cannot connect to the PostgreSQL server: {0}")]
    Connect(String),
    /// No server answered (down, no route): the offline copy can be read.
    #[error("cannot connect to the PostgreSQL server: {0}")]
    Unreachable(String),
    /// TLS could not be set up or the server's certificate was refused.
    #[error("TLS: {0}")]
    Tls(String),
    /// `portcullis_member` does not exist.
    #[error("the role portcullis_member does not exist: as the database administrator, run CREATE ROLE portcullis_member NOLOGIN; then GRANT portcullis_member TO each member's login role")]
    NoMemberRole,
    /// The database holds a schema made by a newer Portcullis.
    #[error(
        "the database's Portcullis schema (version {0}) is newer than this Portcullis: update it"
    )]
    SchemaTooNew(i32),
    /// `team setup` has not run on this database.
    #[error("this database has no Portcullis schema: the database administrator runs portcullis team setup first")]
    NoSchema,
    /// The schema is older than this build's.
    #[error("this database's Portcullis schema is older than this Portcullis: the database administrator runs portcullis team setup")]
    SchemaOld,
    /// The connected role has no identity yet.
    #[error("this role has no team identity yet: run portcullis team join (or init) first")]
    NoIdentity,
    /// Key-derivation parameters below OWASP's Argon2id minimum for a new identity.
    #[error("key-derivation parameters too weak: Argon2id needs at least 19 MiB and 2 passes (or 46 MiB and 1, 12 MiB and 3, 9 MiB and 4, 7 MiB and 5)")]
    KdfBelowFloor,
    /// A removed member asking to join again.
    #[error("you were removed from this team workspace; ask an admin to let you back in")]
    Removed,
    /// The founder's membership cannot change (it is the root every other one is checked from).
    #[error(
        "the founder of a team workspace stays its admin: every membership is checked from theirs"
    )]
    Founder,
    /// The identity asks for more than 1 GiB of memory and the caller did not confirm it.
    #[error("your identity asks for a costly key derivation ({memory_mib} MiB of memory, {passes} passes); it opens only once you confirm that cost")]
    CostlyKdf {
        /// Memory, in MiB.
        memory_mib: u32,
        /// Passes.
        passes: u32,
    },
    /// No team workspace of that name.
    #[error("no team workspace named “{0}” in this database")]
    NoWorkspace(String),
    /// `init` on a name already taken.
    #[error("a team workspace named “{0}” already exists")]
    WorkspaceExists(String),
    /// The member's identity could not be opened or made.
    #[error(transparent)]
    Identity(IdentityError),
    /// The random source or a primitive failed.
    #[error("cryptographic failure")]
    Crypto,
    /// Only a workspace admin may do that.
    #[error("only an admin of this team workspace can do that")]
    NotAdmin,
    /// No pending request by that role.
    #[error("“{0}” has not asked to join this workspace (portcullis team join)")]
    NoRequest(String),
    /// The fingerprint compared out of band is not the member's.
    #[error("the fingerprint does not match {0}'s identity on the server: do not approve; compare it again with {0}")]
    FingerprintMismatch(String),
    /// Not an active member whose membership checks.
    #[error("“{0}” is not an active member of this workspace")]
    NotMember(String),
    /// An admin removing themselves.
    #[error("an admin cannot remove themselves; another admin can")]
    RemoveSelf,
    /// No usable workspace key for this member.
    #[error("this member holds no workspace key signed by an admin of this workspace")]
    NoKey,
    /// The audit log does not check.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    /// A workspace key was refused.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// The schema's bookkeeping is not what setup wrote.
    #[error("the database's Portcullis schema is damaged")]
    SchemaDamaged,
    /// The server shows another workspace or founder than this computer met first.
    #[error("the server shows another founder or another workspace under this name than this computer met first: it was replaced on the server; nothing was trusted")]
    FounderChanged,
    /// The server shows the member's second-factor settings older than this computer saw them
    /// (an earlier sealed version put back, or the settings deleted).
    #[error("the server shows your second-factor settings older than this computer last saw them (an earlier version was put back, or they were deleted): nothing was trusted; tell your database administrator")]
    FactorSettingsRolledBack,
    /// A viewer tried to change an entry.
    #[error("you are a viewer of this team workspace: only its editors and admins change entries")]
    ReadOnly,
    /// The entry changed on the server since this copy read it.
    #[error("“{0}” was changed or deleted by another member meanwhile; nothing was saved: look at it again, then redo your change")]
    Conflict(String),
    /// The change chain or the records do not check.
    #[error(transparent)]
    Chain(#[from] change::ChainError),
    /// A change asked of the offline copy.
    #[error("the server cannot be reached: this is the copy of the workspace last synced {synced_at}; changes need the server")]
    Offline {
        /// When the copy was last synced.
        synced_at: String,
    },
    /// The offline copy on this computer cannot be read.
    #[error("the offline copy of this workspace on this computer cannot be used: {0}")]
    OfflineCopy(String),
    /// PostgreSQL refused a statement (for example: not allowed to this role).
    #[error("PostgreSQL refused: {0}")]
    Database(String),
}

impl From<Error> for crate::workspace::Error {
    fn from(e: Error) -> Self {
        crate::workspace::Error::Team(Box::new(e))
    }
}

impl Error {
    /// The team error a workspace error carries, if it carries one.
    pub fn of(e: &crate::workspace::Error) -> Option<&Error> {
        match e {
            crate::workspace::Error::Team(inner) => inner.downcast_ref::<Error>(),
            _ => None,
        }
    }

    /// A connection that failed: [`Error::Unreachable`] when no server answered (down, no
    /// route, refused, timed out), [`Error::Connect`] otherwise (a server that refused the
    /// login, a certificate refused…).
    fn connect(e: postgres::Error) -> Self {
        use std::io::ErrorKind as K;
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                if matches!(
                    io.kind(),
                    K::ConnectionRefused
                        | K::ConnectionReset
                        | K::ConnectionAborted
                        | K::NotConnected
                        | K::TimedOut
                        | K::HostUnreachable
                        | K::NetworkUnreachable
                        | K::AddrNotAvailable
                ) {
                    return Error::Unreachable(describe(&e));
                }
            }
            source = cause.source();
        }
        Error::Connect(describe(&e))
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Database(describe(&e))
    }
}

/// Column `i` of a row: [`Error::SchemaDamaged`] when the server sent a NULL or another type
/// than the schema has (never a panic on what a server sends).
pub(crate) fn col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
) -> Result<T, Error> {
    row.try_get(i).map_err(|_| Error::SchemaDamaged)
}

/// The server's message when it sent one (no statement parameters: they may be secret).
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
