//! A team workspace in the window's session (docs/TEAM.md): the member waiting for their second
//! factor, then the workspace open from its server or, when no server answers, from the copy
//! this computer kept at the last sync (reads only). The rules are the core's; this holds the
//! pieces and says which kind of workspace the session holds.

use portcullis_core::team::{
    self, Fetched, Member, OfflineMember, OfflineWorkspace, SyncPoint, Team, TeamUrl, TeamWorkspace,
};
use portcullis_core::workspace::{self, PendingMfa};
use portcullis_core::{EntryStore, SecretString};

/// What the live refresh needs to open a listening connection of its own: the address and the
/// database password (zeroized when the session drops it; never sent to the page).
#[derive(Clone)]
pub struct Link {
    pub url: TeamUrl,
    pub database_password: SecretString,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("server", &self.url.server())
            .finish_non_exhaustive()
    }
}

/// A member whose password checked, waiting for their second factor (boxed in the session).
#[allow(clippy::large_enum_variant)]
pub enum TeamPending {
    /// On the server.
    Online(PendingMfa<Member>, Link),
    /// From the offline copy.
    Offline(PendingMfa<OfflineMember>),
}

/// Runs `$body` with `$p` bound to the pending unlock, whichever kind it is.
macro_rules! each_pending {
    ($pending:expr, $p:ident => $body:expr) => {
        match $pending {
            $crate::team::TeamPending::Online($p, _) => $body,
            $crate::team::TeamPending::Offline($p) => $body,
        }
    };
}
pub(crate) use each_pending;

/// A team workspace, open (boxed in the session).
#[allow(clippy::large_enum_variant)]
pub enum TeamOpen {
    /// From its server: reads and writes; the live refresh keeps it up to date.
    Online(TeamWorkspace, Link),
    /// From the offline copy: reads only.
    Offline(OfflineWorkspace),
}

impl TeamOpen {
    /// Its entries.
    pub fn store(&mut self) -> &mut dyn EntryStore {
        match self {
            TeamOpen::Online(ws, _) => ws,
            TeamOpen::Offline(ws) => ws,
        }
    }

    /// The workspace's name.
    pub fn name(&self) -> String {
        match self {
            TeamOpen::Online(ws, _) => ws.name().to_owned(),
            TeamOpen::Offline(ws) => ws.name().to_owned(),
        }
    }

    /// When the copy shown was last synced (Unix seconds) while no server answers (opened
    /// from the offline copy, or the server lost since); `None` when online.
    pub fn offline_since(&self) -> Option<i64> {
        match self {
            TeamOpen::Online(ws, _) => ws.offline_since(),
            TeamOpen::Offline(ws) => Some(ws.synced_at()),
        }
    }

    /// The server was lost: reads only, from what the copy holds (the core's
    /// [`TeamWorkspace::disconnected`]). Since when the copy is synced, when this changed
    /// anything.
    pub fn disconnected(&mut self) -> Option<i64> {
        match self {
            TeamOpen::Online(ws, _) if ws.offline_since().is_none() => {
                ws.disconnected();
                ws.offline_since()
            }
            _ => None,
        }
    }

    /// Back on the server with a new connection (the core's [`TeamWorkspace::reconnect`]);
    /// whether this changed anything (false when it was not lost, or opened from the copy).
    pub fn reconnect(&mut self, team: Team) -> Result<bool, team::Error> {
        match self {
            TeamOpen::Online(ws, _) if ws.offline_since().is_some() => {
                ws.reconnect(team)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The member's access (`admin`, `editor`, `viewer`); `None` offline (not checked then).
    pub fn access(&self) -> Option<&'static str> {
        match self {
            TeamOpen::Online(ws, _) => Some(ws.access().as_str()),
            TeamOpen::Offline(_) => None,
        }
    }

    /// Where the copy on the server stands, to fetch the changes since without holding it;
    /// `None` offline.
    pub fn sync_point(&self) -> Option<SyncPoint> {
        match self {
            TeamOpen::Online(ws, _) => Some(ws.sync_point()),
            TeamOpen::Offline(_) => None,
        }
    }

    /// Checks and keeps what was fetched since [`sync_point`](Self::sync_point) (the core's
    /// [`TeamWorkspace::apply`]); whether anything changed.
    pub fn apply(&mut self, fetched: Fetched) -> workspace::Result<bool> {
        match self {
            TeamOpen::Online(ws, _) => ws.apply(fetched).map_err(workspace::Error::from),
            TeamOpen::Offline(_) => Ok(false),
        }
    }
}

impl std::fmt::Debug for TeamOpen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TeamOpen::Online(ws, _) => f.debug_tuple("Online").field(ws).finish(),
            TeamOpen::Offline(_) => f.write_str("Offline"),
        }
    }
}
