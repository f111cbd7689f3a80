//! The second-factor gate and the security settings, written once over [`Guarded`]: what keeps
//! one MFA configuration, a file workspace (one sealed record, `mfa/config`) or a team member's
//! identity (their sealed row on the server). Every change to the configuration is written in
//! the transaction that checks it, and a factor's failure is counted and committed before the
//! factor is judged.

use super::duo_enrolment::DuoEnrolled;
use super::{Error, OpenWorkspace, RecordKeys, Result, Writer, MFA};
use crate::clock::Clock;
use crate::mfa::duo::{self, DuoMethod, DuoRequest, Progress};
use crate::mfa::email::EmailSettings;
use crate::mfa::{
    self, policy, Charge, Factor, MfaConfig, MfaStatus, OutgoingCode, TotpEnrolment, Verified,
};
use crate::store::Row;
use crate::SecretString;
use std::sync::atomic::AtomicBool;

const CONFIG_ID: &str = "config";

/// What a [`Guarded`] keeps: implemented in the core only (the module is private, so the
/// trait is sealed). Its methods speak of the crate-private [`MfaConfig`]: nothing outside the
/// core names or calls them.
#[allow(private_interfaces, private_bounds)]
pub(crate) mod storage {
    use super::Result;
    use crate::clock::Clock;
    use crate::mfa::MfaConfig;

    /// Where one MFA configuration is kept.
    pub trait MfaStorage: Sized {
        /// The configuration as stored (the default when there is none).
        fn read_mfa(&mut self) -> Result<MfaConfig>;
        /// Reads the configuration, lets `f` change it and writes it back, in one transaction;
        /// nothing is written when `f` fails.
        fn update_mfa<T>(&mut self, f: impl FnOnce(&mut MfaConfig) -> Result<T>) -> Result<T>;
        /// The clock the rules use.
        fn mfa_clock(&self) -> &dyn Clock;
        /// The name an authenticator app and emailed codes show.
        fn account_name(&self) -> String;
        /// When a second factor was last verified here (step-up).
        fn factor_at(&self) -> Option<i64>;
        /// Records that a second factor was verified at `at`.
        fn set_factor_at(&mut self, at: i64);
    }
}

/// What keeps one MFA configuration and opens once a factor checks: an open file workspace,
/// or a team member's identity. The rules of [`PendingMfa`] and the security settings
/// (provided methods) are the same for both.
pub trait Guarded: storage::MfaStorage {
    /// The MFA state for display.
    fn mfa_status(&mut self) -> Result<MfaStatus> {
        let now = self.mfa_clock().now();
        Ok(self.read_mfa()?.status(now))
    }

    /// Verifies a factor while open, to allow security changes for the next 5 minutes.
    fn step_up(&mut self, factor: &Factor) -> Result<Verified> {
        let cancel = AtomicBool::new(false);
        self.step_up_with_progress(
            factor,
            Progress {
                on_status: &mut |_| {},
                cancel: &cancel,
            },
        )
    }

    /// [`Self::step_up`], reporting Duo's status messages and stopping when `progress.cancel`
    /// is set. Duo's failmode `safe` never counts: a security change needs a factor that was
    /// actually verified.
    fn step_up_with_progress(
        &mut self,
        factor: &Factor,
        progress: Progress<'_>,
    ) -> Result<Verified> {
        let ran = self.charge_step_up(factor)?.run(progress);
        self.record_step_up_ran(ran)
    }

    /// The first step of a step-up for callers that hold no lock while Duo waits: counts the
    /// failure (committed), then [`ChargedFactor::run`] and
    /// [`record_step_up`](Self::record_step_up) on this same workspace.
    fn charge_step_up(&mut self, factor: &Factor) -> Result<ChargedFactor> {
        if !self.read_mfa()?.enabled() {
            return Err(mfa::Error::NotEnabled.into());
        }
        charge_factor(self, factor)
    }

    /// Commits the verdict of a step-up this workspace charged and that ran.
    fn record_step_up_ran(&mut self, ran: RanFactor) -> Result<Verified> {
        let (outcome, _) = record_factor(self, ran)?;
        let verified = outcome?;
        if verified.failed_open {
            return Err(mfa::Error::FailedOpenNotEnough.into());
        }
        let now = self.mfa_clock().now();
        self.set_factor_at(now);
        Ok(verified)
    }

    /// [`step_up_with_progress`](Self::step_up_with_progress), with SMS passcodes sent as an
    /// outcome.
    fn check_step_up(&mut self, factor: &Factor, progress: Progress<'_>) -> Result<StepUpOutcome> {
        step_up_outcome(self.step_up_with_progress(factor, progress))
    }

    /// The last step of [`check_step_up`](Self::check_step_up) split in three
    /// ([`charge_step_up`](Self::charge_step_up), [`ChargedFactor::run`], this): commits the
    /// verdict of a factor this workspace charged.
    fn record_step_up(&mut self, ran: RanFactor) -> Result<StepUpOutcome> {
        step_up_outcome(self.record_step_up_ran(ran))
    }

    /// The devices Duo offers now for the Duo method labelled `label` (or the first one).
    fn duo_devices(&mut self, label: Option<&str>) -> Result<Vec<duo::Device>> {
        self.duo_method(label)?
            .devices()
            .map_err(|e| mfa::Error::Duo(e).into())
    }

    /// The Duo method labelled `label` (or the first one), to ask Duo for its devices
    /// ([`DuoMethod::devices`]) without holding the workspace.
    fn duo_method(&mut self, label: Option<&str>) -> Result<DuoMethod> {
        Ok(self.read_mfa()?.duo_method(label)?.1)
    }

    /// Before a Duo test: a fresh factor when MFA is on, and a free label.
    fn check_duo_label(&mut self, label: &str) -> Result<()> {
        self.require_step_up()?;
        self.read_mfa()?.check_label(label)?;
        Ok(())
    }

    /// After a Duo test: saves the method when Duo approved.
    fn save_duo(
        &mut self,
        label: &str,
        method: DuoMethod,
        verdict: std::result::Result<duo::Verdict, duo::RunError>,
    ) -> Result<DuoEnrolled> {
        match verdict.map_err(|e| Error::from(mfa::Error::Duo(e)))? {
            duo::Verdict::Allow { .. } => {}
            duo::Verdict::Deny { status_msg, .. } => {
                return Err(mfa::Error::DuoDenied(status_msg).into())
            }
            duo::Verdict::SmsSent => return Ok(DuoEnrolled::SmsSent),
            duo::Verdict::Enroll { portal_url } => {
                return Err(mfa::Error::DuoEnroll(portal_url).into())
            }
        }
        let factor = method.factor;
        let backup_codes = change_mfa(self, |c, now| c.add_duo(label, method, now))?;
        let now = self.mfa_clock().now();
        self.set_factor_at(now);
        Ok(DuoEnrolled::Enabled {
            factor,
            backup_codes,
        })
    }

    /// Emails a code for the email method labelled `label` (or the default/first one), to
    /// open or to step up. At most one email a minute and ten an hour.
    fn send_email_code(&mut self, label: Option<&str>) -> Result<EmailSent> {
        let sent = self.issue_email_code(label)?.send();
        self.record_email(sent)
    }

    /// The first step of [`send_email_code`](Self::send_email_code) for callers that hold no
    /// lock while the mail goes: the code is decided and committed, then
    /// [`OutgoingEmail::send`] and [`record_email`](Self::record_email).
    fn issue_email_code(&mut self, label: Option<&str>) -> Result<OutgoingEmail> {
        let now = self.mfa_clock().now();
        let outgoing = self.update_mfa(|config| Ok(config.issue_email_code(label, now)?))?;
        Ok(outgoing_email(self, outgoing))
    }

    /// The last step of sending a code by email: where it went, or, when the send failed, a
    /// second transaction forgets the code and gives the send back to the rate limit.
    fn record_email(&mut self, sent: SentEmail) -> Result<EmailSent> {
        let SentEmail { outgoing, sent } = sent;
        match sent {
            Ok(()) => {
                tracing::info!(method = %outgoing.label, "code sent by email");
                Ok(EmailSent {
                    label: outgoing.label,
                    to: outgoing.settings.to,
                    expires: outgoing.sent + policy::EMAIL_CODE_TTL_SECS,
                })
            }
            Err(e) => {
                tracing::warn!(method = %outgoing.label, error = %e, "code not sent by email");
                self.update_mfa(|config| {
                    config.retract_email(&outgoing);
                    Ok(())
                })?;
                Err(mfa::Error::Email(e).into())
            }
        }
    }

    /// Starts adding an email method: checks the settings, then emails a confirmation code
    /// (which also proves the SMTP settings work).
    fn begin_email(&mut self, label: &str, settings: EmailSettings) -> Result<EmailSent> {
        let outgoing = change_mfa(self, |c, now| c.begin_email(label, settings, now))?;
        let sent = outgoing_email(self, outgoing).send();
        self.record_email(sent)
    }

    /// The first step of [`begin_email`](Self::begin_email) for callers that hold no lock
    /// while the mail goes: then [`OutgoingEmail::send`] and
    /// [`record_email`](Self::record_email).
    fn issue_email_confirmation(
        &mut self,
        label: &str,
        settings: EmailSettings,
    ) -> Result<OutgoingEmail> {
        let outgoing = change_mfa(self, |c, now| c.begin_email(label, settings, now))?;
        Ok(outgoing_email(self, outgoing))
    }

    /// Enables the pending email method with the code it received. On the first method,
    /// returns the backup codes to show once. The code counts as a fresh factor.
    fn confirm_email(&mut self, code: &str) -> Result<(String, Option<Vec<SecretString>>)> {
        let out = change_mfa(self, |c, now| c.confirm_email(code, now))?;
        let now = self.mfa_clock().now();
        self.set_factor_at(now);
        Ok(out)
    }

    /// Fails with "step-up required" unless MFA is off or a factor was verified in the last
    /// five minutes (exports and membership changes call it).
    fn require_fresh_factor(&mut self) -> Result<()> {
        self.require_step_up()
    }

    /// [`require_fresh_factor`](Self::require_fresh_factor).
    fn require_step_up(&mut self) -> Result<()> {
        let fresh = policy::step_up_fresh(self.factor_at(), self.mfa_clock().now());
        if self.read_mfa()?.enabled() && !fresh {
            return Err(mfa::Error::StepUpRequired.into());
        }
        Ok(())
    }

    /// Starts adding an authenticator labelled `label`: a new secret, its URI, key and QR code.
    fn begin_totp(&mut self, label: &str) -> Result<TotpEnrolment> {
        let account = self.account_name();
        change_mfa(self, |c, now| c.begin_totp(label, &account, now))
    }

    /// Enables the pending authenticator with a code from the app. On the first method, returns
    /// the backup codes to show once. The code counts as used, and as a fresh factor.
    fn confirm_totp(&mut self, code: &str) -> Result<(String, Option<Vec<SecretString>>)> {
        let out = change_mfa(self, |c, now| c.confirm_totp(code, now))?;
        let now = self.mfa_clock().now();
        self.set_factor_at(now);
        Ok(out)
    }

    /// Removes a method; removing the last one turns MFA off.
    fn remove_method(&mut self, label: &str) -> Result<()> {
        change_mfa(self, |c, _| c.remove(label))
    }

    /// Makes a method the default.
    fn set_default_method(&mut self, label: &str) -> Result<()> {
        change_mfa(self, |c, _| c.set_default(label))
    }

    /// Renames a method.
    fn rename_method(&mut self, label: &str, new_label: &str) -> Result<()> {
        change_mfa(self, |c, _| c.rename(label, new_label))
    }

    /// New backup codes (the old ones stop working), to show once.
    fn regenerate_backup_codes(&mut self) -> Result<Vec<SecretString>> {
        change_mfa(self, |c, _| c.regenerate_backup_codes())
    }

    /// Deletes the backup codes.
    fn delete_backup_codes(&mut self) -> Result<()> {
        change_mfa(self, |c, _| c.delete_backup_codes())
    }

    /// Sets after how many days an unchanged method shows as expired.
    fn set_mfa_expiry_days(&mut self, days: u32) -> Result<()> {
        change_mfa(self, |c, _| {
            c.set_expiry_days(days);
            Ok(())
        })
    }
}

/// Changes the MFA configuration in one transaction, after the step-up check.
fn change_mfa<G: Guarded, T>(
    g: &mut G,
    f: impl FnOnce(&mut MfaConfig, i64) -> std::result::Result<T, mfa::Error>,
) -> Result<T> {
    let now = g.mfa_clock().now();
    let fresh = policy::step_up_fresh(g.factor_at(), now);
    g.update_mfa(|config| {
        if config.enabled() && !fresh {
            tracing::info!("security change refused: no recent second factor");
            return Err(mfa::Error::StepUpRequired.into());
        }
        let out = f(config, now)?;
        tracing::info!(
            methods = config.status(now).methods.len(),
            "second-factor settings changed"
        );
        Ok(out)
    })
}

fn outgoing_email<G: Guarded>(g: &G, outgoing: OutgoingCode) -> OutgoingEmail {
    OutgoingEmail {
        outgoing,
        workspace: g.account_name(),
    }
}

impl Guarded for OpenWorkspace {}

#[allow(private_interfaces, private_bounds)]
impl storage::MfaStorage for OpenWorkspace {
    fn read_mfa(&mut self) -> Result<MfaConfig> {
        let rows = self.verified_rows()?;
        mfa_config(&self.records, &rows)
    }

    fn update_mfa<T>(&mut self, f: impl FnOnce(&mut MfaConfig) -> Result<T>) -> Result<T> {
        self.write(|w| {
            let mut config = w.mfa_config()?;
            let out = f(&mut config)?;
            w.put(MFA, CONFIG_ID, &config)?;
            Ok(out)
        })
    }

    fn mfa_clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    fn account_name(&self) -> String {
        self.name()
    }

    fn factor_at(&self) -> Option<i64> {
        self.factor_at
    }

    fn set_factor_at(&mut self, at: i64) {
        self.factor_at = Some(at);
    }
}

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
pub struct PendingMfa<G: Guarded = OpenWorkspace> {
    open: G,
    status: MfaStatus,
}

impl<G: Guarded> std::fmt::Debug for PendingMfa<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingMfa")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// An emailed code on its way: where it went and until when it works. Never the code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EmailSent {
    /// The method's label.
    pub label: String,
    /// The address it was sent to.
    pub to: String,
    /// When the code stops working (Unix seconds).
    pub expires: i64,
}

/// A refused factor: why, and the pending state to try again with, unless the password must be
/// entered again first.
#[derive(Debug)]
pub struct MfaRefusal<G: Guarded = OpenWorkspace> {
    /// Why.
    pub error: Error,
    /// The state to retry from; `None` after a hundred failures or a storage error.
    pub retry: Option<Box<PendingMfa<G>>>,
}

impl<G: Guarded> PendingMfa<G> {
    /// `open` once a factor checks against `config`.
    pub(crate) fn new(open: G, config: &MfaConfig) -> Self {
        let status = config.status(open.mfa_clock().now());
        Self { open, status }
    }

    /// The methods the prompt can offer (default first), backup codes left, lockout.
    pub fn status(&self) -> &MfaStatus {
        &self.status
    }

    /// The workspace's name (the authenticator account).
    pub fn name(&self) -> String {
        self.open.account_name()
    }

    /// Checks a factor; the counters and the replay step are saved whatever the outcome. A Duo
    /// push or call is waited for without progress reports: see
    /// [`verify_with_progress`](Self::verify_with_progress).
    pub fn verify(self, factor: &Factor) -> std::result::Result<(G, Verified), MfaRefusal<G>> {
        let cancel = AtomicBool::new(false);
        self.verify_with_progress(
            factor,
            Progress {
                on_status: &mut |_| {},
                cancel: &cancel,
            },
        )
    }

    /// Like [`verify`](Self::verify), reporting Duo's status messages and stopping when
    /// `progress.cancel` is set.
    pub fn verify_with_progress(
        mut self,
        factor: &Factor,
        progress: Progress<'_>,
    ) -> std::result::Result<(G, Verified), MfaRefusal<G>> {
        match self.charge_factor(factor) {
            Ok(charged) => self.record_ran(charged.run(progress)),
            Err(error) => Err(MfaRefusal { error, retry: None }),
        }
    }

    /// The first step of [`verify_with_progress`](Self::verify_with_progress) for callers that
    /// hold no lock while Duo waits: counts the failure (committed), then
    /// [`ChargedFactor::run`] and [`record_factor`](Self::record_factor) on this same pending
    /// state. A storage error leaves nothing to retry from (the password again).
    pub fn charge_factor(&mut self, factor: &Factor) -> Result<ChargedFactor> {
        charge_factor(&mut self.open, factor)
    }

    /// Commits the verdict of a factor this state charged and that ran.
    pub(crate) fn record_ran(
        mut self,
        ran: RanFactor,
    ) -> std::result::Result<(G, Verified), MfaRefusal<G>> {
        match record_factor(&mut self.open, ran) {
            Ok((Ok(verified), _)) => {
                // A failed-open Duo lets the user in but is no fresh factor for a change.
                if !verified.failed_open {
                    let now = self.open.mfa_clock().now();
                    self.open.set_factor_at(now);
                }
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

    /// The devices Duo offers now for a Duo method (to switch device at the prompt).
    pub fn duo_devices(&mut self, label: Option<&str>) -> Result<Vec<duo::Device>> {
        self.open.duo_devices(label)
    }

    /// [`Guarded::duo_method`] before the workspace opens.
    pub fn duo_method(&mut self, label: Option<&str>) -> Result<DuoMethod> {
        self.open.duo_method(label)
    }

    /// Emails a code for the email method labelled `label` (or the default/first one).
    pub fn send_email_code(&mut self, label: Option<&str>) -> Result<EmailSent> {
        self.open.send_email_code(label)
    }

    /// [`Guarded::issue_email_code`] before the workspace opens.
    pub fn issue_email_code(&mut self, label: Option<&str>) -> Result<OutgoingEmail> {
        self.open.issue_email_code(label)
    }

    /// [`Guarded::record_email`] before the workspace opens.
    pub fn record_email(&mut self, sent: SentEmail) -> Result<EmailSent> {
        self.open.record_email(sent)
    }
}

/// A code by email decided in a committed transaction, to [`send`](Self::send) without
/// holding the workspace, then to record on the workspace that issued it
/// ([`Guarded::record_email`]).
#[derive(Debug)]
#[must_use]
pub struct OutgoingEmail {
    outgoing: OutgoingCode,
    workspace: String,
}

/// An email sent, or not: record it with [`Guarded::record_email`].
#[derive(Debug)]
#[must_use]
pub struct SentEmail {
    outgoing: OutgoingCode,
    sent: std::result::Result<(), mfa::email::Error>,
}

impl OutgoingEmail {
    /// Sends the code over SMTP. Touches no workspace.
    pub fn send(self) -> SentEmail {
        let o = &self.outgoing;
        let sent = o.settings.send(&o.code, &self.workspace, o.purpose, o.sent);
        SentEmail {
            outgoing: self.outgoing,
            sent,
        }
    }
}

/// A factor whose failure is counted and saved (the first of three steps: charge, run,
/// record), or refused at once (a lockout delay runs). [`run`](Self::run) it without holding
/// the workspace, then record it on the workspace that charged it
/// ([`PendingMfa::record_factor`], [`OpenWorkspace::record_step_up`]).
#[derive(Debug)]
#[must_use]
pub struct ChargedFactor {
    state: Charged,
}

#[derive(Debug)]
enum Charged {
    /// A delay runs: nothing was charged.
    Refused(mfa::Error, MfaStatus),
    /// A code, judged when recorded.
    Code(Factor, Charge),
    /// Duo (or the reason no Duo method can run), run by [`ChargedFactor::run`].
    Duo(
        std::result::Result<(String, DuoMethod), mfa::Error>,
        DuoRequest,
        Charge,
    ),
}

/// A charged factor after its run (Duo answered, or the wait was cancelled): record it.
#[derive(Debug)]
#[must_use]
pub struct RanFactor {
    state: Ran,
}

#[derive(Debug)]
enum Ran {
    Refused(mfa::Error, MfaStatus),
    Code(Factor, Charge),
    Duo(DuoRun, Charge),
}

type DuoRun = std::result::Result<
    (
        String,
        duo::Failmode,
        std::result::Result<duo::Verdict, duo::RunError>,
    ),
    mfa::Error,
>;

impl ChargedFactor {
    /// Runs the factor: waits for Duo (a push, a call, a passcode check), reporting through
    /// `progress` and stopping when its cancel flag is set. Touches no workspace, so the
    /// caller holds no lock meanwhile. A code has nothing to run.
    pub fn run(self, progress: Progress<'_>) -> RanFactor {
        let state = match self.state {
            Charged::Refused(e, status) => Ran::Refused(e, status),
            Charged::Code(factor, charge) => Ran::Code(factor, charge),
            Charged::Duo(found, request, charge) => Ran::Duo(
                found.map(|(label, m)| (label, m.failmode, m.run(&request, progress))),
                charge,
            ),
        };
        RanFactor { state }
    }
}

/// The first of three steps that check a factor against the stored configuration and save the
/// counters: a failure and its delay are counted and committed first (unless a delay runs); only then is
/// the factor judged; the verdict is committed last (a success resets the count, and the replay
/// step and backup codes are checked again against the configuration as saved then). A judgement
/// whose commit fails (another process holding a lock) thus leaves the failure counted, and
/// parallel attempts each see the others counted. A Duo run happens between the first commit and
/// the last, so no lock is held while Duo waits for the user.
fn charge_factor<G: Guarded>(open: &mut G, factor: &Factor) -> Result<ChargedFactor> {
    let now = open.mfa_clock().now();
    let charged = open.update_mfa(|config| {
        Ok(match config.charge(now) {
            Ok(charge) => Ok((charge, config.clone())),
            Err(e) => Err((e, config.status(now))),
        })
    })?;
    let state = match charged {
        Err((e, status)) => Charged::Refused(e, status),
        Ok((charge, config)) => match factor {
            Factor::Duo { method, request } => Charged::Duo(
                config.duo_method(method.as_deref()),
                request.clone(),
                charge,
            ),
            code => Charged::Code(code.clone(), charge),
        },
    };
    Ok(ChargedFactor { state })
}

/// Commits the verdict of a ran factor (a success resets the count; the replay step and the
/// backup codes are checked against the configuration as saved now).
fn record_factor<G: Guarded>(
    open: &mut G,
    ran: RanFactor,
) -> Result<(std::result::Result<Verified, mfa::Error>, MfaStatus)> {
    let now = open.mfa_clock().now();
    let (outcome, status) = match ran.state {
        Ran::Refused(e, status) => return Ok((Err(e), status)),
        Ran::Code(factor, charge) => open.update_mfa(|config| {
            let outcome = config.judge(&factor, charge, now);
            config.log_outcome(&outcome);
            Ok((outcome, config.status(now)))
        })?,
        Ran::Duo(run, charge) => open.update_mfa(|config| {
            let outcome = match run {
                Ok((label, failmode, run)) => config.record_duo(&label, failmode, run, charge),
                Err(e) => config.give_back(e, charge),
            };
            config.log_outcome(&outcome);
            Ok((outcome, config.status(now)))
        })?,
    };
    Ok((outcome, status))
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

/// The outcome of a factor checked to allow security changes (a step-up).
#[derive(Debug)]
pub enum StepUpOutcome {
    /// Verified: security settings can change for the next minutes.
    Verified(Verified),
    /// Duo sent SMS passcodes: check again with [`crate::factor_outcome::sms_passcode`] and one of them.
    SmsSent,
}

fn step_up_outcome(verified: Result<Verified>) -> Result<StepUpOutcome> {
    match verified {
        Ok(verified) => Ok(StepUpOutcome::Verified(verified)),
        Err(Error::Mfa(mfa::Error::DuoSmsSent)) => Ok(StepUpOutcome::SmsSent),
        Err(e) => Err(e),
    }
}
