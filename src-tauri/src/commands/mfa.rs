//! The second factor: verifying it, and the security settings (each needs a fresh factor; the
//! core enforces it).

use super::{off_runtime, read_guarded, with_guarded, with_same_guarded};
use crate::dto::{EnabledDto, EnrolmentDto, VerifiedDto};
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::{AppState, Session, Ticket};
use crate::team::{each_pending, TeamOpen, TeamPending};
use portcullis_core::factor_outcome::{FactorOutcome, StepUpOutcome};
use portcullis_core::mfa::duo::{self, DuoRequest, Failmode, Progress, SigVersion};
use portcullis_core::mfa::{Factor, MfaStatus};
use portcullis_core::workspace::duo_enrolment::{
    DuoEnrolled, DuoEnrolment, DuoSettings, DuoStart, StartError,
};
use portcullis_core::workspace::PendingMfa;
use portcullis_core::Guarded;
use portcullis_core::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::ipc::Channel;
use tauri::State;

/// A factor from the unlock screen.
#[derive(Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactorInput {
    Totp {
        code: String,
        method: Option<String>,
    },
    BackupCode {
        code: String,
    },
    Email {
        code: String,
        method: Option<String>,
    },
    Duo {
        method: Option<String>,
        factor: Option<duo::Factor>,
        device: Option<String>,
        passcode: Option<String>,
    },
}

impl FactorInput {
    fn into_core(self) -> Factor {
        match self {
            FactorInput::Totp { code, method } => Factor::Totp {
                code: SecretString::new(code),
                method,
            },
            FactorInput::BackupCode { code } => Factor::BackupCode(SecretString::new(code)),
            FactorInput::Email { code, method } => Factor::Email {
                code: SecretString::new(code),
                method,
            },
            FactorInput::Duo {
                method,
                factor,
                device,
                passcode,
            } => Factor::Duo {
                method,
                request: DuoRequest {
                    factor,
                    device,
                    passcode: passcode.map(SecretString::new),
                },
            },
        }
    }
}

/// Duo's status messages ("Pushed a login request…") go to the UI as they come; the UI's
/// Cancel, and any lock, set the flag, which is checked between polls. When a lock came since
/// the session was read (`ticket`), nothing is sent to Duo: `locked`. A lock bumps the epoch
/// before it sets the flag, so clearing the flag here cannot lose a later one.
fn progress<'a>(
    state: &'a AppState,
    ticket: Ticket,
    on_status: &'a mut dyn FnMut(&str),
) -> CommandResult<Progress<'a>> {
    let cancel: &AtomicBool = &state.duo_cancel;
    cancel.store(false, Ordering::SeqCst);
    if state.epoch() != ticket.epoch() {
        return Err(CommandError::locked());
    }
    Ok(Progress { on_status, cancel })
}

#[tauri::command(async)]
#[specta::specta]
pub fn mfa_status(state: State<'_, AppState>) -> CommandResult<MfaStatus> {
    status(&state)
}

/// [`mfa_status`], without the Tauri runtime: a file's, a member waiting for their factor, or
/// the open team workspace's member's own (their settings; the offline copy's answer is the
/// core's offline message).
pub fn status(state: &AppState) -> CommandResult<MfaStatus> {
    // A member's settings are read from the server.
    super::blocking(|| match &mut *state.lock() {
        Session::Open(ws) => Ok(ws.mfa_status()?),
        Session::Pending(p) => Ok(p.status().clone()),
        Session::TeamPending(t) => Ok(each_pending!(&**t, p => p.status().clone())),
        Session::Team(open) => match &mut **open {
            TeamOpen::Online(ws, _) => match ws.offline_since() {
                Some(since) => Err(super::team::offline_at(since)),
                None => Ok(ws.mfa_status()?),
            },
            TeamOpen::Offline(ws) => Err(super::team::offline(ws)),
        },
        Session::Locked => Err(CommandError::locked()),
    })
}

/// Checks the second factor of a pending unlock (a file's, or a team member's).
#[tauri::command(async)]
#[specta::specta]
pub fn verify_factor(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    factor: FactorInput,
    progress_channel: Channel<String>,
) -> CommandResult<VerifiedDto> {
    let out = off_runtime(|| verify(&state, factor, &progress_channel))?;
    crate::refresh::ensure(&app);
    Ok(out)
}

/// Where a factor's verdict leaves the session.
enum Settled {
    /// Open: the session to install, and what the page is told.
    Open(Session, VerifiedDto),
    /// Not open: the pending state to try again from (if any), and why.
    Retry(Option<Session>, CommandError),
}

/// The verdict on a pending unlock of any kind: `open` makes the session of what opened,
/// `pending` the session to retry from.
fn settle<G: Guarded>(
    outcome: FactorOutcome<G>,
    open: impl FnOnce(G) -> CommandResult<Session>,
    pending: impl FnOnce(PendingMfa<G>) -> Session,
) -> CommandResult<Settled> {
    let (retry, error) = match outcome {
        FactorOutcome::Open(opened, verified) => {
            let session = open(*opened)?;
            let out = VerifiedDto {
                session: super::team::describe(&session),
                backup_codes_left: verified.backup_codes_left,
                failed_open: verified.failed_open,
            };
            return Ok(Settled::Open(session, out));
        }
        // The page asks for a passcode on `duo_sms_sent`; the user must enrol elsewhere on
        // `duo_enroll`. Both stay pending.
        FactorOutcome::SmsSent(p) => (Some(p), CommandError::duo_sms_sent()),
        FactorOutcome::EnrolFirst { message, retry, .. } => (
            Some(retry),
            CommandError::new(ErrorCode::DuoEnroll, message),
        ),
        FactorOutcome::Refused(refusal) => (refusal.retry, refusal.error.into()),
    };
    Ok(Settled::Retry(retry.map(|p| pending(*p)), error))
}

/// Charges the factor with the session held, runs it (waits for Duo) without, and records
/// it with the session held again if it is still the same one.
fn verify(
    state: &AppState,
    factor: FactorInput,
    progress_channel: &Channel<String>,
) -> CommandResult<VerifiedDto> {
    let factor = factor.into_core();
    let (charged, ticket) = {
        let mut session = state.lock();
        let ticket = session.ticket();
        let charged = match &mut *session {
            Session::Pending(pending) => pending.charge_factor(&factor),
            Session::TeamPending(t) => each_pending!(&mut **t, p => p.charge_factor(&factor)),
            _ => return Err(CommandError::locked()),
        };
        match charged {
            Ok(charged) => (charged, ticket),
            Err(e) => {
                // Nothing to retry from: the password again.
                *session = Session::Locked;
                return Err(e.into());
            }
        }
    };
    let mut report = |m: &str| {
        let _ = progress_channel.send(m.to_owned());
    };
    let ran = charged.run(progress(state, ticket, &mut report)?);
    // A lock while Duo waited (Ctrl+L, sleep) wins over the approval.
    let mut session = state.relock(ticket)?;
    let settled = match std::mem::take(&mut *session) {
        Session::Pending(p) => settle(
            p.record_factor(ran),
            |ws| Ok(Session::Open(ws)),
            Session::Pending,
        ),
        // The member's workspace opens (from the server, or the offline copy) with the
        // session held: nothing else can use it meanwhile.
        Session::TeamPending(t) => match *t {
            TeamPending::Online(p, link) => {
                let retry = link.clone();
                settle(
                    p.record_factor(ran),
                    |member| {
                        Ok(Session::team(TeamOpen::Online(
                            member.open_workspace()?,
                            link,
                        )))
                    },
                    |p| Session::team_pending(TeamPending::Online(p, retry)),
                )
            }
            TeamPending::Offline(p) => settle(
                p.record_factor(ran),
                |member| Ok(Session::team(TeamOpen::Offline(member.open_workspace()?))),
                |p| Session::team_pending(TeamPending::Offline(p)),
            ),
        },
        _ => return Err(CommandError::locked()),
    };
    match settled? {
        Settled::Open(opened, out) => {
            session.install(opened, ticket.epoch())?;
            Ok(out)
        }
        Settled::Retry(retry, error) => {
            if let Some(p) = retry {
                *session = p;
            }
            Err(error)
        }
    }
}

/// Verifies a fresh factor so that security settings can change for five minutes. Duo's status
/// messages arrive on `progress_channel` as during unlock. The session is not held while Duo
/// waits.
#[tauri::command(async)]
#[specta::specta]
pub fn step_up(
    state: State<'_, AppState>,
    factor: FactorInput,
    progress_channel: Channel<String>,
) -> CommandResult<()> {
    off_runtime(|| check_step_up(&state, factor, &progress_channel))
}

fn check_step_up(
    state: &AppState,
    factor: FactorInput,
    progress_channel: &Channel<String>,
) -> CommandResult<()> {
    let factor = factor.into_core();
    let (charged, ticket) = {
        let mut session = state.lock();
        let ticket = session.ticket();
        let charged = match &mut *session {
            Session::Open(ws) => ws.charge_step_up(&factor)?,
            Session::Team(open) => match &mut **open {
                TeamOpen::Online(ws, _) => ws.charge_step_up(&factor)?,
                TeamOpen::Offline(_) => return Err(CommandError::team_workspace()),
            },
            _ => return Err(CommandError::locked()),
        };
        (charged, ticket)
    };
    let mut report = |m: &str| {
        let _ = progress_channel.send(m.to_owned());
    };
    let ran = charged.run(progress(state, ticket, &mut report)?);
    let outcome = match &mut *state.relock(ticket)? {
        Session::Open(ws) => ws.record_step_up(ran)?,
        Session::Team(open) => match &mut **open {
            TeamOpen::Online(ws, _) => ws.record_step_up(ran)?,
            TeamOpen::Offline(_) => return Err(CommandError::team_workspace()),
        },
        _ => return Err(CommandError::locked()),
    };
    match outcome {
        StepUpOutcome::Verified(_) => Ok(()),
        StepUpOutcome::SmsSent => Err(CommandError::duo_sms_sent()),
    }
}

#[tauri::command(async)]
#[specta::specta]
pub fn begin_totp(state: State<'_, AppState>, label: String) -> CommandResult<EnrolmentDto> {
    totp_begin(&state, &label)
}

/// [`begin_totp`], without the Tauri runtime (a file's, or a team member's own).
pub fn totp_begin(state: &AppState, label: &str) -> CommandResult<EnrolmentDto> {
    with_guarded!(state, |ws| {
        let e = ws.begin_totp(label)?;
        let qr = e.qr().map_err(portcullis_core::workspace::Error::from)?;
        Ok(EnrolmentDto {
            label: e.label.clone(),
            qr_svg: qr.svg(),
            key: e.key.expose_secret().to_owned(),
            expires: e.expires,
        })
    })
}

#[tauri::command(async)]
#[specta::specta]
pub fn confirm_totp(state: State<'_, AppState>, code: String) -> CommandResult<EnabledDto> {
    totp_confirm(&state, &code)
}

/// [`confirm_totp`], without the Tauri runtime.
pub fn totp_confirm(state: &AppState, code: &str) -> CommandResult<EnabledDto> {
    with_guarded!(state, |ws| {
        let (label, codes) = ws.confirm_totp(code)?;
        Ok(EnabledDto::new(label, codes))
    })
}

#[tauri::command(async)]
#[specta::specta]
pub fn regenerate_backup_codes(state: State<'_, AppState>) -> CommandResult<Vec<String>> {
    with_guarded!(state, |ws| {
        Ok(ws
            .regenerate_backup_codes()?
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect())
    })
}

#[tauri::command(async)]
#[specta::specta]
pub fn delete_backup_codes(state: State<'_, AppState>) -> CommandResult<()> {
    with_guarded!(state, |ws| Ok(ws.delete_backup_codes()?))
}

#[tauri::command(async)]
#[specta::specta]
pub fn remove_method(state: State<'_, AppState>, label: String) -> CommandResult<()> {
    with_guarded!(state, |ws| Ok(ws.remove_method(&label)?))
}

#[tauri::command(async)]
#[specta::specta]
pub fn set_default_method(state: State<'_, AppState>, label: String) -> CommandResult<()> {
    with_guarded!(state, |ws| Ok(ws.set_default_method(&label)?))
}

#[tauri::command(async)]
#[specta::specta]
pub fn rename_method(
    state: State<'_, AppState>,
    label: String,
    new_label: String,
) -> CommandResult<()> {
    with_guarded!(state, |ws| Ok(ws.rename_method(&label, &new_label)?))
}

/// The time the second-factor rules read: a file's own clock; the app's for a member.
trait GuardedNow {
    fn guarded_now(&self) -> i64;
}

impl GuardedNow for portcullis_core::OpenWorkspace {
    fn guarded_now(&self) -> i64 {
        self.clock().now()
    }
}

impl GuardedNow for portcullis_core::team::TeamWorkspace {
    fn guarded_now(&self) -> i64 {
        use portcullis_core::clock::Clock;
        portcullis_core::clock::SystemClock.now()
    }
}

fn guarded_now(ws: &impl GuardedNow) -> i64 {
    ws.guarded_now()
}

/// The Duo wizard's first page.
#[derive(Deserialize, specta::Type)]
pub struct DuoSettingsInput {
    pub host: String,
    pub ikey: String,
    pub skey: String,
    pub username: String,
    /// A PEM file to trust besides the system's roots (on-premises proxy, emulator).
    pub ca_file: Option<String>,
    #[serde(default)]
    pub failmode_safe: bool,
}

impl DuoSettingsInput {
    fn into_core(self) -> CommandResult<DuoSettings> {
        Ok(DuoSettings {
            ca_pem: super::read_ca_file(self.ca_file.as_deref())?,
            host: self.host,
            ikey: self.ikey,
            skey: SecretString::new(self.skey),
            username: self.username,
            sig: SigVersion::V5,
            failmode: if self.failmode_safe {
                Failmode::Safe
            } else {
                Failmode::Secure
            },
            proxy: None,
        })
    }
}

fn duo_error(e: duo::Error) -> CommandError {
    let code = match e {
        duo::Error::BadIntegrationKey => ErrorCode::DuoBadIkey,
        duo::Error::BadSecretKey => ErrorCode::DuoBadSkey,
        duo::Error::BadHost => ErrorCode::DuoBadHost,
        duo::Error::BadClock => ErrorCode::DuoBadClock,
        ref other if other.is_unavailable() => ErrorCode::DuoUnavailable,
        _ => ErrorCode::DuoError,
    };
    CommandError::new(code, e.to_string())
}

/// What Duo says about the user: the devices to choose from, each with the factor the core
/// offers first, and a warning when the clocks are far apart.
#[derive(Serialize, specta::Type)]
pub struct DuoPreauthDto {
    pub result: DuoPreauthResult,
    pub devices: Vec<duo::Device>,
    pub message: String,
    /// Device id → the factor to preselect.
    pub default_factors: BTreeMap<String, duo::Factor>,
    pub clock_warning: Option<String>,
}

/// Whether Duo asks this user for a second factor (`auth`) or lets them through (`allow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DuoPreauthResult {
    /// Choose a device and a factor.
    Auth,
    /// Duo bypasses the second factor for this user.
    Allow,
}

/// Checks the keys (naming the wrong one) and lists the user's devices; the set-up is kept
/// for [`add_duo`]. Only for the wizard of an open workspace: the page cannot send requests
/// to any host otherwise.
#[tauri::command(async)]
#[specta::specta]
pub fn duo_preauth(
    state: State<'_, AppState>,
    settings: DuoSettingsInput,
) -> CommandResult<DuoPreauthDto> {
    let since = state.epoch();
    // A file's clock, or (a team member's settings) the app's.
    let now = with_guarded!(state, |ws| Ok(guarded_now(ws)))?;
    let settings = settings.into_core()?;
    let started = off_runtime(|| {
        DuoEnrolment::start(settings, now).map_err(|e| match e {
            StartError::Duo(e) => duo_error(e),
            StartError::Denied(message) => CommandError::new(ErrorCode::DuoDenied, message),
        })
    })?;
    let enrolment = match started {
        DuoStart::Ready(e) => e,
        enrol_first => {
            let message = enrol_first.enrol_message().unwrap_or_default();
            return Err(CommandError::new(ErrorCode::DuoEnroll, message));
        }
    };
    let devices = enrolment.devices().to_vec();
    let out = DuoPreauthDto {
        result: if enrolment.bypass().is_some() {
            DuoPreauthResult::Allow
        } else {
            DuoPreauthResult::Auth
        },
        message: enrolment.bypass().unwrap_or_default().to_owned(),
        default_factors: devices
            .iter()
            .map(|d| (d.device.clone(), enrolment.default_factor(&d.device)))
            .collect(),
        clock_warning: enrolment.clock_warning(),
        devices,
    };
    // A lock while Duo answered drops the set-up (and its secret key) instead of keeping it.
    state.keep_duo_enrolment(since, enrolment);
    Ok(out)
}

/// Saves Duo as a method after one approved test on the chosen device and factor, with the
/// settings [`duo_preauth`] checked.
#[tauri::command(async)]
#[specta::specta]
pub fn add_duo(
    state: State<'_, AppState>,
    label: String,
    device: String,
    factor: Option<duo::Factor>,
    progress_channel: Channel<String>,
) -> CommandResult<EnabledDto> {
    let mut report = |m: &str| {
        let _ = progress_channel.send(m.to_owned());
    };
    let since = state.epoch();
    let enrolment = state.take_duo_enrolment().ok_or_else(|| {
        CommandError::new(
            ErrorCode::Invalid,
            "check the Duo settings again before the test",
        )
    })?;
    // The keys are checked with the session held, the test runs without it, and the method
    // is saved with it held again if it is still the same session.
    let finished = off_runtime(|| {
        let (test, ticket) = read_guarded!(state, |ws| {
            Ok(enrolment.prepare(ws, &label, &device, factor)?)
        })?;
        let tested = test.run(
            &DuoRequest::default(),
            progress(&state, ticket, &mut report)?,
        );
        with_same_guarded!(state, ticket, |ws| Ok(tested.save(ws)?))
    });
    match finished {
        Ok(DuoEnrolled::Enabled { backup_codes, .. }) => Ok(EnabledDto::new(label, backup_codes)),
        other => {
            // Not finished: the wizard may try again (unless the app locked meanwhile).
            state.keep_duo_enrolment(since, enrolment);
            match other {
                // The wizard has no passcode field: it says so and offers the other factors.
                Ok(_) => Err(CommandError::duo_sms_sent()),
                Err(e) => Err(e),
            }
        }
    }
}

/// Stops waiting for a Duo push or call.
#[tauri::command]
#[specta::specta]
pub fn duo_cancel(state: State<'_, AppState>) {
    state.duo_cancel.store(true, Ordering::SeqCst);
}

/// The devices Duo offers now, for the unlock screen's device chooser.
#[tauri::command(async)]
#[specta::specta]
pub fn duo_devices(
    state: State<'_, AppState>,
    label: Option<String>,
) -> CommandResult<Vec<duo::Device>> {
    // The method is read with the session held; Duo is asked without.
    let method = match &mut *state.lock() {
        Session::Pending(p) => p.duo_method(label.as_deref())?,
        Session::TeamPending(t) => each_pending!(&mut **t, p => p.duo_method(label.as_deref())?),
        Session::Open(ws) => ws.duo_method(label.as_deref())?,
        Session::Team(open) => match &mut **open {
            TeamOpen::Online(ws, _) => ws.duo_method(label.as_deref())?,
            TeamOpen::Offline(_) => return Err(CommandError::team_workspace()),
        },
        Session::Locked => return Err(CommandError::locked()),
    };
    off_runtime(|| {
        method.devices().map_err(|e| {
            portcullis_core::workspace::Error::from(portcullis_core::mfa::Error::Duo(e)).into()
        })
    })
}

/// Asks where to save backup codes (the native dialog, run from Rust so the page has no file
/// access) and writes them there, readable by the user only. False when cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn save_backup_codes(app: tauri::AppHandle, codes: Vec<String>) -> CommandResult<bool> {
    use tauri_plugin_dialog::DialogExt;
    let Some(path) = app
        .dialog()
        .file()
        .set_file_name("portcullis-backup-codes.txt")
        .add_filter("Text", &["txt"])
        .blocking_save_file()
        .and_then(|f| f.into_path().ok())
    else {
        return Ok(false);
    };
    let text = zeroize::Zeroizing::new(format!(
        "Portcullis backup codes\nEach code works once.\n\n{}\n",
        codes.join("\n")
    ));
    portcullis_core::secret_file::write_new(&path, text.as_bytes()).map_err(|e| match e {
        portcullis_core::secret_file::Error::Exists(_) => {
            CommandError::new(ErrorCode::Exists, e.to_string())
        }
        _ => CommandError::new(ErrorCode::Io, "the file could not be written"),
    })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::workspace::open_with;
    use duo_emulator::{Answer, Config, Emulator};
    use portcullis_core::mfa::duo::Factor as DuoFactor;
    use portcullis_core::workspace::duo_enrolment::DuoStart;
    use portcullis_core::{KdfParams, OpenWorkspace};
    use std::path::Path;
    use std::sync::{mpsc, Arc, Mutex};
    use tauri::ipc::InvokeResponseBody;

    const PHONE: &str = "DPFZRS9FB0D46QFTM891";
    const PASSWORD: &str = "pw";

    /// A workspace with Duo on alice's phone (set up with a passcode, so no push waits), and
    /// the emulator whose phone answers pushes as `push` after `delay_ms`.
    fn secured(path: &Path, push: Answer, delay_ms: u64) -> Emulator {
        let config = Config::demo();
        let emu = Emulator::start(config.clone()).unwrap();
        let mut ws = OpenWorkspace::create(
            path,
            &SecretString::new(PASSWORD.into()),
            KdfParams::new(1024, 1, 1).unwrap(),
        )
        .unwrap();
        let settings = DuoSettings {
            host: emu.api_host(),
            ikey: config.ikey.clone(),
            skey: config.skey.as_str().into(),
            username: "alice".into(),
            ca_pem: Some(emu.ca_pem().to_owned()),
            sig: SigVersion::V5,
            failmode: Failmode::Secure,
            proxy: None,
        };
        let Ok(DuoStart::Ready(enrolment)) = DuoEnrolment::start(settings, 0) else {
            panic!("Duo set-up did not start");
        };
        let test = DuoRequest {
            factor: Some(DuoFactor::Passcode),
            device: None,
            passcode: Some("123456".into()),
        };
        let cancel = AtomicBool::new(false);
        let progress = Progress {
            on_status: &mut |_| {},
            cancel: &cancel,
        };
        enrolment
            .finish(
                &mut ws,
                "Duo",
                PHONE,
                Some(DuoFactor::Push),
                &test,
                progress,
            )
            .unwrap();
        emu.update(|c| {
            let phone = &mut c.users.get_mut("alice").unwrap().devices[0];
            phone.push = push;
            phone.delay_ms = delay_ms;
        });
        emu
    }

    fn push() -> FactorInput {
        FactorInput::Duo {
            method: None,
            factor: Some(DuoFactor::Push),
            device: None,
            passcode: None,
        }
    }

    /// The app, waiting for the second factor of the workspace at `path`.
    fn pending(path: &Path) -> Arc<AppState> {
        let state = Arc::new(AppState::default());
        let password = SecretString::new(PASSWORD.into());
        open_with(&state, &path.display().to_string(), |locked| {
            Ok(locked.unlock(&password)?)
        })
        .unwrap();
        assert!(matches!(*state.lock(), Session::Pending(_)));
        state
    }

    /// A progress channel that calls `on_status` with each of Duo's status messages.
    fn channel(on_status: impl Fn(&str) + Send + Sync + 'static) -> Channel<String> {
        Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                on_status(&json);
            }
            Ok(())
        })
    }

    #[test]
    fn while_duo_waits_other_commands_and_a_lock_answer_and_the_lock_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        // The user takes a minute to answer: the wait outlasts the test.
        let emu = secured(&path, Answer::Approve, 60_000);
        let state = pending(&path);
        let (pushed_tx, pushed_rx) = mpsc::channel();
        let pushed_tx = Mutex::new(pushed_tx);
        let progress = channel(move |_| {
            let _ = pushed_tx.lock().unwrap().send(());
        });
        std::thread::scope(|s| {
            let waiting = s.spawn(|| verify(&state, push(), &progress));
            // The push went out and Duo waits for the user.
            pushed_rx.recv().unwrap();
            // Another command is answered meanwhile.
            match &*state.lock() {
                Session::Pending(p) => assert!(p.status().enabled),
                _ => panic!("the pending unlock is gone while Duo waits"),
            }
            // The lock takes effect at once, while the push still waits.
            assert!(state.lock_session());
            assert!(matches!(*state.lock(), Session::Locked));
            assert!(
                state.duo_cancel.load(Ordering::SeqCst),
                "the lock did not cancel the Duo wait"
            );
            // Ends the long poll (instead of waiting a minute for the user).
            emu.set_reachable(false);
            let err = waiting.join().unwrap().map(|_| ()).unwrap_err();
            assert_eq!(err.code, ErrorCode::Locked, "{}", err.message);
        });
        assert!(matches!(*state.lock(), Session::Locked));
    }

    #[test]
    fn a_lock_before_duo_is_asked_sends_nothing_and_a_lock_after_cancels_the_wait() {
        let state = AppState::default();
        let ticket = state.lock().ticket();
        let mut quiet = |_: &str| {};
        assert!(progress(&state, ticket, &mut quiet).is_ok());
        assert!(!state.duo_cancel.load(Ordering::SeqCst));
        state.lock_session();
        assert!(
            state.duo_cancel.load(Ordering::SeqCst),
            "a lock during the wait cancels it"
        );
        let mut quiet = |_: &str| {};
        let err = progress(&state, ticket, &mut quiet)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::Locked);
    }

    #[test]
    fn an_approval_that_arrives_after_a_lock_does_not_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        // The phone approves at once: its status message comes with the approval.
        let _emu = secured(&path, Answer::Approve, 0);
        let state = pending(&path);
        let (locked_tx, locked_rx) = mpsc::channel();
        let locked_tx = Mutex::new(locked_tx);
        let locker = state.clone();
        // The desktop locks just as Duo's approval arrives.
        let progress = channel(move |_| {
            let _ = locked_tx.lock().unwrap().send(locker.lock_session());
        });
        let err = verify(&state, push(), &progress).map(|_| ()).unwrap_err();
        assert_eq!(
            locked_rx.try_recv(),
            Ok(true),
            "no lock came during the wait"
        );
        assert_eq!(err.code, ErrorCode::Locked, "{}", err.message);
        assert!(matches!(*state.lock(), Session::Locked));
    }

    #[test]
    fn an_approval_with_no_lock_opens_and_a_step_up_waits_without_the_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        let emu = secured(&path, Answer::Approve, 0);
        let state = pending(&path);
        let verified = verify(&state, push(), &channel(|_| {})).unwrap();
        assert!(!verified.failed_open);
        assert!(matches!(*state.lock(), Session::Open(_)));

        emu.update(|c| c.users.get_mut("alice").unwrap().devices[0].delay_ms = 60_000);
        let (pushed_tx, pushed_rx) = mpsc::channel();
        let pushed_tx = Mutex::new(pushed_tx);
        let progress = channel(move |_| {
            let _ = pushed_tx.lock().unwrap().send(());
        });
        std::thread::scope(|s| {
            let waiting = s.spawn(|| check_step_up(&state, push(), &progress));
            pushed_rx.recv().unwrap();
            // Reading the workspace works while the step-up waits for Duo.
            let status = crate::commands::with_open(&state, |ws| Ok(ws.mfa_status()?)).unwrap();
            assert!(status.enabled);
            assert!(state.lock_session());
            emu.set_reachable(false);
            let err = waiting.join().unwrap().unwrap_err();
            assert_eq!(err.code, ErrorCode::Locked, "{}", err.message);
        });
        assert!(matches!(*state.lock(), Session::Locked));
    }
}
