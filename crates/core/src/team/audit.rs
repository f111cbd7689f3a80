//! The audit log of a team workspace (docs/TEAM.md, "Audit log"): append-only (PostgreSQL grants
//! members INSERT only, in their own name), each event signed by its actor and chained to the one
//! before by a SHA-256 hash, so `team log` shows it only after checking every link and
//! signature: a row the server changes, drops, reorders or adds is reported, never shown.

use super::directory::{public_of, Team};
use super::element::{hash, put, Reader};
use super::identity::Identity;
use super::Error;
use postgres::GenericClient;

const EVENT_CONTEXT: &[u8] = b"portcullis/team/v1/audit";
const SIGNATURE_LEN: usize = 64;

/// One event of the log, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When, in Unix seconds (the actor's clock).
    pub at: i64,
    /// The member who did it (their PostgreSQL role).
    pub actor: String,
    /// What: `created`, `approved`, `role`, `removed`, `rotated`, later entry events.
    pub action: String,
    /// To what: a member's role, an epoch, an entry id (never a title).
    pub subject: String,
}

/// Why the log was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuditError {
    /// A link, a signature or an encoding does not check at `seq`.
    #[error("the audit log was changed on the server at event {0}")]
    Broken(u64),
}

/// The signed bytes of an event after `prev` (the previous element's hash).
fn signed_bytes(event: &Event, prev: &[u8; 32], workspace: &[u8; 16]) -> Vec<u8> {
    let mut out = EVENT_CONTEXT.to_vec();
    out.extend_from_slice(workspace);
    out.extend_from_slice(&event.seq.to_be_bytes());
    out.extend_from_slice(prev);
    out.extend_from_slice(&event.at.to_be_bytes());
    put(&mut out, event.actor.as_bytes());
    put(&mut out, event.action.as_bytes());
    put(&mut out, event.subject.as_bytes());
    out
}

/// Decodes an element: `signed bytes || signature (64)`.
fn decode<'a>(
    element: &'a [u8],
    seq: u64,
    workspace: &[u8; 16],
) -> Option<(Event, [u8; 32], &'a [u8])> {
    let (body, signature) = element.split_at(element.len().checked_sub(SIGNATURE_LEN)?);
    let mut r = Reader::new(
        body.strip_prefix(EVENT_CONTEXT)?
            .strip_prefix(workspace.as_slice())?,
    );
    if r.u64()? != seq {
        return None;
    }
    let prev = r.array32()?;
    let at = r.i64()?;
    let (actor, action, subject) = (r.text()?, r.text()?, r.text()?);
    if !r.rest().is_empty() {
        return None;
    }
    let event = Event {
        seq,
        at,
        actor,
        action,
        subject,
    };
    Some((event, prev, signature))
}

/// Appends an event by `me` to the log of the workspace `id` (`text` as PostgreSQL's), in the
/// caller's transaction, after checking the log it extends. Only admins append (the server's
/// `append_audit` checks it and the position).
pub(super) fn append(
    client: &mut impl GenericClient,
    me: &Identity,
    (id, text): (&[u8; 16], &str),
    action: &str,
    subject: &str,
    now: i64,
) -> Result<(), Error> {
    let (events, prev) = checked(client, id, text)?;
    let seq = events.len() as u64 + 1;
    let event = Event {
        seq,
        at: now,
        actor: me.public().role.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
    };
    let mut element = signed_bytes(&event, &prev, id);
    let signature = me.sign(&element);
    element.extend_from_slice(&signature);
    let seq = i64::try_from(seq).map_err(|_| Error::SchemaDamaged)?;
    client.execute(
        "SELECT portcullis.append_audit($1::text::uuid, $2, $3)",
        &[&text, &seq, &element],
    )?;
    Ok(())
}

/// The log's events, every link and signature checked, and the hash that links the next one.
fn checked(
    client: &mut impl GenericClient,
    id: &[u8; 16],
    text: &str,
) -> Result<(Vec<Event>, [u8; 32]), Error> {
    let rows = client.query(
        "SELECT a.seq, a.actor::text, a.element, i.x25519, i.ed25519
         FROM portcullis.audit a LEFT JOIN portcullis.identities i ON i.role = a.actor
         WHERE a.workspace = $1::text::uuid ORDER BY a.seq",
        &[&text],
    )?;
    let mut prev = [0u8; 32];
    let mut events = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let expected = i as u64 + 1;
        let broken = || Error::Audit(AuditError::Broken(expected));
        let seq: i64 = r.try_get(0).map_err(|_| broken())?;
        let actor_row: String = r.try_get(1).map_err(|_| broken())?;
        let element: &[u8] = r.try_get(2).map_err(|_| broken())?;
        let x25519: Option<&[u8]> = r.try_get(3).map_err(|_| broken())?;
        let ed25519: Option<&[u8]> = r.try_get(4).map_err(|_| broken())?;
        if u64::try_from(seq).ok() != Some(expected) {
            return Err(broken());
        }
        let (event, link, signature) = decode(element, expected, id).ok_or_else(broken)?;
        let (Some(x25519), Some(ed25519)) = (x25519, ed25519) else {
            return Err(broken());
        };
        let actor = public_of(actor_row, x25519, ed25519)?;
        let signed = &element[..element.len() - SIGNATURE_LEN];
        if link != prev || event.actor != actor.role || !actor.verify(signed, signature) {
            return Err(broken());
        }
        prev = hash(element);
        events.push(event);
    }
    Ok((events, prev))
}

impl Team {
    /// The workspace's audit log, every link and signature checked (as a member sees it).
    pub fn audit_log(&mut self) -> Result<Vec<Event>, Error> {
        let text = self.workspace_id()?;
        let id = *uuid::Uuid::parse_str(&text)
            .map_err(|_| Error::SchemaDamaged)?
            .as_bytes();
        Ok(checked(&mut self.client, &id, &text)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_element_decodes_to_what_was_signed_and_nothing_else() {
        let me = Identity::generate("alice").unwrap();
        let ws = [3; 16];
        let event = Event {
            seq: 2,
            at: 1_700_000_000,
            actor: "alice".into(),
            action: "approved".into(),
            subject: "bob".into(),
        };
        let prev = [9; 32];
        let mut element = signed_bytes(&event, &prev, &ws);
        let signature = me.sign(&element);
        element.extend_from_slice(&signature);
        let (decoded, link, sig) = decode(&element, 2, &ws).unwrap();
        assert_eq!((decoded, link, sig), (event, prev, signature.as_slice()));
        assert!(decode(&element, 3, &ws).is_none(), "another position");
        assert!(decode(&element, 2, &[4; 16]).is_none(), "another workspace");
        assert!(decode(&element[..40], 2, &ws).is_none());
        let mut longer = element.clone();
        longer.insert(element.len() - SIGNATURE_LEN, 0);
        assert!(decode(&longer, 2, &ws).is_none());
    }
}
