//! `portcullis team …` and `init URL`: team workspaces on PostgreSQL (docs/TEAM.md).

use super::{kdf_from_args, resolve_kdf};
use crate::cli::{AccessArg, KdfArgs, TeamCommand};
use crate::input::{SecretInput, PASSWORD_ENV};
use crate::output::{printable, rfc3339};
use crate::progress::with_spinner;
use anyhow::Result;
use portcullis_core::team::{self, Access, Identity, Team, TeamUrl, TeamWorkspace};

pub fn run(command: TeamCommand, input: &mut SecretInput) -> Result<()> {
    match command {
        TeamCommand::Setup { url, json } => setup(&url, json, input),
        TeamCommand::Join { url, json, kdf } => join(&url, json, &kdf, input),
        TeamCommand::Members { url, json } => members(&url, json, input),
        TeamCommand::Log { url, json } => log(&url, json, input),
        TeamCommand::Approve {
            url,
            member,
            fingerprint,
            role,
        } => {
            let (mut team, me) = as_member(&url, input)?;
            team.approve(&me, &member, &fingerprint, access(role))?;
            println!(
                "{} approved as {}",
                printable(&member),
                access(role).as_str()
            );
            Ok(())
        }
        TeamCommand::Role { url, member, role } => {
            let (mut team, me) = as_member(&url, input)?;
            team.set_access(&me, &member, access(role))?;
            println!("{} is now {}", printable(&member), access(role).as_str());
            Ok(())
        }
        TeamCommand::Remove { url, member } => {
            let (mut team, me) = as_member(&url, input)?;
            let epoch = team.remove(&me, &member)?;
            let member = printable(&member);
            println!(
                "{member} removed; the workspace key was rotated (epoch {epoch}). Change the secrets {member} could read."
            );
            Ok(())
        }
    }
}

/// Creates or migrates the schema; says what it found and left.
fn setup(url: &str, json: bool, input: &mut SecretInput) -> Result<()> {
    let url = TeamUrl::parse(url)?;
    let password = input.database_password(&url)?;
    let mut client = team::connect(&url, &password)?;
    let done = team::setup(&mut client)?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "from": done.from, "to": done.to })
        );
    } else if done.from == done.to {
        println!("The Portcullis schema is up to date (version {}).", done.to);
    } else {
        println!(
            "The Portcullis schema is at version {} (it was at {}).",
            done.to, done.from
        );
    }
    Ok(())
}

fn access(arg: AccessArg) -> Access {
    match arg {
        AccessArg::Admin => Access::Admin,
        AccessArg::Editor => Access::Editor,
        AccessArg::Viewer => Access::Viewer,
    }
}

/// Opens a team workspace for its entries, as the address's member.
pub fn open(url: &str, input: &mut SecretInput) -> Result<TeamWorkspace> {
    let (team, me) = as_member(url, input)?;
    Ok(with_spinner("Opening the team workspace…", || {
        team.open_workspace(me)
    })?)
}

/// Connects and opens the member's identity with their master password.
fn as_member(url: &str, input: &mut SecretInput) -> Result<(Team, Identity)> {
    let (mut team, _) = connect(url, input)?;
    let password = input.master_password()?;
    let costly = input.allow_costly_kdf();
    let me = with_spinner("Opening your identity…", || {
        team.open_identity(&password, costly)
    })?;
    Ok((team, me))
}

/// Connects as the address's role.
fn connect(url: &str, input: &mut SecretInput) -> Result<(Team, TeamUrl)> {
    let url = TeamUrl::parse(url)?;
    let password = input.database_password(&url)?;
    Ok((Team::connect(&url, &password)?, url))
}

/// The member's identity: opened with their master password, or created with a new one.
fn identity(team: &mut Team, kdf: &KdfArgs, input: &mut SecretInput) -> Result<Identity> {
    if team.sealed_identity()?.is_some() {
        let password = input.master_password()?;
        let costly = input.allow_costly_kdf();
        return Ok(with_spinner("Opening your identity…", || {
            team.open_identity(&password, costly)
        })?);
    }
    let password = input.new_master_password(PASSWORD_ENV)?;
    let kdf = resolve_kdf(kdf_from_args(kdf)?.unwrap_or_default())?;
    Ok(with_spinner("Creating your identity…", || {
        team.create_identity(&password, kdf)
    })?)
}

/// `init URL`: the team workspace, with the connected role as its first admin.
pub fn init(url: &str, kdf: &KdfArgs, input: &mut SecretInput) -> Result<()> {
    let (mut team, url) = connect(url, input)?;
    let me = identity(&mut team, kdf, input)?;
    team.create_workspace(&me)?;
    println!(
        "created team workspace {} on {} (you are its admin; your fingerprint: {})",
        url.workspace.as_deref().unwrap_or_default(),
        url.server(),
        me.public().fingerprint()
    );
    Ok(())
}

/// Asks to join; prints the fingerprint the admin compares.
fn join(url: &str, json: bool, kdf: &KdfArgs, input: &mut SecretInput) -> Result<()> {
    let (mut team, _) = connect(url, input)?;
    let me = identity(&mut team, kdf, input)?;
    team.request_join()?;
    let fingerprint = me.public().fingerprint();
    if json {
        println!("{}", serde_json::json!({ "fingerprint": fingerprint }));
    } else {
        println!("Join requested. Give an admin this fingerprint to compare: {fingerprint}");
    }
    Ok(())
}

/// Lists the members the connected role may see.
fn members(url: &str, json: bool, input: &mut SecretInput) -> Result<()> {
    let (mut team, _) = connect(url, input)?;
    let members = team.members()?;
    if json {
        let list: Vec<_> = members
            .iter()
            .map(|m| {
                serde_json::json!({
                    "name": m.name,
                    "role": m.access.as_str(),
                    "state": m.state,
                    "fingerprint": m.fingerprint,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for m in &members {
            println!(
                "{:<20} {:<7} {:<8} {}",
                printable(&m.name),
                m.access.as_str(),
                m.state,
                m.fingerprint
            );
        }
    }
    Ok(())
}

/// One line of `team log`: an event of the audit log or of the change history.
struct LogLine {
    /// `audit` or `changes`: the chain it comes from.
    chain: &'static str,
    seq: u64,
    at: i64,
    actor: String,
    action: String,
    subject: String,
}

/// Prints the checked audit log and change history, merged by time.
fn log(url: &str, json: bool, input: &mut SecretInput) -> Result<()> {
    let (mut team, _) = connect(url, input)?;
    let mut lines: Vec<LogLine> = team
        .audit_log()?
        .into_iter()
        .map(|e| LogLine {
            chain: "audit",
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
        })
        .collect();
    lines.extend(team.change_log()?.into_iter().map(|c| {
        let action = match (c.sealed, c.version) {
            (None, _) => "entry deleted",
            (Some(_), 1) => "entry created",
            (Some(_), _) => "entry changed",
        };
        LogLine {
            chain: "changes",
            seq: c.seq,
            at: c.at,
            actor: c.writer,
            action: action.to_owned(),
            subject: c.id,
        }
    }));
    // Each chain is in its own order; the two are merged by the actors' clocks.
    lines.sort_by_key(|l| l.at);
    if json {
        let list: Vec<_> = lines
            .iter()
            .map(|e| {
                serde_json::json!({
                    "chain": e.chain,
                    "seq": e.seq,
                    "at": rfc3339(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "subject": e.subject,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for e in &lines {
            println!(
                "{:>4}  {}  {:<16} {:<13} {}",
                e.seq,
                rfc3339(e.at),
                printable(&e.actor),
                printable(&e.action),
                printable(&e.subject)
            );
        }
    }
    Ok(())
}
