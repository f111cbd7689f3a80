//! The app's binary run by ssh as its `SSH_ASKPASS` (a Connect session in a terminal): prints
//! the password the running app gives for this prompt, once, over the session's private
//! socket (`portcullis_core::connect::askpass`). Nothing else of the app starts in this mode.

use std::io::Write;

/// Whether this process was started as the askpass helper (its channel is in the environment).
pub fn is_helper() -> bool {
    std::env::var_os(portcullis_core::connect::askpass::SOCKET_ENV).is_some()
}

/// Answers ssh's prompt (the first argument) on standard output; the exit status.
pub fn answer() -> i32 {
    let prompt = std::env::args_os()
        .nth(1)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    match portcullis_core::connect::askpass::helper_answer(&prompt) {
        Ok(password) => {
            let mut out = std::io::stdout().lock();
            let written = out
                .write_all(password.expose_secret().as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            i32::from(written.is_err())
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
