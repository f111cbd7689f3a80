//! Where passwords come from: PORTCULLIS_PASSWORD, the terminal, or lines of standard input.
//! Never from an argument.

use anyhow::{bail, Context, Result};
use portcullis_core::SecretString;
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

/// Environment variable holding the master password, for scripts.
pub const PASSWORD_ENV: &str = "PORTCULLIS_PASSWORD";
/// Environment variable holding the new master password for `passwd`, for scripts.
pub const NEW_PASSWORD_ENV: &str = "PORTCULLIS_NEW_PASSWORD";

/// Reads secrets in the order the contract gives.
pub struct SecretInput {
    terminal: bool,
}

impl SecretInput {
    pub fn new() -> Self {
        Self {
            terminal: std::io::stdin().is_terminal(),
        }
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
        let password = if let Some(p) = from_env(env) {
            p
        } else if self.terminal {
            let first = prompt("New master password: ")?;
            let second = prompt("Repeat it: ")?;
            if first != second {
                bail!("the two passwords differ; nothing was changed");
            }
            first
        } else {
            self.next_line()?
                .context("no new master password on standard input")?
        };
        if password.is_empty() {
            bail!("the master password cannot be empty");
        }
        Ok(password)
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
