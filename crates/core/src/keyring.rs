//! This machine's OS keyring (Secret Service on Linux, Keychain, Credential Manager): the one
//! place the core reads, writes and deletes keyring items. Quick unlock and device binding
//! each keep 32-byte keys there, one item per key; the app keeps a team workspace's database
//! password there when the user asks (one item per role, server and database).
//!
//! Every item is described the same way: its service (which feature it belongs to, see
//! [`Service`]) and its user name, the lower-case hex of a 16-byte id drawn by the feature.
//! That scheme is what earlier versions wrote, so their items are found again.

use crate::crypto::KEY_LEN;
use data_encoding::HEXLOWER;
use zeroize::Zeroizing;

/// Why the keyring could not be used. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No usable OS keyring (no Secret Service, no session bus, a locked keyring…), or it
    /// failed; the text says why, in a few words.
    #[error("{0}")]
    Unavailable(String),
    /// The item exists but does not hold a key (wrong length).
    #[error("the keyring item does not hold a key")]
    NotAKey,
}

/// Which feature an item belongs to: the keyring's service name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Quick-unlock keys, named by enrolment id (or, from earlier versions, by workspace id).
    QuickUnlock,
    /// Device secrets, named by binding id (or, for files bound by earlier versions, by
    /// workspace id).
    DeviceBinding,
    /// Team workspaces' database passwords, named by a hash of the role, server and database.
    TeamDatabase,
}

impl Service {
    /// The service name of the items, as stored in the keyring.
    pub const fn name(self) -> &'static str {
        match self {
            Service::QuickUnlock => "Portcullis quick unlock",
            Service::DeviceBinding => "Portcullis device binding",
            Service::TeamDatabase => "Portcullis team database",
        }
    }
}

/// The item name (keyring user) of an id: its lower-case hex.
pub(crate) fn item_name(id: &[u8; 16]) -> String {
    HEXLOWER.encode(id)
}

/// One keyring item: a service and a name.
pub(crate) struct Item(::keyring::Entry);

impl Item {
    /// The item of `service` named `name` (see [`item_name`]); it need not exist.
    pub(crate) fn new(service: Service, name: &str) -> Result<Self, Error> {
        ::keyring::Entry::new(service.name(), name)
            .map(Item)
            .map_err(|e| describe(&e))
    }

    /// The key the item holds, or `None` when there is no such item.
    pub(crate) fn read_key(&self) -> Result<Option<Zeroizing<[u8; KEY_LEN]>>, Error> {
        let secret = match self.0.get_secret() {
            Ok(s) => Zeroizing::new(s),
            Err(::keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(describe(&e)),
        };
        let key: [u8; KEY_LEN] = secret.as_slice().try_into().map_err(|_| Error::NotAKey)?;
        Ok(Some(Zeroizing::new(key)))
    }

    /// Stores `key` in the item (created or replaced), then reads it back, so that nothing is
    /// sealed under a key the keyring did not keep.
    pub(crate) fn write_key(&self, key: &[u8; KEY_LEN]) -> Result<(), Error> {
        self.0.set_secret(key).map_err(|e| describe(&e))?;
        match self.read_key()? {
            Some(back) if *back == *key => Ok(()),
            _ => Err(Error::Unavailable(
                "the keyring did not keep the key".into(),
            )),
        }
    }

    /// The text the item holds (a password), or `None` when there is no such item.
    pub(crate) fn read_text(&self) -> Result<Option<crate::SecretString>, Error> {
        match self.0.get_password() {
            Ok(s) => Ok(Some(crate::SecretString::new(s))),
            Err(::keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(&e)),
        }
    }

    /// Stores `text` in the item (created or replaced).
    pub(crate) fn write_text(&self, text: &crate::SecretString) -> Result<(), Error> {
        self.0
            .set_password(text.expose_secret())
            .map_err(|e| describe(&e))
    }

    /// Deletes the item; nothing to do when there is none.
    pub(crate) fn delete(&self) -> Result<(), Error> {
        match self.0.delete_credential() {
            Ok(()) | Err(::keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        }
    }
}

/// A short reason for a keyring failure, without any secret.
fn describe(e: &::keyring::Error) -> Error {
    Error::Unavailable(match e {
        ::keyring::Error::NoDefaultStore => "no Secret Service on this desktop".into(),
        ::keyring::Error::NoEntry => "no item".into(),
        other => other.to_string().chars().take(160).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Earlier versions' items are found by these names: they must never change.
    #[test]
    fn items_are_described_as_earlier_versions_wrote_them() {
        assert_eq!(Service::QuickUnlock.name(), "Portcullis quick unlock");
        assert_eq!(Service::DeviceBinding.name(), "Portcullis device binding");
        let mut id = [0u8; 16];
        id[0] = 0xab;
        id[15] = 0x01;
        assert_eq!(item_name(&id), format!("ab{}01", "00".repeat(14)));
    }

    #[test]
    fn failures_are_short_and_name_no_secret() {
        let Error::Unavailable(text) = describe(&::keyring::Error::NoDefaultStore) else {
            panic!("not unavailable");
        };
        assert_eq!(text, "no Secret Service on this desktop");
        let long = ::keyring::Error::Invalid("x".repeat(500), "y".repeat(500));
        let Error::Unavailable(text) = describe(&long) else {
            panic!("not unavailable");
        };
        assert!(text.chars().count() <= 160);
    }
}
