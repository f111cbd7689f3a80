//! Recently opened workspaces: paths only (never a password or a key), newest first, in
//! `$XDG_CONFIG_HOME/portcullis/recent.json`.

use std::path::{Path, PathBuf};

const KEEP: usize = 8;

fn file() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("portcullis").join("recent.json"))
}

/// The recent workspaces that still exist.
pub fn list() -> Vec<String> {
    file()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| Path::new(p).is_file())
        .collect()
}

/// Puts `path` first. Failing to save the list is not an error worth showing.
pub fn remember(path: &Path) {
    let Some(f) = file() else { return };
    let path = path
        .canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let mut paths = list();
    paths.retain(|p| *p != path);
    paths.insert(0, path);
    paths.truncate(KEEP);
    if let Some(dir) = f.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(json) = serde_json::to_string_pretty(&paths) {
        let _ = std::fs::write(f, json);
    }
}
