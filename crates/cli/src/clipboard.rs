//! Copying a secret for the CLI, under the app's clipboard rules: marked so that clipboard
//! managers keep it out of their history, and cleared after a delay if the clipboard still
//! holds it. On X11 the clipboard is served by its owner: this process waits the delay out
//! (ended sooner, the copy goes with it).

use anyhow::{Context, Result};
use portcullis_core::SecretString;
use std::time::Duration;
use zeroize::Zeroizing;

/// Copies `secret`, says `note` on standard error, waits `clear_after`, then clears the
/// clipboard if it still holds `secret`.
pub fn hold(secret: &SecretString, clear_after: Duration, note: &str) -> Result<()> {
    let mut board = arboard::Clipboard::new().context("no clipboard to copy the password to")?;
    set(&mut board, secret).context("cannot copy the password to the clipboard")?;
    eprintln!("{note}");
    std::thread::sleep(clear_after);
    if board
        .get_text()
        .is_ok_and(|now| Zeroizing::new(now).as_str() == secret.expose_secret())
    {
        let _ = board.clear();
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn set(board: &mut arboard::Clipboard, secret: &SecretString) -> Result<(), arboard::Error> {
    use arboard::SetExtLinux;
    board
        .set()
        .exclude_from_history()
        .text(secret.expose_secret().to_owned())
}

#[cfg(not(target_os = "linux"))]
fn set(board: &mut arboard::Clipboard, secret: &SecretString) -> Result<(), arboard::Error> {
    board.set_text(secret.expose_secret().to_owned())
}
