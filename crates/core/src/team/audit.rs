//! The audit log of a team workspace (docs/TEAM.md, "Audit log"): append-only (admins append
//! through `append_audit`, in their own name), each event signed by its actor and chained to the
//! one before by a SHA-256 hash, so `team log` shows it only after checking every link and
//! signature: a row the server changes, drops, reorders or adds is reported, never shown.
//! Exports are recorded the same way in a log of each member's own (`exports`), so that no
//! member's row can stop the admins' log or another member's.

use super::directory::{public_of, Team};
use super::element::{hash, put, Reader};
use super::identity::Identity;
use super::{col, Error};
use postgres::GenericClient;

const EVENT_CONTEXT: &[u8] = b"portcullis/team/v1/audit";
const EXPORT_CONTEXT: &[u8] = b"portcullis/team/v1/export";
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
    /// The same, in a member's export log.
    #[error("the export log of {0} was changed on the server at event {1}")]
    ExportsBroken(String, u64),
}

/// The signed bytes of an event after `prev` (the previous element's hash).
fn signed_bytes(context: &[u8], event: &Event, prev: &[u8; 32], workspace: &[u8; 16]) -> Vec<u8> {
    let mut out = context.to_vec();
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
    context: &[u8],
    element: &'a [u8],
    seq: u64,
    workspace: &[u8; 16],
) -> Option<(Event, [u8; 32], &'a [u8])> {
    let (body, signature) = element.split_at(element.len().checked_sub(SIGNATURE_LEN)?);
    let mut r = Reader::new(
        body.strip_prefix(context)?
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
    let mut element = signed_bytes(EVENT_CONTEXT, &event, &prev, id);
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
        "SELECT a.actor::text, a.element, i.x25519, i.ed25519
         FROM portcullis.audit a LEFT JOIN portcullis.identities i ON i.role = a.actor
         WHERE a.workspace = $1::text::uuid ORDER BY a.seq",
        &[&text],
    )?;
    replay(EVENT_CONTEXT, &rows, id).map_err(|seq| Error::Audit(AuditError::Broken(seq)))
}

/// Replays rows `(actor, element, x25519, ed25519)` of one chain in order: the events and the
/// hash that links the next one, or the position where a link, a signature or an encoding does
/// not check.
fn replay(
    context: &[u8],
    rows: &[postgres::Row],
    id: &[u8; 16],
) -> Result<(Vec<Event>, [u8; 32]), u64> {
    let mut prev = [0u8; 32];
    let mut events = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let expected = i as u64 + 1;
        let actor_row: String = r.try_get(0).map_err(|_| expected)?;
        let element: &[u8] = r.try_get(1).map_err(|_| expected)?;
        let x25519: Option<&[u8]> = r.try_get(2).map_err(|_| expected)?;
        let ed25519: Option<&[u8]> = r.try_get(3).map_err(|_| expected)?;
        let (event, link, signature) = decode(context, element, expected, id).ok_or(expected)?;
        let (Some(x25519), Some(ed25519)) = (x25519, ed25519) else {
            return Err(expected);
        };
        let actor = public_of(actor_row, x25519, ed25519).map_err(|_| expected)?;
        let signed = &element[..element.len() - SIGNATURE_LEN];
        if link != prev || event.actor != actor.role || !actor.verify(signed, signature) {
            return Err(expected);
        }
        prev = hash(element);
        events.push(event);
    }
    Ok((events, prev))
}

/// Records an export by `me` in their own export log, after checking it.
pub(super) fn append_export(
    client: &mut impl GenericClient,
    me: &Identity,
    (id, text): (&[u8; 16], &str),
    subject: &str,
    now: i64,
) -> Result<(), Error> {
    let rows = client.query(
        "SELECT e.role::text, e.element, i.x25519, i.ed25519
         FROM portcullis.exports e LEFT JOIN portcullis.identities i USING (role)
         WHERE e.workspace = $1::text::uuid AND e.role = session_user ORDER BY e.seq",
        &[&text],
    )?;
    let role = &me.public().role;
    let (events, prev) = replay(EXPORT_CONTEXT, &rows, id)
        .map_err(|seq| Error::Audit(AuditError::ExportsBroken(role.clone(), seq)))?;
    let event = Event {
        seq: events.len() as u64 + 1,
        at: now,
        actor: role.clone(),
        action: "exported".to_owned(),
        subject: subject.to_owned(),
    };
    let mut element = signed_bytes(EXPORT_CONTEXT, &event, &prev, id);
    let signature = me.sign(&element);
    element.extend_from_slice(&signature);
    let seq = i64::try_from(event.seq).map_err(|_| Error::SchemaDamaged)?;
    client.execute(
        "INSERT INTO portcullis.exports (workspace, seq, element) VALUES ($1::text::uuid, $2, $3)",
        &[&text, &seq, &element],
    )?;
    Ok(())
}

/// Every member's exports, each log checked: the events of the logs that check, and the logs
/// that do not (a member's, with the position where it breaks).
pub struct Exports {
    /// Events of the logs that check.
    pub events: Vec<Event>,
    /// The logs that do not check: `(member, position)`.
    pub broken: Vec<(String, u64)>,
}

/// One line of a team workspace's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    /// `audit`, `exports` or `changes`: the chain it comes from.
    pub chain: &'static str,
    /// Its position in that chain.
    pub seq: u64,
    /// When, in Unix seconds (the actor's clock).
    pub at: i64,
    /// Who (their PostgreSQL role).
    pub actor: String,
    /// What.
    pub action: String,
    /// To what (an entry by id, never by title).
    pub subject: String,
}

/// The history: every chain checked, merged by the actors' clocks.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The lines, oldest first.
    pub lines: Vec<HistoryLine>,
    /// Export logs that do not check (not shown): `(member, position)`.
    pub broken_exports: Vec<(String, u64)>,
}

impl Team {
    /// The audit log, every member's export log and the change history, each checked before
    /// anything is shown, merged by time (each chain keeps its own order).
    pub fn history(&mut self) -> Result<History, Error> {
        let line = |chain: &'static str, e: Event| HistoryLine {
            chain,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
        };
        let mut lines: Vec<HistoryLine> = self
            .audit_log()?
            .into_iter()
            .map(|e| line("audit", e))
            .collect();
        let exports = self.export_logs()?;
        lines.extend(exports.events.into_iter().map(|e| line("exports", e)));
        lines.extend(self.change_log()?.into_iter().map(|c| HistoryLine {
            chain: "changes",
            seq: c.seq,
            at: c.at,
            action: c.action().to_owned(),
            actor: c.writer,
            subject: c.id,
        }));
        lines.sort_by_key(|l| l.at);
        Ok(History {
            lines,
            broken_exports: exports.broken,
        })
    }

    /// The workspace's audit log, every link and signature checked (as a member sees it).
    pub fn audit_log(&mut self) -> Result<Vec<Event>, Error> {
        let text = self.workspace_id()?;
        let id = *uuid::Uuid::parse_str(&text)
            .map_err(|_| Error::SchemaDamaged)?
            .as_bytes();
        Ok(checked(&mut self.client, &id, &text)?.0)
    }

    /// Every member's export log, each checked on its own.
    pub fn export_logs(&mut self) -> Result<Exports, Error> {
        let text = self.workspace_id()?;
        let id = *uuid::Uuid::parse_str(&text)
            .map_err(|_| Error::SchemaDamaged)?
            .as_bytes();
        let rows = self.client.query(
            "SELECT e.role::text, e.element, i.x25519, i.ed25519
             FROM portcullis.exports e LEFT JOIN portcullis.identities i USING (role)
             WHERE e.workspace = $1::text::uuid ORDER BY e.role, e.seq",
            &[&text],
        )?;
        let mut by_role: std::collections::BTreeMap<String, Vec<postgres::Row>> =
            std::collections::BTreeMap::new();
        for r in rows {
            by_role.entry(col(&r, 0)?).or_default().push(r);
        }
        let mut out = Exports {
            events: Vec::new(),
            broken: Vec::new(),
        };
        for (role, rows) in by_role {
            match replay(EXPORT_CONTEXT, &rows, &id) {
                Ok((events, _)) => out.events.extend(events),
                Err(seq) => out.broken.push((role, seq)),
            }
        }
        Ok(out)
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
        let mut element = signed_bytes(EVENT_CONTEXT, &event, &prev, &ws);
        let signature = me.sign(&element);
        element.extend_from_slice(&signature);
        let (decoded, link, sig) = decode(EVENT_CONTEXT, &element, 2, &ws).unwrap();
        assert_eq!((decoded, link, sig), (event, prev, signature.as_slice()));
        assert!(
            decode(EVENT_CONTEXT, &element, 3, &ws).is_none(),
            "another position"
        );
        assert!(
            decode(EVENT_CONTEXT, &element, 2, &[4; 16]).is_none(),
            "another workspace"
        );
        assert!(decode(EVENT_CONTEXT, &element[..40], 2, &ws).is_none());
        let mut longer = element.clone();
        longer.insert(element.len() - SIGNATURE_LEN, 0);
        assert!(decode(EVENT_CONTEXT, &longer, 2, &ws).is_none());
    }
}
