//! What checking the second factor at unlock gives, as values: the workspace opens, Duo sent
//! SMS passcodes (ask for one), the Duo user must enrol first, or the factor is refused. The
//! front ends match on these instead of catching errors.

use crate::mfa::duo::{DuoRequest, Factor as DuoFactor, Progress};
use crate::mfa::{self, Factor, Verified};
use crate::workspace::{Error, Guarded, MfaRefusal, OpenWorkspace, PendingMfa, RanFactor};
use crate::SecretString;

/// The outcome of a factor at unlock.
#[derive(Debug)]
pub enum FactorOutcome<G: Guarded = OpenWorkspace> {
    /// Accepted: the workspace is open.
    Open(Box<G>, Verified),
    /// Duo sent SMS passcodes: verify again with [`sms_passcode`] and one of them.
    SmsSent(Box<PendingMfa<G>>),
    /// The Duo user has no device yet: they enrol at Duo's portal first.
    EnrolFirst {
        /// The enrolment portal.
        portal_url: String,
        /// What to tell the user.
        message: String,
        /// The state to try again from.
        retry: Box<PendingMfa<G>>,
    },
    /// Refused (a wrong code, a denial, a lockout…).
    Refused(MfaRefusal<G>),
}

impl<G: Guarded> PendingMfa<G> {
    /// Checks a factor as [`verify_with_progress`](Self::verify_with_progress) does, with
    /// SMS passcodes sent and an enrolment needed as outcomes.
    pub fn check(self, factor: &Factor, progress: Progress<'_>) -> FactorOutcome<G> {
        outcome(self.verify_with_progress(factor, progress))
    }

    /// The last step of [`check`](Self::check) split in three
    /// ([`charge_factor`](Self::charge_factor), [`ChargedFactor::run`](crate::workspace::ChargedFactor::run),
    /// this): commits the verdict of a factor this state charged.
    pub fn record_factor(self, ran: RanFactor) -> FactorOutcome<G> {
        outcome(self.record_ran(ran))
    }
}

fn outcome<G: Guarded>(
    verified: std::result::Result<(G, Verified), MfaRefusal<G>>,
) -> FactorOutcome<G> {
    match verified {
        Ok((ws, verified)) => FactorOutcome::Open(Box::new(ws), verified),
        Err(MfaRefusal {
            error: Error::Mfa(mfa::Error::DuoSmsSent),
            retry: Some(retry),
        }) => FactorOutcome::SmsSent(retry),
        Err(MfaRefusal {
            error: Error::Mfa(mfa::Error::DuoEnroll(portal_url)),
            retry: Some(retry),
        }) => FactorOutcome::EnrolFirst {
            message: mfa::Error::DuoEnroll(portal_url.clone()).to_string(),
            portal_url,
            retry,
        },
        Err(refusal) => FactorOutcome::Refused(refusal),
    }
}

pub use crate::workspace::StepUpOutcome;

/// The factor that answers [`FactorOutcome::SmsSent`]: the same Duo method (`method`), with
/// the passcode factor and one of the passcodes.
pub fn sms_passcode(method: Option<String>, passcode: SecretString) -> Factor {
    Factor::Duo {
        method,
        request: DuoRequest {
            factor: Some(DuoFactor::Passcode),
            device: None,
            passcode: Some(passcode),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mfa::duo::{Factor as DuoFactor, Failmode, SigVersion};
    use crate::workspace::duo_enrolment::{DuoEnrolment, DuoSettings, DuoStart};
    use crate::workspace::Unlock;
    use crate::{KdfParams, LockedWorkspace};
    use duo_emulator::{Config, Emulator};
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    const PHONE: &str = "DPFZRS9FB0D46QFTM891";

    fn quiet<T>(f: impl FnOnce(Progress<'_>) -> T) -> T {
        let cancel = AtomicBool::new(false);
        f(Progress {
            on_status: &mut |_| {},
            cancel: &cancel,
        })
    }

    /// A workspace with Duo on alice's phone, set up with a passcode.
    fn secured(path: &Path, emu: &Emulator, config: &Config) {
        let mut ws =
            OpenWorkspace::create(path, &"pw".into(), KdfParams::new(1024, 1, 1).unwrap()).unwrap();
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
        quiet(|p| enrolment.finish(&mut ws, "Duo", PHONE, Some(DuoFactor::Push), &test, p))
            .unwrap();
    }

    fn pending(path: &Path) -> PendingMfa {
        match LockedWorkspace::open(path).unwrap().unlock(&"pw".into()) {
            Ok(Unlock::PendingMfa(p)) => p,
            _ => panic!("no second factor asked"),
        }
    }

    fn duo(factor: DuoFactor) -> Factor {
        Factor::Duo {
            method: None,
            request: DuoRequest {
                factor: Some(factor),
                device: None,
                passcode: None,
            },
        }
    }

    #[test]
    fn sms_sent_and_enrolment_needed_are_outcomes_to_go_on_from() {
        let config = Config::demo();
        let emu = Emulator::start(config.clone()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        secured(&path, &emu, &config);

        let FactorOutcome::SmsSent(retry) =
            quiet(|p| pending(&path).check(&duo(DuoFactor::Sms), p))
        else {
            panic!("no SMS outcome");
        };
        let passcode = emu.sms_passcodes("alice")[0].clone();
        let answer = sms_passcode(None, passcode.into());
        let outcome = quiet(|p| retry.check(&answer, p));
        let FactorOutcome::Open(mut ws, _) = outcome else {
            panic!("not open: {outcome:?}");
        };
        let step_up = quiet(|p| ws.check_step_up(&duo(DuoFactor::Sms), p)).unwrap();
        assert!(matches!(step_up, StepUpOutcome::SmsSent), "{step_up:?}");
        let passcode = emu.sms_passcodes("alice")[1].clone();
        let step_up = quiet(|p| ws.check_step_up(&sms_passcode(None, passcode.into()), p));
        assert!(
            matches!(step_up, Ok(StepUpOutcome::Verified(_))),
            "{step_up:?}"
        );
        drop(ws);

        emu.update(|c| c.users.get_mut("alice").unwrap().preauth = "enroll".into());
        let outcome = quiet(|p| pending(&path).check(&duo(DuoFactor::Push), p));
        let FactorOutcome::EnrolFirst { message, .. } = outcome else {
            panic!("no enrolment outcome: {outcome:?}");
        };
        assert!(message.starts_with("this Duo user has no device yet: enroll at"));
        let wrong = Factor::Duo {
            method: None,
            request: DuoRequest {
                factor: Some(DuoFactor::Passcode),
                device: None,
                passcode: Some("1".into()),
            },
        };
        emu.update(|c| c.users.get_mut("alice").unwrap().preauth = "auth".into());
        let outcome = quiet(|p| pending(&path).check(&wrong, p));
        assert!(matches!(outcome, FactorOutcome::Refused(_)), "{outcome:?}");
    }
}
