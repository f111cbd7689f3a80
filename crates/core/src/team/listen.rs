//! Live refresh (docs/TEAM.md, "Sync"): every write to a team workspace sends a PostgreSQL
//! notification from `write_record`'s transaction (delivered at commit). A [`Listener`] holds
//! a connection of its own that waits for them, so an open app can sync as soon as another
//! member writes. A notification is only a wake-up (it carries the new position of the change
//! chain, nothing else): what changed is fetched and checked by [`TeamWorkspace::sync`].
//!
//! [`TeamWorkspace::sync`]: super::TeamWorkspace::sync

use super::directory::Team;
use super::workspace::{Fetched, SyncPoint};
use super::Error;
use postgres::fallible_iterator::FallibleIterator;
use std::time::Duration;

/// A connection waiting for writes to one workspace.
pub struct Listener {
    client: postgres::Client,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

/// The channel `write_record` notifies for the workspace `id` (PostgreSQL's text of a uuid).
fn channel(id: &str) -> String {
    format!("portcullis_{}", id.replace('-', ""))
}

impl Team {
    /// Turns this connection into a listener for writes to the workspace the address names.
    pub fn listen(mut self) -> Result<Listener, Error> {
        let id = self.workspace_id()?;
        let channel = channel(&id);
        if !channel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::SchemaDamaged);
        }
        self.client
            .batch_execute(&format!("LISTEN \"{channel}\""))?;
        Ok(Listener {
            client: self.client,
        })
    }
}

impl Listener {
    /// Reads what changed after `point` on this connection (the member's own, so the same rows
    /// are visible), in one snapshot: the open copy checks and keeps it with
    /// [`TeamWorkspace::apply`], so it is held only for that, never while the server answers.
    ///
    /// [`TeamWorkspace::apply`]: super::TeamWorkspace::apply
    pub fn fetch(&mut self, point: &SyncPoint) -> Result<Fetched, Error> {
        super::workspace::fetch(&mut self.client, point, true)
    }

    /// Waits at most `timeout` for a write by anyone (this member's own included); `true`
    /// when one came. Notifications that arrived together count once.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool, Error> {
        let mut notifications = self.client.notifications();
        let came = notifications.timeout_iter(timeout).next()?.is_some();
        // Drain what else is already here: one sync answers them all.
        while notifications.iter().next()?.is_some() {}
        Ok(came)
    }
}
