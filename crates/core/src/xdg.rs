//! Where Portcullis keeps things on this machine, following the XDG base directories: the one
//! resolver of `$XDG_CONFIG_HOME` and `$XDG_DATA_HOME` for the core and the front ends.

use std::path::PathBuf;

/// The folder of Portcullis under an XDG base directory.
const APP: &str = "portcullis";

/// `$var` when it is an absolute path, else `$HOME/<fallback>`; `None` without either.
fn base(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
}

/// `$XDG_CONFIG_HOME/portcullis` (`~/.config/portcullis`): settings and markers, no secret.
pub fn config_dir() -> Option<PathBuf> {
    Some(base("XDG_CONFIG_HOME", ".config")?.join(APP))
}

/// `$XDG_DATA_HOME/portcullis` (`~/.local/share/portcullis`): the default workspace's folder.
pub fn data_dir() -> Option<PathBuf> {
    Some(base("XDG_DATA_HOME", ".local/share")?.join(APP))
}
