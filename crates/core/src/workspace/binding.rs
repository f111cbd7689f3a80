//! Device binding in the file: a `device_binding` marker in the meta table says the wrapped key
//! is sealed under [`bind_kek`] of the password key and a device secret. The marker is not
//! secret and needs no integrity: without the right device secret no key opens the wrap, and
//! removing the marker only makes the password alone fail.

use super::{Error, LockedWorkspace, OpenWorkspace, Result, META_WRAPPED_KEY};
use crate::crypto::keys::{bind_kek, MasterKey};
use crate::crypto::{SecretString, KEY_LEN};
use crate::device_binding::{self, DeviceSecret};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The meta entry marking a bound workspace (its value is the binding scheme).
pub(super) const META_DEVICE_BINDING: &str = "device_binding";
const SCHEME_V1: &[u8] = b"v1";

/// This machine's device secret when the workspace is bound; nothing (and no keyring access)
/// when it is not.
pub(super) fn device_secret(bound: bool, workspace_id: [u8; 16]) -> Result<Option<DeviceSecret>> {
    bound
        .then(|| device_binding::load(workspace_id))
        .transpose()
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
        self.bound
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
        Ok(self
            .store
            .read(|tx| tx.meta(META_DEVICE_BINDING))?
            .is_some())
    }

    /// Seals the master key again under the password alone (`None`) or bound to `device`.
    /// Needs the password (the password key is never kept) and a fresh second factor.
    pub(crate) fn rewrap(
        &mut self,
        password: &SecretString,
        device: Option<&DeviceSecret>,
    ) -> Result<()> {
        self.require_step_up()?;
        let header_bytes = self.header.encode();
        let (wrapped, bound) = self.store.read(|tx| -> Result<_> {
            Ok((
                tx.meta(META_WRAPPED_KEY)?,
                tx.meta(META_DEVICE_BINDING)?.is_some(),
            ))
        })?;
        let wrapped = wrapped.ok_or(Error::WrongPasswordOrDamaged)?;
        // The password must open the current wrap (bound or not) to this very key.
        let current = device_secret(bound, self.header.workspace_id)?;
        let kek = self.header.kdf.derive(password, &self.header.salt)?;
        let opened = MasterKey::unwrap(
            &*unwrap_key(kek.clone(), current.as_ref())?,
            &header_bytes,
            &wrapped,
        )
        .map_err(|_| Error::WrongPasswordOrDamaged)?;
        if !bool::from(opened.expose().ct_eq(self.master.expose())) {
            return Err(Error::Damaged("the wrapped key is not this workspace's"));
        }
        let new_wrap = self
            .master
            .wrap(&*unwrap_key(kek, device)?, &header_bytes)?;
        self.store.write(|tx| -> Result<()> {
            tx.set_meta(META_WRAPPED_KEY, &new_wrap)?;
            match device {
                Some(_) => tx.set_meta(META_DEVICE_BINDING, SCHEME_V1)?,
                None => tx.delete_meta(META_DEVICE_BINDING)?,
            }
            Ok(())
        })?;
        tracing::info!(bound = device.is_some(), "workspace key sealed again");
        Ok(())
    }
}
