//! `portcullis team …` and `init URL`: team workspaces on PostgreSQL (docs/TEAM.md).

use super::{kdf_from_args, resolve_kdf};
use crate::cli::{AccessArg, KdfArgs, TeamCommand};
use crate::input::{SecretInput, NEW_PASSWORD_ENV, PASSWORD_ENV};
use crate::output::{printable, rfc3339};
use crate::progress::with_spinner;
use anyhow::Result;
use portcullis_core::mfa::duo::Device;
use portcullis_core::mfa::MfaStatus;
use portcullis_core::new_workspace::describe;
use portcullis_core::team::{
    self, Access, Member, MemberUnlock, OfflineCopy, OfflineUnlock, Team, TeamUrl, TeamWorkspace,
};
use portcullis_core::EntryStore;
use portcullis_core::Guarded;

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
            as_member(&url, input)?.approve(&member, &fingerprint, access(role))?;
            println!(
                "{} approved as {}",
                printable(&member),
                access(role).as_str()
            );
            Ok(())
        }
        TeamCommand::Role { url, member, role } => {
            as_member(&url, input)?.set_access(&member, access(role))?;
            println!("{} is now {}", printable(&member), access(role).as_str());
            Ok(())
        }
        TeamCommand::Remove { url, member } => {
            let mut ws = as_member(&url, input)?.open_workspace()?;
            let removal = ws.remove_member(&member)?;
            let member = printable(&member);
            println!(
                "{member} removed; the workspace key was rotated (epoch {}).",
                removal.epoch
            );
            if !removal.to_change.is_empty() {
                println!("{member} could read these entries: change their secrets.");
                println!("{}", crate::output::table(&removal.to_change));
            }
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
    let member = as_member(url, input)?;
    Ok(with_spinner("Opening the team workspace…", || {
        member.open_workspace()
    })?)
}

/// Opens a team workspace for its entries: from the server, or, when no server answers, from
/// the copy this computer kept at the last sync (reads only; it says so).
pub fn open_entries(url: &str, input: &mut SecretInput) -> Result<Box<dyn EntryStore>> {
    let address = TeamUrl::parse(url)?;
    let password = input.database_password(&address)?;
    let unreachable = match Team::connect(&address, &password) {
        Ok(team) => {
            let member = unlock(team, input)?;
            let ws = with_spinner("Opening the team workspace…", || member.open_workspace())?;
            return Ok(Box::new(ws));
        }
        Err(e @ team::Error::Unreachable(_)) => e,
        Err(e) => return Err(e.into()),
    };
    let Some(copy) = OfflineCopy::find(&address)? else {
        return Err(unreachable.into());
    };
    let master = input.master_password()?;
    let costly = input.allow_costly_kdf();
    let member = match with_spinner("Opening the offline copy…", || {
        copy.unlock(&master, costly)
    })? {
        OfflineUnlock::Open(member) => member,
        OfflineUnlock::PendingMfa(pending) => super::pass_factor(pending, input)?,
    };
    let ws = member.open_workspace()?;
    eprintln!(
        "offline: {unreachable}; showing the copy of {} last synced {}, read-only",
        ws.name(),
        portcullis_core::clock::utc_minute(ws.synced_at())
    );
    Ok(Box::new(ws))
}

/// Connects and unlocks the member: their master password, then their second factor.
pub fn as_member(url: &str, input: &mut SecretInput) -> Result<Member> {
    let unlocked = password_step(url, input)?;
    finish(unlocked, input)
}

/// The member's master password, then their second factor when they set one.
fn unlock(team: Team, input: &mut SecretInput) -> Result<Member> {
    let password = input.master_password()?;
    let costly = input.allow_costly_kdf();
    let unlocked = with_spinner("Opening your identity…", || {
        team.unlock_member(&password, costly)
    })?;
    finish(unlocked, input)
}

fn finish(unlocked: MemberUnlock, input: &mut SecretInput) -> Result<Member> {
    match unlocked {
        MemberUnlock::Open(member) => Ok(member),
        MemberUnlock::PendingMfa(pending) => super::pass_factor(pending, input),
    }
}

/// Connects as the address's role.
fn connect(url: &str, input: &mut SecretInput) -> Result<(Team, TeamUrl)> {
    let url = TeamUrl::parse(url)?;
    let password = input.database_password(&url)?;
    Ok((Team::connect(&url, &password)?, url))
}

/// The member: unlocked with their master password (and second factor), or a new identity
/// made with a new master password.
fn member(mut team: Team, kdf: &KdfArgs, input: &mut SecretInput) -> Result<Member> {
    if team.sealed_identity()?.is_some() {
        return unlock(team, input);
    }
    let password = input.new_master_password(PASSWORD_ENV)?;
    let kdf = resolve_kdf(kdf_from_args(kdf)?.unwrap_or_default())?;
    Ok(with_spinner("Creating your identity…", || {
        team.new_member(&password, kdf)
    })?)
}

/// `init URL`: the team workspace, with the connected role as its first admin.
pub fn init(url: &str, kdf: &KdfArgs, input: &mut SecretInput) -> Result<()> {
    let (team, url) = connect(url, input)?;
    let mut me = member(team, kdf, input)?;
    me.create_workspace()?;
    println!(
        "created team workspace {} on {} (you are its admin; your fingerprint: {})",
        url.workspace.as_deref().unwrap_or_default(),
        url.server(),
        me.identity().public().fingerprint()
    );
    Ok(())
}

/// Asks to join; prints the fingerprint the admin compares.
fn join(url: &str, json: bool, kdf: &KdfArgs, input: &mut SecretInput) -> Result<()> {
    let (team, _) = connect(url, input)?;
    let mut me = member(team, kdf, input)?;
    let founder = me.request_join()?;
    let fingerprint = me.identity().public().fingerprint();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "fingerprint": fingerprint,
                "founder": founder.role,
                "founder_fingerprint": founder.fingerprint(),
            })
        );
    } else {
        println!("Join requested. Give an admin this fingerprint to compare: {fingerprint}");
        println!(
            "The workspace's founder is {}, fingerprint {}: compare it with theirs too (this computer refuses another founder from now on).",
            printable(&founder.role),
            founder.fingerprint()
        );
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
                printable(&m.state),
                m.fingerprint
            );
        }
    }
    Ok(())
}

/// Prints the checked history (audit log, export logs, change history), merged by time.
fn log(url: &str, json: bool, input: &mut SecretInput) -> Result<()> {
    let (mut team, _) = connect(url, input)?;
    let history = team.history()?;
    for (member, seq) in &history.broken_exports {
        eprintln!(
            "warning: the export log of {} was changed on the server at event {seq}: not shown",
            printable(member)
        );
    }
    let lines = history.lines;
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

/// The member's second-factor state after their password alone (what `mfa status` shows).
pub fn mfa_status(url: &str, input: &mut SecretInput) -> Result<MfaStatus> {
    Ok(match password_step(url, input)? {
        MemberUnlock::Open(mut member) => member.mfa_status()?,
        MemberUnlock::PendingMfa(pending) => pending.status().clone(),
    })
}

/// The devices Duo offers for the member's Duo method, after their password alone.
pub fn duo_devices(url: &str, label: Option<&str>, input: &mut SecretInput) -> Result<Vec<Device>> {
    Ok(match password_step(url, input)? {
        MemberUnlock::Open(mut member) => member.duo_devices(label)?,
        MemberUnlock::PendingMfa(mut pending) => pending.duo_devices(label)?,
    })
}

fn password_step(url: &str, input: &mut SecretInput) -> Result<MemberUnlock> {
    let (team, _) = connect(url, input)?;
    let password = input.master_password()?;
    let costly = input.allow_costly_kdf();
    Ok(with_spinner("Opening your identity…", || {
        team.unlock_member(&password, costly)
    })?)
}

/// `passwd URL`: the member's own master password (their keys and second-factor settings are
/// sealed again; the workspace's keys do not change).
pub fn passwd(url: &str, kdf: &KdfArgs, input: &mut SecretInput) -> Result<()> {
    let mut me = as_member(url, input)?;
    let new_password = input.new_master_password(NEW_PASSWORD_ENV)?;
    let kdf = match kdf_from_args(kdf)? {
        Some(choice) => resolve_kdf(choice)?,
        None => me.kdf(),
    };
    with_spinner("Sealing your identity again…", || {
        me.change_password(&new_password, kdf)
    })?;
    println!("master password changed ({})", describe(&kdf));
    Ok(())
}
