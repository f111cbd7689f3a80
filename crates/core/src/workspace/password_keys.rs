//! The key derivations a security change runs (the current password's key, and a new
//! password's for a password change), taken out of the open workspace: a front end that holds
//! the workspace behind a lock takes the job with [`OpenWorkspace::password_keys`], lets go of
//! the lock while Argon2id runs ([`PasswordKeys::derive`]), and hands the result to the change
//! (`change_password_with`, `bind_to_device_with`, `unbind_device_with`,
//! `enrol_quick_unlock_with`), which checks everything again under the lock.

use super::Guarded;
use super::{check_master_password, refuse_unconfirmed_cost, Error, Header, OpenWorkspace, Result};
use crate::crypto::{KdfParams, SecretString, KEY_LEN};
use zeroize::Zeroizing;

/// Key derivations to run without the workspace: the current password against the
/// workspace's header, and optionally a new password under a new header (fresh salt).
pub struct PasswordKeys {
    current: (Header, SecretString),
    new: Option<(Header, SecretString)>,
}

/// The keys [`PasswordKeys::derive`] produced, with the headers they belong to. Used once by
/// a security change of the workspace they were taken from; zeroized on drop.
pub struct DerivedKeys {
    pub(super) current: Derived,
    pub(super) new: Option<Derived>,
}

/// One password key and the header (salt, cost) it was derived under.
pub(super) struct Derived {
    pub header: Header,
    pub key: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKeys(..)")
    }
}

impl PasswordKeys {
    /// Adds the derivation of `new`, the next master password, at the cost `kdf` (which must
    /// meet the floor for new headers).
    pub fn with_new_password(mut self, new: &SecretString, kdf: KdfParams) -> Result<Self> {
        check_master_password(new)?;
        kdf.check_floor(crate::crypto::kdf::FLOOR_ENFORCED)?;
        let header = Header::new(self.current.0.workspace_id, kdf)?;
        self.new = Some((header, new.clone()));
        Ok(self)
    }

    /// Runs the derivations: the slow part (Argon2id), which touches no workspace.
    pub fn derive(self) -> Result<DerivedKeys> {
        let derive = |(header, password): (Header, SecretString)| -> Result<Derived> {
            let key = header.kdf.derive(&password, &header.salt)?;
            Ok(Derived { header, key })
        };
        Ok(DerivedKeys {
            current: derive(self.current)?,
            new: self.new.map(derive).transpose()?,
        })
    }
}

impl OpenWorkspace {
    /// The key derivations a security change needs, to [`derive`](PasswordKeys::derive)
    /// without this workspace. Refuses at once what the change would refuse before any
    /// derivation: a costly key derivation not confirmed (at unlock or with
    /// [`confirm_kdf_cost`](Self::confirm_kdf_cost)), and, with MFA on, a factor older than
    /// the step-up window.
    pub fn password_keys(&mut self, current: &SecretString) -> Result<PasswordKeys> {
        refuse_unconfirmed_cost(self.header.kdf, self.kdf_confirmed)?;
        self.require_step_up()?;
        Ok(PasswordKeys {
            current: (self.header.clone(), current.clone()),
            new: None,
        })
    }

    /// The user accepted the cost of this workspace's key derivation (above 1 GiB of memory),
    /// which a security change runs again: for a workspace opened without deriving it (quick
    /// unlock), or whose cost was not confirmed at unlock.
    pub fn confirm_kdf_cost(&mut self) {
        self.kdf_confirmed = true;
    }

    /// The current password's key from `keys`, if it was derived under this workspace's
    /// header (a password change since then makes the keys stale).
    pub(super) fn current_key(&self, keys: &DerivedKeys) -> Result<Zeroizing<[u8; KEY_LEN]>> {
        if keys.current.header != self.header {
            return Err(Error::Invalid(
                "the master password changed meanwhile; try again".into(),
            ));
        }
        Ok(keys.current.key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::new(s.into())
    }

    #[test]
    fn keys_taken_before_a_password_change_are_refused_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &secret("a"), kdf).unwrap();
        let stale = ws.password_keys(&secret("a")).unwrap().derive().unwrap();
        let change = ws
            .password_keys(&secret("a"))
            .unwrap()
            .with_new_password(&secret("b"), kdf)
            .unwrap()
            .derive()
            .unwrap();
        ws.change_password_with(&change).unwrap();
        let e = ws.change_password_with(&change).unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        let e = ws.enrol_quick_unlock_with(&stale, 0).unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        ws.check_password(&secret("b")).unwrap();
    }

    #[test]
    fn a_costly_derivation_waits_for_confirmation() {
        // 2 GiB, 3 passes: built, never derived.
        let costly = KdfParams::new(2 * 1024 * 1024, 3, 1).unwrap();
        let e = refuse_unconfirmed_cost(costly, false).unwrap_err();
        assert!(
            matches!(
                e,
                Error::CostlyKdf {
                    memory_mib: 2048,
                    passes: 3
                }
            ),
            "{e:?}"
        );
        assert!(refuse_unconfirmed_cost(costly, true).is_ok());
        let usual = KdfParams::new(64 * 1024, 3, 1).unwrap();
        assert!(refuse_unconfirmed_cost(usual, false).is_ok());
    }

    #[test]
    fn an_empty_new_password_is_refused_before_any_derivation() {
        let dir = tempfile::tempdir().unwrap();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &secret("a"), kdf).unwrap();
        let keys = ws.password_keys(&secret("a")).unwrap();
        assert!(matches!(
            keys.with_new_password(&secret(""), kdf),
            Err(Error::Invalid(_))
        ));
    }
}
