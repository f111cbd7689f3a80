//! Setting Duo up as a method, one flow for every front end: [`DuoEnrolment::start`] checks
//! the keys, measures the clock skew and lists the user's devices; [`DuoEnrolment::finish`]
//! runs one test on the chosen device and factor and saves the method.

use super::{Guarded, Result};
use crate::crypto::SecretString;
use crate::mfa::duo::client::{Client, Device, Error, Factor, Preauth};
use crate::mfa::duo::method::{
    default_factor, DuoMethod, DuoRequest, Failmode, Progress, RunError, Verdict,
};
use crate::mfa::duo::signing::SigVersion;

/// Beyond this many seconds between this computer's clock and Duo's, the set-up warns.
pub const MAX_CLOCK_SKEW: i64 = 60;

/// The settings typed in a Duo set-up.
#[derive(Clone, Debug)]
pub struct DuoSettings {
    /// API hostname, optionally with `:port`.
    pub host: String,
    /// Integration key.
    pub ikey: String,
    /// Secret key.
    pub skey: SecretString,
    /// The Duo user name.
    pub username: String,
    /// Extra CA certificate (PEM) to trust.
    pub ca_pem: Option<String>,
    /// Signature scheme.
    pub sig: SigVersion,
    /// Fail closed or open.
    pub failmode: Failmode,
    /// An HTTP(S) proxy to reach Duo through.
    pub proxy: Option<String>,
}

/// Why a set-up cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Duo could not be reached, or refused the keys.
    #[error(transparent)]
    Duo(#[from] Error),
    /// Duo denies this user.
    #[error("Duo denies this user: {0}")]
    Denied(String),
}

/// What starting a set-up gives.
#[derive(Debug)]
pub enum DuoStart {
    /// Duo knows the user: choose a device and a factor, then finish.
    Ready(DuoEnrolment),
    /// The user has no device yet: they enrol at Duo's portal first.
    EnrolFirst {
        /// The enrolment portal.
        portal_url: String,
    },
}

impl DuoStart {
    /// What to tell the user when they must enrol first (`None` when ready).
    pub fn enrol_message(&self) -> Option<String> {
        match self {
            Self::Ready(_) => None,
            Self::EnrolFirst { portal_url } => {
                Some(crate::mfa::Error::DuoEnroll(portal_url.clone()).to_string())
            }
        }
    }
}

/// What finishing a set-up gives.
#[derive(Debug)]
pub enum DuoEnrolled {
    /// The method is saved, with the factor it uses; the backup codes to show once when it
    /// is the first method.
    Enabled {
        /// The factor saved.
        factor: Factor,
        /// Backup codes, when this was the first method.
        backup_codes: Option<Vec<SecretString>>,
    },
    /// Duo sent SMS passcodes: finish again with the passcode factor and one of them.
    SmsSent,
}

/// A Duo set-up under way: keys checked, devices listed.
#[derive(Debug)]
pub struct DuoEnrolment {
    settings: DuoSettings,
    devices: Vec<Device>,
    bypass: Option<String>,
    clock_skew: i64,
}

impl DuoEnrolment {
    /// Checks the keys (naming the wrong one), measures how far this computer's clock (`now`,
    /// Unix seconds) is from Duo's and asks what Duo would do for the user.
    pub fn start(settings: DuoSettings, now: i64) -> std::result::Result<DuoStart, StartError> {
        let client = client(&settings)?;
        let clock_skew = client.ping()? - now;
        client.check()?;
        let (devices, bypass) = match client.preauth(&settings.username)? {
            Preauth::Auth { devices } => (devices, None),
            Preauth::Allow { status_msg } => (Vec::new(), Some(status_msg)),
            Preauth::Deny { status_msg } => return Err(StartError::Denied(status_msg)),
            Preauth::Enroll { portal_url, .. } => return Ok(DuoStart::EnrolFirst { portal_url }),
        };
        Ok(DuoStart::Ready(Self {
            settings,
            devices,
            bypass,
            clock_skew,
        }))
    }

    /// The user's devices.
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// Seconds between Duo's clock and this computer's (positive: Duo is ahead).
    pub fn clock_skew(&self) -> i64 {
        self.clock_skew
    }

    /// A warning when the clocks are far apart (Duo refuses requests when off by minutes).
    pub fn clock_warning(&self) -> Option<String> {
        (self.clock_skew.abs() > MAX_CLOCK_SKEW).then(|| {
            format!(
                "this computer's clock is {} s away from Duo's; Duo refuses requests when it is off by minutes",
                self.clock_skew
            )
        })
    }

    /// Duo's message when it lets this user in without a device (a bypass).
    pub fn bypass(&self) -> Option<&str> {
        self.bypass.as_deref()
    }

    /// The device with this id.
    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.device == id)
    }

    /// The factor to offer first for a device: Duo's `auto` when it can (and for a bypassed
    /// user), else push, a call, SMS, a passcode.
    pub fn default_factor(&self, device: &str) -> Factor {
        if self.bypass.is_some() {
            return Factor::Auto;
        }
        self.device(device).map_or(Factor::Passcode, default_factor)
    }

    /// Runs one test on `device` with `factor` (the default one when `None`) and, once Duo
    /// approves, saves the method as `label`. No second key check: [`start`](Self::start)
    /// made it. Needs a factor verified in the last minutes when MFA is on.
    pub fn finish<G: Guarded>(
        &self,
        ws: &mut G,
        label: &str,
        device: &str,
        factor: Option<Factor>,
        test: &DuoRequest,
        progress: Progress<'_>,
    ) -> Result<DuoEnrolled> {
        self.prepare(ws, label, device, factor)?
            .run(test, progress)
            .save(ws)
    }

    /// The first step of [`finish`](Self::finish) split in three for callers that hold no lock
    /// while Duo waits: checks the label and the fresh factor, then [`DuoTest::run`] (without
    /// the workspace) and [`DuoTested::save`] on this same workspace.
    pub fn prepare<G: Guarded>(
        &self,
        ws: &mut G,
        label: &str,
        device: &str,
        factor: Option<Factor>,
    ) -> Result<DuoTest> {
        ws.check_duo_label(label)?;
        let factor = factor.unwrap_or_else(|| self.default_factor(device));
        let s = &self.settings;
        let method = DuoMethod::new(
            &s.host,
            &s.ikey,
            s.skey.clone(),
            &s.username,
            s.ca_pem.clone(),
            s.sig,
            s.failmode,
            device,
            factor,
        )
        .with_proxy(s.proxy.clone());
        Ok(DuoTest {
            label: label.to_owned(),
            method,
        })
    }
}

/// A Duo method ready for its test (from [`DuoEnrolment::prepare`]).
#[derive(Debug)]
#[must_use]
pub struct DuoTest {
    label: String,
    method: DuoMethod,
}

impl DuoTest {
    /// Runs the test authentication, reporting through `progress` and stopping when its cancel
    /// flag is set. Touches no workspace.
    pub fn run(self, test: &DuoRequest, progress: Progress<'_>) -> DuoTested {
        let verdict = self.method.run(test, progress);
        DuoTested {
            label: self.label,
            method: self.method,
            verdict,
        }
    }
}

/// A Duo test that ran: save it with [`save`](Self::save).
#[derive(Debug)]
#[must_use]
pub struct DuoTested {
    label: String,
    method: DuoMethod,
    verdict: std::result::Result<Verdict, RunError>,
}

impl DuoTested {
    /// Saves the method as its label when Duo approved (the fresh factor and the label are
    /// checked again); SMS passcodes sent are an outcome, not an error.
    pub fn save<G: Guarded>(self, ws: &mut G) -> Result<DuoEnrolled> {
        ws.save_duo(&self.label, self.method, self.verdict)
    }
}

fn client(s: &DuoSettings) -> std::result::Result<Client, Error> {
    Client::with_proxy(
        &s.host,
        &s.ikey,
        s.skey.clone(),
        s.ca_pem.as_deref(),
        s.sig,
        s.proxy.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, SystemClock};
    use crate::workspace::OpenWorkspace;
    use duo_emulator::{Config, Emulator};
    use std::sync::atomic::AtomicBool;

    const PHONE: &str = "DPFZRS9FB0D46QFTM891";

    fn settings(emu: &Emulator, config: &Config, user: &str) -> DuoSettings {
        DuoSettings {
            host: emu.api_host(),
            ikey: config.ikey.clone(),
            skey: config.skey.as_str().into(),
            username: user.into(),
            ca_pem: Some(emu.ca_pem().to_owned()),
            sig: SigVersion::V5,
            failmode: Failmode::Secure,
            proxy: None,
        }
    }

    fn start(config: Config, user: &str) -> (Emulator, std::result::Result<DuoStart, StartError>) {
        let emu = Emulator::start(config.clone()).unwrap();
        let started = DuoEnrolment::start(settings(&emu, &config, user), SystemClock.now());
        (emu, started)
    }

    fn workspace(dir: &tempfile::TempDir) -> OpenWorkspace {
        let kdf = crate::KdfParams::new(1024, 1, 1).unwrap();
        OpenWorkspace::create(dir.path().join("w.pcx"), &"pw".into(), kdf).unwrap()
    }

    fn finish(
        e: &DuoEnrolment,
        ws: &mut OpenWorkspace,
        factor: Factor,
        passcode: Option<&str>,
    ) -> Result<DuoEnrolled> {
        let cancel = AtomicBool::new(false);
        let test = DuoRequest {
            factor: Some(factor),
            device: None,
            passcode: passcode.map(SecretString::from),
        };
        let progress = Progress {
            on_status: &mut |_| {},
            cancel: &cancel,
        };
        e.finish(ws, "Duo", PHONE, Some(factor), &test, progress)
    }

    #[test]
    fn a_set_up_lists_devices_warns_of_skew_and_saves_after_sms_without_a_second_check() {
        let mut config = Config::demo();
        config.clock_offset_secs = 120;
        let (emu, started) = start(config, "alice");
        let Ok(DuoStart::Ready(enrolment)) = started else {
            panic!("not ready: {started:?}");
        };
        assert_eq!(enrolment.devices().len(), 2);
        assert!((115..=125).contains(&enrolment.clock_skew()));
        assert!(enrolment
            .clock_warning()
            .unwrap()
            .contains("away from Duo's"));
        assert_eq!(enrolment.default_factor(PHONE), Factor::Auto);
        assert_eq!(enrolment.default_factor("unknown"), Factor::Passcode);

        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(&dir);
        let sent = finish(&enrolment, &mut ws, Factor::Sms, None).unwrap();
        assert!(matches!(sent, DuoEnrolled::SmsSent), "{sent:?}");
        let passcode = emu.sms_passcodes("alice")[0].clone();
        let before = emu.requests();
        let enabled = finish(&enrolment, &mut ws, Factor::Passcode, Some(&passcode)).unwrap();
        // preauth and auth only: the keys were checked by `start`.
        assert_eq!(emu.requests() - before, 2);
        let DuoEnrolled::Enabled {
            factor,
            backup_codes,
        } = enabled
        else {
            panic!("not enabled");
        };
        assert_eq!(factor, Factor::Passcode);
        assert!(
            backup_codes.is_some(),
            "the first method gives backup codes"
        );
        assert_eq!(ws.mfa_status().unwrap().methods.len(), 1);
    }

    #[test]
    fn enrolment_needed_is_an_outcome_and_a_denial_an_error() {
        let (_emu, started) = start(Config::demo(), "dave");
        let started = started.unwrap();
        assert!(matches!(started, DuoStart::EnrolFirst { .. }));
        assert!(started.enrol_message().unwrap().contains("enroll at"));
        let (_emu, started) = start(Config::demo(), "carol");
        assert!(matches!(started, Err(StartError::Denied(_))));
        let (_emu, started) = start(Config::demo(), "bob");
        let Ok(DuoStart::Ready(bypassed)) = started else {
            panic!("bob is bypassed");
        };
        assert!(bypassed.bypass().is_some());
        assert_eq!(bypassed.default_factor(""), Factor::Auto);
        assert!(bypassed.clock_warning().is_none());
    }
}
