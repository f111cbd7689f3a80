//! Device binding in the file: a `device_binding` marker in the meta table says the wrapped key
//! is sealed under [`bind_kek`] of the password key and a device secret, and names the keyring
//! item that holds the secret. The marker is not secret and needs no integrity: without the
//! right device secret no key opens the wrap, and removing or changing the marker only makes
//! the password alone fail.
//!
//! Marker values: `v2` followed by a 16-byte binding id drawn at `enable` (the keyring item is
//! named by that id, so two files that share a workspace id, a copy and its original, never
//! share an item unless one was copied from the other while bound); `v1` (files bound before
//! the binding id existed): the item is named by the workspace id.

use super::{Error, LockedWorkspace, OpenWorkspace, Result, META_WRAPPED_KEY};
use crate::crypto::keys::{bind_kek, MasterKey};
use crate::crypto::{SecretString, KEY_LEN};
use crate::device_binding::{self, DeviceSecret};
use data_encoding::HEXLOWER;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The meta entry marking a bound workspace (its value is the binding scheme).
pub(super) const META_DEVICE_BINDING: &str = "device_binding";
const SCHEME_V1: &[u8] = b"v1";
const SCHEME_V2: &[u8] = b"v2";

/// The name of the keyring item holding a bound workspace's device secret, from the file's
/// marker (`None`: not bound).
pub(super) fn keyring_name(
    marker: Option<&[u8]>,
    workspace_id: [u8; 16],
) -> Result<Option<String>> {
    let Some(marker) = marker else {
        return Ok(None);
    };
    match marker.strip_prefix(SCHEME_V2) {
        Some(id) if id.len() == 16 => Ok(Some(HEXLOWER.encode(id))),
        _ if marker == SCHEME_V1 => Ok(Some(HEXLOWER.encode(&workspace_id))),
        _ => Err(Error::Damaged("the device binding marker is unreadable")),
    }
}

/// The marker of a binding whose keyring item is named by `binding_id`.
fn marker_v2(binding_id: &[u8; 16]) -> Vec<u8> {
    [SCHEME_V2, binding_id.as_slice()].concat()
}

/// This machine's device secret when the workspace is bound (`name` of its keyring item);
/// nothing (and no keyring access) when it is not.
pub(super) fn device_secret(name: Option<&str>) -> Result<Option<DeviceSecret>> {
    name.map(device_binding::load).transpose()
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

    /// The name of the keyring item that holds the device secret, when the file is bound.
    pub(crate) fn binding_name(&self) -> Option<&str> {
        self.binding.as_deref()
    }

    /// Unlocks this bound workspace with `password` and a device secret typed from a recovery
    /// kit, without the keyring.
    pub(crate) fn unlock_with_device_secret(
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

    /// The name of the keyring item holding the device secret, when the file is bound.
    pub(crate) fn binding_name(&mut self) -> Result<Option<String>> {
        let marker = self.store.read(|tx| tx.meta(META_DEVICE_BINDING))?;
        keyring_name(marker.as_deref(), self.header.workspace_id)
    }

    /// The password key (bound to the device secret when the workspace is bound), after
    /// checking that it opens the current wrap to this very key: the proof that `password` is
    /// the current password, whichever way the workspace was opened.
    pub(super) fn password_key(
        &mut self,
        password: &SecretString,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        let header_bytes = self.header.encode();
        let wrapped = self
            .store
            .read(|tx| tx.meta(META_WRAPPED_KEY))?
            .ok_or(Error::WrongPasswordOrDamaged)?;
        let current = device_secret(self.binding_name()?.as_deref())?;
        let kek = self.header.kdf.derive(password, &self.header.salt)?;
        let opened = MasterKey::unwrap(
            &*unwrap_key(kek.clone(), current.as_ref())?,
            &header_bytes,
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
        self.password_key(password).map(drop)
    }

    /// Seals the master key again under the password alone (`None`) or bound to a device
    /// secret kept in the keyring item named by a binding id. Needs the password (the password
    /// key is never kept) and a fresh second factor.
    pub(crate) fn rewrap(
        &mut self,
        password: &SecretString,
        device: Option<(&DeviceSecret, [u8; 16])>,
    ) -> Result<()> {
        self.require_step_up()?;
        let kek = self.password_key(password)?;
        let header_bytes = self.header.encode();
        let new_wrap = self
            .master
            .wrap(&*unwrap_key(kek, device.map(|d| d.0))?, &header_bytes)?;
        self.store.write(|tx| -> Result<()> {
            tx.set_meta(META_WRAPPED_KEY, &new_wrap)?;
            match device {
                Some((_, id)) => tx.set_meta(META_DEVICE_BINDING, &marker_v2(&id))?,
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
        assert_eq!(keyring_name(None, ws).unwrap(), None);
        assert_eq!(
            keyring_name(Some(b"v1"), ws).unwrap(),
            Some("ab".repeat(16))
        );
        let id = [0x01; 16];
        assert_eq!(
            keyring_name(Some(&marker_v2(&id)), ws).unwrap(),
            Some("01".repeat(16))
        );
        // A marker this version does not know is refused, never looked up.
        for bad in [&b"v2short"[..], b"v9", b""] {
            assert!(matches!(
                keyring_name(Some(bad), ws),
                Err(Error::Damaged(_))
            ));
        }
    }
}
