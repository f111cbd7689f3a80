//! Device binding: the workspace key is sealed under the password **and** a 256-bit secret kept
//! in this machine's OS keyring, so the file alone is useless elsewhere, even with the password.
//! Enabling it writes a recovery kit (the secret as a recovery key) to print and keep offline;
//! without the kit and without this keyring, nobody can open the workspace again.
//!
//! The keyring item is named by a binding id drawn at `enable` and stored in the file (files
//! bound by earlier versions: by the workspace id), so binding or unbinding a copy of a file
//! never touches the original's item. Unbinding leaves the item in the keyring: a copy of the
//! file made while it was bound (a backup, the original of a copy) still needs it.
//!
//! This module holds the device secret, its keyring item and the recovery kit; it knows
//! nothing of workspaces. The steps (bind, unbind, restore from a kit, status) are methods of
//! the workspace types: [`crate::OpenWorkspace::bind_to_device`],
//! [`crate::OpenWorkspace::unbind_device`], [`crate::LockedWorkspace::restore_device_key`] and
//! [`crate::LockedWorkspace::device_binding`].

use crate::crypto::{self, random_bytes, SecretString, KEY_LEN};
use crate::keyring::{self, Item, Service};
use data_encoding::BASE32_NOPAD;
use std::path::Path;
use zeroize::Zeroizing;

/// The keyring service name of the device secrets.
pub const SERVICE: &str = Service::DeviceBinding.name();

/// A typed recovery key that is not 52 Base32 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("that is not a recovery key (52 letters and digits, dashes optional)")]
pub(crate) struct BadRecoveryKey;

/// The device secret. Zeroized on drop, never printed by `Debug`.
pub(crate) struct DeviceSecret(Zeroizing<[u8; KEY_LEN]>);

impl DeviceSecret {
    /// A new random secret.
    pub(crate) fn generate() -> Result<Self, crypto::Error> {
        Ok(Self(Zeroizing::new(random_bytes()?)))
    }

    /// The secret's bytes.
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The recovery key as printed on the kit: Base32 in groups of four.
    pub(crate) fn recovery_key(&self) -> SecretString {
        let plain = Zeroizing::new(BASE32_NOPAD.encode(self.0.as_ref()));
        let groups: Vec<&str> = plain
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        SecretString::new(groups.join("-"))
    }

    /// A recovery key as typed: case, spaces and dashes do not matter.
    pub(crate) fn from_recovery_key(typed: &str) -> Result<Self, BadRecoveryKey> {
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
                .map_err(|_| BadRecoveryKey)?,
        );
        let array: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| BadRecoveryKey)?;
        Ok(Self(Zeroizing::new(array)))
    }
}

impl std::fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceSecret([redacted])")
    }
}

/// This machine's secret in the keyring item `name` (a binding id, or a workspace id for
/// earlier bindings, in hex); `None` when the keyring holds none there.
pub(crate) fn load(name: &str) -> Result<Option<DeviceSecret>, keyring::Error> {
    match Item::new(Service::DeviceBinding, name)?.read_key() {
        Ok(key) => Ok(key.map(DeviceSecret)),
        Err(keyring::Error::NotAKey) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Stores the secret in the keyring item `name` and reads it back, so that nothing is sealed
/// under a secret the keyring did not keep.
pub(crate) fn store(name: &str, secret: &DeviceSecret) -> Result<(), keyring::Error> {
    Item::new(Service::DeviceBinding, name)?.write_key(secret.expose())
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
    pub fn save(&self, path: &Path) -> Result<(), crate::secret_file::Error> {
        crate::secret_file::write_new(path, self.text().expose_secret().as_bytes())
    }
}

/// Whether the workspace is bound, and whether this machine holds its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// The file is bound to a device.
    pub bound: bool,
    /// This machine's keyring holds the device key (`false` when not bound).
    pub key_here: bool,
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
            Err(BadRecoveryKey)
        ));
        assert!(matches!(
            DeviceSecret::from_recovery_key("not base32 at all!"),
            Err(BadRecoveryKey)
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
