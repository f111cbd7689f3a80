//! Where passwords come from: PORTCULLIS_PASSWORD, the terminal, or lines of standard input.
//! Never from an argument.

use crate::cli::FactorArgs;
use anyhow::{bail, Context, Result};
use portcullis_core::mfa::duo::{self, DuoRequest};
use portcullis_core::mfa::{Factor, MethodStatus, MethodType, MfaStatus};
use portcullis_core::team::TeamUrl;
use portcullis_core::SecretString;
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

/// Environment variable holding the master password, for scripts.
pub const PASSWORD_ENV: &str = "PORTCULLIS_PASSWORD";
/// Environment variable holding a Duo secret key for `mfa duo add`, for scripts.
pub const DUO_SKEY_ENV: &str = "PORTCULLIS_DUO_SKEY";
/// Environment variable holding the new master password for `passwd`, for scripts.
pub const NEW_PASSWORD_ENV: &str = "PORTCULLIS_NEW_PASSWORD";
/// The password of a KeePass file being exported.
pub const EXPORT_PASSWORD_ENV: &str = "PORTCULLIS_EXPORT_PASSWORD";
/// The password of an encrypted file being imported.
pub const IMPORT_PASSWORD_ENV: &str = "PORTCULLIS_IMPORT_PASSWORD";
/// The recovery key of a device-binding recovery kit, for `device-binding restore`.
pub const RECOVERY_KEY_ENV: &str = "PORTCULLIS_RECOVERY_KEY";
/// The SMTP password for `mfa email add`.
pub const SMTP_PASSWORD_ENV: &str = "PORTCULLIS_SMTP_PASSWORD";

/// What the user gave at the second-factor step.
pub enum Answer {
    /// A factor to check.
    Factor(Factor),
    /// Email a code for this method (or the default one); with `exit`, stop once it is sent.
    SendEmail {
        /// The email method's label.
        method: Option<String>,
        /// `--email-send`: the code is used by a later run.
        exit: bool,
    },
}

/// Reads secrets in the order the contract gives.
pub struct SecretInput {
    terminal: bool,
    factor: FactorArgs,
    allow_costly_kdf: bool,
}

impl SecretInput {
    pub fn new(factor: FactorArgs, allow_costly_kdf: bool) -> Self {
        Self {
            terminal: std::io::stdin().is_terminal(),
            factor,
            allow_costly_kdf,
        }
    }

    /// Whether `--allow-costly-kdf` accepts a key derivation above 1 GiB.
    pub fn allow_costly_kdf(&self) -> bool {
        self.allow_costly_kdf
    }

    /// The second factor: from the flags, or asked on a terminal (the default method first,
    /// then any other).
    pub fn factor(&mut self, status: &MfaStatus) -> Result<Answer> {
        if std::mem::take(&mut self.factor.email_send) {
            return Ok(Answer::SendEmail {
                method: self.factor.method.take(),
                exit: true,
            });
        }
        if let Some(code) = self.factor.email_code.take() {
            return Ok(Answer::Factor(Factor::Email {
                code: SecretString::new(code),
                method: self.factor.method.take(),
            }));
        }
        self.factor_from_flags_or_terminal(status)
    }

    fn factor_from_flags_or_terminal(&mut self, status: &MfaStatus) -> Result<Answer> {
        let factor = |f| Ok(Answer::Factor(f));
        if let Some(code) = self.factor.totp.take() {
            return factor(Factor::Totp {
                code: SecretString::new(code),
                method: self.factor.method.take(),
            });
        }
        if let Some(code) = self.factor.backup_code.take() {
            return factor(Factor::BackupCode(SecretString::new(code)));
        }
        if let Some(duo) = self.factor.duo.take() {
            return factor(Factor::Duo {
                method: self.factor.method.take(),
                request: DuoRequest {
                    factor: Some(duo.to_core()),
                    device: self.factor.duo_device.take(),
                    passcode: self.factor.duo_passcode.take().map(SecretString::new),
                },
            });
        }
        if !self.terminal {
            if status.methods.iter().any(|m| m.kind == MethodType::Email) {
                bail!("this workspace needs a second factor: add --email-send, then --email-code CODE; or --totp CODE [--method LABEL], --duo FACTOR or --backup-code CODE");
            }
            bail!("this workspace needs a second factor: add --totp CODE [--method LABEL], --duo FACTOR or --backup-code CODE");
        }
        let Some(default) = status.methods.first() else {
            bail!("this workspace needs a second factor");
        };
        if let Some(answer) = self.ask_method(default)? {
            return Ok(answer);
        }
        eprintln!("Methods:");
        for (i, m) in status.methods.iter().enumerate() {
            eprintln!("  {}. {} ({})", i + 1, m.label, kind_name(m.kind));
        }
        let backup = status.methods.len() + 1;
        if status.backup_codes_left.is_some_and(|n| n > 0) {
            eprintln!("  {backup}. a backup code");
        }
        let choice = prompt("Choose a number: ")?;
        let n: usize = choice.expose_secret().trim().parse().unwrap_or(0);
        if n == backup {
            return factor(Factor::BackupCode(prompt("Backup code: ")?));
        }
        let method = status
            .methods
            .get(n.wrapping_sub(1))
            .context("no such method")?;
        self.ask_method(method)?.context("no factor given")
    }

    /// Asks for one method's factor; `None` when the user chooses another method.
    fn ask_method(&mut self, method: &MethodStatus) -> Result<Option<Answer>> {
        let label = method.label.clone();
        if method.kind == MethodType::Email {
            let answer = prompt(&format!(
                "Email “{label}”: Enter to send a code, or o for another method: "
            ))?;
            return Ok(
                (answer.expose_secret().trim() != "o").then_some(Answer::SendEmail {
                    method: Some(label),
                    exit: false,
                }),
            );
        }
        if method.kind == MethodType::Duo {
            let answer = prompt(&format!(
                "Duo “{label}”: Enter for the saved device and factor, p for push, c for a call, s for SMS, a passcode, or o for another method: "
            ))?;
            let mut request = DuoRequest::default();
            match answer.expose_secret().trim() {
                "o" => return Ok(None),
                "" => {}
                "p" => request.factor = Some(duo::Factor::Push),
                "c" => request.factor = Some(duo::Factor::Phone),
                "s" => request.factor = Some(duo::Factor::Sms),
                _ => {
                    request.factor = Some(duo::Factor::Passcode);
                    request.passcode = Some(answer);
                }
            }
            return Ok(Some(Answer::Factor(Factor::Duo {
                method: Some(label),
                request,
            })));
        }
        let code = prompt(&format!(
            "Code from “{label}” (Enter to try another method): "
        ))?;
        Ok((!code.is_empty()).then_some(Answer::Factor(Factor::Totp {
            code,
            method: Some(label),
        })))
    }

    /// The code of an email that was just sent, on a terminal; `None` without one.
    pub fn email_code(&mut self) -> Result<Option<SecretString>> {
        if !self.terminal {
            return Ok(None);
        }
        prompt("Code from the email: ").map(Some)
    }

    /// A recovery key: PORTCULLIS_RECOVERY_KEY, a terminal prompt, or the next stdin line.
    pub fn recovery_key(&mut self) -> Result<SecretString> {
        if let Some(k) = from_env(RECOVERY_KEY_ENV) {
            return Ok(k);
        }
        if self.terminal {
            return prompt("Recovery key (from the recovery kit): ");
        }
        self.next_line()?.context(
            "no recovery key: set PORTCULLIS_RECOVERY_KEY, type it on a terminal or send it on standard input",
        )
    }

    /// The SMTP password: PORTCULLIS_SMTP_PASSWORD, a terminal prompt, or the next stdin line.
    pub fn smtp_password(&mut self) -> Result<SecretString> {
        if let Some(p) = from_env(SMTP_PASSWORD_ENV) {
            return Ok(p);
        }
        let password = if self.terminal {
            prompt("SMTP password: ")?
        } else {
            self.next_line()?.context(
                "no SMTP password: set PORTCULLIS_SMTP_PASSWORD, type it on a terminal or send it on standard input",
            )?
        };
        if password.is_empty() {
            bail!("the SMTP password cannot be empty");
        }
        Ok(password)
    }

    /// The PostgreSQL password of a team address, as libpq finds it (PGPASSWORD, the password
    /// file), else a terminal prompt or the next stdin line.
    pub fn database_password(&mut self, url: &TeamUrl) -> Result<SecretString> {
        if let Some(p) = portcullis_core::team::stored_password(url) {
            return Ok(p);
        }
        if self.terminal {
            return prompt(&format!("Database password for {}: ", url.server()));
        }
        self.next_line()?.context(
            "no database password: set PGPASSWORD, add it to ~/.pgpass, type it on a terminal or send it on standard input",
        )
    }

    /// A Duo passcode after SMS passcodes were sent, when a terminal can ask for it.
    pub fn sms_passcode(&mut self) -> Result<Option<SecretString>> {
        if !self.terminal {
            return Ok(None);
        }
        prompt("SMS passcode: ").map(Some)
    }

    /// The Duo secret key: PORTCULLIS_DUO_SKEY, a terminal prompt, or the next stdin line.
    pub fn duo_secret_key(&mut self) -> Result<SecretString> {
        if let Some(k) = from_env(DUO_SKEY_ENV) {
            return Ok(k);
        }
        let key = if self.terminal {
            prompt("Duo secret key: ")?
        } else {
            self.next_line()?.context(
                "no Duo secret key: set PORTCULLIS_DUO_SKEY, type it on a terminal or send it on standard input",
            )?
        };
        if key.is_empty() {
            bail!("the Duo secret key cannot be empty");
        }
        Ok(key)
    }

    /// The password of an encrypted import file: PORTCULLIS_IMPORT_PASSWORD, a terminal prompt,
    /// or the next stdin line.
    pub fn import_password(&mut self) -> Result<SecretString> {
        if let Some(p) = from_env(IMPORT_PASSWORD_ENV) {
            return Ok(p);
        }
        if self.terminal {
            return prompt("Password of the file to import: ");
        }
        self.next_line()?.context(
            "the file is encrypted: set PORTCULLIS_IMPORT_PASSWORD, type it on a terminal or send it on standard input",
        )
    }

    /// Lists `items` and asks to pick one, on a terminal; `None` without a terminal.
    pub fn choose(&mut self, question: &str, items: &[String]) -> Result<Option<usize>> {
        if !self.terminal {
            return Ok(None);
        }
        for (i, item) in items.iter().enumerate() {
            eprintln!("  {}. {item}", i + 1);
        }
        let answer = prompt(question)?;
        let n: usize = answer.expose_secret().trim().parse().unwrap_or(0);
        if n == 0 || n > items.len() {
            bail!("no such choice");
        }
        Ok(Some(n - 1))
    }

    /// A yes/no question on a terminal (yes only for `y` or `yes`); no without a terminal.
    pub fn confirm(&mut self, question: &str) -> Result<bool> {
        if !self.terminal {
            return Ok(false);
        }
        eprint!("{question}");
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .context("cannot read the answer")?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }

    /// Whether the user can be asked again after a wrong code.
    pub fn can_retry(&self) -> bool {
        self.terminal
    }

    /// The master password of an existing workspace.
    pub fn master_password(&mut self) -> Result<SecretString> {
        if let Some(p) = from_env(PASSWORD_ENV) {
            return Ok(p);
        }
        if self.terminal {
            return prompt("Master password: ");
        }
        self.next_line()?.context(
            "no master password: type it on a terminal, send it on standard input, or set PORTCULLIS_PASSWORD",
        )
    }

    /// A new master password: asked twice on a terminal.
    pub fn new_master_password(&mut self, env: &str) -> Result<SecretString> {
        let password = self.read_new_password(env, "New master password: ", "master password")?;
        // The core's rule for a master password, said before any key derivation.
        portcullis_core::new_workspace::check_master_password(&password)?;
        Ok(password)
    }

    /// A new password (from `env`, asked twice on a terminal as `question`, or the next line);
    /// `what` names it in errors.
    pub fn new_password(&mut self, env: &str, question: &str, what: &str) -> Result<SecretString> {
        let password = self.read_new_password(env, question, what)?;
        if password.is_empty() {
            bail!("the {what} cannot be empty");
        }
        Ok(password)
    }

    /// A new password as [`new_password`](Self::new_password) reads it, without its checks.
    fn read_new_password(&mut self, env: &str, question: &str, what: &str) -> Result<SecretString> {
        let password = if let Some(p) = from_env(env) {
            p
        } else if self.terminal {
            let first = prompt(question)?;
            let second = prompt("Repeat it: ")?;
            if first != second {
                bail!("the two passwords differ; nothing was changed");
            }
            first
        } else {
            self.next_line()?
                .with_context(|| format!("no new {what} on standard input"))?
        };
        Ok(password)
    }

    /// An OTP URI or key given as `--otp -`: asked on a terminal, else the next line.
    pub fn otp_secret(&mut self) -> Result<SecretString> {
        if self.terminal {
            return prompt("OTP URI or key: ");
        }
        self.next_line()?
            .context("--otp -: no OTP URI or key on standard input")
    }

    /// A secret custom field's value: asked on a terminal, else the next line.
    pub fn field_secret(&mut self, name: &str) -> Result<SecretString> {
        if self.terminal {
            return prompt(&format!("Value of the secret field “{name}”: "));
        }
        self.next_line()?
            .with_context(|| format!("--secret-field {name}: no value on standard input"))
    }

    /// An entry's password: prompted on a terminal, else the next line (empty at the end).
    pub fn entry_password(&mut self) -> Result<SecretString> {
        if self.terminal {
            return prompt("Entry password (empty for none): ");
        }
        Ok(self.next_line()?.unwrap_or_default())
    }

    fn next_line(&mut self) -> Result<Option<SecretString>> {
        let mut line = Zeroizing::new(String::new());
        let n = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read standard input")?;
        if n == 0 {
            return Ok(None);
        }
        let trimmed = line.trim_end_matches(['\n', '\r']);
        Ok(Some(SecretString::from(trimmed)))
    }
}

fn from_env(name: &str) -> Option<SecretString> {
    std::env::var(name).ok().map(SecretString::new)
}

fn prompt(text: &str) -> Result<SecretString> {
    rpassword::prompt_password(text)
        .map(SecretString::new)
        .context("cannot read the password from the terminal")
}

/// A method kind for people.
pub fn kind_name(kind: MethodType) -> &'static str {
    match kind {
        MethodType::Duo => "Duo",
        MethodType::Email => "email",
        MethodType::Totp => "authenticator",
    }
}
