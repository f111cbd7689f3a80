//! What an admin does to a team workspace's membership (docs/TEAM.md, "Joining, roles,
//! leaving"): approve a request after comparing fingerprints, change a role, remove a member and
//! rotate the workspace key. Every membership an admin's client relies on is checked first: the
//! founder's signs itself, every other one is signed by an admin whose own membership checked,
//! so rows the server adds or changes on its own are ignored.

use super::audit;
use super::directory::{membership_message, now, public_of, Access, Team};
use super::grant::{EpochKey, Grant};
use super::identity::{Identity, PublicIdentity};
use super::{col, Error};
use std::collections::BTreeMap;

const REMOVAL_CONTEXT: &[u8] = b"portcullis/team/v1/removal";

/// An active membership whose signature checked.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The member's public identity.
    pub member: PublicIdentity,
    /// Their access.
    pub access: Access,
    /// The admin who signed it (the founder signs their own).
    pub approved_by: String,
    /// Whether this is the founder's.
    pub founder: bool,
}

impl Team {
    /// The workspace's id, as bytes and as PostgreSQL's text.
    pub(super) fn workspace(&mut self) -> Result<([u8; 16], String), Error> {
        let text = self.workspace_id()?;
        let id = uuid::Uuid::parse_str(&text).map_err(|_| Error::SchemaDamaged)?;
        Ok((*id.as_bytes(), text))
    }

    /// The active memberships whose signatures check, from the founder's outwards.
    pub fn verified_members(&mut self) -> Result<Vec<Verified>, Error> {
        let (id, text) = self.workspace()?;
        let rows = self.client.query(
            "SELECT m.role::text, m.access, m.approved_by::text, m.signature, i.x25519, i.ed25519,
                    w.creator::text
             FROM portcullis.memberships m
             JOIN portcullis.identities i USING (role)
             JOIN portcullis.workspaces w ON w.id = m.workspace
             WHERE m.workspace = $1::text::uuid AND m.state = 'active' ORDER BY m.role",
            &[&text],
        )?;
        let mut pending = Vec::new();
        for r in &rows {
            let member = public_of(col(r, 0)?, col(r, 4)?, col(r, 5)?)?;
            let access = Access::parse(col(r, 1)?)?;
            let approver: Option<String> = col(r, 2)?;
            let signature: Option<Vec<u8>> = col(r, 3)?;
            let creator: String = col(r, 6)?;
            pending.push((member, access, approver, signature, creator));
        }
        let mut verified: Vec<Verified> = Vec::new();
        loop {
            let before = verified.len();
            pending.retain(|(member, access, approver, signature, creator)| {
                let (Some(approver), Some(signature)) = (approver, signature) else {
                    return false;
                };
                let message = membership_message(&id, member, *access);
                let signer = if member.role == *creator && approver == creator {
                    Some(member)
                } else {
                    verified
                        .iter()
                        .find(|v| v.member.role == *approver && v.access == Access::Admin)
                        .map(|v| &v.member)
                };
                match signer {
                    Some(s) if s.verify(&message, signature) => {
                        verified.push(Verified {
                            member: member.clone(),
                            access: *access,
                            approved_by: approver.clone(),
                            founder: member.role == *creator,
                        });
                        false
                    }
                    _ => true,
                }
            });
            if verified.len() == before {
                break;
            }
        }
        for (member, ..) in &pending {
            tracing::warn!(member = %member.role, "membership ignored: its signature does not check");
        }
        // Every verified membership leads back to the founder's (none checks without it).
        if let Some(founder) = verified.iter().find(|v| v.founder) {
            super::head::check_founder(self.url(), &id, &founder.member)?;
        }
        Ok(verified)
    }

    /// Every epoch's key `me` holds, from grants signed by a verified admin (a grant that does
    /// not check is left out); [`Error::NoKey`] when none does.
    pub(super) fn epoch_keys(
        &mut self,
        me: &Identity,
        verified: &[Verified],
    ) -> Result<BTreeMap<u64, EpochKey>, Error> {
        let (id, text) = self.workspace()?;
        let rows = self.client.query(
            "SELECT epoch, sealed, signature, granted_by::text FROM portcullis.grants
             WHERE workspace = $1::text::uuid AND role = session_user ORDER BY epoch",
            &[&text],
        )?;
        let mut keys = BTreeMap::new();
        for row in &rows {
            let epoch = u64::try_from(col::<i64>(row, 0)?).map_err(|_| Error::SchemaDamaged)?;
            let granted_by: String = col(row, 3)?;
            let Some(admin) = verified
                .iter()
                .find(|v| v.member.role == granted_by && v.access == Access::Admin)
            else {
                tracing::warn!(
                    epoch,
                    "workspace key ignored: its signer is not a verified admin"
                );
                continue;
            };
            let grant = Grant {
                sealed: col(row, 1)?,
                signature: col(row, 2)?,
            };
            match grant.open(me, &id, epoch, &admin.member) {
                Ok(key) => {
                    keys.insert(epoch, key);
                }
                Err(e) => tracing::warn!(epoch, "workspace key ignored: {e}"),
            }
        }
        if keys.is_empty() {
            return Err(Error::NoKey);
        }
        Ok(keys)
    }

    /// The latest epoch and its key.
    fn current_key(
        &mut self,
        me: &Identity,
        verified: &[Verified],
    ) -> Result<(u64, EpochKey), Error> {
        self.epoch_keys(me, verified)?
            .pop_last()
            .ok_or(Error::NoKey)
    }

    /// `me` as a verified admin, or [`Error::NotAdmin`].
    fn require_admin(me: &Identity, verified: &[Verified]) -> Result<(), Error> {
        match verified.iter().find(|v| v.member == *me.public()) {
            Some(v) if v.access == Access::Admin => Ok(()),
            _ => Err(Error::NotAdmin),
        }
    }

    /// Approves `member`'s request with `access` if their identity's fingerprint is
    /// `fingerprint` (compared out of band), and grants them the current key.
    pub(super) fn approve(
        &mut self,
        me: &Identity,
        member: &str,
        fingerprint: &str,
        access: Access,
    ) -> Result<(), Error> {
        let verified = self.verified_members()?;
        Self::require_admin(me, &verified)?;
        let (id, text) = self.workspace()?;
        let row = self
            .client
            .query_opt(
                "SELECT m.state, i.x25519, i.ed25519 FROM portcullis.memberships m
                 JOIN portcullis.identities i USING (role)
                 WHERE m.workspace = $1::text::uuid AND m.role = $2",
                &[&text, &member],
            )?
            .ok_or_else(|| Error::NoRequest(member.to_owned()))?;
        let state: String = col(&row, 0)?;
        if state != "pending" {
            return Err(Error::NoRequest(member.to_owned()));
        }
        let public = public_of(member.to_owned(), col(&row, 1)?, col(&row, 2)?)?;
        if normalize(&public.fingerprint()) != normalize(fingerprint) {
            return Err(Error::FingerprintMismatch(member.to_owned()));
        }
        // Every epoch's key: records sealed before the last rotation stay readable to them.
        let grants = self
            .epoch_keys(me, &verified)?
            .iter()
            .map(|(epoch, key)| {
                Ok((
                    i64::try_from(*epoch).map_err(|_| Error::SchemaDamaged)?,
                    Grant::seal(me, &id, *epoch, &public, key)?,
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let signature = me.sign(&membership_message(&id, &public, access));
        let mut tx = self.client.transaction()?;
        let approved = tx.execute(
            "UPDATE portcullis.memberships SET state = 'active', access = $3,
                    approved_by = session_user, signature = $4, changed = now()
             WHERE workspace = $1::text::uuid AND role = $2 AND state = 'pending'",
            &[&text, &member, &access.as_str(), &signature],
        )?;
        if approved != 1 {
            return Err(Error::NoRequest(member.to_owned()));
        }
        for (epoch, grant) in &grants {
            tx.execute(
                "INSERT INTO portcullis.grants (workspace, epoch, role, sealed, signature)
                 VALUES ($1::text::uuid, $2, $3, $4, $5)",
                &[&text, epoch, &member, &grant.sealed, &grant.signature],
            )?;
        }
        let subject = format!("{member} {}", access.as_str());
        audit::append(&mut tx, me, (&id, &text), "approved", &subject, now())?;
        tx.commit()?;
        tracing::info!(access = access.as_str(), "member approved");
        Ok(())
    }

    /// Gives an active member another access.
    pub(super) fn set_access(
        &mut self,
        me: &Identity,
        member: &str,
        access: Access,
    ) -> Result<(), Error> {
        let verified = self.verified_members()?;
        Self::require_admin(me, &verified)?;
        let target = verified
            .iter()
            .find(|v| v.member.role == member)
            .ok_or_else(|| Error::NotMember(member.to_owned()))?;
        if target.founder {
            return Err(Error::Founder);
        }
        let demoted_admin = target.access == Access::Admin && access != Access::Admin;
        let (id, text) = self.workspace()?;
        let signature = me.sign(&membership_message(&id, &target.member, access));
        let keys = if demoted_admin {
            self.epoch_keys(me, &verified)?
        } else {
            BTreeMap::new()
        };
        let mut tx = self.client.transaction()?;
        let changed = tx.execute(
            "UPDATE portcullis.memberships SET access = $3, approved_by = session_user,
                    signature = $4, changed = now()
             WHERE workspace = $1::text::uuid AND role = $2 AND state = 'active'",
            &[&text, &member, &access.as_str(), &signature],
        )?;
        if changed != 1 {
            return Err(Error::NotMember(member.to_owned()));
        }
        if demoted_admin {
            adopt(&mut tx, me, (&id, &text), member, &verified, &keys)?;
        }
        let subject = format!("{member} {}", access.as_str());
        audit::append(&mut tx, me, (&id, &text), "role", &subject, now())?;
        tx.commit()?;
        tracing::info!(access = access.as_str(), "member's access changed");
        Ok(())
    }

    /// Removes a member: their membership ends and their keys go (PostgreSQL refuses them every
    /// row from the next statement on), and a new epoch's key is granted to everyone else. What
    /// they could read must be taken as known to them. Returns the new epoch.
    pub(super) fn remove(&mut self, me: &Identity, member: &str) -> Result<u64, Error> {
        let verified = self.verified_members()?;
        Self::require_admin(me, &verified)?;
        if me.public().role == member {
            return Err(Error::RemoveSelf);
        }
        match verified.iter().find(|v| v.member.role == member) {
            None => return Err(Error::NotMember(member.to_owned())),
            Some(v) if v.founder => return Err(Error::Founder),
            Some(_) => {}
        }
        let (id, text) = self.workspace()?;
        let keys = self.epoch_keys(me, &verified)?;
        let (epoch, _) = self.current_key(me, &verified)?;
        let next = epoch + 1;
        let key = EpochKey::generate()?;
        let grants = verified
            .iter()
            .filter(|v| v.member.role != member)
            .map(|v| {
                Ok((
                    v.member.role.clone(),
                    Grant::seal(me, &id, next, &v.member, &key)?,
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let next_db = i64::try_from(next).map_err(|_| Error::SchemaDamaged)?;
        let mut tx = self.client.transaction()?;
        // The position the change chain has reached, read under the lock its writers take: the
        // removed member's writes (all before it) stay valid, none after it is accepted.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('changes ' || $1))",
            &[&text],
        )?;
        let at: i64 = col(
            &tx.query_one(
                "SELECT coalesce(max(seq), 0) FROM portcullis.changes WHERE workspace = $1::text::uuid",
                &[&text],
            )?,
            0,
        )?;
        let position = u64::try_from(at).map_err(|_| Error::SchemaDamaged)?;
        let removed = verified
            .iter()
            .find(|v| v.member.role == member)
            .map(|v| v.member.clone())
            .ok_or_else(|| Error::NotMember(member.to_owned()))?;
        let tombstone = me.sign(&removal_message(&id, &removed, position));
        let ended = tx.execute(
            "UPDATE portcullis.memberships SET state = 'removed', approved_by = session_user,
                    signature = $3, removed_at = $4, changed = now()
             WHERE workspace = $1::text::uuid AND role = $2",
            &[&text, &member, &tombstone, &at],
        )?;
        tx.execute(
            "DELETE FROM portcullis.grants WHERE workspace = $1::text::uuid AND role = $2",
            &[&text, &member],
        )?;
        // Both must have taken effect (row-level security makes a refused change affect no
        // row rather than fail).
        let left: i64 = col(
            &tx.query_one(
                "SELECT count(*) FROM portcullis.grants WHERE workspace = $1::text::uuid AND role = $2",
                &[&text, &member],
            )?,
            0,
        )?;
        if ended != 1 || left != 0 {
            return Err(Error::Database("the removal did not take effect".into()));
        }
        adopt(&mut tx, me, (&id, &text), member, &verified, &keys)?;
        for (role, grant) in &grants {
            tx.execute(
                "INSERT INTO portcullis.grants (workspace, epoch, role, sealed, signature)
                 VALUES ($1::text::uuid, $2, $3, $4, $5)",
                &[&text, &next_db, role, &grant.sealed, &grant.signature],
            )?;
        }
        audit::append(&mut tx, me, (&id, &text), "removed", member, now())?;
        audit::append(
            &mut tx,
            me,
            (&id, &text),
            "rotated",
            &next.to_string(),
            now(),
        )?;
        tx.commit()?;
        tracing::info!(epoch = next, "member removed; workspace key rotated");
        Ok(next)
    }
}

/// What an admin no longer vouches for when they are removed or demoted, `me` vouches for in
/// the same transaction: the memberships and removals they signed are signed again, and the
/// workspace keys they granted are sealed again by `me`, so every member they let in still
/// checks and still opens every epoch.
fn adopt(
    tx: &mut postgres::Transaction<'_>,
    me: &Identity,
    (id, text): (&[u8; 16], &str),
    departing: &str,
    verified: &[Verified],
    keys: &BTreeMap<u64, EpochKey>,
) -> Result<(), Error> {
    for orphan in verified
        .iter()
        .filter(|v| v.approved_by == departing && v.member.role != departing)
    {
        let signature = me.sign(&membership_message(id, &orphan.member, orphan.access));
        let signed = tx.execute(
            "UPDATE portcullis.memberships SET approved_by = session_user, signature = $3
             WHERE workspace = $1::text::uuid AND role = $2 AND state = 'active'",
            &[&text, &orphan.member.role, &signature],
        )?;
        if signed != 1 {
            return Err(Error::Database(
                "a membership could not be signed again".into(),
            ));
        }
    }
    let tombstones = tx.query(
        "SELECT m.role::text, i.x25519, i.ed25519, m.removed_at
         FROM portcullis.memberships m JOIN portcullis.identities i USING (role)
         WHERE m.workspace = $1::text::uuid AND m.state = 'removed' AND m.approved_by = $2
           AND m.role <> $2",
        &[&text, &departing],
    )?;
    for r in &tombstones {
        let gone = public_of(col(r, 0)?, col(r, 1)?, col(r, 2)?)?;
        let at: Option<i64> = col(r, 3)?;
        let Some(position) = at.and_then(|a| u64::try_from(a).ok()) else {
            continue;
        };
        let signature = me.sign(&removal_message(id, &gone, position));
        tx.execute(
            "UPDATE portcullis.memberships SET approved_by = session_user, signature = $3
             WHERE workspace = $1::text::uuid AND role = $2 AND state = 'removed'",
            &[&text, &gone.role, &signature],
        )?;
    }
    let granted = tx.query(
        "SELECT epoch, role::text FROM portcullis.grants
         WHERE workspace = $1::text::uuid AND granted_by = $2 AND role <> $2",
        &[&text, &departing],
    )?;
    for r in &granted {
        let epoch_db: i64 = col(r, 0)?;
        let role: String = col(r, 1)?;
        let epoch = u64::try_from(epoch_db).map_err(|_| Error::SchemaDamaged)?;
        let (Some(member), Some(key)) = (
            verified.iter().find(|v| v.member.role == role),
            keys.get(&epoch),
        ) else {
            continue;
        };
        let grant = Grant::seal(me, id, epoch, &member.member, key)?;
        tx.execute(
            "DELETE FROM portcullis.grants WHERE workspace = $1::text::uuid AND epoch = $2 AND role = $3",
            &[&text, &epoch_db, &role],
        )?;
        tx.execute(
            "INSERT INTO portcullis.grants (workspace, epoch, role, sealed, signature)
             VALUES ($1::text::uuid, $2, $3, $4, $5)",
            &[&text, &epoch_db, &role, &grant.sealed, &grant.signature],
        )?;
    }
    Ok(())
}

/// The message an admin signs when removing `member`: the workspace, the member's identity and
/// the position the change chain had reached (their writes after it are refused).
pub(super) fn removal_message(
    workspace: &[u8; 16],
    member: &PublicIdentity,
    position: u64,
) -> Vec<u8> {
    let mut out = REMOVAL_CONTEXT.to_vec();
    out.extend_from_slice(workspace);
    out.extend_from_slice(&member.bound());
    out.extend_from_slice(&position.to_be_bytes());
    out
}

/// A fingerprint as typed: case and separators do not matter.
fn normalize(fingerprint: &str) -> String {
    fingerprint
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
