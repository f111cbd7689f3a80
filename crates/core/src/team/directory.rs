//! A connection to a team database as one member: their identity, the workspaces, who is a
//! member of them (docs/TEAM.md, "Joining, roles, leaving"). Every statement runs as the
//! member's own login role, so PostgreSQL's row-level security applies to all of it.

use super::audit;
use super::grant::{EpochKey, Grant};
use super::identity::{Identity, IdentityError, PublicIdentity};
use super::{col, connect, schema, Error, TeamUrl};
use crate::crypto::SecretString;
use postgres::Client;

const MEMBERSHIP_CONTEXT: &[u8] = b"portcullis/team/v1/membership";

/// A member's access to a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Manages members and keys; reads and writes entries.
    Admin,
    /// Reads and writes entries.
    Editor,
    /// Reads entries.
    Viewer,
}

impl Access {
    /// The name PostgreSQL stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Admin => "admin",
            Access::Editor => "editor",
            Access::Viewer => "viewer",
        }
    }

    /// From the name PostgreSQL stores (or a user typed).
    pub fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "admin" => Ok(Access::Admin),
            "editor" => Ok(Access::Editor),
            "viewer" => Ok(Access::Viewer),
            _ => Err(Error::SchemaDamaged),
        }
    }
}

/// One row of `team members`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The member's PostgreSQL login role.
    pub name: String,
    /// Their access (a pending request asks for none yet: `viewer`).
    pub access: Access,
    /// `pending`, `active` or `removed`.
    pub state: String,
    /// Their identity's fingerprint (computed here from the public keys the server lists).
    pub fingerprint: String,
}

/// A member's connection to a team database whose schema is this build's.
pub struct Team {
    pub(super) client: Client,
    url: TeamUrl,
}

/// The message an admin signs to approve a membership (and the founder signs for themselves).
pub fn membership_message(
    workspace: &[u8; 16],
    member: &PublicIdentity,
    access: Access,
) -> Vec<u8> {
    let mut out = MEMBERSHIP_CONTEXT.to_vec();
    out.extend_from_slice(workspace);
    out.extend_from_slice(&member.bound());
    out.extend_from_slice(access.as_str().as_bytes());
    out
}

fn uuid_text(id: &[u8; 16]) -> String {
    uuid::Uuid::from_bytes(*id).hyphenated().to_string()
}

impl Team {
    /// Connects as `url.role` and checks the schema (`team setup` must have run).
    pub fn connect(url: &TeamUrl, database_password: &SecretString) -> Result<Self, Error> {
        let mut client = connect(url, database_password)?;
        match schema::version(&mut client)? {
            v if v == schema::SCHEMA_VERSION => {}
            0 => return Err(Error::NoSchema),
            v if v > schema::SCHEMA_VERSION => return Err(Error::SchemaTooNew(v)),
            _ => return Err(Error::SchemaOld),
        }
        Ok(Self {
            client,
            url: url.clone(),
        })
    }

    /// The address connected to.
    pub(super) fn url(&self) -> &TeamUrl {
        &self.url
    }

    pub(super) fn workspace_name(&self) -> Result<&str, Error> {
        self.url
            .workspace
            .as_deref()
            .ok_or(super::UrlError::Invalid("the workspace is missing (?workspace=NAME)").into())
    }

    /// The connected member's sealed identity, if they have one.
    pub fn sealed_identity(&mut self) -> Result<Option<(PublicIdentity, Vec<u8>)>, Error> {
        let row = self.client.query_opt(
            "SELECT i.role::text, i.x25519, i.ed25519, s.sealed FROM portcullis.identities i
             JOIN portcullis.identity_secrets s USING (role) WHERE i.role = session_user",
            &[],
        )?;
        row.map(|r| {
            Ok((
                public_of(col(&r, 0)?, col(&r, 1)?, col(&r, 2)?)?,
                col(&r, 3)?,
            ))
        })
        .transpose()
    }

    /// Stores a new identity of the connected role: its public keys, and its sealed keys.
    pub(super) fn store_identity(
        &mut self,
        identity: &Identity,
        sealed: &[u8],
    ) -> Result<(), Error> {
        let public = identity.public();
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO portcullis.identities (role, x25519, ed25519) VALUES (session_user, $1, $2)",
            &[&public.x25519.as_slice(), &public.ed25519.as_slice()],
        )?;
        tx.execute(
            "INSERT INTO portcullis.identity_secrets (role, sealed) VALUES (session_user, $1)",
            &[&sealed],
        )?;
        tx.commit()?;
        tracing::info!("team identity created");
        Ok(())
    }

    /// Creates the workspace the address names, with `me` as its first admin holding the key of
    /// epoch 1.
    pub(super) fn create_workspace(&mut self, me: &Identity) -> Result<(), Error> {
        let name = self.workspace_name()?.to_owned();
        let id: [u8; 16] = crate::crypto::random_bytes().map_err(|_| Error::Crypto)?;
        let key = EpochKey::generate().map_err(|_| Error::Crypto)?;
        let grant = Grant::seal(me, &id, 1, me.public(), &key).map_err(|_| Error::Crypto)?;
        let signature = me.sign(&membership_message(&id, me.public(), Access::Admin));
        let id_text = uuid_text(&id);
        let mut tx = self.client.transaction()?;
        let taken = tx
            .query_opt(
                "SELECT 1 FROM portcullis.workspaces WHERE name = $1",
                &[&name],
            )?
            .is_some();
        if taken {
            return Err(Error::WorkspaceExists(name));
        }
        tx.execute(
            "INSERT INTO portcullis.workspaces (id, name) VALUES ($1::text::uuid, $2)",
            &[&id_text, &name],
        )?;
        tx.execute(
            "INSERT INTO portcullis.memberships (workspace, role, state, access, approved_by, signature)
             VALUES ($1::text::uuid, session_user, 'active', 'admin', session_user, $2)",
            &[&id_text, &signature],
        )?;
        tx.execute(
            "INSERT INTO portcullis.grants (workspace, epoch, role, sealed, signature)
             VALUES ($1::text::uuid, 1, session_user, $2, $3)",
            &[&id_text, &grant.sealed, &grant.signature],
        )?;
        audit::append(&mut tx, me, (&id, &id_text), "created", &name, now())?;
        tx.commit()?;
        tracing::info!("team workspace created");
        Ok(())
    }

    /// The workspace's id, if it exists.
    pub(super) fn workspace_id(&mut self) -> Result<String, Error> {
        let name = self.workspace_name()?.to_owned();
        self.client
            .query_opt(
                "SELECT id::text FROM portcullis.workspaces WHERE name = $1",
                &[&name],
            )?
            .map(|r| col(&r, 0))
            .unwrap_or(Err(Error::NoWorkspace(name)))
    }

    /// Asks to join the workspace (a pending membership an admin approves after comparing
    /// fingerprints). Asking again while pending or active changes nothing; a removed member
    /// is told so. Returns the workspace's founder, pinned on this computer from now on: the
    /// member compares its fingerprint with the founder's, out of band.
    pub fn request_join(&mut self) -> Result<PublicIdentity, Error> {
        let id = self.workspace_id()?;
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO portcullis.memberships (workspace, role, state) VALUES ($1::text::uuid, session_user, 'pending')
             ON CONFLICT (workspace, role) DO NOTHING",
            &[&id],
        )?;
        let state: String = match tx.query_opt(
            "SELECT state FROM portcullis.memberships WHERE workspace = $1::text::uuid AND role = session_user",
            &[&id],
        )? {
            Some(r) => col(&r, 0)?,
            None => return Err(Error::Database("the request was not recorded".into())),
        };
        if state == "removed" {
            return Err(Error::Removed);
        }
        let founder = tx
            .query_opt(
                "SELECT i.role::text, i.x25519, i.ed25519 FROM portcullis.workspaces w
                 JOIN portcullis.identities i ON i.role = w.creator WHERE w.id = $1::text::uuid",
                &[&id],
            )?
            .ok_or(Error::SchemaDamaged)?;
        let founder = public_of(col(&founder, 0)?, col(&founder, 1)?, col(&founder, 2)?)?;
        tx.commit()?;
        let bytes = *uuid::Uuid::parse_str(&id)
            .map_err(|_| Error::SchemaDamaged)?
            .as_bytes();
        super::head::check_founder(&self.url, &bytes, &founder)?;
        tracing::info!("join requested");
        Ok(founder)
    }

    /// The workspace's members as the connected role may see them (all of them for an active
    /// member; only their own request otherwise).
    pub fn members(&mut self) -> Result<Vec<Membership>, Error> {
        let id = self.workspace_id()?;
        let rows = self.client.query(
            "SELECT m.role::text, m.access, m.state, i.x25519, i.ed25519
             FROM portcullis.memberships m JOIN portcullis.identities i USING (role)
             WHERE m.workspace = $1::text::uuid ORDER BY m.role",
            &[&id],
        )?;
        rows.iter()
            .map(|r| {
                let public = public_of(col(r, 0)?, col(r, 3)?, col(r, 4)?)?;
                Ok(Membership {
                    access: Access::parse(col(r, 1)?)?,
                    state: col(r, 2)?,
                    fingerprint: public.fingerprint(),
                    name: public.role,
                })
            })
            .collect()
    }
}

/// The actor's time for the audit log.
pub(super) fn now() -> i64 {
    use crate::clock::{Clock, SystemClock};
    SystemClock.now()
}

pub(super) fn public_of(
    role: String,
    x25519: &[u8],
    ed25519: &[u8],
) -> Result<PublicIdentity, Error> {
    Ok(PublicIdentity {
        role,
        x25519: x25519.try_into().map_err(|_| Error::SchemaDamaged)?,
        ed25519: ed25519.try_into().map_err(|_| Error::SchemaDamaged)?,
    })
}

impl From<IdentityError> for Error {
    fn from(e: IdentityError) -> Self {
        Error::Identity(e)
    }
}
