//! Thin commands, grouped per domain and mirrored by `ui/src/ipc/<domain>.ts`: each parses its
//! input, calls the core, and maps the error.

pub mod entries;
pub mod mfa;
pub mod workspace;

use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Session};
use portcullis_core::OpenWorkspace;

/// Runs `f` on the open workspace, or fails with `locked`.
pub fn with_open<T>(
    state: &AppState,
    f: impl FnOnce(&mut OpenWorkspace) -> CommandResult<T>,
) -> CommandResult<T> {
    match &mut *state.lock() {
        Session::Open(ws) => f(ws),
        _ => Err(CommandError::locked()),
    }
}
