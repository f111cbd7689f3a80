//! Recently opened workspaces: paths only (never a password or a key), newest first, in
//! `$XDG_CONFIG_HOME/portcullis/recent.json`.

use crate::paths;
use std::path::Path;

const KEEP: usize = 8;
const FILE: &str = "recent.json";

/// The recent workspaces that still exist.
pub fn list() -> Vec<String> {
    paths::config_file(FILE)
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| Path::new(p).is_file())
        .collect()
}

/// Puts `path` first. Failing to save the list is not an error worth showing.
pub fn remember(path: &Path) {
    let path = path
        .canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let mut paths = list();
    paths.retain(|p| *p != path);
    paths.insert(0, path);
    paths.truncate(KEEP);
    if let Ok(json) = serde_json::to_string_pretty(&paths) {
        let _ = paths::write_config(FILE, &json);
    }
}
