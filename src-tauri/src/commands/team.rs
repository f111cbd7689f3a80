//! Opening a team workspace (docs/TEAM.md): its address from the start screen's form, the
//! database password typed there (kept in the OS keyring only when the user asks) or found as
//! libpq finds it, then the member's master password and their second factor, through the same
//! unlock screens as a file. When no server answers and this computer has the workspace's
//! offline copy, the copy opens instead (reads only; the page shows since when).
//!
//! The database password goes from the form to the core and the live refresh's connection;
//! it is never sent back to the page, logged, or put in an error.

use super::blocking;
use crate::dto::{SessionState, TeamState};
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::refresh::TeamEvent;
use crate::state::{AppState, Session};
use crate::team::{Link, TeamOpen, TeamPending};
use portcullis_core::team::{
    self, Access, MemberUnlock, OfflineCopy, OfflineUnlock, Parts, Team, TeamUrl, TeamWorkspace,
};
use portcullis_core::{Guarded, SecretString};
use serde::{Deserialize, Serialize};
use tauri::State;

/// A team workspace's address, as the start screen's form gives it.
#[derive(Debug, Clone, Deserialize, Serialize, specta::Type)]
pub struct TeamAddress {
    pub host: String,
    /// 5432 when absent.
    pub port: Option<u16>,
    pub database: String,
    pub workspace: String,
    /// The member's PostgreSQL login role.
    pub user: String,
    /// libpq's `sslmode`: `disable`, `prefer` (the default), `require`, `verify-ca`,
    /// `verify-full`.
    pub sslmode: String,
}

impl TeamAddress {
    fn url(&self) -> CommandResult<TeamUrl> {
        Ok(TeamUrl::from_parts(&Parts {
            role: &self.user,
            host: &self.host,
            port: self.port,
            database: &self.database,
            workspace: &self.workspace,
            sslmode: &self.sslmode,
        })
        .map_err(team::Error::from)?)
    }
}

/// The database password to connect with: the one typed (kept in the keyring, or forgotten
/// there, as the user chose), else the one kept in the keyring, else libpq's (`PGPASSWORD`,
/// the password file).
fn database_password(url: &TeamUrl, typed: Option<String>) -> CommandResult<SecretString> {
    if let Some(typed) = typed.filter(|p| !p.is_empty()) {
        return Ok(SecretString::new(typed));
    }
    match team::kept_password(url) {
        Ok(Some(p)) => return Ok(p),
        Ok(None) => {}
        Err(e) => tracing::debug!("no database password from the keyring: {e}"),
    }
    team::stored_password(url).ok_or_else(|| {
        CommandError::new(
            ErrorCode::DatabasePassword,
            "enter the database password of this PostgreSQL role",
        )
    })
}

/// Keeps the typed database password in the keyring when the user asked (the keyring is not
/// touched otherwise); a keyring that fails then is the answer.
fn keep(url: &TeamUrl, typed: Option<&SecretString>, remember: bool) -> CommandResult<()> {
    match typed {
        Some(p) if remember => team::keep_password(url, p).map_err(|e| {
            CommandError::new(
                ErrorCode::KeyringUnavailable,
                format!("the database password could not be kept in the keyring: {e}"),
            )
        }),
        _ => Ok(()),
    }
}

/// Opens the team workspace `address` names as its member: the database password (see
/// `database_password`; `remember` keeps a typed one in the OS keyring), then the member's
/// master `password`. The result says whether their second factor is needed. When no server
/// answers, the offline copy this computer kept opens instead, read-only (`team.offline_since`
/// in the result); without one the answer is `team_unreachable`.
#[tauri::command(async)]
#[specta::specta]
pub fn unlock_team(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    address: TeamAddress,
    database_password: Option<String>,
    remember: bool,
    password: String,
    allow_costly_kdf: Option<bool>,
) -> CommandResult<SessionState> {
    let out = open_team(
        &state,
        &address,
        database_password,
        remember,
        &SecretString::new(password),
        allow_costly_kdf == Some(true),
    )?;
    crate::refresh::ensure(&app);
    Ok(out)
}

/// [`unlock_team`], without the Tauri runtime.
pub fn open_team(
    state: &AppState,
    address: &TeamAddress,
    typed: Option<String>,
    remember: bool,
    password: &SecretString,
    costly: bool,
) -> CommandResult<SessionState> {
    let url = address.url()?;
    let typed = typed.filter(|p| !p.is_empty()).map(SecretString::new);
    let database_password = match &typed {
        Some(p) => p.clone(),
        None => database_password(&url, None)?,
    };
    let since = state.epoch();
    let session = blocking(|| -> CommandResult<Session> {
        let unreachable = match Team::connect(&url, &database_password) {
            Ok(team) => {
                keep(&url, typed.as_ref(), remember)?;
                let link = Link {
                    url: url.clone(),
                    database_password: database_password.clone(),
                };
                return Ok(match team.unlock_member(password, costly)? {
                    MemberUnlock::Open(member) => {
                        Session::team(TeamOpen::Online(member.open_workspace()?, link))
                    }
                    MemberUnlock::PendingMfa(p) => {
                        Session::team_pending(TeamPending::Online(p, link))
                    }
                });
            }
            Err(e @ team::Error::Unreachable(_)) => e,
            Err(e) => return Err(e.into()),
        };
        let Some(copy) = OfflineCopy::find(&url)? else {
            return Err(unreachable.into());
        };
        tracing::info!("no server answered: opening the offline copy");
        Ok(match copy.unlock(password, costly)? {
            OfflineUnlock::Open(member) => {
                Session::team(TeamOpen::Offline(member.open_workspace()?))
            }
            OfflineUnlock::PendingMfa(p) => Session::team_pending(TeamPending::Offline(p)),
        })
    })?;
    let out = describe(&session);
    state.lock().install(session, since)?;
    Ok(out)
}

/// Founds the team workspace `address` names (the CLI's `init URL`): the connecting role is
/// its first admin. `password` is the member's own master password: a new identity is made
/// with it (at the cost new workspaces get), or the role's identity on this server opens with
/// it. The workspace opens at once. An identity with a second factor founds it with the CLI
/// (`invalid`, saying so): the unlock screen has no place for a factor before the founding.
#[tauri::command(async)]
#[specta::specta]
pub fn create_team_workspace(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    address: TeamAddress,
    database_password: Option<String>,
    remember: bool,
    password: String,
) -> CommandResult<SessionState> {
    let out = found(
        &state,
        &address,
        database_password,
        remember,
        &SecretString::new(password),
        crate::kdf_for_new(),
    )?;
    crate::refresh::ensure(&app);
    Ok(out)
}

/// The connection and database password of a form's address (kept in the keyring when the
/// user asked, once the server accepted it).
fn connect_form(
    address: &TeamAddress,
    typed: Option<String>,
    remember: bool,
) -> CommandResult<(Team, Link)> {
    let url = address.url()?;
    let typed = typed.filter(|p| !p.is_empty()).map(SecretString::new);
    let database_password = match &typed {
        Some(p) => p.clone(),
        None => database_password(&url, None)?,
    };
    let team = blocking(|| Team::connect(&url, &database_password))?;
    keep(&url, typed.as_ref(), remember)?;
    Ok((
        team,
        Link {
            url,
            database_password,
        },
    ))
}

/// [`create_team_workspace`], without the Tauri runtime.
pub fn found(
    state: &AppState,
    address: &TeamAddress,
    typed: Option<String>,
    remember: bool,
    password: &SecretString,
    kdf: portcullis_core::new_workspace::KdfChoice,
) -> CommandResult<SessionState> {
    let since = state.epoch();
    let (mut team, link) = connect_form(address, typed, remember)?;
    let session = blocking(|| -> CommandResult<Session> {
        let mut member = match team.sealed_identity()? {
            None => {
                portcullis_core::new_workspace::check_master_password(password)?;
                team.new_member(password, kdf.resolve()?)?
            }
            Some(_) => match team.unlock_member(password, false)? {
                MemberUnlock::Open(member) => member,
                MemberUnlock::PendingMfa(_) => {
                    return Err(CommandError::new(
                        ErrorCode::Invalid,
                        "your identity has a second factor: found the workspace with `portcullis init URL`, then open it here",
                    ))
                }
            },
        };
        member.create_workspace()?;
        Ok(Session::team(TeamOpen::Online(
            member.open_workspace()?,
            link,
        )))
    })?;
    let out = describe(&session);
    state.lock().install(session, since)?;
    Ok(out)
}

/// A request to join, as the page shows it: the fingerprint to give an admin, and the
/// founder's, to compare with theirs (this computer refuses another founder from now on).
#[derive(Debug, Serialize, specta::Type)]
pub struct JoinDto {
    pub fingerprint: String,
    pub founder: String,
    pub founder_fingerprint: String,
}

/// Asks to join the team workspace `address` names (the CLI's `team join URL`): a new
/// identity is made with `password` when the role has none on this server (the one there is
/// used otherwise; the password is not needed then). Nothing opens until an admin approves.
#[tauri::command(async)]
#[specta::specta]
pub fn join_team(
    address: TeamAddress,
    database_password: Option<String>,
    remember: bool,
    password: String,
) -> CommandResult<JoinDto> {
    join(
        &address,
        database_password,
        remember,
        &SecretString::new(password),
        crate::kdf_for_new(),
    )
}

/// [`join_team`], without the Tauri runtime.
pub fn join(
    address: &TeamAddress,
    typed: Option<String>,
    remember: bool,
    password: &SecretString,
    kdf: portcullis_core::new_workspace::KdfChoice,
) -> CommandResult<JoinDto> {
    let (mut team, _) = connect_form(address, typed, remember)?;
    blocking(|| {
        let (fingerprint, founder) = match team.sealed_identity()? {
            Some((public, _)) => (public.fingerprint(), team.request_join()?),
            None => {
                portcullis_core::new_workspace::check_master_password(password)?;
                let mut member = team.new_member(password, kdf.resolve()?)?;
                let founder = member.request_join()?;
                (member.identity().public().fingerprint(), founder)
            }
        };
        Ok(JoinDto {
            fingerprint,
            founder_fingerprint: founder.fingerprint(),
            founder: founder.role,
        })
    })
}

/// What the page is told of a session: open (a file's or a team's), or waiting for a factor.
pub fn describe(session: &Session) -> SessionState {
    match session {
        Session::Locked => SessionState::Locked,
        Session::Pending(p) => SessionState::Pending {
            name: p.name(),
            status: p.status().clone(),
        },
        Session::TeamPending(t) => crate::team::each_pending!(&**t, p => SessionState::Pending {
            name: p.name(),
            status: p.status().clone(),
        }),
        Session::Open(ws) => super::workspace::open_state(ws),
        Session::Team(t) => team_state(t),
    }
}

/// An open team workspace, for the page.
pub fn team_state(t: &TeamOpen) -> SessionState {
    SessionState::Open {
        name: t.name(),
        path: String::new(),
        team: Some(TeamState {
            access: t.access().map(str::to_owned),
            offline_since: t.offline_since(),
        }),
    }
}

/// Hands the app a channel on which it says that the open team workspace changed (another
/// member wrote; the live refresh synced: the page lists the entries again), or that what
/// the server sent since does not check (nothing of it is shown; the page says why).
#[tauri::command]
#[specta::specta]
pub fn watch_team(state: State<'_, AppState>, channel: tauri::ipc::Channel<TeamEvent>) {
    state.set_team_listener(channel);
}

/// The core's answer to a change asked of a team workspace read from its offline copy.
pub fn offline(ws: &portcullis_core::team::OfflineWorkspace) -> CommandError {
    offline_at(ws.synced_at())
}

/// The core's answer to what needs the server while none answers; the copy shown was last
/// synced at `synced_at` (Unix seconds).
pub fn offline_at(synced_at: i64) -> CommandError {
    team::Error::Offline {
        synced_at: portcullis_core::clock::utc_minute(synced_at),
    }
    .into()
}

/// Runs `f` on the open team workspace on its server: `locked` when nothing is open, the
/// core's offline message when it is read from the offline copy, `invalid` for a file.
pub fn with_team<T>(
    state: &AppState,
    f: impl FnOnce(&mut TeamWorkspace) -> CommandResult<T>,
) -> CommandResult<T> {
    blocking(|| match &mut *state.lock() {
        Session::Team(open) => match &mut **open {
            TeamOpen::Online(ws, _) => match ws.offline_since() {
                Some(since) => Err(offline_at(since)),
                None => f(ws),
            },
            TeamOpen::Offline(ws) => Err(offline(ws)),
        },
        Session::Open(_) => Err(CommandError::new(
            ErrorCode::Invalid,
            "this is a file workspace: it has no members",
        )),
        _ => Err(CommandError::locked()),
    })
}

/// A member as the Members screen lists them.
#[derive(Serialize, specta::Type)]
pub struct MemberDto {
    /// Their PostgreSQL login role.
    pub name: String,
    /// `admin`, `editor` or `viewer` (a pending request: `viewer` until approved).
    pub role: String,
    /// `pending`, `active` or `removed`.
    pub state: String,
    /// Their identity's fingerprint, computed here from the public keys the server lists:
    /// compared out of band before an approval.
    pub fingerprint: String,
}

/// The Members screen: the members this member may see, their own access, and their second
/// factor's methods (a membership change needs it fresh).
#[derive(Serialize, specta::Type)]
pub struct MembersDto {
    pub members: Vec<MemberDto>,
    pub access: String,
    pub mfa: portcullis_core::mfa::MfaStatus,
}

/// The members of the open team workspace.
#[tauri::command(async)]
#[specta::specta]
pub fn team_members(state: State<'_, AppState>) -> CommandResult<MembersDto> {
    members(&state)
}

/// [`team_members`], without the Tauri runtime.
pub fn members(state: &AppState) -> CommandResult<MembersDto> {
    with_team(state, |ws| {
        let members = ws
            .members()?
            .into_iter()
            .map(|m| MemberDto {
                name: m.name,
                role: m.access.as_str().to_owned(),
                state: m.state,
                fingerprint: m.fingerprint,
            })
            .collect();
        Ok(MembersDto {
            members,
            access: ws.access().as_str().to_owned(),
            mfa: ws.mfa_status()?,
        })
    })
}

/// Approves `name`'s request to join with `role` (`admin`, `editor`, `viewer`), when
/// `fingerprint` (compared with them out of band) is their identity's. Admins only; needs a
/// fresh second factor when the admin has one (`step_up_required`).
#[tauri::command(async)]
#[specta::specta]
pub fn approve_member(
    state: State<'_, AppState>,
    name: String,
    fingerprint: String,
    role: String,
) -> CommandResult<()> {
    let access = Access::parse(&role)?;
    with_team(&state, |ws| {
        Ok(ws.approve_member(&name, &fingerprint, access)?)
    })
}

/// Gives an active member another role (as an approval, admins only, a fresh factor).
#[tauri::command(async)]
#[specta::specta]
pub fn set_member_role(
    state: State<'_, AppState>,
    name: String,
    role: String,
) -> CommandResult<()> {
    let access = Access::parse(&role)?;
    with_team(&state, |ws| Ok(ws.set_member_access(&name, access)?))
}

/// What a removal leaves to do (the core's `Removal`): the new epoch, and the entries the
/// removed member could read, whose secrets must be changed (no secret in it).
#[derive(Serialize, specta::Type)]
pub struct RemovalDto {
    /// The new epoch, whose key only the remaining members hold.
    pub epoch: u64,
    /// The entries the removed member could read, by title (the page links each to it).
    pub to_change: Vec<portcullis_core::view::EntrySummary>,
}

/// Removes a member: their access ends at once and the workspace key is rotated (the new
/// epoch is returned), with the entries they could read: their secrets must be changed.
#[tauri::command(async)]
#[specta::specta]
pub fn remove_member(state: State<'_, AppState>, name: String) -> CommandResult<RemovalDto> {
    remove(&state, &name)
}

/// [`remove_member`], without the Tauri runtime.
pub fn remove(state: &AppState, name: &str) -> CommandResult<RemovalDto> {
    with_team(state, |ws| {
        let removal = ws.remove_member(name)?;
        Ok(RemovalDto {
            epoch: removal.epoch,
            to_change: removal.to_change,
        })
    })
}

/// One event of the team workspace's history: from the audit log (`audit`: joins,
/// approvals, roles, removals, rotations), a member's export log (`exports`) or the change
/// history (`changes`: entries created, changed, deleted, by id).
#[derive(Serialize, specta::Type)]
pub struct LogLineDto {
    pub chain: String,
    pub seq: u64,
    /// Unix seconds, by the actor's clock.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
}

/// The audit log, the export logs and the change history, each checked before anything is
/// shown, merged by time (newest last).
#[tauri::command(async)]
#[specta::specta]
pub fn team_log(state: State<'_, AppState>) -> CommandResult<Vec<LogLineDto>> {
    log(&state)
}

/// [`team_log`], without the Tauri runtime.
pub fn log(state: &AppState) -> CommandResult<Vec<LogLineDto>> {
    with_team(state, |ws| {
        Ok(ws
            .team_log()?
            .lines
            .into_iter()
            .map(|l| LogLineDto {
                chain: l.chain.into(),
                seq: l.seq,
                at: l.at,
                actor: l.actor,
                action: l.action,
                subject: l.subject,
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> TeamAddress {
        TeamAddress {
            host: "127.0.0.1".into(),
            port: Some(1),
            database: "vault".into(),
            workspace: "ops".into(),
            user: "alice".into(),
            sslmode: "disable".into(),
        }
    }

    #[test]
    fn a_bad_address_is_refused_before_anything_is_asked() {
        let state = AppState::default();
        let mut bad = address();
        bad.sslmode = "maybe".into();
        let pw = SecretString::new("pw".into());
        let e = open_team(&state, &bad, Some("db".into()), false, &pw, false)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert!(e.message.contains("sslmode"), "{}", e.message);
    }

    #[test]
    fn no_server_and_no_offline_copy_is_unreachable_and_names_no_password() {
        let state = AppState::default();
        // Port 1 on loopback: nothing listens there.
        let pw = SecretString::new("master-pw".into());
        let e = open_team(
            &state,
            &address(),
            Some("db-secret-42".into()),
            false,
            &pw,
            false,
        )
        .map(|_| ())
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::TeamUnreachable, "{}", e.message);
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains("db-secret-42") && !json.contains("master-pw"));
        assert!(matches!(*state.lock(), Session::Locked));
    }

    mod with_a_server {
        use super::*;
        use crate::commands::{entries, with_open, with_store};
        use crate::dto::EntryInput;
        use portcullis_core::entry_edit::{EntryChanges, EntryType};
        use portcullis_core::team::{Access, TeamWorkspace};
        use portcullis_core::view::ListQuery;
        use portcullis_core::{EntryStore, KdfParams};
        use std::sync::mpsc;
        use std::time::{Duration, Instant};
        use test_support::Postgres;

        fn secret(s: &str) -> SecretString {
            SecretString::new(s.into())
        }

        fn team_url(pg: &Postgres, role: &str) -> TeamUrl {
            TeamUrl::parse(&format!(
                "postgresql://{role}@127.0.0.1:{}/vault?workspace=ops&sslmode=disable",
                pg.port
            ))
            .unwrap()
        }

        fn connect(pg: &Postgres, role: &str) -> Team {
            Team::connect(&team_url(pg, role), &secret(&format!("{role}-db"))).unwrap()
        }

        /// `ops`: alice its admin, bob an editor (no second factors). This process's offline
        /// copies go to a folder of its own.
        fn two_members() -> (Postgres, &'static std::path::Path) {
            // One folder for this process's offline copies and heads, set once (each test's
            // server has its own port, so its own files).
            static DATA: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
            let data = DATA.get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                std::env::set_var("XDG_DATA_HOME", dir.path());
                dir
            });
            let pg = Postgres::start();
            pg.admin("postgres", "CREATE DATABASE vault");
            pg.admin("vault", "CREATE ROLE portcullis_member NOLOGIN");
            for role in ["alice", "bob"] {
                pg.admin(
                    "vault",
                    &format!("CREATE ROLE {role} LOGIN PASSWORD '{role}-db'; GRANT portcullis_member TO {role}"),
                );
            }
            let admin = TeamUrl::parse(&format!(
                "postgresql://{}@127.0.0.1:{}/vault?sslmode=disable",
                test_support::POSTGRES_ADMIN,
                pg.port
            ))
            .unwrap();
            team::setup(&mut team::connect(&admin, &secret(&pg.admin_password)).unwrap()).unwrap();
            let kdf = KdfParams::new(1024, 1, 1).unwrap();
            let mut alice = connect(&pg, "alice")
                .new_member(&secret("alice master"), kdf)
                .unwrap();
            alice.create_workspace().unwrap();
            let mut bob = connect(&pg, "bob")
                .new_member(&secret("bob master"), kdf)
                .unwrap();
            bob.request_join().unwrap();
            let fingerprint = bob.identity().public().fingerprint();
            alice.approve("bob", &fingerprint, Access::Editor).unwrap();
            (pg, data.path())
        }

        fn open_bob(pg: &Postgres) -> TeamWorkspace {
            connect(pg, "bob")
                .unlock_member(&secret("bob master"), false)
                .unwrap()
                .into_open()
                .unwrap()
                .open_workspace()
                .unwrap()
        }

        fn titles(state: &AppState) -> Vec<String> {
            let list = ListQuery {
                limit: 100,
                ..ListQuery::default()
            };
            entries::list_page(state, &list)
                .unwrap()
                .rows
                .into_iter()
                .map(|r| r.title)
                .collect()
        }

        /// The `kind` of an event the refresh sent the page, and its whole text.
        fn event(body: &tauri::ipc::InvokeResponseBody) -> (String, String) {
            let tauri::ipc::InvokeResponseBody::Json(json) = body else {
                panic!("not JSON");
            };
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            (value["kind"].as_str().unwrap().to_owned(), json.clone())
        }

        fn event_kind(body: &tauri::ipc::InvokeResponseBody) -> String {
            event(body).0
        }

        fn note(title: &str) -> EntryInput {
            serde_json::from_value(serde_json::json!({"kind": "note", "title": title})).unwrap()
        }

        #[test]
        fn a_team_session_reads_writes_refreshes_live_and_refuses_file_settings() {
            let (pg, _data) = two_members();
            let mut bob = open_bob(&pg);
            bob.add_entry(
                EntryType::Note,
                EntryChanges {
                    title: Some("Runbook".into()),
                    ..EntryChanges::default()
                },
            )
            .unwrap();

            let state = AppState::default();
            let alice = TeamAddress {
                port: Some(pg.port),
                ..address()
            };
            let wrong = open_team(
                &state,
                &alice,
                Some("alice-db".into()),
                false,
                &secret("nope"),
                false,
            )
            .map(|_| ())
            .unwrap_err();
            assert_eq!(wrong.code, ErrorCode::WrongPassword, "{}", wrong.message);
            let opened = open_team(
                &state,
                &alice,
                Some("alice-db".into()),
                false,
                &secret("alice master"),
                false,
            )
            .unwrap();
            let json = serde_json::to_value(&opened).unwrap();
            assert_eq!(json["state"], "open");
            assert_eq!(json["name"], "ops");
            assert_eq!(json["team"]["access"], "admin");
            assert!(json["team"]["offline_since"].is_null());
            assert!(!json.to_string().contains("alice-db"));

            // Entries as in a file; a file's setting answers `team_workspace`.
            assert_eq!(titles(&state), ["Runbook"]);
            entries::add(&state, note("From alice")).unwrap();
            bob.sync().unwrap();
            assert!(bob.find("From alice").is_ok());
            let e = with_open(&state, |_| Ok(())).unwrap_err();
            assert_eq!(e.code, ErrorCode::TeamWorkspace);
            // A CSV export, recorded in the audit log; the Portcullis format is the server's.
            let out = tempfile::tempdir().unwrap();
            let csv = out.path().join("ops.csv");
            let done = crate::commands::transfer::export_open(
                &state,
                portcullis_core::export::Format::Csv,
                &csv,
                None,
            )
            .unwrap();
            assert_eq!(done.exported, 2);
            assert!(std::fs::read_to_string(&csv)
                .unwrap()
                .contains("From alice"));
            assert!(log(&state).unwrap().iter().any(|l| l.action == "exported"));
            let e = crate::commands::transfer::export_open(
                &state,
                portcullis_core::export::Format::Portcullis,
                &out.path().join("ops.pcx"),
                None,
            )
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::Invalid, "{}", e.message);
            let e = with_store(&state, |ws| {
                Ok(ws.backup_to(std::path::Path::new("/nonexistent/x.pcx"))?)
            })
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::Invalid, "{}", e.message);

            // The live refresh: bob writes, the page is told, the list has it.
            let (told_tx, told) = mpsc::channel();
            state.set_team_listener(tauri::ipc::Channel::new(move |body| {
                if event_kind(&body) == "changed" {
                    let _ = told_tx.send(Instant::now());
                }
                Ok(())
            }));
            let (ticket, link) = state.team_to_watch().unwrap();
            assert!(state.team_to_watch().is_none(), "one refresh per session");
            std::thread::scope(|s| {
                let refresh = s.spawn(|| crate::refresh::run(&state, ticket, &link));
                // Whether its connection listens before or after this write, the write is
                // seen: a new listening connection first syncs what came before it.
                let written = Instant::now();
                bob.add_entry(
                    EntryType::Note,
                    EntryChanges {
                        title: Some("From bob".into()),
                        ..EntryChanges::default()
                    },
                )
                .unwrap();
                let at = told
                    .recv_timeout(Duration::from_secs(2))
                    .expect("the page was told");
                assert!(at.duration_since(written) < Duration::from_secs(2));
                assert_eq!(titles(&state), ["From alice", "From bob", "Runbook"]);
                // A lock ends the refresh (its copy of the database password goes with it).
                state.lock_session();
                let started = Instant::now();
                while !refresh.is_finished() {
                    assert!(
                        started.elapsed() < Duration::from_secs(3),
                        "the refresh outlived the lock"
                    );
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }

        #[test]
        fn a_removal_lists_the_entries_the_member_could_read_and_ends_their_access() {
            let (pg, _data) = two_members();
            let state = AppState::default();
            let alice = TeamAddress {
                port: Some(pg.port),
                ..address()
            };
            open_team(
                &state,
                &alice,
                Some("alice-db".into()),
                false,
                &secret("alice master"),
                false,
            )
            .unwrap();
            let runbook = entries::add(&state, note("Runbook")).unwrap();
            entries::add(&state, note("Router")).unwrap();
            let e = remove(&state, "nobody").map(|_| ()).unwrap_err();
            assert_ne!(e.code, ErrorCode::Locked, "{}", e.message);

            let removal = remove(&state, "bob").unwrap();
            assert_eq!(removal.epoch, 2, "the first epoch is 1");
            let mut titles: Vec<_> = removal.to_change.iter().map(|e| e.title.as_str()).collect();
            titles.sort_unstable();
            assert_eq!(titles, ["Router", "Runbook"]);
            assert!(removal.to_change.iter().any(|e| e.id == runbook.id));
            let listed = members(&state).unwrap();
            let bob = listed.members.iter().find(|m| m.name == "bob").unwrap();
            assert_eq!(bob.state, "removed");
            // Bob's own connection reads nothing of the workspace any more.
            assert!(connect(&pg, "bob")
                .unlock_member(&secret("bob master"), false)
                .unwrap()
                .into_open()
                .unwrap()
                .open_workspace()
                .is_err());
        }

        #[test]
        fn a_member_sets_their_own_second_factor_and_password_from_the_security_screen() {
            use crate::commands::{account, mfa};
            let (pg, _data) = two_members();
            let state = AppState::default();
            let bob = TeamAddress {
                port: Some(pg.port),
                user: "bob".into(),
                ..address()
            };
            let open = |password: &str| {
                let state = AppState::default();
                open_team(
                    &state,
                    &bob,
                    Some("bob-db".into()),
                    false,
                    &secret(password),
                    false,
                )
                .map(|s| serde_json::to_value(s).unwrap())
            };
            open_team(
                &state,
                &bob,
                Some("bob-db".into()),
                false,
                &secret("bob master"),
                false,
            )
            .unwrap();
            assert!(!mfa::status(&state).unwrap().enabled);

            // An authenticator, as the Security screen's wizard adds it: bob's own.
            let enrolment = mfa::totp_begin(&state, "phone").unwrap();
            let otp = portcullis_core::otp::OtpParams::parse(&format!(
                "otpauth://totp/bob?secret={}",
                enrolment.key.replace(' ', "")
            ))
            .unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let enabled = mfa::totp_confirm(&state, &otp.code_at(now).code).unwrap();
            let json = serde_json::to_value(&enabled).unwrap();
            assert_eq!(json["label"], "phone");
            let status = mfa::status(&state).unwrap();
            assert!(status.enabled);
            assert_eq!(status.methods[0].label, "phone");
            // Alice's own settings are untouched.
            assert!(
                !connect(&pg, "alice")
                    .unlock_member(&secret("alice master"), false)
                    .unwrap()
                    .into_open()
                    .unwrap()
                    .mfa_status()
                    .unwrap()
                    .enabled
            );

            // His password: the current one is checked again; then only the new one opens,
            // and his factor follows it.
            let e = account::change_password(&state, &secret("nope"), &secret("bob new"), false)
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::WrongPassword, "{}", e.message);
            let e = account::change_password(&state, &secret("bob master"), &secret(""), false)
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::Invalid, "{}", e.message);
            account::change_password(&state, &secret("bob master"), &secret("bob new"), false)
                .unwrap();
            let e = open("bob master").unwrap_err();
            assert_eq!(e.code, ErrorCode::WrongPassword, "{}", e.message);
            assert_eq!(open("bob new").unwrap()["state"], "pending");
            // The file-only settings still answer `team_workspace`.
            let e = crate::commands::with_open(&state, |_| Ok(())).unwrap_err();
            assert_eq!(e.code, ErrorCode::TeamWorkspace);
        }

        #[test]
        fn when_the_server_is_lost_the_copy_reads_changes_are_refused_until_it_is_back() {
            let (pg, _data) = two_members();
            let state = AppState::default();
            let alice = TeamAddress {
                port: Some(pg.port),
                ..address()
            };
            open_team(
                &state,
                &alice,
                Some("alice-db".into()),
                false,
                &secret("alice master"),
                false,
            )
            .unwrap();
            entries::add(&state, note("Before")).unwrap();
            let (told_tx, told) = mpsc::channel();
            state.set_team_listener(tauri::ipc::Channel::new(move |body| {
                let _ = told_tx.send(event(&body));
                Ok(())
            }));
            let next = |kind: &str, within: Duration| loop {
                let (k, json) = told.recv_timeout(within).expect(kind);
                if k == kind {
                    return json;
                }
            };
            /// Locks the session when dropped (also when a step fails): the refresh ends.
            struct LockOnDrop<'a>(&'a AppState);
            impl Drop for LockOnDrop<'_> {
                fn drop(&mut self) {
                    self.0.lock_session();
                }
            }
            let (ticket, link) = state.team_to_watch().unwrap();
            std::thread::scope(|s| {
                let _lock = LockOnDrop(&state);
                s.spawn(|| crate::refresh::run(&state, ticket, &link));
                // Bob's write shows: the refresh listens.
                let mut bob = open_bob(&pg);
                bob.add_entry(
                    EntryType::Note,
                    EntryChanges {
                        title: Some("From bob".into()),
                        ..EntryChanges::default()
                    },
                )
                .unwrap();
                next("changed", Duration::from_secs(5));
                drop(bob);

                // The server stops: the page is told, the copy reads, changes are refused.
                pg.stop();
                let json = next("offline", Duration::from_secs(5));
                assert!(json.contains("synced_at"), "{json}");
                let shown = serde_json::to_value(describe(&state.lock())).unwrap();
                assert!(shown["team"]["offline_since"].is_i64(), "{shown}");
                assert_eq!(titles(&state), ["Before", "From bob"]);
                let e = entries::add(&state, note("While lost")).unwrap_err();
                assert_eq!(e.code, ErrorCode::Offline, "{}", e.message);
                assert!(e.message.contains("last synced"), "{}", e.message);
                let e = members(&state).map(|_| ()).unwrap_err();
                assert_eq!(e.code, ErrorCode::Offline, "{}", e.message);
                let e = crate::commands::mfa::status(&state)
                    .map(|_| ())
                    .unwrap_err();
                assert_eq!(e.code, ErrorCode::Offline, "{}", e.message);

                // It comes back: the refresh connects again, changes are accepted again.
                pg.start_again();
                next("online", Duration::from_secs(10));
                let shown = serde_json::to_value(describe(&state.lock())).unwrap();
                assert!(shown["team"]["offline_since"].is_null(), "{shown}");
                entries::add(&state, note("After")).unwrap();
                assert_eq!(titles(&state), ["After", "Before", "From bob"]);
                assert!(members(&state).is_ok());
            });
            let mut bob = open_bob(&pg);
            assert!(bob.find("After").is_ok());
            assert!(bob.find("While lost").is_err());
        }

        #[test]
        fn a_role_founds_a_workspace_and_another_asks_to_join_from_the_start_screen() {
            let (pg, _data) = two_members();
            let kdf = || {
                portcullis_core::new_workspace::KdfChoice::Fixed(
                    KdfParams::new(1024, 1, 1).unwrap(),
                )
            };
            pg.admin(
                "vault",
                "CREATE ROLE carol LOGIN PASSWORD 'carol-db'; GRANT portcullis_member TO carol",
            );
            // Alice (an identity already) founds `dev`; it opens, she is its admin.
            let state = AppState::default();
            let dev = |user: &str| TeamAddress {
                port: Some(pg.port),
                workspace: "dev".into(),
                user: user.into(),
                ..address()
            };
            let e = found(
                &state,
                &dev("alice"),
                Some("alice-db".into()),
                false,
                &secret("nope"),
                kdf(),
            )
            .map(|_| ())
            .unwrap_err();
            assert_eq!(e.code, ErrorCode::WrongPassword, "{}", e.message);
            let opened = found(
                &state,
                &dev("alice"),
                Some("alice-db".into()),
                false,
                &secret("alice master"),
                kdf(),
            )
            .unwrap();
            let json = serde_json::to_value(&opened).unwrap();
            assert_eq!(
                (&json["name"], &json["team"]["access"]),
                (&"dev".into(), &"admin".into())
            );
            entries::add(&state, note("Dev runbook")).unwrap();

            // Carol (no identity yet) asks to join: her new identity's fingerprint is the one
            // the Members screen shows alice; the founder is alice.
            let asked = join(
                &dev("carol"),
                Some("carol-db".into()),
                false,
                &secret("carol master"),
                kdf(),
            )
            .unwrap();
            assert_eq!(asked.founder, "alice");
            let listed = members(&state).unwrap();
            let carol = listed.members.iter().find(|m| m.name == "carol").unwrap();
            assert_eq!(
                (carol.state.as_str(), &carol.fingerprint),
                ("pending", &asked.fingerprint)
            );
            let alice_fp = listed
                .members
                .iter()
                .find(|m| m.name == "alice")
                .unwrap()
                .fingerprint
                .clone();
            assert_eq!(asked.founder_fingerprint, alice_fp);
            // Asking again changes nothing; nobody reads anything before the approval.
            let again = join(
                &dev("carol"),
                Some("carol-db".into()),
                false,
                &secret("x"),
                kdf(),
            )
            .unwrap();
            assert_eq!(again.fingerprint, asked.fingerprint);
            let e = open_team(
                &AppState::default(),
                &dev("carol"),
                Some("carol-db".into()),
                false,
                &secret("carol master"),
                false,
            )
            .map(|_| ())
            .unwrap_err();
            assert_ne!(e.code, ErrorCode::Internal, "{}", e.message);
            // Founding a workspace that exists is refused.
            let e = found(
                &AppState::default(),
                &dev("bob"),
                Some("bob-db".into()),
                false,
                &secret("bob master"),
                kdf(),
            )
            .map(|_| ())
            .unwrap_err();
            assert!(!e.message.is_empty());
            state.lock_session();
        }

        #[test]
        fn a_change_that_does_not_check_is_not_shown_and_the_page_is_told() {
            let (pg, _data) = two_members();
            let state = AppState::default();
            let alice = TeamAddress {
                port: Some(pg.port),
                ..address()
            };
            open_team(
                &state,
                &alice,
                Some("alice-db".into()),
                false,
                &secret("alice master"),
                false,
            )
            .unwrap();
            // While no refresh listens, bob writes and the server changes a byte of it.
            let mut bob = open_bob(&pg);
            bob.add_entry(
                EntryType::Note,
                EntryChanges {
                    title: Some("Evil".into()),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
            pg.admin(
                "vault",
                "UPDATE portcullis.records SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1)",
            );
            let (told_tx, told) = mpsc::channel();
            state.set_team_listener(tauri::ipc::Channel::new(move |body| {
                let _ = told_tx.send(event(&body));
                Ok(())
            }));
            let (ticket, link) = state.team_to_watch().unwrap();
            std::thread::scope(|s| {
                s.spawn(|| crate::refresh::run(&state, ticket, &link));
                let (kind, json) = told.recv_timeout(Duration::from_secs(5)).unwrap();
                assert_eq!(kind, "refused", "{json}");
                assert!(json.contains("altered"), "{json}");
                assert!(titles(&state).is_empty(), "the altered entry was shown");
                state.lock_session();
            });
        }
    }
}
