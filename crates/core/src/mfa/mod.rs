//! Multi-factor unlock: the methods a workspace accepts, how codes are checked, and the rules
//! around them (lockout, replay, expiry, backup codes). All of it is sealed in the workspace as
//! one record; time is always a parameter.

pub mod backup_codes;
pub mod duo;
pub mod policy;
pub mod qr;
pub mod totp;

use crate::crypto::{secret::sealed_bytes, SecretBytes, SecretString};
use backup_codes::BackupCodes;
use serde::{Deserialize, Serialize};
use totp::TotpMethod;

/// Why a factor or an MFA change was refused. Never carries a code or a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workspace needs a second factor and none was given.
    #[error("this workspace needs a second factor")]
    Required,
    /// The code is not valid now.
    #[error("wrong code")]
    WrongCode,
    /// The code was valid but has been used already.
    #[error("this code was already used; wait for the next one")]
    Replayed,
    /// The backup code is not one of the remaining ones.
    #[error("wrong or already used backup code")]
    WrongBackupCode,
    /// Too many consecutive failures: wait.
    #[error("too many wrong codes; try again in {}", policy::human_wait(*.wait_secs))]
    LockedOut {
        /// Seconds left.
        wait_secs: u64,
    },
    /// A hundred consecutive failures: wait, then enter the password again.
    #[error("too many wrong codes; wait {} and enter the password again", policy::human_wait(*.wait_secs))]
    PasswordRequired {
        /// Seconds left.
        wait_secs: u64,
    },
    /// No enrolment to confirm.
    #[error("no authenticator enrolment in progress; begin one first")]
    NoEnrolment,
    /// The enrolment was begun more than 10 minutes ago.
    #[error("the enrolment expired after 10 minutes; begin again")]
    EnrolmentExpired,
    /// No method has this label.
    #[error("no method labelled “{0}”")]
    UnknownMethod(String),
    /// The label is in use.
    #[error("a method labelled “{0}” exists already")]
    DuplicateLabel(String),
    /// The label is empty.
    #[error("the label cannot be empty")]
    EmptyLabel,
    /// The method cannot take this kind of factor.
    #[error("“{0}” is not an authenticator")]
    WrongKind(String),
    /// MFA is not enabled, so there are no backup codes to manage.
    #[error("MFA is not enabled on this workspace")]
    NotEnabled,
    /// No backup codes are set.
    #[error("this workspace has no backup codes")]
    NoBackupCodes,
    /// A security change needs a recent second factor.
    #[error("this change needs a second factor verified in the last 5 minutes")]
    StepUpRequired,
    /// Rendering the QR code failed.
    #[error(transparent)]
    Qr(#[from] qr::Error),
    /// The random source failed.
    #[error("cryptographic failure")]
    Crypto,
}

impl From<crate::crypto::Error> for Error {
    fn from(_: crate::crypto::Error) -> Self {
        Error::Crypto
    }
}

/// A second factor as the user gives it.
#[derive(Debug, Clone)]
pub enum Factor {
    /// An authenticator code; `method` is a label, or `None` for any authenticator.
    Totp {
        /// The typed code.
        code: SecretString,
        /// The method's label.
        method: Option<String>,
    },
    /// A backup code.
    BackupCode(SecretString),
}

/// What each method is, with its own settings. Duo and email join as variants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum MethodKind {
    /// An authenticator app (TOTP).
    Totp(TotpMethod),
}

impl MethodKind {
    /// `totp` (later `duo`, `email`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Totp(_) => "totp",
        }
    }
}

/// An enabled method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Method {
    /// The user's label (“Pixel 8”).
    pub label: String,
    /// When it was enabled (Unix seconds).
    pub created: i64,
    /// When its secret last changed.
    pub changed: i64,
    /// Kind and settings.
    #[serde(flatten)]
    pub kind: MethodKind,
}

/// An authenticator enrolment waiting for its first code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PendingTotp {
    label: String,
    #[serde(with = "sealed_bytes")]
    secret: SecretBytes,
    started: i64,
}

/// What a user needs to add an authenticator: shown once.
#[derive(Debug)]
pub struct TotpEnrolment {
    /// The label it will have.
    pub label: String,
    /// The otpauth URI (contains the secret).
    pub uri: SecretString,
    /// The Base32 key in groups of four.
    pub key: SecretString,
    /// When the enrolment expires (Unix seconds).
    pub expires: i64,
}

impl TotpEnrolment {
    /// The URI as a QR code.
    pub fn qr(&self) -> Result<qr::Qr, Error> {
        Ok(qr::Qr::new(self.uri.expose_secret())?)
    }
}

/// A method's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodState {
    /// Works.
    Enabled,
    /// Unchanged for longer than the expiry: still works; re-enrolling is recommended.
    Expired,
}

/// One method as status shows it: no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MethodStatus {
    /// Label.
    pub label: String,
    /// `totp`…
    pub kind: &'static str,
    /// Enabled or expired.
    pub state: MethodState,
    /// Last change (Unix seconds).
    pub changed: i64,
    /// Whether the prompt offers it first.
    pub default: bool,
}

/// The MFA state of a workspace, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MfaStatus {
    /// Whether a second factor is required.
    pub enabled: bool,
    /// Methods, the default first.
    pub methods: Vec<MethodStatus>,
    /// Backup codes not used yet (`None` when there is no set).
    pub backup_codes_left: Option<usize>,
    /// Seconds until the next attempt is allowed, when locked out.
    pub locked_for: Option<u64>,
}

/// How a factor was accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The method's label, or `backup code`.
    pub method: String,
    /// After a backup code: how many are left.
    pub backup_codes_left: Option<usize>,
}

/// The sealed MFA configuration of a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaConfig {
    #[serde(default)]
    methods: Vec<Method>,
    #[serde(default)]
    default_method: Option<String>,
    #[serde(default)]
    backup: Option<BackupCodes>,
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    locked_until: i64,
    #[serde(default)]
    pending_totp: Option<PendingTotp>,
    #[serde(default = "policy::default_expiry_days")]
    expiry_days: u32,
}

impl Default for MfaConfig {
    fn default() -> Self {
        Self {
            methods: Vec::new(),
            default_method: None,
            backup: None,
            failures: 0,
            locked_until: 0,
            pending_totp: None,
            expiry_days: policy::DEFAULT_EXPIRY_DAYS,
        }
    }
}

impl MfaConfig {
    /// Whether a second factor is required to open.
    pub fn enabled(&self) -> bool {
        !self.methods.is_empty()
    }

    /// The enabled methods.
    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    /// Days without change after which a method shows as expired.
    pub fn set_expiry_days(&mut self, days: u32) {
        self.expiry_days = days.max(1);
    }

    /// The state for display at `now`.
    pub fn status(&self, now: i64) -> MfaStatus {
        let mut methods: Vec<MethodStatus> = self
            .methods
            .iter()
            .map(|m| MethodStatus {
                label: m.label.clone(),
                kind: m.kind.name(),
                state: if policy::is_expired(m.changed, now, self.expiry_days) {
                    MethodState::Expired
                } else {
                    MethodState::Enabled
                },
                changed: m.changed,
                default: self.default_method.as_deref() == Some(m.label.as_str()),
            })
            .collect();
        methods.sort_by_key(|m| !m.default);
        MfaStatus {
            enabled: self.enabled(),
            methods,
            backup_codes_left: self.backup.as_ref().map(BackupCodes::remaining),
            locked_for: policy::wait(self.failures, self.locked_until, now),
        }
    }

    /// Checks a factor at `now`, updating counters, the replay step and backup codes. The
    /// caller must persist the configuration whatever the outcome.
    pub fn verify(&mut self, factor: &Factor, now: i64) -> Result<Verified, Error> {
        if let Some(wait_secs) = policy::wait(self.failures, self.locked_until, now) {
            return Err(if self.failures >= policy::HARD_LIMIT {
                Error::PasswordRequired { wait_secs }
            } else {
                Error::LockedOut { wait_secs }
            });
        }
        let outcome = match factor {
            Factor::Totp { code, method } => {
                self.verify_totp(code.expose_secret(), method.as_deref(), now)
            }
            Factor::BackupCode(code) => self.redeem_backup(code.expose_secret()),
        };
        match &outcome {
            Ok(_) => {
                self.failures = 0;
                self.locked_until = 0;
            }
            Err(Error::WrongCode | Error::WrongBackupCode) => {
                self.failures = self.failures.saturating_add(1);
                self.locked_until = now + policy::delay_after(self.failures) as i64;
                if self.failures >= policy::HARD_LIMIT {
                    return Err(Error::PasswordRequired {
                        wait_secs: policy::delay_after(self.failures),
                    });
                }
            }
            Err(_) => {}
        }
        outcome
    }

    fn verify_totp(
        &mut self,
        code: &str,
        label: Option<&str>,
        now: i64,
    ) -> Result<Verified, Error> {
        if let Some(label) = label {
            let m = self.method_mut(label)?;
            let MethodKind::Totp(t) = &mut m.kind;
            t.verify(code, now)?;
            return Ok(Verified {
                method: m.label.clone(),
                backup_codes_left: None,
            });
        }
        // Any authenticator, the default first.
        let default = self.default_method.clone();
        let mut order: Vec<usize> = (0..self.methods.len()).collect();
        order.sort_by_key(|i| Some(&self.methods[*i].label) != default.as_ref());
        let mut result = Err(Error::WrongCode);
        for i in order {
            let MethodKind::Totp(t) = &mut self.methods[i].kind;
            match t.verify(code, now) {
                Ok(()) => {
                    return Ok(Verified {
                        method: self.methods[i].label.clone(),
                        backup_codes_left: None,
                    })
                }
                Err(Error::Replayed) => result = Err(Error::Replayed),
                Err(_) => {}
            }
        }
        result
    }

    fn redeem_backup(&mut self, code: &str) -> Result<Verified, Error> {
        let set = self.backup.as_mut().ok_or(Error::WrongBackupCode)?;
        if !set.redeem(code) {
            return Err(Error::WrongBackupCode);
        }
        Ok(Verified {
            method: "backup code".into(),
            backup_codes_left: Some(set.remaining()),
        })
    }

    fn method_mut(&mut self, label: &str) -> Result<&mut Method, Error> {
        self.methods
            .iter_mut()
            .find(|m| m.label.eq_ignore_ascii_case(label))
            .ok_or_else(|| Error::UnknownMethod(label.to_owned()))
    }

    fn check_new_label(&self, label: &str) -> Result<String, Error> {
        let label = label.trim();
        if label.is_empty() {
            return Err(Error::EmptyLabel);
        }
        if self
            .methods
            .iter()
            .any(|m| m.label.eq_ignore_ascii_case(label))
        {
            return Err(Error::DuplicateLabel(label.to_owned()));
        }
        Ok(label.to_owned())
    }

    /// Starts an authenticator enrolment (replacing any earlier one).
    pub fn begin_totp(
        &mut self,
        label: &str,
        account: &str,
        now: i64,
    ) -> Result<TotpEnrolment, Error> {
        let label = self.check_new_label(label)?;
        let method = TotpMethod::generate()?;
        let enrolment = TotpEnrolment {
            label: label.clone(),
            uri: method.uri(account)?,
            key: method.grouped_key(),
            expires: now + policy::ENROLMENT_TTL_SECS,
        };
        self.pending_totp = Some(PendingTotp {
            label,
            secret: method.secret().clone(),
            started: now,
        });
        Ok(enrolment)
    }

    /// Confirms the pending enrolment with a code from the app. Returns the label and, when it
    /// is the first method, the new backup codes to show once.
    pub fn confirm_totp(
        &mut self,
        code: &str,
        now: i64,
    ) -> Result<(String, Option<Vec<SecretString>>), Error> {
        let pending = self.pending_totp.as_ref().ok_or(Error::NoEnrolment)?;
        if now - pending.started > policy::ENROLMENT_TTL_SECS {
            self.pending_totp = None;
            return Err(Error::EnrolmentExpired);
        }
        let label = self.check_new_label(&pending.label)?;
        let mut method = TotpMethod::from_secret(pending.secret.clone());
        method.verify(code, now)?;
        self.pending_totp = None;
        self.methods.push(Method {
            label: label.clone(),
            created: now,
            changed: now,
            kind: MethodKind::Totp(method),
        });
        if self.default_method.is_none() {
            self.default_method = Some(label.clone());
        }
        let codes = if self.backup.is_none() {
            Some(self.regenerate_backup_codes()?)
        } else {
            None
        };
        Ok((label, codes))
    }

    /// Removes a method; removing the last one turns MFA off (and drops the backup codes).
    pub fn remove(&mut self, label: &str) -> Result<(), Error> {
        let name = self.method_mut(label)?.label.clone();
        self.methods.retain(|m| m.label != name);
        if self.default_method.as_deref() == Some(name.as_str()) {
            self.default_method = self.methods.first().map(|m| m.label.clone());
        }
        if self.methods.is_empty() {
            self.backup = None;
            self.failures = 0;
            self.locked_until = 0;
        }
        Ok(())
    }

    /// Makes a method the one the prompt offers first.
    pub fn set_default(&mut self, label: &str) -> Result<(), Error> {
        let name = self.method_mut(label)?.label.clone();
        self.default_method = Some(name);
        Ok(())
    }

    /// Renames a method.
    pub fn rename(&mut self, label: &str, new_label: &str) -> Result<(), Error> {
        let new_label = self.check_new_label(new_label)?;
        let m = self.method_mut(label)?;
        let old = std::mem::replace(&mut m.label, new_label.clone());
        if self.default_method.as_deref() == Some(old.as_str()) {
            self.default_method = Some(new_label);
        }
        Ok(())
    }

    /// A new set of backup codes; the old ones stop working.
    pub fn regenerate_backup_codes(&mut self) -> Result<Vec<SecretString>, Error> {
        if !self.enabled() {
            return Err(Error::NotEnabled);
        }
        let (set, codes) = BackupCodes::generate()?;
        self.backup = Some(set);
        Ok(codes)
    }

    /// Deletes the backup codes.
    pub fn delete_backup_codes(&mut self) -> Result<(), Error> {
        self.backup.take().map(|_| ()).ok_or(Error::NoBackupCodes)
    }
}

#[cfg(test)]
mod tests;
