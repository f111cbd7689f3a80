//! Files the user chose: in the native dialog (run here) or by dropping them on the window.
//! The page never names a path: it gets an opaque handle and the file's name to show, and
//! passes the handle back. A handle chosen to read cannot be written, and one chosen to write
//! cannot be read; all are forgotten on lock.

use crate::error::{CommandError, CommandResult, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

/// What a chosen file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Picked in an "open" dialog or dropped: the app may read it.
    Read,
    /// Picked in a "save" dialog: the app may create it.
    Write,
}

/// A chosen file as the page sees it.
#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct ChosenFile {
    pub handle: String,
    pub name: String,
}

/// The files chosen since the last lock.
#[derive(Default)]
pub struct Chosen(HashMap<String, (PathBuf, Purpose)>);

impl Chosen {
    /// Remembers `path` for `purpose`; the handle is random, so the page cannot guess one.
    pub fn add(&mut self, path: PathBuf, purpose: Purpose) -> CommandResult<ChosenFile> {
        let bytes = portcullis_core::crypto::random_bytes::<16>()
            .map_err(|_| CommandError::new(ErrorCode::Internal, "no randomness"))?;
        let handle: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.0.insert(handle.clone(), (path, purpose));
        Ok(ChosenFile { handle, name })
    }

    /// The path behind `handle`, if it was chosen for `purpose`.
    pub fn path(&self, handle: &str, purpose: Purpose) -> CommandResult<PathBuf> {
        match self.0.get(handle) {
            Some((path, p)) if *p == purpose => Ok(path.clone()),
            _ => Err(CommandError::new(
                ErrorCode::NoFile,
                "choose the file again (the app only uses files chosen in its dialog or dropped on it)",
            )),
        }
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Test builds only: when `PORTCULLIS_TEST_PICK_DIR` is set, the dialog is not shown (WebDriver
/// cannot drive it); the answer is the path written in that folder's file `next` (taken once),
/// or a cancel when there is none. The environment answers, never the page.
#[cfg(debug_assertions)]
fn test_answer() -> Option<Option<PathBuf>> {
    let dir = std::env::var_os("PORTCULLIS_TEST_PICK_DIR")?;
    let next = std::path::Path::new(&dir).join("next");
    let answer = std::fs::read_to_string(&next).ok();
    let _ = std::fs::remove_file(&next);
    Some(answer.map(|a| PathBuf::from(a.trim_end_matches('\n'))))
}

#[cfg(not(debug_assertions))]
fn test_answer() -> Option<Option<PathBuf>> {
    None
}

/// The native dialog: "open" for `Read`, "save" (suggesting `suggested`) for `Write`.
pub fn pick(app: &tauri::AppHandle, purpose: Purpose, suggested: Option<&str>) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    if let Some(answer) = test_answer() {
        return answer;
    }
    let mut dialog = app.dialog().file();
    if let Some(name) = suggested {
        dialog = dialog.set_file_name(name);
    }
    match purpose {
        Purpose::Read => dialog.blocking_pick_file(),
        Purpose::Write => dialog.blocking_save_file(),
    }
    .and_then(|f| f.into_path().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_opens_only_what_it_was_chosen_for() {
        let mut chosen = Chosen::default();
        let read = chosen.add("/tmp/in.csv".into(), Purpose::Read).unwrap();
        let write = chosen.add("/tmp/out.kdbx".into(), Purpose::Write).unwrap();
        assert_eq!(read.name, "in.csv");
        assert_ne!(read.handle, write.handle);
        assert_eq!(
            chosen.path(&read.handle, Purpose::Read).unwrap(),
            std::path::Path::new("/tmp/in.csv")
        );
        assert!(chosen.path(&read.handle, Purpose::Write).is_err());
        assert!(chosen.path(&write.handle, Purpose::Read).is_err());
        assert!(chosen.path("/etc/passwd", Purpose::Read).is_err());
        chosen.clear();
        assert!(chosen.path(&write.handle, Purpose::Write).is_err());
    }
}
