//! Device binding in the file: a `device_binding` marker in the meta table says the wrapped key
//! is sealed under [`bind_kek`] of the password key and a device secret, and names the keyring
//! item that holds the secret. The marker is not secret.
//!
//! Marker values: `v2` followed by a 16-byte binding id drawn at `enable` (the keyring item is
//! named by that id, so two files that share a workspace id, a copy and its original, never
//! share an item unless one was copied from the other while bound); `v1` (files bound before
//! the binding id existed): the item is named by the workspace id.
//!
//! A `v2` marker is part of the wrapped key's associated data: a marker edited to name another
//! file's keyring item, or turned into `v1`, makes the wrap fail to open, so no unlock (and no
//! restore from a recovery kit, which would write the keyring item the marker names) gets past
//! an edited marker.

use super::Guarded;
use super::{DerivedKeys, Error, LockedWorkspace, OpenWorkspace, Result, Unlock, META_WRAPPED_KEY};
use crate::crypto::keys::{bind_kek, MasterKey};
use crate::crypto::{random_bytes, SecretString, KEY_LEN};
use crate::device_binding::{self, BadRecoveryKey, DeviceSecret, RecoveryKit, Status};
use crate::keyring;
use data_encoding::HEXLOWER;
use std::path::Path;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The meta entry marking a bound workspace (its value is the binding scheme).
pub(super) const META_DEVICE_BINDING: &str = "device_binding";
const SCHEME_V1: &[u8] = b"v1";
const SCHEME_V2: &[u8] = b"v2";

/// Why binding could not be used or changed. Never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum BindingError {
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
    Workspace(#[from] Error),
    /// The recovery kit file could not be written.
    #[error(transparent)]
    Kit(#[from] crate::secret_file::Error),
}

impl From<BadRecoveryKey> for BindingError {
    fn from(_: BadRecoveryKey) -> Self {
        BindingError::BadRecoveryKey
    }
}

impl From<crate::crypto::Error> for BindingError {
    fn from(e: crate::crypto::Error) -> Self {
        BindingError::Workspace(e.into())
    }
}

/// A keyring failure as a workspace error.
fn keyring_error(e: keyring::Error) -> Error {
    match e {
        keyring::Error::Unavailable(reason) => Error::Keyring(reason),
        keyring::Error::NotAKey => Error::NotOnThisDevice,
    }
}

/// This machine's secret in the keyring item `name`: refused when the keyring holds none.
fn load(name: &str) -> Result<DeviceSecret> {
    device_binding::load(name)
        .map_err(keyring_error)?
        .ok_or(Error::NotOnThisDevice)
}

/// Stores the secret in the keyring item `name`, checked by reading it back.
fn store(name: &str, secret: &DeviceSecret) -> Result<()> {
    device_binding::store(name, secret).map_err(keyring_error)
}

/// How a file is bound: its marker, and the keyring item that holds the device secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Binding {
    marker: Vec<u8>,
    name: String,
}

impl Binding {
    /// The binding a file's marker describes (`None`: not bound).
    pub(super) fn read(marker: Option<Vec<u8>>, workspace_id: [u8; 16]) -> Result<Option<Self>> {
        let Some(marker) = marker else {
            return Ok(None);
        };
        let name = match marker.strip_prefix(SCHEME_V2) {
            Some(id) if id.len() == 16 => HEXLOWER.encode(id),
            _ if marker == SCHEME_V1 => HEXLOWER.encode(&workspace_id),
            _ => return Err(Error::Damaged("the device binding marker is unreadable")),
        };
        Ok(Some(Self { marker, name }))
    }

    /// A new binding whose keyring item is named by `binding_id`.
    fn new(binding_id: &[u8; 16]) -> Self {
        Self {
            marker: [SCHEME_V2, binding_id.as_slice()].concat(),
            name: HEXLOWER.encode(binding_id),
        }
    }

    /// The name of the keyring item holding the device secret.
    pub(super) fn name(&self) -> &str {
        &self.name
    }
}

/// The associated data of the wrapped master key: the header, followed by a `v2` marker (a
/// `v1` marker predates this and is not covered: such files keep their wrap).
pub(super) fn wrap_aad(header_bytes: &[u8], binding: Option<&Binding>) -> Vec<u8> {
    match binding {
        Some(b) if b.marker.starts_with(SCHEME_V2) => [header_bytes, &b.marker].concat(),
        _ => header_bytes.to_vec(),
    }
}

/// This machine's device secret when the workspace is bound (`name` of its keyring item);
/// nothing (and no keyring access) when it is not.
pub(super) fn device_secret(name: Option<&str>) -> Result<Option<DeviceSecret>> {
    name.map(load).transpose()
}

/// The key that unwraps the master key: the password key, bound to the device secret when the
/// workspace is bound.
pub(super) fn unwrap_key(
    kek: Zeroizing<[u8; KEY_LEN]>,
    device: Option<&DeviceSecret>,
) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    match device {
        Some(secret) => Ok(bind_kek(&kek, secret.expose())?),
        None => Ok(kek),
    }
}

impl LockedWorkspace {
    /// Whether the file is bound to a device.
    pub fn is_bound(&self) -> bool {
        self.binding.is_some()
    }

    /// The binding state of the file, asking the keyring only when it is bound.
    pub fn device_binding(&self) -> Status {
        Status {
            bound: self.is_bound(),
            key_here: self
                .binding_name()
                .is_some_and(|name| matches!(device_binding::load(name), Ok(Some(_)))),
        }
    }

    /// Unlocks a bound workspace with the password and a recovery kit's key, and only then
    /// puts that key into this machine's keyring. One key derivation: the unlock is the check.
    pub fn restore_device_key(
        self,
        password: &SecretString,
        recovery_key: &str,
    ) -> std::result::Result<Unlock, BindingError> {
        let Some(name) = self.binding_name().map(str::to_owned) else {
            return Err(BindingError::NotBound);
        };
        let secret = DeviceSecret::from_recovery_key(recovery_key)?;
        let unlocked = self.unlock_with_device_secret(password, &secret)?;
        store(&name, &secret)?;
        tracing::info!("device key restored from a recovery kit");
        Ok(unlocked)
    }

    /// The name of the keyring item that holds the device secret, when the file is bound.
    pub(super) fn binding_name(&self) -> Option<&str> {
        self.binding.as_ref().map(Binding::name)
    }

    /// Unlocks this bound workspace with `password` and a device secret typed from a recovery
    /// kit, without the keyring.
    fn unlock_with_device_secret(
        self,
        password: &SecretString,
        secret: &DeviceSecret,
    ) -> Result<super::Unlock> {
        self.unlock_with(password, Some(secret))
            .map_err(|e| match e {
                Error::WrongPasswordOrDamaged => Error::WrongPasswordOrRecoveryKey,
                other => other,
            })
    }
}

impl OpenWorkspace {
    /// Whether the file is bound to a device.
    pub fn is_bound(&mut self) -> Result<bool> {
        Ok(self.binding_name()?.is_some())
    }

    /// Binds the workspace to this machine: a new device secret goes to the keyring, the
    /// recovery kit to `kit_path` (which must not exist), and only then is the workspace key
    /// sealed again under the password and that secret. Needs the password and a fresh second
    /// factor. Returns the kit, to show and print.
    pub fn bind_to_device(
        &mut self,
        password: &SecretString,
        kit_path: &Path,
    ) -> std::result::Result<RecoveryKit, BindingError> {
        let keys = self.password_keys(password)?.derive()?;
        self.bind_to_device_with(&keys, kit_path)
    }

    /// [`bind_to_device`](Self::bind_to_device) with the password's key derived beforehand
    /// ([`password_keys`](Self::password_keys)).
    pub fn bind_to_device_with(
        &mut self,
        keys: &DerivedKeys,
        kit_path: &Path,
    ) -> std::result::Result<RecoveryKit, BindingError> {
        if self.is_bound()? {
            return Err(BindingError::AlreadyBound);
        }
        self.require_fresh_factor()?;
        let secret = DeviceSecret::generate()?;
        let binding_id: [u8; 16] = random_bytes()?;
        let kit = RecoveryKit {
            workspace: self.name(),
            workspace_id: HEXLOWER.encode(&self.workspace_id()),
            recovery_key: secret.recovery_key(),
            created: self.clock().now(),
        };
        store(&keyring::item_name(&binding_id), &secret)?;
        kit.save(kit_path)?;
        if let Err(e) = self.rewrap(keys, Some((&secret, binding_id))) {
            // Nothing was bound: the kit holds a key that opens nothing; do not leave it around.
            let _ = std::fs::remove_file(kit_path);
            return Err(e.into());
        }
        tracing::info!("workspace bound to this device");
        Ok(kit)
    }

    /// Unbinds: the workspace key is sealed under the password alone again. Needs the
    /// password and a fresh second factor. The device secret stays in the keyring: copies of
    /// the file made while it was bound (the original this one was copied from, backups) still
    /// need it.
    pub fn unbind_device(
        &mut self,
        password: &SecretString,
    ) -> std::result::Result<(), BindingError> {
        let keys = self.password_keys(password)?.derive()?;
        self.unbind_device_with(&keys)
    }

    /// [`unbind_device`](Self::unbind_device) with the password's key derived beforehand
    /// ([`password_keys`](Self::password_keys)).
    pub fn unbind_device_with(
        &mut self,
        keys: &DerivedKeys,
    ) -> std::result::Result<(), BindingError> {
        if !self.is_bound()? {
            return Err(BindingError::NotBound);
        }
        self.rewrap(keys, None)?;
        tracing::info!("device binding removed");
        Ok(())
    }

    /// How the file is bound, if it is.
    pub(super) fn binding(&mut self) -> Result<Option<Binding>> {
        let marker = self.store.read(|tx| tx.meta(META_DEVICE_BINDING))?;
        Binding::read(marker, self.header.workspace_id)
    }

    /// The name of the keyring item holding the device secret, when the file is bound.
    fn binding_name(&mut self) -> Result<Option<String>> {
        Ok(self.binding()?.map(|b| b.name))
    }

    /// The current password's key from `keys` (bound to the device secret when the workspace
    /// is bound), after checking that it opens the current wrap to this very key: the proof
    /// that the password is the current one, whichever way the workspace was opened.
    pub(super) fn password_key(&mut self, keys: &DerivedKeys) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        let kek = self.current_key(keys)?;
        self.check_password_key(kek)
    }

    /// `kek` if it is the current password's key (see [`password_key`](Self::password_key)).
    fn check_password_key(
        &mut self,
        kek: Zeroizing<[u8; KEY_LEN]>,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        let wrapped = self
            .store
            .read(|tx| tx.meta(META_WRAPPED_KEY))?
            .ok_or(Error::WrongPasswordOrDamaged)?;
        let binding = self.binding()?;
        let current = device_secret(binding.as_ref().map(Binding::name))?;
        let opened = MasterKey::unwrap(
            &*unwrap_key(kek.clone(), current.as_ref())?,
            &wrap_aad(&self.header.encode(), binding.as_ref()),
            &wrapped,
        )
        .map_err(|_| {
            tracing::warn!("security change refused: wrong password");
            Error::WrongPasswordOrDamaged
        })?;
        if !bool::from(opened.expose().ct_eq(self.master.expose())) {
            return Err(Error::Damaged("the wrapped key is not this workspace's"));
        }
        Ok(kek)
    }

    /// Fails with "wrong password" unless `password` is the current master password.
    pub fn check_password(&mut self, password: &SecretString) -> Result<()> {
        let kek = self.header.kdf.derive(password, &self.header.salt)?;
        self.check_password_key(kek).map(drop)
    }

    /// Seals the master key again under the password alone (`None`) or bound to a device
    /// secret kept in the keyring item named by a binding id. Needs the password (the password
    /// key is never kept) and a fresh second factor. Binding deletes the file's quick-unlock
    /// copies of the key: each would open the file without the device secret.
    fn rewrap(
        &mut self,
        keys: &DerivedKeys,
        device: Option<(&DeviceSecret, [u8; 16])>,
    ) -> Result<()> {
        self.require_step_up()?;
        let kek = self.password_key(keys)?;
        let binding = device.map(|(_, id)| Binding::new(&id));
        let new_wrap = self.master.wrap(
            &*unwrap_key(kek, device.map(|d| d.0))?,
            &wrap_aad(&self.header.encode(), binding.as_ref()),
        )?;
        self.store.write(|tx| -> Result<()> {
            tx.set_meta(META_WRAPPED_KEY, &new_wrap)?;
            match &binding {
                Some(b) => {
                    tx.set_meta(META_DEVICE_BINDING, &b.marker)?;
                    super::quick::forget_all(tx)?;
                }
                None => tx.delete_meta(META_DEVICE_BINDING)?,
            }
            Ok(())
        })?;
        tracing::info!(bound = device.is_some(), "workspace key sealed again");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_the_keyring_item() {
        let ws = [0xab; 16];
        let name =
            |marker: &[u8]| Binding::read(Some(marker.to_vec()), ws).map(|b| b.map(|b| b.name));
        assert_eq!(Binding::read(None, ws).unwrap(), None);
        assert_eq!(name(b"v1").unwrap(), Some("ab".repeat(16)));
        let id = [0x01; 16];
        assert_eq!(
            name(&Binding::new(&id).marker).unwrap(),
            Some("01".repeat(16))
        );
        // A marker this version does not know is refused, never looked up.
        for bad in [&b"v2short"[..], b"v9", b""] {
            assert!(matches!(name(bad), Err(Error::Damaged(_))));
        }
    }

    #[test]
    fn a_v2_marker_is_authenticated_with_the_wrap() {
        let header = b"header";
        let (a, b) = (Binding::new(&[1; 16]), Binding::new(&[2; 16]));
        let v1 = Binding::read(Some(SCHEME_V1.to_vec()), [0; 16]).unwrap();
        assert_eq!(wrap_aad(header, None), header);
        assert_eq!(
            wrap_aad(header, v1.as_ref()),
            header,
            "v1 wraps are unchanged"
        );
        assert_ne!(wrap_aad(header, Some(&a)), wrap_aad(header, Some(&b)));
        assert_ne!(wrap_aad(header, Some(&a)), wrap_aad(header, v1.as_ref()));
    }

    /// Files bound before the binding id existed (`v1`: the wrap's associated data is the
    /// header alone, the keyring item named by the workspace id) keep opening.
    #[test]
    fn a_file_bound_by_an_earlier_version_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        let password = SecretString::from("pw");
        let kdf = crate::KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(&path, &password, kdf).unwrap();
        let secret = DeviceSecret::generate().unwrap();
        let keys = ws.password_keys(&password).unwrap().derive().unwrap();
        let kek = ws.password_key(&keys).unwrap();
        let v1_wrap = ws
            .master
            .wrap(
                &unwrap_key(kek, Some(&secret)).unwrap(),
                &ws.header.encode(),
            )
            .unwrap();
        ws.store
            .write(|tx| -> Result<()> {
                tx.set_meta(META_WRAPPED_KEY, &v1_wrap)?;
                Ok(tx.set_meta(META_DEVICE_BINDING, SCHEME_V1)?)
            })
            .unwrap();
        drop(ws);
        let locked = LockedWorkspace::open(&path).unwrap();
        let by_workspace_id = HEXLOWER.encode(&locked.workspace_id());
        assert_eq!(locked.binding_name(), Some(by_workspace_id.as_str()));
        assert!(locked.unlock_with_device_secret(&password, &secret).is_ok());
        let locked = LockedWorkspace::open(&path).unwrap();
        let other = DeviceSecret::generate().unwrap();
        assert!(matches!(
            locked.unlock_with_device_secret(&password, &other),
            Err(Error::WrongPasswordOrRecoveryKey)
        ));
    }
}
