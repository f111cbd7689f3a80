//! mfa status, totp begin/confirm, backup-codes, remove, default, rename, expiry-days (Duo and
//! email have their own modules).

use super::unlock_password;
use crate::cli::{BackupCodesCommand, DuoCommand, EmailCommand, MfaCommand, TotpCommand};
use crate::input::SecretInput;
use crate::output::{print_json, rfc3339};
use anyhow::Result;
use portcullis_core::mfa::{MethodState, MethodType, MfaStatus};
use portcullis_core::workspace::Unlock;
use portcullis_core::Guarded;
use portcullis_core::SecretString;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::Path;

pub fn run(command: MfaCommand, input: &mut SecretInput) -> Result<()> {
    match command {
        MfaCommand::Status { workspace, json } => status(&workspace, json, input),
        MfaCommand::Duo(DuoCommand::Add(args)) => super::duo::add(args, input),
        MfaCommand::Email(EmailCommand::Add(args)) => super::email::add(args, input),
        MfaCommand::Email(EmailCommand::Confirm {
            workspace,
            code,
            json,
        }) => super::email::confirm(&workspace, &code, json, input),
        MfaCommand::Duo(DuoCommand::Devices {
            workspace,
            label,
            json,
        }) => super::duo::devices(&workspace, label.as_deref(), json, input),
        MfaCommand::Totp(TotpCommand::Begin {
            workspace,
            label,
            qr_png,
            qr_svg,
            json,
        }) => {
            let e = with_guarded!(&workspace, input, |ws| ws.begin_totp(&label)?);
            let qr = e.qr()?;
            if let Some(path) = qr_png {
                write_file(&path, &qr.png(8)?)?;
            }
            if let Some(path) = qr_svg {
                write_file(&path, qr.svg().as_bytes())?;
            }
            let secret = e.key.expose_secret().replace(' ', "");
            if json {
                return print_json(&serde_json::json!({
                    "uri": e.uri.expose_secret(),
                    "secret": secret,
                    "expires": rfc3339(e.expires),
                    "label": e.label,
                }));
            }
            if std::io::stdout().is_terminal() {
                println!("Scan this with your authenticator app:\n{}", qr.terminal());
            }
            println!("uri:     {}", e.uri.expose_secret());
            println!("key:     {}", e.key.expose_secret());
            println!("expires: {} (10 minutes)", rfc3339(e.expires));
            println!(
                "Then run: portcullis mfa totp confirm {} CODE",
                workspace.display()
            );
            Ok(())
        }
        MfaCommand::Totp(TotpCommand::Confirm {
            workspace,
            code,
            json,
        }) => {
            let (label, codes) = with_guarded!(&workspace, input, |ws| ws.confirm_totp(&code)?);
            if json {
                return print_json(&serde_json::json!({
                    "label": label,
                    "backup_codes": codes.as_deref().map(expose_all),
                }));
            }
            println!("authenticator “{label}” enabled");
            if let Some(codes) = codes {
                print_backup_codes(&codes);
            }
            Ok(())
        }
        MfaCommand::BackupCodes(BackupCodesCommand::Regenerate { workspace, json }) => {
            let codes = with_guarded!(&workspace, input, |ws| ws.regenerate_backup_codes()?);
            if json {
                return print_json(&serde_json::json!({ "backup_codes": expose_all(&codes) }));
            }
            print_backup_codes(&codes);
            Ok(())
        }
        MfaCommand::BackupCodes(BackupCodesCommand::Delete { workspace }) => {
            with_guarded!(&workspace, input, |ws| ws.delete_backup_codes()?);
            println!("backup codes deleted");
            Ok(())
        }
        MfaCommand::Remove { workspace, label } => {
            let still_on = with_guarded!(&workspace, input, |ws| {
                ws.remove_method(&label)?;
                ws.mfa_status()?.enabled
            });
            if still_on {
                println!("removed “{label}”");
            } else {
                println!("removed “{label}”; MFA is now off for this workspace");
            }
            Ok(())
        }
        MfaCommand::Default { workspace, label } => {
            with_guarded!(&workspace, input, |ws| ws.set_default_method(&label)?);
            println!("“{label}” is now the default method");
            Ok(())
        }
        MfaCommand::Rename {
            workspace,
            label,
            new_label,
        } => {
            with_guarded!(&workspace, input, |ws| ws
                .rename_method(&label, &new_label)?);
            println!("“{label}” renamed to “{new_label}”");
            Ok(())
        }
        MfaCommand::ExpiryDays { workspace, days } => {
            with_guarded!(&workspace, input, |ws| ws.set_mfa_expiry_days(days)?);
            println!("methods unchanged for {days} days will show as expired");
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct MethodJson<'a> {
    label: &'a str,
    kind: MethodType,
    state: MethodState,
    last_change: String,
    default: bool,
}

fn status(path: &Path, json: bool, input: &mut SecretInput) -> Result<()> {
    let status: MfaStatus = match super::team_url(path) {
        Some(url) => super::team::mfa_status(url, input)?,
        None => match unlock_password(path, input)? {
            Unlock::Open(mut ws) => ws.mfa_status()?,
            Unlock::PendingMfa(p) => p.status().clone(),
        },
    };
    let state = if status.enabled {
        "enabled"
    } else {
        "not enabled"
    };
    if json {
        let methods: Vec<MethodJson<'_>> = status
            .methods
            .iter()
            .map(|m| MethodJson {
                label: &m.label,
                kind: m.kind,
                state: m.state,
                last_change: rfc3339(m.changed),
                default: m.default,
            })
            .collect();
        return print_json(&serde_json::json!({
            "state": state,
            "methods": methods,
            "backup_codes_left": status.backup_codes_left,
            "locked_for_seconds": status.locked_for,
        }));
    }
    println!("MFA: {state}");
    for m in &status.methods {
        let state = match m.state {
            MethodState::Enabled => "enabled",
            MethodState::Expired => "expired (re-enroll to rotate its secret)",
        };
        let default = if m.default { ", default" } else { "" };
        println!(
            "  {}: {}{default}, {state}, changed {}",
            m.label,
            crate::input::kind_name(m.kind),
            rfc3339(m.changed)
        );
    }
    if let Some(left) = status.backup_codes_left {
        println!("backup codes left: {left}");
    }
    if let Some(wait) = status.locked_for {
        println!("locked: next try in {wait} s");
    }
    Ok(())
}

pub fn expose_all(codes: &[SecretString]) -> Vec<&str> {
    codes.iter().map(SecretString::expose_secret).collect()
}

pub fn print_backup_codes(codes: &[SecretString]) {
    println!("Backup codes (each works once; save them now, they are not shown again):");
    for c in codes {
        println!("  {}", c.expose_secret());
    }
}

/// A QR code holds the seed: written like every secret file (new, owner-only).
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(portcullis_core::secret_file::write_new(path, bytes)?)
}
