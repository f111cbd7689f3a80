//! Multi-factor unlock: the methods a workspace accepts, how codes are checked, and the rules
//! around them (lockout, replay, expiry, backup codes). All of it is sealed in the workspace as
//! one record; time is always a parameter.

pub mod backup_codes;
pub mod duo;
pub mod email;
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
    #[error("“{0}” is another kind of method")]
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
    /// Duo could not be reached: failmode `safe` may open the workspace, but never allows a
    /// security change.
    #[error(
        "Duo could not be reached; a security change needs a verified factor: use another method"
    )]
    FailedOpenNotEnough,
    /// Duo could not be reached (failmode secure).
    #[error("{0}; try another method")]
    DuoUnavailable(duo::Error),
    /// Duo could not be reached, and failmode `safe` has opened without it too many times in
    /// a row: Duo must verify once before it does again.
    #[error(
        "{0}; failmode safe opened without Duo {n} times in a row, so Duo must verify you before it does again: try another method",
        n = policy::MAX_FAIL_OPENS
    )]
    FailOpensSpent(duo::Error),
    /// Duo refused the request or the setup is wrong (keys, clock, device).
    #[error(transparent)]
    Duo(duo::RunError),
    /// Duo denied the authentication (deny, timeout, fraud, lockout, wrong passcode).
    #[error("Duo refused: {0}")]
    DuoDenied(String),
    /// The Duo user has no device yet.
    #[error("this Duo user has no device yet: enroll at {0}")]
    DuoEnroll(String),
    /// SMS passcodes were sent.
    #[error("Duo sent SMS passcodes; enter one with the passcode factor")]
    DuoSmsSent,
    /// No Duo method is enabled (or the label is not one).
    #[error("no Duo method is enabled")]
    NoDuoMethod,
    /// No emailed code is waiting.
    #[error("no code was sent by email, or it was used; send a new one")]
    NoEmailCode,
    /// The emailed code is older than 10 minutes.
    #[error("the emailed code expired after 10 minutes; send a new one")]
    EmailCodeExpired,
    /// Too many emails lately.
    #[error("a code was sent recently; wait {} before sending another", policy::human_wait(*.wait_secs))]
    EmailRateLimited {
        /// Seconds left.
        wait_secs: u64,
    },
    /// No email method is enabled (or the label is not one).
    #[error("no email method is enabled")]
    NoEmailMethod,
    /// No email method waits for its confirmation code.
    #[error("no email method is being added; add one first")]
    NoEmailEnrolment,
    /// The settings are wrong or the server did not take the message.
    #[error(transparent)]
    Email(#[from] email::Error),
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
    /// A code received by email; `method` is a label, or `None` for any email method.
    Email {
        /// The typed code.
        code: SecretString,
        /// The method's label.
        method: Option<String>,
    },
    /// A Duo authentication; `method` is a label, or `None` for the first Duo method.
    Duo {
        /// The method's label.
        method: Option<String>,
        /// Factor, device and passcode for this run.
        request: duo::DuoRequest,
    },
}

/// What each method is, with its own settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum MethodKind {
    /// An authenticator app (TOTP).
    Totp(TotpMethod),
    /// Duo (Auth API).
    Duo(#[serde(with = "duo::method::sealed::Method")] duo::DuoMethod),
    /// Codes by email.
    Email(email::EmailMethod),
}

impl MethodKind {
    /// Which kind of method this is, without its settings.
    pub fn method_type(&self) -> MethodType {
        match self {
            Self::Totp(_) => MethodType::Totp,
            Self::Duo(_) => MethodType::Duo,
            Self::Email(_) => MethodType::Email,
        }
    }
}

/// A method's kind, as status shows it (`totp`, `duo`, `email`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum MethodType {
    /// An authenticator app (TOTP).
    Totp,
    /// Duo.
    Duo,
    /// Codes by email.
    Email,
}

impl MethodType {
    /// `totp`, `duo` or `email`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Duo => "duo",
            Self::Email => "email",
        }
    }
}

/// An enabled method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Method {
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

/// An email method waiting for the code sent to its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PendingEmail {
    label: String,
    method: email::EmailMethod,
    started: i64,
}

/// A code to email, decided inside a transaction and sent after it.
#[derive(Debug)]
pub struct OutgoingCode {
    /// The method's label.
    pub label: String,
    /// Where and how to send it.
    pub settings: email::EmailSettings,
    /// The code.
    pub code: SecretString,
    /// Why it is sent.
    pub purpose: email::Purpose,
    /// When (Unix seconds); it expires 10 minutes later.
    pub sent: i64,
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum MethodState {
    /// Works.
    Enabled,
    /// Unchanged for longer than the expiry: still works; re-enrolling is recommended.
    Expired,
}

/// One method as status shows it: no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MethodStatus {
    /// Label.
    pub label: String,
    /// Authenticator, Duo or email.
    pub kind: MethodType,
    /// Enabled or expired.
    pub state: MethodState,
    /// Last change (Unix seconds).
    pub changed: i64,
    /// Whether the prompt offers it first.
    pub default: bool,
}

/// The MFA state of a workspace, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MfaStatus {
    /// Whether a second factor is required.
    pub enabled: bool,
    /// Methods, the default first.
    pub methods: Vec<MethodStatus>,
    /// Backup codes not used yet (`None` when there is no set).
    pub backup_codes_left: Option<usize>,
    /// Seconds until the next attempt is allowed, when locked out.
    pub locked_for: Option<u64>,
    /// After how many days an unchanged method shows as expired.
    pub expiry_days: u32,
}

/// How a factor was accepted.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Verified {
    /// The method's label, or `backup code`.
    pub method: String,
    /// After a backup code: how many are left.
    pub backup_codes_left: Option<usize>,
    /// Duo could not be reached and the method's failmode is `safe`: let in without it.
    pub failed_open: bool,
    /// After a fail-open: how many more in a row are allowed before Duo must verify again.
    pub fail_opens_left: Option<u32>,
}

/// The sealed MFA configuration of a workspace. Holds secrets and derives serde for its
/// record: private to the core.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MfaConfig {
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
    #[serde(default)]
    pending_email: Option<PendingEmail>,
    /// When emails were sent in the last hour (rate limit).
    #[serde(default)]
    email_sends: Vec<i64>,
    #[serde(default = "policy::default_expiry_days")]
    expiry_days: u32,
    /// Duo fail-opens in a row since Duo last verified (capped at `policy::MAX_FAIL_OPENS`).
    #[serde(default, skip_serializing_if = "is_zero")]
    duo_fail_opens: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A failure counted, and saved, before a factor is judged: judging it settles the count (a
/// success resets it, a refusal keeps it, anything else gives it back). Without it no factor is
/// judged, so a verdict is never reached that could fail to be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Charge {
    before: (u32, i64),
    after: (u32, i64),
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
            pending_email: None,
            email_sends: Vec::new(),
            expiry_days: policy::DEFAULT_EXPIRY_DAYS,
            duo_fail_opens: 0,
        }
    }
}

impl MfaConfig {
    /// Whether a second factor is required to open.
    pub fn enabled(&self) -> bool {
        !self.methods.is_empty()
    }

    /// The enabled methods.
    #[cfg(test)]
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
                kind: m.kind.method_type(),
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
            expiry_days: self.expiry_days,
        }
    }

    /// Fails while a lockout delay runs.
    pub fn check_lockout(&self, now: i64) -> Result<(), Error> {
        match policy::wait(self.failures, self.locked_until, now) {
            Some(wait_secs) if self.failures >= policy::HARD_LIMIT => {
                Err(Error::PasswordRequired { wait_secs })
            }
            Some(wait_secs) => Err(Error::LockedOut { wait_secs }),
            None => Ok(()),
        }
    }

    /// Counts one failure (and its delay) before a factor is judged, unless a delay runs. The
    /// caller saves the configuration, then judges with [`judge`](Self::judge) or
    /// [`record_duo`](Self::record_duo) on the configuration as saved then (another process may
    /// have used a code meanwhile).
    pub fn charge(&mut self, now: i64) -> Result<Charge, Error> {
        self.check_lockout(now)?;
        let before = (self.failures, self.locked_until);
        self.failures = self.failures.saturating_add(1);
        self.locked_until = now + policy::delay_after(self.failures) as i64;
        Ok(Charge {
            before,
            after: (self.failures, self.locked_until),
        })
    }

    /// Settles a charge with the outcome: a success resets the failures; a wrong code or a
    /// denial keeps the failure counted (after a hundred, the password is needed again); any
    /// other outcome (replay, Duo unreachable, a fail-open…) gives the charge back when nothing
    /// else was counted since.
    fn settle(
        &mut self,
        outcome: Result<Verified, Error>,
        charge: Charge,
    ) -> Result<Verified, Error> {
        match &outcome {
            Ok(v) if !v.failed_open => {
                self.failures = 0;
                self.locked_until = 0;
            }
            Err(Error::WrongCode | Error::WrongBackupCode | Error::DuoDenied(_)) => {
                if self.failures >= policy::HARD_LIMIT {
                    return Err(Error::PasswordRequired {
                        wait_secs: policy::delay_after(self.failures),
                    });
                }
            }
            _ => {
                if (self.failures, self.locked_until) == charge.after {
                    (self.failures, self.locked_until) = charge.before;
                }
            }
        }
        outcome
    }

    /// Logs a settled outcome; call it once the settlement is saved.
    pub fn log_outcome(&self, outcome: &Result<Verified, Error>) {
        match outcome {
            Ok(v) => tracing::info!(
                method = %v.method,
                failed_open = v.failed_open,
                backup_codes_left = ?v.backup_codes_left,
                "second factor accepted"
            ),
            Err(e) => tracing::warn!(
                error = %e,
                consecutive_failures = self.failures,
                "second factor refused"
            ),
        }
    }

    /// Judges a code (authenticator, backup or email) for a saved `charge`, updating the
    /// counters, the replay step and the backup codes. The caller saves the configuration
    /// whatever the outcome. Duo runs over the network: see [`duo_method`](Self::duo_method)
    /// and [`record_duo`](Self::record_duo).
    pub fn judge(&mut self, factor: &Factor, charge: Charge, now: i64) -> Result<Verified, Error> {
        let outcome = match factor {
            Factor::Totp { code, method } => {
                self.verify_totp(code.expose_secret(), method.as_deref(), now)
            }
            Factor::BackupCode(code) => self.redeem_backup(code.expose_secret()),
            Factor::Email { code, method } => {
                self.verify_email(code.expose_secret(), method.as_deref(), now)
            }
            Factor::Duo { .. } => Err(Error::NoDuoMethod),
        };
        self.settle(outcome, charge)
    }

    /// Settles a charge without judging anything (the factor could not be tried).
    pub fn give_back(&mut self, error: Error, charge: Charge) -> Result<Verified, Error> {
        self.settle(Err(error), charge)
    }

    /// Charges and judges a code in one step, on this copy (tests, and callers that save
    /// nothing between the two).
    #[cfg(test)]
    pub fn verify(&mut self, factor: &Factor, now: i64) -> Result<Verified, Error> {
        let charge = self.charge(now)?;
        self.judge(factor, charge, now)
    }

    /// The Duo method labelled `label`, or the default one if it is Duo, or the first one.
    pub fn duo_method(&self, label: Option<&str>) -> Result<(String, duo::DuoMethod), Error> {
        let is_duo = |m: &&Method| matches!(m.kind, MethodKind::Duo(_));
        let found = match label {
            Some(l) => self
                .methods
                .iter()
                .find(|m| m.label.eq_ignore_ascii_case(l)),
            None => self
                .methods
                .iter()
                .filter(is_duo)
                .find(|m| Some(&m.label) == self.default_method.as_ref())
                .or_else(|| self.methods.iter().find(is_duo)),
        };
        match found {
            Some(Method {
                label,
                kind: MethodKind::Duo(d),
                ..
            }) => Ok((label.clone(), d.clone())),
            Some(m) => Err(Error::WrongKind(m.label.clone())),
            None => Err(label.map_or(Error::NoDuoMethod, |l| Error::UnknownMethod(l.to_owned()))),
        }
    }

    /// Settles a saved `charge` with the result of a Duo run for `label`, applying its
    /// failmode: `safe` opens only when no connection could be made at preauth, and at most
    /// [`policy::MAX_FAIL_OPENS`] times in a row (counted here, so in the sealed record) until
    /// Duo verifies again.
    pub fn record_duo(
        &mut self,
        label: &str,
        failmode: duo::Failmode,
        run: Result<duo::Verdict, duo::RunError>,
        charge: Charge,
    ) -> Result<Verified, Error> {
        let accepted = |failed_open, fail_opens_left| Verified {
            method: label.to_owned(),
            backup_codes_left: None,
            failed_open,
            fail_opens_left,
        };
        let outcome = match run {
            Ok(duo::Verdict::Allow { .. }) => {
                self.duo_fail_opens = 0;
                Ok(accepted(false, None))
            }
            Ok(duo::Verdict::Deny { status_msg, .. }) => Err(Error::DuoDenied(status_msg)),
            Ok(duo::Verdict::SmsSent) => Err(Error::DuoSmsSent),
            Ok(duo::Verdict::Enroll { portal_url }) => Err(Error::DuoEnroll(portal_url)),
            Err(duo::RunError::NoConnection(e)) => match failmode {
                duo::Failmode::Safe if self.duo_fail_opens < policy::MAX_FAIL_OPENS => {
                    self.duo_fail_opens += 1;
                    let left = policy::MAX_FAIL_OPENS - self.duo_fail_opens;
                    Ok(accepted(true, Some(left)))
                }
                duo::Failmode::Safe => Err(Error::FailOpensSpent(e)),
                duo::Failmode::Secure => Err(Error::DuoUnavailable(e)),
            },
            Err(duo::RunError::Duo(e)) if e.is_unavailable() => Err(Error::DuoUnavailable(e)),
            Err(e) => Err(Error::Duo(e)),
        };
        self.settle(outcome, charge)
    }

    fn verify_totp(
        &mut self,
        code: &str,
        label: Option<&str>,
        now: i64,
    ) -> Result<Verified, Error> {
        let verified = |label: &str| Verified {
            method: label.to_owned(),
            ..Verified::default()
        };
        if let Some(label) = label {
            let m = self.method_mut(label)?;
            let MethodKind::Totp(t) = &mut m.kind else {
                return Err(Error::WrongKind(m.label.clone()));
            };
            t.verify(code, now)?;
            return Ok(verified(&m.label));
        }
        // Any authenticator, the default first.
        let default = self.default_method.clone();
        let mut order: Vec<usize> = (0..self.methods.len()).collect();
        order.sort_by_key(|i| Some(&self.methods[*i].label) != default.as_ref());
        let mut result = Err(Error::WrongCode);
        for i in order {
            let MethodKind::Totp(t) = &mut self.methods[i].kind else {
                continue;
            };
            match t.verify(code, now) {
                Ok(()) => return Ok(verified(&self.methods[i].label)),
                Err(Error::Replayed) => result = Err(Error::Replayed),
                Err(_) => {}
            }
        }
        result
    }

    fn verify_email(
        &mut self,
        code: &str,
        label: Option<&str>,
        now: i64,
    ) -> Result<Verified, Error> {
        // The most telling refusal wins: a wrong code, then an expired one, then none sent.
        let rank = |e: &Error| match e {
            Error::WrongCode => 3,
            Error::EmailCodeExpired => 2,
            Error::NoEmailCode => 1,
            _ => 0,
        };
        let mut refusal = Error::NoEmailMethod;
        for m in &mut self.methods {
            if label.is_some_and(|l| !m.label.eq_ignore_ascii_case(l)) {
                continue;
            }
            let MethodKind::Email(e) = &mut m.kind else {
                if label.is_some() {
                    return Err(Error::WrongKind(m.label.clone()));
                }
                continue;
            };
            match e.check(code, now) {
                Ok(()) => {
                    return Ok(Verified {
                        method: m.label.clone(),
                        ..Verified::default()
                    })
                }
                Err(e) if rank(&e) > rank(&refusal) => refusal = e,
                Err(_) => {}
            }
        }
        match (label, refusal) {
            (Some(l), Error::NoEmailMethod) => Err(Error::UnknownMethod(l.to_owned())),
            (_, refusal) => Err(refusal),
        }
    }

    /// Checks the email rate limit and notes a send at `now`.
    fn note_email_send(&mut self, now: i64) -> Result<(), Error> {
        if let Some(wait_secs) = policy::email_send_wait(&self.email_sends, now) {
            return Err(Error::EmailRateLimited { wait_secs });
        }
        self.email_sends.retain(|t| now - t < 3600 && *t <= now);
        self.email_sends.push(now);
        Ok(())
    }

    /// A new code for the email method labelled `label` (or the default one if it is email, or
    /// the first), within the rate limit; send it after saving, or
    /// [`retract_email`](Self::retract_email) it when the send fails.
    pub fn issue_email_code(
        &mut self,
        label: Option<&str>,
        now: i64,
    ) -> Result<OutgoingCode, Error> {
        self.check_lockout(now)?;
        let is_email = |m: &&Method| matches!(m.kind, MethodKind::Email(_));
        let index = match label {
            Some(l) => self
                .methods
                .iter()
                .position(|m| m.label.eq_ignore_ascii_case(l))
                .ok_or_else(|| Error::UnknownMethod(l.to_owned()))?,
            None => self
                .methods
                .iter()
                .position(|m| is_email(&m) && Some(&m.label) == self.default_method.as_ref())
                .or_else(|| self.methods.iter().position(|m| is_email(&m)))
                .ok_or(Error::NoEmailMethod)?,
        };
        let label = self.methods[index].label.clone();
        if !matches!(self.methods[index].kind, MethodKind::Email(_)) {
            return Err(Error::WrongKind(label));
        }
        self.note_email_send(now)?;
        let MethodKind::Email(e) = &mut self.methods[index].kind else {
            return Err(Error::WrongKind(label));
        };
        Ok(OutgoingCode {
            label,
            code: e.issue(now)?,
            settings: e.settings.clone(),
            purpose: email::Purpose::Verify,
            sent: now,
        })
    }

    /// Undoes [`issue_email_code`](Self::issue_email_code) or
    /// [`begin_email`](Self::begin_email) after the email could not be sent: the code is
    /// forgotten and the send does not count against the rate limit.
    pub fn retract_email(&mut self, outgoing: &OutgoingCode) {
        if let Some(i) = self.email_sends.iter().rposition(|t| *t == outgoing.sent) {
            self.email_sends.remove(i);
        }
        match outgoing.purpose {
            email::Purpose::Confirm => {
                if self
                    .pending_email
                    .as_ref()
                    .is_some_and(|p| p.started == outgoing.sent && p.label == outgoing.label)
                {
                    self.pending_email = None;
                }
            }
            email::Purpose::Verify => {
                for m in &mut self.methods {
                    if let MethodKind::Email(e) = &mut m.kind {
                        e.retract(&outgoing.code);
                    }
                }
            }
        }
    }

    /// Starts adding an email method: checks the settings and the label, and issues the
    /// confirmation code to send (replacing any earlier email enrolment).
    pub fn begin_email(
        &mut self,
        label: &str,
        settings: email::EmailSettings,
        now: i64,
    ) -> Result<OutgoingCode, Error> {
        let label = self.check_new_label(label)?;
        settings.validate()?;
        self.note_email_send(now)?;
        let mut method = email::EmailMethod::new(settings.clone());
        let code = method.issue(now)?;
        self.pending_email = Some(PendingEmail {
            label: label.clone(),
            method,
            started: now,
        });
        Ok(OutgoingCode {
            label,
            settings,
            code,
            purpose: email::Purpose::Confirm,
            sent: now,
        })
    }

    /// Enables the pending email method with the code it received. Returns the label and, when
    /// it is the first method, the new backup codes to show once.
    pub fn confirm_email(
        &mut self,
        code: &str,
        now: i64,
    ) -> Result<(String, Option<Vec<SecretString>>), Error> {
        let pending = self.pending_email.as_mut().ok_or(Error::NoEmailEnrolment)?;
        match pending.method.check(code, now) {
            Ok(()) => {}
            Err(Error::EmailCodeExpired | Error::NoEmailCode) => {
                self.pending_email = None;
                return Err(Error::EnrolmentExpired);
            }
            Err(e) => return Err(e),
        }
        let pending = self.pending_email.take().ok_or(Error::NoEmailEnrolment)?;
        let label = self.check_new_label(&pending.label)?;
        let codes = self.enable(label.clone(), MethodKind::Email(pending.method), now)?;
        Ok((label, codes))
    }

    fn redeem_backup(&mut self, code: &str) -> Result<Verified, Error> {
        let set = self.backup.as_mut().ok_or(Error::WrongBackupCode)?;
        if !set.redeem(code) {
            return Err(Error::WrongBackupCode);
        }
        Ok(Verified {
            method: "backup code".into(),
            backup_codes_left: Some(set.remaining()),
            failed_open: false,
            fail_opens_left: None,
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
        let codes = self.enable(label.clone(), MethodKind::Totp(method), now)?;
        Ok((label, codes))
    }

    /// Enables a Duo method whose test approval succeeded. Returns the backup codes when it is
    /// the first method.
    pub fn add_duo(
        &mut self,
        label: &str,
        method: duo::DuoMethod,
        now: i64,
    ) -> Result<Option<Vec<SecretString>>, Error> {
        let label = self.check_new_label(label)?;
        self.enable(label, MethodKind::Duo(method), now)
    }

    /// Checks a new label (not empty, not taken).
    pub fn check_label(&self, label: &str) -> Result<(), Error> {
        self.check_new_label(label).map(|_| ())
    }

    fn enable(
        &mut self,
        label: String,
        kind: MethodKind,
        now: i64,
    ) -> Result<Option<Vec<SecretString>>, Error> {
        self.methods.push(Method {
            label: label.clone(),
            created: now,
            changed: now,
            kind,
        });
        if self.default_method.is_none() {
            self.default_method = Some(label);
        }
        if self.backup.is_none() {
            Ok(Some(self.regenerate_backup_codes()?))
        } else {
            Ok(None)
        }
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
            self.duo_fail_opens = 0;
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
