//! TigerVNC's `vncviewer` for a plan: the password in VNC's password-file format (DES with
//! VNC's fixed key, as `tigervncpasswd -f` writes it), given through a [`PasswordPipe`] in the
//! session's owner-only folder and gone once the viewer read it.
//!
//! [`PasswordPipe`]: super::password_pipe::PasswordPipe

use super::command::ClientCommand;
use super::plan::Plan;
use super::Error;
use crate::crypto::SecretString;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// What `vncviewer` prints once the server accepted the password (the server's first frame
/// description comes after authentication).
pub const AUTHENTICATED: &str = "Using pixel format";
/// What it prints when the server refused it.
pub const REFUSED: &str = "Authentication failure";

/// VNC's key for password files (`d3des`' bit order turned into DES's usual one).
const KEY: [u8; 8] = [0xe8, 0x4a, 0xd6, 0x60, 0xc4, 0x72, 0x1a, 0xe0];

/// The 8 bytes of a VNC password file: the first 8 bytes of the password (VNC uses no more),
/// padded with zeros, encrypted with DES under VNC's fixed key. Obfuscation, not protection:
/// the file stays owner-only and short-lived.
pub fn password_file(password: &SecretString) -> Zeroizing<Vec<u8>> {
    use des::cipher::{BlockCipherEncrypt, KeyInit};
    let mut block = Zeroizing::new([0u8; 8]);
    let bytes = password.expose_secret().as_bytes();
    let n = bytes.len().min(8);
    block[..n].copy_from_slice(&bytes[..n]);
    let cipher = des::Des::new(&KEY.into());
    let mut b = des::cipher::Block::<des::Des>::from(*block);
    cipher.encrypt_block(&mut b);
    let out = Zeroizing::new(b.to_vec());
    // The stack copy of the block.
    zeroize::Zeroize::zeroize(&mut b[..]);
    out
}

/// Whether VNC would use only part of the password (it reads 8 bytes).
pub fn truncates(password: &SecretString) -> bool {
    password.expose_secret().len() > 8
}

/// The `vncviewer` command: `program`, the password file `passwd` (none: the viewer asks).
pub fn command(
    plan: &Plan,
    program: PathBuf,
    passwd: Option<&Path>,
) -> Result<ClientCommand, Error> {
    super::ssh::check_host(&plan.host)?;
    let mut c = ClientCommand::new(program);
    if let Some(p) = passwd {
        c.arg(&["-passwd", &p.to_string_lossy()]);
    }
    // Exit on a failure instead of waiting on a dialog (auth-only and scripts need it).
    c.arg(&[
        "-AlertOnFatalError=0",
        &format!("{}::{}", plan.host, plan.port),
    ]);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `printf s3cret | tigervncpasswd -f | xxd`, and an 8-byte cut.
    #[test]
    fn the_password_file_is_what_tigervncpasswd_writes() {
        assert_eq!(
            data_encoding::HEXLOWER.encode(&password_file(&"s3cret".into())),
            "e1431299b176609d"
        );
        assert_eq!(
            data_encoding::HEXLOWER.encode(&password_file(&"12345678-more".into())),
            "f0e43164f6c2e373"
        );
        assert!(truncates(&"123456789".into()) && !truncates(&"12345678".into()));
    }
}
