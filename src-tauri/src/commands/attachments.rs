//! Attachments of an entry: listed, added from a file chosen in the native dialog, saved to a
//! file chosen to save (a new, owner-only file), removed. The core streams them in chunks;
//! nothing here holds a file's bytes.

use super::with_store;
use crate::error::CommandResult;
use crate::files::Purpose;
use crate::state::AppState;
use portcullis_core::workspace::attachments::{AttachmentInfo, DEFAULT_MAX_ATTACHMENT_BYTES};
use tauri::State;

/// The attachments of the entry `id`, by name.
#[tauri::command(async)]
#[specta::specta]
pub fn list_attachments(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<AttachmentInfo>> {
    with_store(&state, |ws| Ok(ws.attachments(&id)?))
}

/// Attaches the file chosen to read (`file`, a handle from `pick_file` or a drop) to the
/// entry `id`, under its own name; at most 64 MiB.
#[tauri::command(async)]
#[specta::specta]
pub fn attach_file(
    state: State<'_, AppState>,
    id: String,
    file: String,
) -> CommandResult<AttachmentInfo> {
    attach(&state, &id, &file)
}

/// [`attach_file`], without the Tauri runtime.
pub fn attach(state: &AppState, id: &str, file: &str) -> CommandResult<AttachmentInfo> {
    let path = state.chosen(file, Purpose::Read)?;
    with_store(state, |ws| {
        Ok(ws.attach_file(id, &path, None, DEFAULT_MAX_ATTACHMENT_BYTES)?)
    })
}

/// Saves the attachment `name` of the entry `id` to the file chosen to save (`file`): a new
/// file, readable by its owner only. Returns its size.
#[tauri::command(async)]
#[specta::specta]
pub fn save_attachment(
    state: State<'_, AppState>,
    id: String,
    name: String,
    file: String,
) -> CommandResult<u64> {
    save(&state, &id, &name, &file)
}

/// [`save_attachment`], without the Tauri runtime.
pub fn save(state: &AppState, id: &str, name: &str, file: &str) -> CommandResult<u64> {
    let path = state.chosen(file, Purpose::Write)?;
    with_store(state, |ws| Ok(ws.save_attachment(id, name, &path)?))
}

/// Removes the attachment `name` of the entry `id`.
#[tauri::command(async)]
#[specta::specta]
pub fn detach_file(state: State<'_, AppState>, id: String, name: String) -> CommandResult<()> {
    with_store(&state, |ws| Ok(ws.detach(&id, &name)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Session;
    use portcullis_core::entry::{EntryKind, NewEntry};
    use portcullis_core::{KdfParams, OpenWorkspace};

    #[test]
    fn a_chosen_file_is_attached_saved_to_a_new_file_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::default();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let mut ws = OpenWorkspace::create(dir.path().join("w.pcx"), &"pw".into(), kdf).unwrap();
        let id = ws.add(NewEntry::new("Server", EntryKind::Note)).unwrap().id;
        state
            .lock()
            .install(Session::Open(ws), state.epoch())
            .unwrap();
        let src = dir.path().join("cert.pem");
        std::fs::write(&src, b"certificate").unwrap();
        let read = state.choose(src.clone(), Purpose::Read).unwrap();
        let info = attach(&state, &id, &read.handle).unwrap();
        assert_eq!((info.name.as_str(), info.size), ("cert.pem", 11));
        // A handle chosen to read cannot be written to.
        assert!(save(&state, &id, "cert.pem", &read.handle).is_err());
        let out = dir.path().join("saved.pem");
        let write = state.choose(out.clone(), Purpose::Write).unwrap();
        assert_eq!(save(&state, &id, "cert.pem", &write.handle).unwrap(), 11);
        assert_eq!(std::fs::read(&out).unwrap(), b"certificate");
        // Never over the file now there.
        assert!(save(&state, &id, "cert.pem", &write.handle).is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"certificate");
        with_store(&state, |ws| Ok(ws.detach(&id, "cert.pem")?)).unwrap();
        assert!(with_store(&state, |ws| Ok(ws.attachments(&id)?))
            .unwrap()
            .is_empty());
    }
}
