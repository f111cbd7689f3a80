//! Quick unlock: after a full unlock, and with the password typed again, this machine's OS
//! keyring (Secret Service on Linux, Keychain, Credential Manager) keeps a random quick key
//! that unwraps a copy of the workspace master key stored in the file for this enrolment (see
//! [`crate::workspace::QuickKey`]). This machine then opens the workspace without the
//! password; the second factor, when MFA is on, is still asked for. The file enforces the
//! rest: the copy carries its expiry (14 days by default) in its authenticated data, and
//! turning quick unlock off, its expiry or a password change delete it, so the keyring item,
//! or a saved copy of it, opens nothing afterwards.

use crate::crypto::SecretString;
use crate::keyring::{self, item_name, Item, Service};
use crate::workspace::Guarded;
use crate::workspace::{
    self, DerivedKeys, LockedWorkspace, OpenWorkspace, QuickKey, QuickRefusal, Unlock,
};
use crate::KdfParams;
use serde::Serialize;

/// The keyring service name of the items.
pub const SERVICE: &str = Service::QuickUnlock.name();
/// Default lifetime of a quick-unlock enrolment.
pub const DEFAULT_DAYS: u32 = 14;
/// The longest an enrolment may last: past that, the password should be typed again.
pub const MAX_DAYS: u32 = 90;

/// Why quick unlock could not be used or changed. Never carries the key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable OS keyring (no Secret Service, no session bus, a locked keyring…).
    #[error("the OS keyring is not available ({0}); quick unlock needs it")]
    Unavailable(String),
    /// A lifetime outside 1..=MAX_DAYS.
    #[error("quick unlock can last from 1 to {MAX_DAYS} days, not {0}")]
    Days(u32),
    /// Quick unlock is off for this workspace on this machine.
    #[error("quick unlock is not on for this workspace on this machine")]
    NotEnabled,
    /// The enrolment expired; the file's copy and the keyring item were deleted.
    #[error("quick unlock expired; enter the password")]
    Expired,
    /// The file no longer holds a copy this machine's key opens (turned off, or the password
    /// changed); the keyring item was deleted.
    #[error("quick unlock was turned off for this workspace (or the password changed); enter the password")]
    Revoked,
    /// An item made by an earlier version, which kept the master key itself: deleted.
    #[error("quick unlock must be turned on again with the password (this version keeps it differently)")]
    Outdated,
    /// The workspace refused (wrong password, step-up needed, damaged…).
    #[error(transparent)]
    Workspace(#[from] workspace::Error),
}

/// Whether quick unlock is on, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Quick unlock is on here (this machine's keyring holds an unexpired enrolment's key).
    pub enabled: bool,
    /// Unix time.
    pub expires: Option<i64>,
}

/// What turning quick unlock on did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enabled {
    /// Unix time of the expiry.
    pub expires: i64,
    /// Whether opening still asks for the second factor. When not (MFA off), this computer's
    /// session alone opens the workspace until `expires`: say so.
    pub factor_required: bool,
}

impl From<keyring::Error> for Error {
    fn from(e: keyring::Error) -> Self {
        match e {
            keyring::Error::Unavailable(reason) => Error::Unavailable(reason),
            // An item that holds no key opens nothing.
            keyring::Error::NotAKey => Error::Revoked,
        }
    }
}

/// The folder of the markers beside the user's settings
/// (`$XDG_CONFIG_HOME/portcullis/quick-unlock/`). A marker (no secret in it) named by an
/// enrolment id says this machine's keyring holds its key, so opening a workspace without one
/// never wakes the keyring service.
fn markers() -> Option<std::path::PathBuf> {
    Some(crate::xdg::config_dir()?.join("quick-unlock"))
}

fn has_marker(id: &[u8; 16]) -> bool {
    markers().is_some_and(|m| m.join(item_name(id)).is_file())
}

fn set_marker(id: &[u8; 16]) {
    if let Some(dir) = markers() {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(item_name(id)), b"");
    }
}

/// The keyring item of enrolment `id` (or of an earlier version's, named by the workspace id).
fn item(id: &[u8; 16]) -> Result<Item, Error> {
    Ok(Item::new(Service::QuickUnlock, &item_name(id))?)
}

/// Deletes the keyring item and the marker of `id` (nothing to do when there are none).
fn forget_here(id: &[u8; 16]) -> Result<(), Error> {
    if let Some(dir) = markers() {
        let _ = std::fs::remove_file(dir.join(item_name(id)));
    }
    Ok(item(id)?.delete()?)
}

/// The file's enrolments whose key this machine holds (by its markers).
fn here(enrolments: Vec<([u8; 16], i64)>) -> Vec<([u8; 16], i64)> {
    enrolments
        .into_iter()
        .filter(|(id, _)| has_marker(id))
        .collect()
}

/// The quick key of enrolment `id` in this machine's keyring.
fn read(id: [u8; 16]) -> Result<QuickKey, Error> {
    let key = item(&id)?.read_key()?.ok_or(Error::NotEnabled)?;
    Ok(QuickKey::new(id, *key))
}

/// When an enrolment made at `now` for `days` expires.
fn expiry(now: i64, days: u32) -> Result<i64, Error> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::Days(days));
    }
    Ok(now + i64::from(days) * 86_400)
}

/// Turns quick unlock on (or renews it) for `days`: a security change that needs the current
/// `password`, whichever way the workspace was opened, and a fresh second factor when MFA is
/// on. This machine's earlier enrolments end.
pub fn enable(
    ws: &mut OpenWorkspace,
    password: &SecretString,
    days: u32,
) -> Result<Enabled, Error> {
    let keys = ws.password_keys(password)?.derive()?;
    enable_with(ws, &keys, days)
}

/// [`enable`] with the password's key derived beforehand
/// ([`OpenWorkspace::password_keys`]), for a caller that let go of the workspace meanwhile.
pub fn enable_with(
    ws: &mut OpenWorkspace,
    keys: &DerivedKeys,
    days: u32,
) -> Result<Enabled, Error> {
    let expires = expiry(ws.clock().now(), days)?;
    let factor_required = ws.mfa_status()?.enabled;
    let key = ws.enrol_quick_unlock_with(keys, expires)?;
    let stored = item(&key.enrolment).and_then(|i| Ok(i.write_key(key.expose())?));
    if let Err(e) = stored {
        // Nothing holds the key: take its copy out of the file again.
        ws.forget_quick_unlock(key.enrolment)?;
        return Err(e);
    }
    // The new enrolment is usable from here on; ending the earlier ones is cleanup, and a
    // failure there must not leave the new one unknown to `status` and `disable`.
    let earlier = here(ws.quick_enrolments()?);
    set_marker(&key.enrolment);
    for (old, _) in earlier.into_iter().filter(|(id, _)| *id != key.enrolment) {
        let ended = ws
            .forget_quick_unlock(old)
            .map_err(Error::from)
            .and_then(|()| forget_here(&old));
        if let Err(e) = ended {
            tracing::warn!(error = %e, "an earlier quick-unlock enrolment could not be ended");
        }
    }
    tracing::info!(days, factor_required, "quick unlock turned on");
    Ok(Enabled {
        expires,
        factor_required,
    })
}

/// Turns quick unlock off here: the file's copies of this machine's enrolments are deleted,
/// then their keyring items. Needs no password (it only takes a way in away).
pub fn disable(locked: &mut LockedWorkspace) -> Result<(), Error> {
    for (id, _) in here(locked.quick_enrolments()) {
        locked.forget_quick_unlock(id)?;
        forget_here(&id)?;
    }
    forget_here(&locked.workspace_id())?;
    tracing::info!("quick unlock turned off");
    Ok(())
}

/// [`disable`] for an open workspace.
pub fn disable_open(ws: &mut OpenWorkspace) -> Result<(), Error> {
    for (id, _) in here(ws.quick_enrolments()?) {
        ws.forget_quick_unlock(id)?;
        forget_here(&id)?;
    }
    forget_here(&ws.workspace_id())?;
    tracing::info!("quick unlock turned off");
    Ok(())
}

/// Changes the master password (see [`OpenWorkspace::change_password`], which deletes every
/// quick-unlock copy in the file) and deletes this machine's quick-unlock items, which then
/// open nothing.
pub fn change_password(
    ws: &mut OpenWorkspace,
    current: &SecretString,
    new: &SecretString,
    kdf: KdfParams,
) -> Result<(), workspace::Error> {
    let keys = ws
        .password_keys(current)?
        .with_new_password(new, kdf)?
        .derive()?;
    change_password_with(ws, &keys)
}

/// [`change_password`] with the keys derived beforehand ([`OpenWorkspace::password_keys`]
/// and [`PasswordKeys::with_new_password`](crate::workspace::PasswordKeys::with_new_password)).
pub fn change_password_with(
    ws: &mut OpenWorkspace,
    keys: &DerivedKeys,
) -> Result<(), workspace::Error> {
    let ended = here(ws.quick_enrolments()?);
    ws.change_password_with(keys)?;
    for (id, _) in ended {
        let _ = forget_here(&id);
    }
    Ok(())
}

/// Whether quick unlock is on here for `enrolments` (a file's) at `now`. Asks the keyring, so
/// that a desktop without one says so.
fn status_of(enrolments: Vec<([u8; 16], i64)>, now: i64) -> Result<Status, Error> {
    for (id, expires) in here(enrolments) {
        match read(id) {
            Ok(_) if expires > now => {
                return Ok(Status {
                    enabled: true,
                    expires: Some(expires),
                })
            }
            Ok(_) | Err(Error::NotEnabled) | Err(Error::Revoked) => {}
            Err(e) => return Err(e),
        }
    }
    // No item here: one lookup still tells whether the keyring works at all.
    match item(&[0; 16])?.read_key() {
        Ok(_) | Err(keyring::Error::NotAKey) => Ok(Status {
            enabled: false,
            expires: None,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Whether quick unlock is on here for the open workspace, as of its clock.
pub fn status(ws: &mut OpenWorkspace) -> Result<Status, Error> {
    let now = ws.clock().now();
    status_of(ws.quick_enrolments()?, now)
}

/// Whether quick unlock is on here for a locked workspace, as of `now`. Without a marker here,
/// the keyring is not asked.
pub fn status_locked(locked: &LockedWorkspace, now: i64) -> Result<Status, Error> {
    if !is_on_here(locked) {
        return Ok(Status {
            enabled: false,
            expires: None,
        });
    }
    status_of(locked.quick_enrolments(), now)
}

/// Whether this machine has turned quick unlock on for the workspace (without asking the
/// keyring): the file lists an enrolment whose marker is here, or an earlier version's marker
/// is (to clean it up).
pub fn is_on_here(locked: &LockedWorkspace) -> bool {
    !here(locked.quick_enrolments()).is_empty() || has_marker(&locked.workspace_id())
}

/// Unlocks with the key in the keyring, at `now`. The file must still hold an unexpired copy
/// for it: an expired or revoked enrolment is deleted here and refused. With MFA on, the
/// result still asks for the second factor.
pub fn unlock(locked: LockedWorkspace, now: i64) -> Result<Unlock, Error> {
    let legacy = locked.workspace_id();
    if has_marker(&legacy) {
        // An earlier version's item holds the master key itself: never used, deleted.
        forget_here(&legacy)?;
        if here(locked.quick_enrolments()).is_empty() {
            return Err(Error::Outdated);
        }
    }
    for (id, _) in here(locked.quick_enrolments()) {
        let key = match read(id) {
            Ok(key) => key,
            Err(Error::NotEnabled) => {
                forget_here(&id)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        return match locked.unlock_quick(&key, now) {
            Ok(u) => {
                tracing::info!("opened with quick unlock");
                Ok(u)
            }
            Err(QuickRefusal::Expired) => {
                forget_here(&id)?;
                Err(Error::Expired)
            }
            Err(QuickRefusal::Revoked) => {
                forget_here(&id)?;
                Err(Error::Revoked)
            }
            Err(QuickRefusal::Workspace(e)) => Err(e.into()),
        };
    }
    Err(Error::NotEnabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enrolment_lasts_one_to_ninety_days() {
        assert_eq!(expiry(1_000, 1).unwrap(), 1_000 + 86_400);
        assert_eq!(expiry(0, MAX_DAYS).unwrap(), 90 * 86_400);
        for days in [0, MAX_DAYS + 1, u32::MAX] {
            let e = expiry(0, days).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("quick unlock can last from 1 to 90 days, not {days}")
            );
        }
    }
}
