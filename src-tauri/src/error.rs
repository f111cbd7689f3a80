//! Errors as they cross IPC: `{code, message}`, so the UI branches on codes and words them in
//! the user's language. Messages come from the core (English) and never carry a secret; the page
//! shows one only for a code it has no text for.

use portcullis_core::mfa::Error as MfaError;
use portcullis_core::workspace::Error;
use serde::Serialize;

/// What went wrong, as the page branches on it and translates it. The wire values (snake case)
/// are stable: `ui/src/ipc/bindings.ts` has them as a union type, and the page has an English
/// and a French text for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No workspace is open in this window.
    Locked,
    /// The workspace needs a second factor.
    MfaRequired,
    /// A wrong one-time code.
    WrongCode,
    /// A code that was already used.
    Replayed,
    /// A wrong backup code.
    WrongBackupCode,
    /// Too many wrong codes: wait (`wait_secs`).
    LockedOut,
    /// Too many wrong codes: the password must be entered again (`wait_secs`).
    PasswordRequired,
    /// No enrolment is under way.
    NoEnrolment,
    /// The enrolment took too long.
    EnrolmentExpired,
    /// No method has this label, or it is of another kind.
    UnknownMethod,
    /// A label that is empty or already used.
    BadLabel,
    /// The change needs a fresh second factor.
    StepUpRequired,
    /// The method or set is not enabled.
    NotEnabled,
    /// Duo could not be reached.
    DuoUnavailable,
    /// Duo refused.
    DuoDenied,
    /// The Duo user must enrol a device first.
    DuoEnroll,
    /// Duo sent SMS passcodes.
    DuoSmsSent,
    /// Another Duo failure.
    DuoError,
    /// Duo refused the integration key.
    DuoBadIkey,
    /// Duo refused the secret key.
    DuoBadSkey,
    /// The Duo API host is wrong.
    DuoBadHost,
    /// This computer's clock is too far from Duo's.
    DuoBadClock,
    /// No emailed code is valid now.
    EmailCodeExpired,
    /// A code was emailed recently (`wait_secs`).
    EmailRateLimited,
    /// The email could not be sent.
    EmailError,
    /// A bug or a failure of the system; the message says which.
    Internal,
    /// No such file.
    NotFound,
    /// The file or item exists already.
    Exists,
    /// The file is not a workspace.
    NotWorkspace,
    /// The workspace was written by a newer version.
    TooNew,
    /// A wrong password (or a damaged file).
    WrongPassword,
    /// The workspace is bound to another device.
    NotOnThisDevice,
    /// The system keyring cannot be used.
    KeyringUnavailable,
    /// The file is damaged.
    Damaged,
    /// The file asks for a costly key derivation (`kdf_cost`), to confirm.
    CostlyKdf,
    /// Another change is under way.
    Busy,
    /// The workspace is open in another window or process.
    OpenElsewhere,
    /// No entry matches.
    NoEntry,
    /// Several entries match.
    Ambiguous,
    /// A refused value; the message says which.
    Invalid,
    /// An otpauth URI or key that cannot be read.
    InvalidOtp,
    /// A file that cannot be imported.
    InvalidImport,
    /// The import file is encrypted: a password is needed.
    PasswordNeeded,
    /// There is no image on the clipboard.
    NoImage,
    /// The clipboard cannot be used.
    NoClipboard,
    /// The page named a file it was not given: choose it again.
    NoFile,
    /// A file could not be read or written.
    Io,
    /// Binding the workspace to this device failed.
    DeviceBinding,
    /// Quick unlock failed.
    QuickUnlock,
    /// The remote connection has no linked login.
    NoLogin,
    /// A program the connection needs is not installed (`missing` names it and its package).
    MissingProgram,
    /// The server did not accept the linked login's password (it was sent once).
    LoginFailed,
    /// The connection failed before any password was sent (unreachable, changed host key).
    BeforePassword,
    /// The RDP server's certificate was refused under the entry's policy.
    CertificateRefused,
    /// The SSH server presented no host key to pin.
    NoHostKey,
    /// The terminal emulator did not start the SSH session.
    TerminalFailed,
    /// The connection could not be prepared; the message says why.
    ConnectFailed,
    /// The command is a file workspace's (security, device binding, quick unlock, the
    /// Portcullis export); the window holds a team workspace.
    TeamWorkspace,
    /// No PostgreSQL server answered, and this computer has no offline copy of the workspace.
    TeamUnreachable,
    /// The team workspace is read from its offline copy: changes need the server (the message
    /// says when it was last synced).
    Offline,
    /// Another member changed or deleted the entry meanwhile; nothing was saved.
    Conflict,
    /// A viewer of the team workspace cannot change entries.
    ReadOnly,
    /// No database password was typed, kept in the keyring, or found as libpq finds it.
    DatabasePassword,
    /// Another team-workspace failure (the server refused, the chain does not check…); the
    /// message says which.
    Team,
}

/// A command's error.
#[derive(Debug, Serialize, specta::Type)]
pub struct CommandError {
    /// Stable machine code.
    pub code: ErrorCode,
    /// One sentence for the user, in English (the page's fallback).
    pub message: String,
    /// Seconds to wait, for lockouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_secs: Option<u64>,
    /// What a costly key derivation asks for, to confirm it: `{memory_mib, passes}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kdf_cost: Option<KdfCost>,
    /// The program a connection needs and the Debian package that has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<MissingProgram>,
}

/// A program that is not installed, and the Debian package to install.
#[derive(Debug, Serialize, specta::Type)]
pub struct MissingProgram {
    pub program: String,
    pub package: String,
}

/// The cost of a key derivation the user is asked to confirm.
#[derive(Debug, Serialize, specta::Type)]
pub struct KdfCost {
    pub memory_mib: u32,
    pub passes: u32,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            wait_secs: None,
            kdf_cost: None,
            missing: None,
        }
    }

    /// No workspace is open in this window.
    pub fn locked() -> Self {
        Self::new(ErrorCode::Locked, "the workspace is locked")
    }

    /// A file workspace's command while the window holds a team workspace.
    pub fn team_workspace() -> Self {
        Self::new(
            ErrorCode::TeamWorkspace,
            "this is a file workspace's setting; a team workspace does not have it",
        )
    }

    /// Duo sent SMS passcodes (an outcome in the core): the page asks for one.
    pub fn duo_sms_sent() -> Self {
        Error::from(MfaError::DuoSmsSent).into()
    }
}

fn mfa_code(e: &MfaError) -> ErrorCode {
    use ErrorCode as C;
    match e {
        MfaError::Required => C::MfaRequired,
        MfaError::WrongCode => C::WrongCode,
        MfaError::Replayed => C::Replayed,
        MfaError::WrongBackupCode => C::WrongBackupCode,
        MfaError::LockedOut { .. } => C::LockedOut,
        MfaError::PasswordRequired { .. } => C::PasswordRequired,
        MfaError::NoEnrolment => C::NoEnrolment,
        MfaError::EnrolmentExpired => C::EnrolmentExpired,
        MfaError::UnknownMethod(_) | MfaError::WrongKind(_) => C::UnknownMethod,
        MfaError::DuplicateLabel(_) | MfaError::EmptyLabel => C::BadLabel,
        MfaError::StepUpRequired => C::StepUpRequired,
        MfaError::NotEnabled | MfaError::NoBackupCodes | MfaError::NoDuoMethod => C::NotEnabled,
        MfaError::DuoUnavailable(_)
        | MfaError::FailOpensSpent(_)
        | MfaError::FailedOpenNotEnough => C::DuoUnavailable,
        MfaError::DuoDenied(_) => C::DuoDenied,
        MfaError::DuoEnroll(_) => C::DuoEnroll,
        MfaError::DuoSmsSent => C::DuoSmsSent,
        MfaError::Duo(_) => C::DuoError,
        MfaError::NoEmailCode | MfaError::EmailCodeExpired => C::EmailCodeExpired,
        MfaError::EmailRateLimited { .. } => C::EmailRateLimited,
        MfaError::NoEmailMethod => C::NotEnabled,
        MfaError::NoEmailEnrolment => C::NoEnrolment,
        MfaError::Email(_) => C::EmailError,
        MfaError::Qr(_) | MfaError::Crypto => C::Internal,
    }
}

fn team_code(e: &portcullis_core::team::Error) -> ErrorCode {
    use portcullis_core::team::Error as T;
    use ErrorCode as C;
    match e {
        T::Unreachable(_) => C::TeamUnreachable,
        T::Offline { .. } => C::Offline,
        T::Conflict(_) => C::Conflict,
        T::ReadOnly => C::ReadOnly,
        T::CostlyKdf { .. } => C::CostlyKdf,
        T::Url(_) | T::KdfBelowFloor => C::Invalid,
        T::Identity(portcullis_core::team::IdentityError::WrongPasswordOrDamaged) => {
            C::WrongPassword
        }
        _ => C::Team,
    }
}

impl From<portcullis_core::team::Error> for CommandError {
    fn from(e: portcullis_core::team::Error) -> Self {
        Error::from(e).into()
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        use ErrorCode as C;
        let code = match &e {
            Error::NotFound(_) => C::NotFound,
            Error::AlreadyExists(_) => C::Exists,
            Error::NotWorkspace => C::NotWorkspace,
            Error::TooNew => C::TooNew,
            Error::WrongPasswordOrDamaged | Error::WrongPasswordOrRecoveryKey => C::WrongPassword,
            Error::NotOnThisDevice => C::NotOnThisDevice,
            Error::Keyring(_) => C::KeyringUnavailable,
            Error::Damaged(_) | Error::KdfOutOfBounds => C::Damaged,
            Error::CostlyKdf { .. } => C::CostlyKdf,
            Error::KdfBelowFloor => C::Invalid,
            Error::Busy => C::Busy,
            Error::NoMatch(_) => C::NoEntry,
            Error::Ambiguous(..) => C::Ambiguous,
            Error::Invalid(_) => C::Invalid,
            Error::Otp(_) => C::InvalidOtp,
            Error::Mfa(m) => mfa_code(m),
            Error::File(portcullis_core::secret_file::Error::Exists(_)) => C::Exists,
            Error::File(_) => C::Io,
            Error::NotOnTeam => C::Invalid,
            Error::Team(_) => portcullis_core::team::Error::of(&e).map_or(C::Internal, team_code),
            Error::Crypto | Error::Storage(_) => C::Internal,
        };
        let wait_secs = match &e {
            Error::Mfa(
                MfaError::LockedOut { wait_secs }
                | MfaError::PasswordRequired { wait_secs }
                | MfaError::EmailRateLimited { wait_secs },
            ) => Some(*wait_secs),
            _ => None,
        };
        let costly = match &e {
            Error::Team(_) => match portcullis_core::team::Error::of(&e) {
                Some(portcullis_core::team::Error::CostlyKdf { memory_mib, passes }) => {
                    Some((memory_mib, passes))
                }
                _ => None,
            },
            Error::CostlyKdf { memory_mib, passes } => Some((memory_mib, passes)),
            _ => None,
        };
        let kdf_cost = match costly {
            Some((memory_mib, passes)) => Some(KdfCost {
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
            missing: None,
        }
    }
}

impl From<portcullis_core::connect::Error> for CommandError {
    fn from(e: portcullis_core::connect::Error) -> Self {
        use portcullis_core::connect::Error as E;
        use ErrorCode as C;
        let code = match e {
            E::Workspace(w) => return w.into(),
            E::NotRemote(_) | E::NotALogin | E::Unsafe(_) | E::HostKey(_) | E::SshKey(_) => {
                C::Invalid
            }
            E::NoLogin => C::NoLogin,
            // The app asks for the key before it connects.
            E::NotPinned(_) | E::NoHostKey(_) => C::NoHostKey,
            E::MissingProgram { program, package } => {
                let mut out = CommandError::new(C::MissingProgram, e.to_string());
                out.missing = Some(MissingProgram {
                    program: program.into(),
                    package: package.into(),
                });
                return out;
            }
            E::NoAuthOnly => C::Internal,
            E::AskedTwice | E::LoginFailed => C::LoginFailed,
            E::BeforePassword => C::BeforePassword,
            E::Certificate(_) => C::CertificateRefused,
            E::TerminalFailed => C::TerminalFailed,
            // A login's SSH key with no agent, or refused by ssh-add: the message says which.
            E::Io(_) | E::NoAgent | E::Agent(_) => C::ConnectFailed,
        };
        let message = match &e {
            // The core's words name the CLI; the page words it by its code.
            E::NoLogin => "this connection has no linked login".to_owned(),
            E::BeforePassword => "the connection failed before any password was sent".to_owned(),
            _ => e.to_string(),
        };
        CommandError::new(code, message)
    }
}

/// The result of a command.
pub type CommandResult<T> = Result<T, CommandError>;

impl From<portcullis_core::workspace::LeaseError> for CommandError {
    fn from(e: portcullis_core::workspace::LeaseError) -> Self {
        use portcullis_core::workspace::LeaseError;
        use ErrorCode as C;
        let code = match e {
            LeaseError::Held => C::OpenElsewhere,
            LeaseError::Io(_) => C::Io,
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
        assert!(plain.get("missing").is_none());
    }

    #[test]
    fn a_missing_client_reaches_the_page_with_its_package() {
        let e = CommandError::from(portcullis_core::connect::Error::MissingProgram {
            program: "ssh",
            package: "openssh-client",
        });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "missing_program");
        assert_eq!(json["missing"]["program"], "ssh");
        assert_eq!(json["missing"]["package"], "openssh-client");
        let e = CommandError::from(portcullis_core::connect::Error::AskedTwice);
        assert_eq!(e.code, ErrorCode::LoginFailed);
    }
}
