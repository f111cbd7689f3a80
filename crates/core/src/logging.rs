//! Diagnostic logging for the programs over the core. `PORTCULLIS_LOG=error|warn|info|debug|trace`
//! turns on Portcullis's own events at that level, on standard error; unset, nothing is logged.
//! Other crates' events stay off at every level: an HTTP library's trace could quote a request
//! body (a Duo passcode) or headers. Events never carry a secret: passwords, keys, codes and
//! entry fields are not fields of any event, only labels, ids, counts, paths and outcomes.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The environment variable that sets the level.
pub const ENV: &str = "PORTCULLIS_LOG";

/// Installs the subscriber when `PORTCULLIS_LOG` names a level; does nothing otherwise.
pub fn init_from_env() {
    let Some(level) = std::env::var(ENV)
        .ok()
        .and_then(|v| v.trim().parse::<LevelFilter>().ok())
    else {
        return;
    };
    // `portcullis` prefixes every crate of ours: portcullis (the CLI), portcullis_core,
    // portcullis_app.
    let filter = Targets::new().with_target("portcullis", level);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false),
        )
        .with(filter)
        .try_init();
}

/// Replaces the panic message (which could quote data being processed) with where it happened.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("error: internal error{at}; please report it");
    }));
}
