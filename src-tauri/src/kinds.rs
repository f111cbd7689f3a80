//! Enums for the names that cross IPC (kinds, fields; protocols are the core's `Protocol`), so the page and the generated
//! TypeScript bindings know every value instead of taking any string.

use portcullis_core::mfa::{MethodState, MfaStatus};
use serde::{Deserialize, Serialize};

/// A second-factor method's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// An authenticator app (TOTP).
    Totp,
    /// Duo.
    Duo,
    /// Codes by email.
    Email,
}

impl MethodKind {
    /// The kind the core names (`totp`, `duo`, `email`); an unknown name is a bug of this
    /// mapping, caught by the test below, and shown as an authenticator.
    pub fn from_core(name: &str) -> Self {
        match name {
            "duo" => Self::Duo,
            "email" => Self::Email,
            _ => Self::Totp,
        }
    }
}

/// One method as the security screen shows it: no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct MethodStatusView {
    pub label: String,
    pub kind: MethodKind,
    pub state: MethodState,
    /// Last change (Unix seconds).
    pub changed: i64,
    /// Whether the prompt offers it first.
    pub default: bool,
}

/// The second-factor state of a workspace, for display (the core's `MfaStatus`, typed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct MfaStatusView {
    pub enabled: bool,
    /// Methods, the default first.
    pub methods: Vec<MethodStatusView>,
    /// Backup codes not used yet (`None` when there is no set).
    pub backup_codes_left: Option<usize>,
    /// Seconds until the next attempt is allowed, when locked out.
    pub locked_for: Option<u64>,
    /// After how many days an unchanged method shows as expired.
    pub expiry_days: u32,
}

impl From<&MfaStatus> for MfaStatusView {
    fn from(s: &MfaStatus) -> Self {
        Self {
            enabled: s.enabled,
            methods: s
                .methods
                .iter()
                .map(|m| MethodStatusView {
                    label: m.label.clone(),
                    kind: MethodKind::from_core(m.kind),
                    state: m.state,
                    changed: m.changed,
                    default: m.default,
                })
                .collect(),
            backup_codes_left: s.backup_codes_left,
            locked_for: s.locked_for,
            expiry_days: s.expiry_days,
        }
    }
}

impl From<MfaStatus> for MfaStatusView {
    fn from(s: MfaStatus) -> Self {
        Self::from(&s)
    }
}

/// What `copy_field` copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CopyField {
    /// The password of a login, or of the login a remote connection uses.
    Password,
    /// Its user name, likewise.
    Username,
    /// The current one-time code (an HOTP counter advances).
    Otp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_method_kind_has_its_own_value() {
        for (name, kind) in [
            ("totp", MethodKind::Totp),
            ("duo", MethodKind::Duo),
            ("email", MethodKind::Email),
        ] {
            assert_eq!(MethodKind::from_core(name), kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
    }
}
