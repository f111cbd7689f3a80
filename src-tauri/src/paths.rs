//! Where the app keeps things, following the XDG base directories (resolved by the core).

use std::path::PathBuf;

/// `$XDG_DATA_HOME/portcullis/default.pcx` (`~/.local/share/portcullis/default.pcx`).
pub fn default_workspace() -> PathBuf {
    portcullis_core::xdg::data_dir()
        .unwrap_or_else(|| PathBuf::from(".").join("portcullis"))
        .join("default.pcx")
}

/// `$XDG_CONFIG_HOME/portcullis/<name>` (`~/.config/portcullis/<name>`).
pub fn config_file(name: &str) -> Option<PathBuf> {
    Some(portcullis_core::xdg::config_dir()?.join(name))
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
