//! mfa email add / confirm: codes by email through the user's SMTP server.

use crate::cli::EmailAddArgs;
use crate::input::SecretInput;
use crate::output::{print_json, rfc3339};
use crate::progress::with_spinner;
use anyhow::{bail, Result};
use portcullis_core::mfa::email::{self, EmailSettings, Security};
use portcullis_core::Guarded;
use portcullis_core::SecretString;
use std::path::Path;

/// Checks the settings by sending a confirmation code; `confirm` enables the method.
pub fn add(args: EmailAddArgs, input: &mut SecretInput) -> Result<()> {
    // A CA file that cannot be read is refused before any password is asked.
    let ca_pem = super::read_ca_file(args.ca_file.as_deref())?;
    let workspace = args.workspace.clone();
    with_guarded!(&workspace, input, |ws| add_to(&mut ws, args, ca_pem, input))
}

fn add_to<G: Guarded>(
    ws: &mut G,
    args: EmailAddArgs,
    ca_pem: Option<String>,
    input: &mut SecretInput,
) -> Result<()> {
    let password = match &args.smtp_user {
        Some(_) => input.smtp_password()?,
        None => SecretString::default(),
    };
    let security = match (args.starttls, args.tls) {
        (true, _) => Security::StartTls,
        (_, true) => Security::Tls,
        _ => Security::None,
    };
    let settings = EmailSettings {
        host: args.smtp_host,
        port: args.smtp_port,
        security,
        allow_plaintext: args.insecure_plaintext,
        user: args.smtp_user,
        password,
        ca_pem,
        from: args.from,
        to: args.to,
    };
    if let Err(e @ email::Error::PlaintextToRemote(_)) = settings.validate() {
        bail!("{e}, or pass --insecure-plaintext");
    }
    if security == Security::None && !email::is_this_machine(&settings.host) {
        eprintln!(
            "warning: codes to {} travel unencrypted: anyone on the network path can read them, and so holds this factor",
            settings.host.trim()
        );
    }
    let sent = with_spinner("Sending the confirmation code…", || {
        ws.begin_email(&args.label, settings)
    })?;
    eprintln!("note: email is weaker than an authenticator: whoever reads this mailbox holds the factor (NIST SP 800-63B no longer counts email as out-of-band)");
    if args.json {
        return print_json(&serde_json::json!({
            "label": sent.label,
            "to": sent.to,
            "expires": rfc3339(sent.expires),
        }));
    }
    println!(
        "A confirmation code was sent to {}; it works until {} (10 minutes).",
        sent.to,
        rfc3339(sent.expires)
    );
    println!(
        "Then run: portcullis mfa email confirm {} CODE",
        args.workspace.display()
    );
    Ok(())
}

/// Enables the pending email method with the code it received.
pub fn confirm(workspace: &Path, code: &str, json: bool, input: &mut SecretInput) -> Result<()> {
    let (label, codes) = with_guarded!(workspace, input, |ws| ws.confirm_email(code)?);
    if json {
        return print_json(&serde_json::json!({
            "label": label,
            "backup_codes": codes.as_deref().map(super::mfa::expose_all),
        }));
    }
    println!("email method “{label}” enabled");
    if let Some(codes) = codes {
        super::mfa::print_backup_codes(&codes);
    }
    Ok(())
}
