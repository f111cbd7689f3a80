//! Workspace-wide settings of the open workspace that the CLI also changes: the master
//! password (`portcullis passwd`) and after how many days a second-factor method shows as
//! expired (`portcullis mfa expiry-days`).

use super::with_open;
use crate::error::CommandResult;
use crate::state::AppState;
use portcullis_core::workspace::Error;
use portcullis_core::{quick_unlock, KdfParams, OpenWorkspace, SecretString};
use tauri::State;

/// Changes the master password: `current_password` is checked again whatever opened the workspace (as
/// `passwd` does), and with MFA on the core wants a fresh factor (`step_up_required`). The
/// workspace keeps its key-derivation cost; a costly one (above 1 GiB) is refused with
/// `costly_kdf` and its cost until the page confirmed it and sends `allow_costly_kdf`. This
/// machine's quick-unlock items go, since they open nothing afterwards.
#[tauri::command(async)]
#[specta::specta]
pub fn change_master_password(
    state: State<'_, AppState>,
    current_password: String,
    new_password: String,
    allow_costly_kdf: Option<bool>,
) -> CommandResult<()> {
    let current = SecretString::new(current_password);
    let new = SecretString::new(new_password);
    with_open(&state, |ws| {
        change_password(ws, &current, &new, allow_costly_kdf == Some(true))
    })
}

/// [`change_master_password`] on the open workspace.
fn change_password(
    ws: &mut OpenWorkspace,
    current: &SecretString,
    new: &SecretString,
    allow_costly_kdf: bool,
) -> CommandResult<()> {
    let kdf = ws.kdf();
    refuse_unconfirmed_cost(kdf, allow_costly_kdf)?;
    quick_unlock::change_password(ws, current, new, kdf)?;
    tracing::info!("master password changed");
    Ok(())
}

/// `costly_kdf` with the cost, for a key derivation above 1 GiB the user has not confirmed (the
/// unlock screen's rule, applied to the derivation a password change runs).
fn refuse_unconfirmed_cost(kdf: KdfParams, confirmed: bool) -> CommandResult<()> {
    if kdf.needs_confirmation() && !confirmed {
        return Err(Error::CostlyKdf {
            memory_mib: kdf.memory_kib() / 1024,
            passes: kdf.iterations(),
        }
        .into());
    }
    Ok(())
}

/// Sets after how many days an unchanged second-factor method shows as expired (at least 1;
/// needs a fresh factor, like every MFA change).
#[tauri::command(async)]
#[specta::specta]
pub fn set_mfa_expiry_days(state: State<'_, AppState>, days: u32) -> CommandResult<()> {
    with_open(&state, |ws| Ok(ws.set_mfa_expiry_days(days)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use portcullis_core::workspace::Unlock;
    use portcullis_core::LockedWorkspace;

    fn secret(s: &str) -> SecretString {
        SecretString::new(s.into())
    }

    #[test]
    fn the_password_changes_only_with_the_current_one_and_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(&path, &secret("old"), kdf).unwrap();

        let empty = change_password(&mut ws, &secret("old"), &secret(""), false).unwrap_err();
        assert_eq!(empty.code, ErrorCode::Invalid);
        let wrong = change_password(&mut ws, &secret("nope"), &secret("new"), false).unwrap_err();
        assert_eq!(wrong.code, ErrorCode::WrongPassword);
        change_password(&mut ws, &secret("old"), &secret("new"), false).unwrap();
        drop(ws);

        let open = |password: &str| {
            LockedWorkspace::open(&path)
                .unwrap()
                .unlock(&secret(password))
        };
        assert!(open("old").is_err(), "the old password no longer opens it");
        assert!(matches!(open("new").unwrap(), Unlock::Open(_)));
    }

    #[test]
    fn a_costly_derivation_waits_for_confirmation() {
        // 2 GiB, 3 passes: built, never derived.
        let costly = KdfParams::new(2 * 1024 * 1024, 3, 1).unwrap();
        let e = refuse_unconfirmed_cost(costly, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::CostlyKdf);
        let cost = e.kdf_cost.expect("the cost, for the page to show");
        assert_eq!((cost.memory_mib, cost.passes), (2048, 3));
        assert!(refuse_unconfirmed_cost(costly, true).is_ok());
        let usual = KdfParams::new(64 * 1024, 3, 1).unwrap();
        assert!(refuse_unconfirmed_cost(usual, false).is_ok());
    }
}
