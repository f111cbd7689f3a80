//! A member, unlocked (docs/TEAM.md, "Per-member MFA"): their identity opened with their master
//! password, then their own second factor when they set one, by the same typestate as a file:
//! password → [`PendingMfa`] → [`Member`]. The member's MFA configuration is sealed under a
//! subkey of their master key in their own row of `identity_secrets` (no other member reaches
//! it), bound to the member and to the row's version; each change is written under a row lock
//! with the version moved on, so two machines of one member cannot both use one step.
//! What an admin changes in a membership needs a factor verified in the last minutes.

use super::directory::{Access, Team};
use super::identity::{Identity, PublicIdentity};
use super::{col, workspace::TeamWorkspace, Error, TeamUrl};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{AeadKey, KdfParams, SecretString};
use crate::mfa::MfaConfig;
use crate::workspace::{self as file, Guarded, MfaStorage, PendingMfa};
use std::sync::Arc;
use zeroize::Zeroizing;

pub(super) const MFA_PURPOSE: &[u8] = b"portcullis/team/v1/member-mfa";
const MFA_CONTEXT: &[u8] = b"portcullis/team/v1/mfa";

/// A member whose password (and second factor, when set) checked.
pub struct Member {
    pub(super) team: Team,
    pub(super) identity: Identity,
    /// The key-derivation cost the identity is sealed at.
    kdf: KdfParams,
    /// The identity as the server keeps it, sealed under the master password (the offline
    /// copy keeps it too).
    pub(super) sealed_identity: Vec<u8>,
    mfa_key: AeadKey,
    /// Seals this member's offline copies.
    pub(super) cache_key: AeadKey,
    factor_at: Option<i64>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member")
            .field("role", &self.identity.public().role)
            .finish_non_exhaustive()
    }
}

/// What the member's password gives.
#[derive(Debug)]
pub enum MemberUnlock {
    /// No second factor set: unlocked.
    Open(Member),
    /// The member's second factor is needed first.
    PendingMfa(PendingMfa<Member>),
}

impl MemberUnlock {
    /// The member, or "a second factor is required".
    pub fn into_open(self) -> file::Result<Member> {
        match self {
            MemberUnlock::Open(m) => Ok(m),
            MemberUnlock::PendingMfa(_) => Err(crate::mfa::Error::Required.into()),
        }
    }
}

impl Team {
    /// Opens the connected member's identity with their master password; their second factor
    /// follows when they set one. A key derivation above 1 GiB runs only when
    /// `costly_confirmed`, as for files.
    pub fn unlock_member(
        mut self,
        password: &SecretString,
        costly_confirmed: bool,
    ) -> file::Result<MemberUnlock> {
        let (public, sealed) = self.sealed_identity()?.ok_or(Error::NoIdentity)?;
        let kdf = super::identity::sealed_kdf(&sealed).map_err(Error::from)?;
        if kdf.needs_confirmation() && !costly_confirmed {
            return Err(Error::CostlyKdf {
                memory_mib: kdf.memory_kib() / 1024,
                passes: kdf.iterations(),
            }
            .into());
        }
        let (identity, master) =
            Identity::open_keeping_master(&public, &sealed, password).map_err(Error::from)?;
        let mut member = Member::new(self, identity, kdf, sealed, &master)?;
        let config = member.read_mfa()?;
        Ok(if config.enabled() {
            tracing::info!("member's password accepted; second factor needed");
            MemberUnlock::PendingMfa(PendingMfa::new(member, &config))
        } else {
            MemberUnlock::Open(member)
        })
    }

    /// Creates the connected role's identity, sealed under their new master password at the
    /// cost `kdf`: a member with no second factor yet.
    pub fn new_member(mut self, password: &SecretString, kdf: KdfParams) -> file::Result<Member> {
        kdf.check_floor(crate::crypto::kdf::FLOOR_ENFORCED)
            .map_err(|_| Error::KdfBelowFloor)?;
        let identity = Identity::generate(&self.url().role).map_err(Error::from)?;
        let (sealed, master) = identity
            .seal_keeping_master(password, kdf)
            .map_err(Error::from)?;
        self.store_identity(&identity, &sealed)?;
        Member::new(self, identity, kdf, sealed, &master)
    }
}

impl Member {
    fn new(
        team: Team,
        identity: Identity,
        kdf: KdfParams,
        sealed_identity: Vec<u8>,
        master: &crate::crypto::MasterKey,
    ) -> file::Result<Self> {
        Ok(Self {
            team,
            identity,
            kdf,
            sealed_identity,
            mfa_key: master.aead_subkey(MFA_PURPOSE)?,
            cache_key: master.aead_subkey(super::cache::CACHE_PURPOSE)?,
            factor_at: None,
            clock: Arc::new(SystemClock),
        })
    }

    /// Uses `clock` for the second factors' rules.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The member's identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The connection (for what needs no unlocked member: members, the logs).
    pub fn team(&mut self) -> &mut Team {
        &mut self.team
    }

    /// The key-derivation cost the member's identity is sealed at.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Checks `password` against the member's sealed identity again (a wrong one is refused),
    /// as a file's `passwd` checks the current password whatever opened the workspace.
    pub fn check_password(&self, password: &SecretString) -> file::Result<()> {
        Identity::open(self.identity.public(), &self.sealed_identity, password)
            .map_err(Error::from)?;
        Ok(())
    }

    /// Changes the member's master password: their keys sealed again under a new master key
    /// at the cost `kdf`, and their second-factor settings with it, in one transaction. Needs
    /// a second factor verified in the last minutes when they set one.
    pub fn change_password(&mut self, new: &SecretString, kdf: KdfParams) -> file::Result<()> {
        kdf.check_floor(crate::crypto::kdf::FLOOR_ENFORCED)
            .map_err(|_| Error::KdfBelowFloor)?;
        self.require_step_up()?;
        let (sealed, master) = self
            .identity
            .seal_keeping_master(new, kdf)
            .map_err(Error::from)?;
        let new_key = master.aead_subkey(MFA_PURPOSE)?;
        let public = self.identity.public();
        let url = self.team.url().clone();
        let mut tx = self.team.client.transaction().map_err(Error::from)?;
        let (old, version) = locked_mfa(&mut tx)?;
        let next = version + 1;
        let config = server_config(&url, &self.mfa_key, public, old.as_deref(), version)?;
        // Sealed even when the member set no factor: settings the server shows as none at a
        // later version are then a deletion (`head::check_factor_version`).
        let mfa = Some(seal_config(&new_key, public, next, &config)?);
        let written = tx
            .execute(
                "UPDATE portcullis.identity_secrets SET sealed = $1, mfa = $2, mfa_version = $3
                 WHERE role = session_user AND mfa_version = $4",
                &[&sealed, &mfa, &next, &version],
            )
            .map_err(Error::from)?;
        if written != 1 {
            return Err(Error::Database("the new password was not saved".into()).into());
        }
        tx.commit().map_err(Error::from)?;
        super::head::pin_factor_version(&url, next);
        self.mfa_key = new_key;
        let old_cache_key = std::mem::replace(
            &mut self.cache_key,
            master.aead_subkey(super::cache::CACHE_PURPOSE)?,
        );
        self.sealed_identity = sealed;
        self.kdf = kdf;
        super::cache::follow_member(&old_cache_key, self, mfa, next);
        tracing::info!("member's master password changed");
        Ok(())
    }

    /// Opens the workspace the address names.
    pub fn open_workspace(self) -> Result<TeamWorkspace, Error> {
        TeamWorkspace::open(self)
    }

    /// Creates the workspace the address names, with this member as its first admin.
    pub fn create_workspace(&mut self) -> Result<(), Error> {
        self.team.create_workspace(&self.identity)
    }

    /// Asks to join the workspace the address names; returns its founder (pinned from now on).
    pub fn request_join(&mut self) -> Result<PublicIdentity, Error> {
        self.team.request_join()
    }

    /// Approves `member`'s request with `access` when their fingerprint is `fingerprint`;
    /// needs a second factor verified in the last minutes when this admin set one.
    pub fn approve(&mut self, member: &str, fingerprint: &str, access: Access) -> file::Result<()> {
        self.require_step_up()?;
        Ok(self
            .team
            .approve(&self.identity, member, fingerprint, access)?)
    }

    /// Gives an active member another access (a fresh second factor, as for approvals).
    pub fn set_access(&mut self, member: &str, access: Access) -> file::Result<()> {
        self.require_step_up()?;
        Ok(self.team.set_access(&self.identity, member, access)?)
    }

    /// Removes a member and rotates the workspace key (a fresh second factor, as for
    /// approvals). Returns the new epoch.
    pub fn remove(&mut self, member: &str) -> file::Result<u64> {
        self.require_step_up()?;
        Ok(self.team.remove(&self.identity, member)?)
    }
}

fn aad(member: &PublicIdentity, version: i64) -> Vec<u8> {
    let mut out = MFA_CONTEXT.to_vec();
    out.extend_from_slice(&member.bound());
    out.extend_from_slice(&version.to_be_bytes());
    out
}

/// The member's row, locked until the transaction ends: their sealed settings and version.
fn locked_mfa(tx: &mut postgres::Transaction<'_>) -> Result<(Option<Vec<u8>>, i64), Error> {
    let row = tx
        .query_opt(
            "SELECT mfa, mfa_version FROM portcullis.identity_secrets
             WHERE role = session_user FOR UPDATE",
            &[],
        )?
        .ok_or(Error::NoIdentity)?;
    Ok((col(&row, 0)?, col(&row, 1)?))
}

/// `config` sealed for `member`'s row at `version`.
pub(super) fn seal_config(
    key: &AeadKey,
    member: &PublicIdentity,
    version: i64,
    config: &MfaConfig,
) -> file::Result<Vec<u8>> {
    let plain = Zeroizing::new(serde_json::to_vec(config).map_err(|_| file::Error::Crypto)?);
    Ok(key.seal(&aad(member, version), &plain)?)
}

/// The configuration sealed in the member's row at `version` (none: the default).
pub(super) fn decode(
    key: &AeadKey,
    member: &PublicIdentity,
    sealed: Option<&[u8]>,
    version: i64,
) -> file::Result<MfaConfig> {
    let Some(sealed) = sealed else {
        return Ok(MfaConfig::default());
    };
    let damaged = || {
        Error::Database(
            "your second-factor settings on the server are damaged or were changed".into(),
        )
    };
    let plain = key
        .open(&aad(member, version), sealed)
        .map_err(|_| damaged())?;
    Ok(serde_json::from_slice(&plain).map_err(|_| damaged())?)
}

impl Member {
    /// The member's second-factor settings as the server keeps them: sealed, and their version.
    pub(super) fn sealed_mfa(&mut self) -> Result<(Option<Vec<u8>>, i64), Error> {
        let row = self
            .team
            .client
            .query_opt(
                "SELECT mfa, mfa_version FROM portcullis.identity_secrets WHERE role = session_user",
                &[],
            )?
            .ok_or(Error::NoIdentity)?;
        Ok((col(&row, 0)?, col(&row, 1)?))
    }
}

/// The second-factor settings the server `url` names shows (`sealed` at `version`), refused
/// when older than this computer saw them, then opened, and their version kept as seen.
fn server_config(
    url: &TeamUrl,
    key: &AeadKey,
    member: &PublicIdentity,
    sealed: Option<&[u8]>,
    version: i64,
) -> file::Result<MfaConfig> {
    super::head::check_factor_version(url, sealed.is_some(), version)?;
    let config = decode(key, member, sealed, version)?;
    super::head::pin_factor_version(url, version);
    Ok(config)
}

impl Guarded for Member {}

/// Implements the second-factor storage of `$ty` by its member's (`self.$field`), so that
/// what opened as a member reaches their factors (an export's step-up, say).
macro_rules! delegate_mfa_storage {
    ($ty:ty, $field:ident) => {
        impl $crate::workspace::Guarded for $ty {}

        #[allow(private_interfaces, private_bounds)]
        impl $crate::workspace::MfaStorage for $ty {
            fn read_mfa(&mut self) -> $crate::workspace::Result<$crate::mfa::MfaConfig> {
                self.$field.read_mfa()
            }

            fn update_mfa<T>(
                &mut self,
                f: impl FnOnce(&mut $crate::mfa::MfaConfig) -> $crate::workspace::Result<T>,
            ) -> $crate::workspace::Result<T> {
                self.$field.update_mfa(f)
            }

            fn mfa_clock(&self) -> &dyn $crate::clock::Clock {
                self.$field.mfa_clock()
            }

            fn account_name(&self) -> String {
                self.$field.account_name()
            }

            fn factor_at(&self) -> Option<i64> {
                self.$field.factor_at()
            }

            fn set_factor_at(&mut self, at: i64) {
                self.$field.set_factor_at(at);
            }
        }
    };
}
pub(super) use delegate_mfa_storage;

#[allow(private_interfaces, private_bounds)]
impl MfaStorage for Member {
    fn read_mfa(&mut self) -> file::Result<MfaConfig> {
        let (sealed, version) = self.sealed_mfa()?;
        let url = self.team.url();
        server_config(
            url,
            &self.mfa_key,
            self.identity.public(),
            sealed.as_deref(),
            version,
        )
    }

    fn update_mfa<T>(
        &mut self,
        f: impl FnOnce(&mut MfaConfig) -> file::Result<T>,
    ) -> file::Result<T> {
        let url = self.team.url().clone();
        let mut tx = self.team.client.transaction().map_err(Error::from)?;
        let (sealed, version) = locked_mfa(&mut tx)?;
        let public = self.identity.public();
        let mut config = server_config(&url, &self.mfa_key, public, sealed.as_deref(), version)?;
        let out = f(&mut config)?;
        let next = version + 1;
        let sealed = seal_config(&self.mfa_key, self.identity.public(), next, &config)?;
        let written = tx
            .execute(
                "UPDATE portcullis.identity_secrets SET mfa = $1, mfa_version = $2
                 WHERE role = session_user AND mfa_version = $3",
                &[&sealed, &next, &version],
            )
            .map_err(Error::from)?;
        if written != 1 {
            return Err(
                Error::Database("your second-factor settings were not saved".into()).into(),
            );
        }
        tx.commit().map_err(Error::from)?;
        super::head::pin_factor_version(&url, next);
        super::cache::follow_member(&self.cache_key, self, Some(sealed), next);
        Ok(out)
    }

    fn mfa_clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    fn account_name(&self) -> String {
        format!(
            "{} ({})",
            self.identity.public().role,
            self.team.url().server()
        )
    }

    fn factor_at(&self) -> Option<i64> {
        self.factor_at
    }

    fn set_factor_at(&mut self, at: i64) {
        self.factor_at = Some(at);
    }
}
