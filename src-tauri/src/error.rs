//! Errors as they cross IPC: `{code, message}`, so the UI branches on codes. Messages come from
//! the core and never carry a secret.

use portcullis_core::mfa::Error as MfaError;
use portcullis_core::workspace::Error;
use serde::Serialize;

/// A command's error.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// Stable machine code.
    pub code: &'static str,
    /// One sentence for the user.
    pub message: String,
    /// Seconds to wait, for lockouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_secs: Option<u64>,
    /// What a costly key derivation asks for, to confirm it: `{memory_mib, passes}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kdf_cost: Option<KdfCost>,
}

/// The cost of a key derivation the user is asked to confirm.
#[derive(Debug, Serialize)]
pub struct KdfCost {
    pub memory_mib: u32,
    pub passes: u32,
}

impl CommandError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            wait_secs: None,
            kdf_cost: None,
        }
    }

    /// No workspace is open in this window.
    pub fn locked() -> Self {
        Self::new("locked", "the workspace is locked")
    }

    /// Duo sent SMS passcodes (an outcome in the core): the page asks for one.
    pub fn duo_sms_sent() -> Self {
        Error::from(MfaError::DuoSmsSent).into()
    }
}

fn mfa_code(e: &MfaError) -> &'static str {
    match e {
        MfaError::Required => "mfa_required",
        MfaError::WrongCode => "wrong_code",
        MfaError::Replayed => "replayed",
        MfaError::WrongBackupCode => "wrong_backup_code",
        MfaError::LockedOut { .. } => "locked_out",
        MfaError::PasswordRequired { .. } => "password_required",
        MfaError::NoEnrolment => "no_enrolment",
        MfaError::EnrolmentExpired => "enrolment_expired",
        MfaError::UnknownMethod(_) | MfaError::WrongKind(_) => "unknown_method",
        MfaError::DuplicateLabel(_) | MfaError::EmptyLabel => "bad_label",
        MfaError::StepUpRequired => "step_up_required",
        MfaError::NotEnabled | MfaError::NoBackupCodes | MfaError::NoDuoMethod => "not_enabled",
        MfaError::DuoUnavailable(_)
        | MfaError::FailOpensSpent(_)
        | MfaError::FailedOpenNotEnough => "duo_unavailable",
        MfaError::DuoDenied(_) => "duo_denied",
        MfaError::DuoEnroll(_) => "duo_enroll",
        MfaError::DuoSmsSent => "duo_sms_sent",
        MfaError::Duo(_) => "duo_error",
        MfaError::NoEmailCode | MfaError::EmailCodeExpired => "email_code_expired",
        MfaError::EmailRateLimited { .. } => "email_rate_limited",
        MfaError::NoEmailMethod => "not_enabled",
        MfaError::NoEmailEnrolment => "no_enrolment",
        MfaError::Email(_) => "email_error",
        MfaError::Qr(_) | MfaError::Crypto => "internal",
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::NotFound(_) => "not_found",
            Error::AlreadyExists(_) => "exists",
            Error::NotWorkspace => "not_workspace",
            Error::TooNew => "too_new",
            Error::WrongPasswordOrDamaged | Error::WrongPasswordOrRecoveryKey => "wrong_password",
            Error::NotOnThisDevice => "not_on_this_device",
            Error::Keyring(_) => "keyring_unavailable",
            Error::Damaged(_) | Error::KdfOutOfBounds => "damaged",
            Error::CostlyKdf { .. } => "costly_kdf",
            Error::KdfBelowFloor => "invalid",
            Error::Busy => "busy",
            Error::NoMatch(_) => "no_entry",
            Error::Ambiguous(..) => "ambiguous",
            Error::Invalid(_) => "invalid",
            Error::Otp(_) => "invalid_otp",
            Error::Mfa(m) => mfa_code(m),
            Error::File(portcullis_core::secret_file::Error::Exists(_)) => "exists",
            Error::File(_) => "io",
            Error::Crypto | Error::Storage(_) => "internal",
        };
        let wait_secs = match &e {
            Error::Mfa(
                MfaError::LockedOut { wait_secs }
                | MfaError::PasswordRequired { wait_secs }
                | MfaError::EmailRateLimited { wait_secs },
            ) => Some(*wait_secs),
            _ => None,
        };
        let kdf_cost = match &e {
            Error::CostlyKdf { memory_mib, passes } => Some(KdfCost {
                memory_mib: *memory_mib,
                passes: *passes,
            }),
            _ => None,
        };
        Self {
            code,
            message: e.to_string(),
            wait_secs,
            kdf_cost,
        }
    }
}

/// The result of a command.
pub type CommandResult<T> = Result<T, CommandError>;

impl From<portcullis_core::workspace::LeaseError> for CommandError {
    fn from(e: portcullis_core::workspace::LeaseError) -> Self {
        use portcullis_core::workspace::LeaseError;
        let code = match e {
            LeaseError::Held => "open_elsewhere",
            LeaseError::Io(_) => "io",
        };
        CommandError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_costly_kdf_reaches_the_page_with_its_cost() {
        let e = CommandError::from(Error::CostlyKdf {
            memory_mib: 4096,
            passes: 16,
        });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "costly_kdf");
        assert_eq!(json["kdf_cost"]["memory_mib"], 4096);
        assert_eq!(json["kdf_cost"]["passes"], 16);
        let plain = serde_json::to_value(CommandError::locked()).unwrap();
        assert!(plain.get("kdf_cost").is_none());
    }
}
