//! Where the app keeps things, following the XDG base directories.

use std::path::PathBuf;

/// `$VAR` when it is an absolute path, else `$HOME/<fallback>`.
fn xdg(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
}

/// `$XDG_DATA_HOME/portcullis/default.pcx` (`~/.local/share/portcullis/default.pcx`).
pub fn default_workspace() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share")
        .unwrap_or_else(|| PathBuf::from("."))
        .join("portcullis")
        .join("default.pcx")
}

/// `$XDG_CONFIG_HOME/portcullis/<name>` (`~/.config/portcullis/<name>`).
pub fn config_file(name: &str) -> Option<PathBuf> {
    Some(
        xdg("XDG_CONFIG_HOME", ".config")?
            .join("portcullis")
            .join(name),
    )
}

/// Writes a small settings file, creating its folder. Failing to save is not worth an error
/// for recent files; preferences report it.
pub fn write_config(name: &str, contents: &str) -> std::io::Result<()> {
    let path = config_file(name).ok_or_else(|| std::io::Error::other("no home folder"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)
}
