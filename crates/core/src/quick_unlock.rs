//! Quick unlock: after a full unlock, the workspace master key may be kept in the OS keyring
//! (Secret Service on Linux, Keychain, Credential Manager) so that this machine opens the
//! workspace without the password. The second factor is still asked for. The item expires
//! (14 days by default), stops working after any password change (the key it holds is no
//! longer the workspace's, which the manifest check catches, and the item is then deleted),
//! and is deleted when quick unlock is turned off.

use crate::crypto::keys::MasterKey;
use crate::workspace::{self, LockedWorkspace, OpenWorkspace, Unlock};
use data_encoding::{BASE64, HEXLOWER};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The keyring service name of the items.
pub const SERVICE: &str = "Portcullis quick unlock";
/// Default lifetime of a quick-unlock item.
pub const DEFAULT_DAYS: u32 = 14;
/// The longest a quick-unlock item may last: past that, the password should be typed again.
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
    /// The item expired and was deleted.
    #[error("quick unlock expired; enter the password")]
    Expired,
    /// The key no longer opens the workspace (the password changed); the item was deleted.
    #[error(
        "quick unlock no longer matches this workspace (the password changed); enter the password"
    )]
    Stale,
    /// The workspace refused (step-up needed, damaged…).
    #[error(transparent)]
    Workspace(#[from] workspace::Error),
}

/// What the keyring item holds.
#[derive(Serialize, Deserialize)]
struct Item {
    /// The master key, Base64.
    key: Zeroizing<String>,
    /// Unix time after which the item is refused and deleted.
    expires: i64,
}

/// Whether quick unlock is on, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub enabled: bool,
    /// Unix time.
    pub expires: Option<i64>,
}

/// A marker beside the user's settings (`$XDG_CONFIG_HOME/portcullis/quick-unlock/<id>`, no
/// secret in it) says quick unlock is on here, so opening a workspace without it never wakes
/// the keyring service.
fn marker(workspace_id: [u8; 16]) -> Option<std::path::PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config"))
        })?;
    Some(
        config
            .join("portcullis")
            .join("quick-unlock")
            .join(HEXLOWER.encode(&workspace_id)),
    )
}

/// Whether this machine has turned quick unlock on for the workspace (without asking the
/// keyring).
pub fn is_on_here(workspace_id: [u8; 16]) -> bool {
    marker(workspace_id).is_some_and(|m| m.is_file())
}

fn entry(workspace_id: [u8; 16]) -> Result<keyring::Entry, Error> {
    keyring::Entry::new(SERVICE, &HEXLOWER.encode(&workspace_id))
        .map_err(|e| Error::Unavailable(describe(&e)))
}

/// A short reason for a keyring failure, without any secret.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoDefaultStore => "no Secret Service on this desktop".into(),
        keyring::Error::NoEntry => "no item".into(),
        other => other.to_string().chars().take(160).collect(),
    }
}

fn read(workspace_id: [u8; 16]) -> Result<Item, Error> {
    let secret = match entry(workspace_id)?.get_secret() {
        Ok(s) => Zeroizing::new(s),
        Err(keyring::Error::NoEntry) => return Err(Error::NotEnabled),
        Err(e) => return Err(Error::Unavailable(describe(&e))),
    };
    serde_json::from_slice(&secret).map_err(|_| Error::Stale)
}

/// When an item made at `now` for `days` expires.
fn expiry(now: i64, days: u32) -> Result<i64, Error> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::Days(days));
    }
    Ok(now + i64::from(days) * 86_400)
}

/// Keeps the open workspace's key in the keyring for `days`. A security change: it needs a
/// fresh second factor when MFA is on.
pub fn enable(ws: &mut OpenWorkspace, days: u32) -> Result<Status, Error> {
    let expires = expiry(ws.clock().now(), days)?;
    ws.require_fresh_factor()?;
    let item = Item {
        key: Zeroizing::new(BASE64.encode(ws.master_key().expose())),
        expires,
    };
    let json = Zeroizing::new(serde_json::to_vec(&item).map_err(|_| Error::Stale)?);
    entry(ws.workspace_id())?
        .set_secret(&json)
        .map_err(|e| Error::Unavailable(describe(&e)))?;
    if let Some(m) = marker(ws.workspace_id()) {
        if let Some(dir) = m.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(m, b"");
    }
    tracing::info!(days, "quick unlock turned on");
    Ok(Status {
        enabled: true,
        expires: Some(expires),
    })
}

/// Deletes the keyring item (nothing to do when there is none).
pub fn disable(workspace_id: [u8; 16]) -> Result<(), Error> {
    if let Some(m) = marker(workspace_id) {
        let _ = std::fs::remove_file(m);
    }
    match entry(workspace_id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => {
            tracing::info!("quick unlock turned off");
            Ok(())
        }
        Err(e) => Err(Error::Unavailable(describe(&e))),
    }
}

/// Whether quick unlock is on for the workspace, as of `now`.
pub fn status(workspace_id: [u8; 16], now: i64) -> Result<Status, Error> {
    match read(workspace_id) {
        Ok(item) if item.expires > now => Ok(Status {
            enabled: true,
            expires: Some(item.expires),
        }),
        Ok(_) | Err(Error::NotEnabled) | Err(Error::Stale) => Ok(Status {
            enabled: false,
            expires: None,
        }),
        Err(e) => Err(e),
    }
}

/// Unlocks with the key in the keyring, at `now`: an expired or stale item is deleted and
/// refused. With MFA on, the result still asks for the second factor.
pub fn unlock(locked: LockedWorkspace, now: i64) -> Result<Unlock, Error> {
    let id = locked.workspace_id();
    let item = read(id)?;
    if item.expires <= now {
        let _ = disable(id);
        return Err(Error::Expired);
    }
    let bytes = Zeroizing::new(
        BASE64
            .decode(item.key.as_bytes())
            .map_err(|_| Error::Stale)?,
    );
    let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| Error::Stale)?;
    match locked.unlock_with_master_key(MasterKey::from_bytes(key)) {
        Ok(u) => {
            tracing::info!("opened with quick unlock");
            Ok(u)
        }
        Err(_) => {
            let _ = disable(id);
            Err(Error::Stale)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_lasts_one_to_ninety_days() {
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
