//! The second-factor gate and the security settings of an open workspace. The MFA
//! configuration is one sealed record (`mfa/config`); every change to it, failure counters
//! included, is written in the same transaction that checks it.

use super::{Error, OpenWorkspace, RecordKeys, Result, Writer, MFA};
use crate::mfa::{self, policy, Factor, MfaConfig, MfaStatus, TotpEnrolment, Verified};
use crate::store::Row;
use crate::SecretString;

const CONFIG_ID: &str = "config";

/// What unlocking with the password gives.
#[derive(Debug)]
pub enum Unlock {
    /// No MFA: the workspace is open.
    Open(OpenWorkspace),
    /// MFA is on: a factor is needed before anything can be read.
    PendingMfa(PendingMfa),
}

impl Unlock {
    /// The open workspace, or [`mfa::Error::Required`] when a factor is needed.
    pub fn into_open(self) -> Result<OpenWorkspace> {
        match self {
            Unlock::Open(ws) => Ok(ws),
            Unlock::PendingMfa(_) => Err(mfa::Error::Required.into()),
        }
    }
}

/// The password was right; a second factor is needed. Reads no entry.
pub struct PendingMfa {
    open: OpenWorkspace,
    status: MfaStatus,
}

impl std::fmt::Debug for PendingMfa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingMfa")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A refused factor: why, and the pending state to try again with, unless the password must be
/// entered again first.
#[derive(Debug)]
pub struct MfaRefusal {
    /// Why.
    pub error: Error,
    /// The state to retry from; `None` after a hundred failures or a storage error.
    pub retry: Option<Box<PendingMfa>>,
}

impl PendingMfa {
    pub(super) fn new(open: OpenWorkspace, config: &MfaConfig) -> Self {
        let status = config.status(open.clock.now());
        Self { open, status }
    }

    /// The methods the prompt can offer (default first), backup codes left, lockout.
    pub fn status(&self) -> &MfaStatus {
        &self.status
    }

    /// The workspace's name (the authenticator account).
    pub fn name(&self) -> String {
        self.open.name()
    }

    /// Checks a factor; the counters and the replay step are saved whatever the outcome.
    pub fn verify(
        mut self,
        factor: &Factor,
    ) -> std::result::Result<(OpenWorkspace, Verified), MfaRefusal> {
        let now = self.open.clock.now();
        let outcome = self.open.write(|w| {
            let mut config = w.mfa_config()?;
            let outcome = config.verify(factor, now);
            w.put(MFA, CONFIG_ID, &config)?;
            Ok((outcome, config.status(now)))
        });
        match outcome {
            Ok((Ok(verified), _)) => {
                self.open.factor_at = Some(now);
                Ok((self.open, verified))
            }
            Ok((Err(e), status)) => {
                let retry = !matches!(e, mfa::Error::PasswordRequired { .. });
                self.status = status;
                Err(MfaRefusal {
                    error: e.into(),
                    retry: retry.then(|| Box::new(self)),
                })
            }
            Err(error) => Err(MfaRefusal { error, retry: None }),
        }
    }
}

/// The MFA configuration among verified rows (the default when there is none).
pub(super) fn mfa_config(records: &RecordKeys, rows: &[Row]) -> Result<MfaConfig> {
    match rows
        .iter()
        .find(|r| r.collection == MFA && r.id == CONFIG_ID)
    {
        Some(row) => decode(records, row),
        None => Ok(MfaConfig::default()),
    }
}

fn decode(records: &RecordKeys, row: &Row) -> Result<MfaConfig> {
    let plain = records.open(row)?;
    serde_json::from_slice(&plain).map_err(|_| Error::Damaged("the MFA settings are unreadable"))
}

impl Writer<'_, '_> {
    fn mfa_config(&self) -> Result<MfaConfig> {
        match self.tx.row(MFA, CONFIG_ID)? {
            Some(row) => decode(self.records, &row),
            None => Ok(MfaConfig::default()),
        }
    }
}

impl OpenWorkspace {
    /// The MFA state for display.
    pub fn mfa_status(&mut self) -> Result<MfaStatus> {
        let rows = self.verified_rows()?;
        Ok(mfa_config(&self.records, &rows)?.status(self.clock.now()))
    }

    /// Verifies a factor while open, to allow security changes for the next 5 minutes.
    pub fn step_up(&mut self, factor: &Factor) -> Result<Verified> {
        let now = self.clock.now();
        let outcome = self.write(|w| {
            let mut config = w.mfa_config()?;
            if !config.enabled() {
                return Ok(Err(mfa::Error::NotEnabled));
            }
            let outcome = config.verify(factor, now);
            w.put(MFA, CONFIG_ID, &config)?;
            Ok(outcome)
        })?;
        let verified = outcome?;
        self.factor_at = Some(now);
        Ok(verified)
    }

    /// Fails unless MFA is off or a factor was verified in the last 5 minutes.
    pub(super) fn require_step_up(&mut self) -> Result<()> {
        if self.mfa_status()?.enabled && !policy::step_up_fresh(self.factor_at, self.clock.now()) {
            return Err(mfa::Error::StepUpRequired.into());
        }
        Ok(())
    }

    /// Changes the MFA configuration in one transaction, after the step-up check.
    fn change_mfa<T>(
        &mut self,
        f: impl FnOnce(&mut MfaConfig, i64) -> std::result::Result<T, mfa::Error>,
    ) -> Result<T> {
        let now = self.clock.now();
        let fresh = policy::step_up_fresh(self.factor_at, now);
        self.write(|w| {
            let mut config = w.mfa_config()?;
            if config.enabled() && !fresh {
                return Err(mfa::Error::StepUpRequired.into());
            }
            let out = f(&mut config, now)?;
            w.put(MFA, CONFIG_ID, &config)?;
            Ok(out)
        })
    }

    /// Starts adding an authenticator labelled `label`: a new secret, its URI, key and QR code.
    pub fn begin_totp(&mut self, label: &str) -> Result<TotpEnrolment> {
        let account = self.name();
        self.change_mfa(|c, now| c.begin_totp(label, &account, now))
    }

    /// Enables the pending authenticator with a code from the app. On the first method, returns
    /// the backup codes to show once. The code counts as used, and as a fresh factor.
    pub fn confirm_totp(&mut self, code: &str) -> Result<(String, Option<Vec<SecretString>>)> {
        let out = self.change_mfa(|c, now| c.confirm_totp(code, now))?;
        self.factor_at = Some(self.clock.now());
        Ok(out)
    }

    /// Removes a method; removing the last one turns MFA off.
    pub fn remove_method(&mut self, label: &str) -> Result<()> {
        self.change_mfa(|c, _| c.remove(label))
    }

    /// Makes a method the default.
    pub fn set_default_method(&mut self, label: &str) -> Result<()> {
        self.change_mfa(|c, _| c.set_default(label))
    }

    /// Renames a method.
    pub fn rename_method(&mut self, label: &str, new_label: &str) -> Result<()> {
        self.change_mfa(|c, _| c.rename(label, new_label))
    }

    /// New backup codes (the old ones stop working), to show once.
    pub fn regenerate_backup_codes(&mut self) -> Result<Vec<SecretString>> {
        self.change_mfa(|c, _| c.regenerate_backup_codes())
    }

    /// Deletes the backup codes.
    pub fn delete_backup_codes(&mut self) -> Result<()> {
        self.change_mfa(|c, _| c.delete_backup_codes())
    }

    /// Sets after how many days an unchanged method shows as expired.
    pub fn set_mfa_expiry_days(&mut self, days: u32) -> Result<()> {
        self.change_mfa(|c, _| {
            c.set_expiry_days(days);
            Ok(())
        })
    }
}
