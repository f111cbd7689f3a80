//! Device binding: the workspace key is sealed under the password **and** a 256-bit secret kept
//! in this machine's OS keyring, so the file alone is useless elsewhere, even with the password.
//! Enabling it writes a recovery kit (the secret as a recovery key) to print and keep offline;
//! without the kit and without this keyring, nobody can open the workspace again.
//!
//! The keyring item is named by a binding id drawn at `enable` and stored in the file (files
//! bound by earlier versions: by the workspace id), so binding or unbinding a copy of a file
//! never touches the original's item. Unbinding leaves the item in the keyring: a copy of the
//! file made while it was bound (a backup, the original of a copy) still needs it.

use crate::crypto::{random_bytes, SecretString, KEY_LEN};
use crate::workspace::{self, LockedWorkspace, OpenWorkspace};
use data_encoding::{BASE32_NOPAD, HEXLOWER};
use std::path::Path;
use zeroize::Zeroizing;

/// The keyring service name of the device secrets.
pub const SERVICE: &str = "Portcullis device binding";

/// Why binding could not be used or changed. Never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workspace is bound already.
    #[error("this workspace is already bound to this computer")]
    AlreadyBound,
    /// The workspace is not bound.
    #[error("this workspace is not bound to a device")]
    NotBound,
    /// The typed recovery key is not 52 Base32 characters.
    #[error("that is not a recovery key (52 letters and digits, dashes optional)")]
    BadRecoveryKey,
    /// The workspace refused (wrong password, step-up needed, no keyring…).
    #[error(transparent)]
    Workspace(#[from] workspace::Error),
    /// The recovery kit file could not be written.
    #[error(transparent)]
    Kit(#[from] crate::secret_file::Error),
}

/// The device secret. Zeroized on drop, never printed by `Debug`.
pub struct DeviceSecret(Zeroizing<[u8; KEY_LEN]>);

impl DeviceSecret {
    pub(crate) fn generate() -> Result<Self, workspace::Error> {
        Ok(Self(Zeroizing::new(
            random_bytes().map_err(|_| workspace::Error::Crypto)?,
        )))
    }

    /// The secret's bytes.
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The recovery key as printed on the kit: Base32 in groups of four.
    pub fn recovery_key(&self) -> SecretString {
        let plain = Zeroizing::new(BASE32_NOPAD.encode(self.0.as_ref()));
        let groups: Vec<&str> = plain
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        SecretString::new(groups.join("-"))
    }

    /// A recovery key as typed: case, spaces and dashes do not matter.
    pub fn from_recovery_key(typed: &str) -> Result<Self, Error> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            typed
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let bytes = Zeroizing::new(
            BASE32_NOPAD
                .decode(cleaned.as_bytes())
                .map_err(|_| Error::BadRecoveryKey)?,
        );
        let array: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::BadRecoveryKey)?;
        Ok(Self(Zeroizing::new(array)))
    }
}

impl std::fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceSecret([redacted])")
    }
}

/// The keyring item `name` (a binding id, or a workspace id for earlier bindings, in hex).
fn entry(name: &str) -> Result<keyring::Entry, workspace::Error> {
    keyring::Entry::new(SERVICE, name).map_err(|e| workspace::Error::Keyring(describe(&e)))
}

fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoDefaultStore => "no Secret Service on this desktop".into(),
        other => other.to_string().chars().take(160).collect(),
    }
}

/// This machine's secret in the keyring item `name`.
pub(crate) fn load(name: &str) -> Result<DeviceSecret, workspace::Error> {
    let bytes = match entry(name)?.get_secret() {
        Ok(b) => Zeroizing::new(b),
        Err(keyring::Error::NoEntry) => return Err(workspace::Error::NotOnThisDevice),
        Err(e) => return Err(workspace::Error::Keyring(describe(&e))),
    };
    let array: [u8; KEY_LEN] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| workspace::Error::NotOnThisDevice)?;
    Ok(DeviceSecret(Zeroizing::new(array)))
}

/// Stores the secret and reads it back, so that nothing is sealed under a secret the keyring
/// did not keep.
fn store(name: &str, secret: &DeviceSecret) -> Result<(), workspace::Error> {
    entry(name)?
        .set_secret(secret.expose())
        .map_err(|e| workspace::Error::Keyring(describe(&e)))?;
    let back = load(name)?;
    if back.expose() != secret.expose() {
        return Err(workspace::Error::Keyring(
            "the keyring did not keep the device key".into(),
        ));
    }
    Ok(())
}

/// What to print and keep offline: the recovery key and how to use it.
#[derive(Debug)]
pub struct RecoveryKit {
    /// The workspace's name.
    pub workspace: String,
    /// The workspace's id (hex).
    pub workspace_id: String,
    /// The recovery key.
    pub recovery_key: SecretString,
    /// When binding was enabled (Unix seconds).
    pub created: i64,
}

impl RecoveryKit {
    /// The kit as text, ready to print.
    pub fn text(&self) -> SecretString {
        let created = crate::clock::utc_minute(self.created);
        SecretString::new(format!(
            "PORTCULLIS — DEVICE BINDING RECOVERY KIT\n\
             \n\
             Workspace:    {}\n\
             Workspace id: {}\n\
             Bound on:     {created}\n\
             \n\
             Recovery key:\n\
             \n    {}\n\
             \n\
             This workspace opens only on a computer whose keyring holds\n\
             this key, and only with its master password (and its second\n\
             factor). If this computer or its keyring is lost, this key is\n\
             the only way back in: keep this sheet offline, away from the\n\
             password.\n\
             \n\
             To open the workspace on another computer, or after\n\
             reinstalling this one, run\n\
             \n    portcullis device-binding restore WORKSPACE-FILE\n\
             \n\
             and type the master password and this recovery key; or, in\n\
             the app, type the password, then this key when asked.\n",
            self.workspace,
            self.workspace_id,
            self.recovery_key.expose_secret(),
        ))
    }

    /// Writes the kit to `path` (which must not exist), readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        crate::secret_file::write_new(path, self.text().expose_secret().as_bytes())?;
        Ok(())
    }
}

/// Binds the open workspace to this machine: a new device secret goes to the keyring, the
/// recovery kit to `kit_path` (which must not exist), and only then is the workspace key sealed
/// again under the password and that secret. Needs the password and a fresh second factor.
/// Returns the kit, to show and print.
pub fn enable(
    ws: &mut OpenWorkspace,
    password: &SecretString,
    kit_path: &Path,
) -> Result<RecoveryKit, Error> {
    if ws.is_bound()? {
        return Err(Error::AlreadyBound);
    }
    ws.require_fresh_factor()?;
    let secret = DeviceSecret::generate()?;
    let binding_id: [u8; 16] = random_bytes().map_err(|_| workspace::Error::Crypto)?;
    let kit = RecoveryKit {
        workspace: ws.name(),
        workspace_id: HEXLOWER.encode(&ws.workspace_id()),
        recovery_key: secret.recovery_key(),
        created: ws.clock().now(),
    };
    store(&HEXLOWER.encode(&binding_id), &secret)?;
    kit.save(kit_path)?;
    if let Err(e) = ws.rewrap(password, Some((&secret, binding_id))) {
        // Nothing was bound: the kit holds a key that opens nothing; do not leave it around.
        let _ = std::fs::remove_file(kit_path);
        return Err(e.into());
    }
    tracing::info!("workspace bound to this device");
    Ok(kit)
}

/// Unbinds: the workspace key is sealed under the password alone again. Needs the password
/// and a fresh second factor. The device secret stays in the keyring: copies of the file made
/// while it was bound (the original this one was copied from, backups) still need it.
pub fn disable(ws: &mut OpenWorkspace, password: &SecretString) -> Result<(), Error> {
    if !ws.is_bound()? {
        return Err(Error::NotBound);
    }
    ws.rewrap(password, None)?;
    tracing::info!("device binding removed");
    Ok(())
}

/// Unlocks a bound workspace with the password and a recovery kit's key, and only then puts
/// that key into this machine's keyring. One key derivation: the unlock is the check.
pub fn restore(
    locked: LockedWorkspace,
    password: &SecretString,
    recovery_key: &str,
) -> Result<workspace::Unlock, Error> {
    let Some(name) = locked.binding_name().map(str::to_owned) else {
        return Err(Error::NotBound);
    };
    let secret = DeviceSecret::from_recovery_key(recovery_key)?;
    let unlocked = locked.unlock_with_device_secret(password, &secret)?;
    store(&name, &secret)?;
    tracing::info!("device key restored from a recovery kit");
    Ok(unlocked)
}

/// Whether the workspace is bound, and whether this machine holds its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// The file is bound to a device.
    pub bound: bool,
    /// This machine's keyring holds the device key (`false` when not bound).
    pub key_here: bool,
}

/// The binding state of a workspace file, asking the keyring only when it is bound.
pub fn status(locked: &LockedWorkspace) -> Status {
    Status {
        bound: locked.is_bound(),
        key_here: locked.binding_name().is_some_and(|name| load(name).is_ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_keys_round_trip_and_forgive_case_and_dashes() {
        let secret = DeviceSecret(Zeroizing::new([7; KEY_LEN]));
        let key = secret.recovery_key();
        let k = key.expose_secret();
        assert_eq!(k.len(), 52 + 12);
        assert_eq!(k.split('-').count(), 13);
        let back = DeviceSecret::from_recovery_key(&k.to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(back.expose(), secret.expose());
        assert!(matches!(
            DeviceSecret::from_recovery_key(&k[..40]),
            Err(Error::BadRecoveryKey)
        ));
        assert!(matches!(
            DeviceSecret::from_recovery_key("not base32 at all!"),
            Err(Error::BadRecoveryKey)
        ));
        assert_eq!(format!("{secret:?}"), "DeviceSecret([redacted])");
    }

    #[test]
    fn the_kit_names_the_workspace_and_holds_the_key() {
        let kit = RecoveryKit {
            workspace: "Team vault".into(),
            workspace_id: "00ff".into(),
            recovery_key: SecretString::from("AAAA-BBBB"),
            created: 1_800_000_000,
        };
        let text = kit.text();
        let t = text.expose_secret();
        assert!(t.contains("Team vault") && t.contains("00ff") && t.contains("AAAA-BBBB"));
        assert!(t.contains("2027-01-15 08:00 UTC"));
        assert!(t.contains("portcullis device-binding restore"));
    }
}
