//! Moving in and out: import previews and commits, exports. The page never names a path: files
//! are chosen in the native dialog (run here) or dropped on the window, and the page holds a
//! handle to each (see `files`). It gets back titles and counts, never a secret of what it
//! imports.

use super::{blocking, off_runtime, with_store};
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::files::{self, ChosenFile, Purpose};
use crate::state::{AppState, Session};
use crate::team::TeamOpen;
use portcullis_core::export;
use portcullis_core::import::{self, Format, Skipped};
use portcullis_core::workspace::{Choice, PlannedEntry, Preview};
use portcullis_core::{EntryStore, Guarded, SecretString};
use serde::Serialize;
use tauri::State;

/// What an import will do; kept in the app until committed or replaced. Each item of `new`
/// may be `similar` to an entry, and the page chooses what is done with it.
#[derive(Serialize, specta::Type)]
pub struct PreviewDto {
    new: Vec<PlannedEntry>,
    duplicates: Vec<Skipped>,
    skipped: Vec<Skipped>,
}

fn import_error(e: import::Error) -> CommandError {
    let code = match e {
        import::Error::PasswordNeeded => ErrorCode::PasswordNeeded,
        import::Error::WrongPassword => ErrorCode::WrongPassword,
        _ => ErrorCode::InvalidImport,
    };
    CommandError::new(code, e.to_string())
}

/// A chosen file, read through the core (which caps its size).
fn read_chosen(state: &AppState, file: &str) -> CommandResult<Vec<u8>> {
    let path = state.chosen(file, Purpose::Read)?;
    import::read_file(&path).map_err(|e| match e {
        import::Error::Io(_) => CommandError::new(ErrorCode::Io, "cannot read this file"),
        other => import_error(other),
    })
}

/// Reads the chosen `file` as `format` and sorts it into new entries, duplicates and skipped
/// items; writes nothing. An encrypted file without `password` fails with `password_needed`.
#[tauri::command(async)]
#[specta::specta]
pub fn preview_import(
    state: State<'_, AppState>,
    format: Format,
    file: String,
    password: Option<String>,
) -> CommandResult<PreviewDto> {
    let bytes = read_chosen(&state, &file)?;
    let password = password.map(SecretString::new);
    let plan =
        off_runtime(|| import::read(format, &bytes, password.as_ref()).map_err(import_error))?;
    preview_plan(&state, plan)
}

/// Previews the QR codes of the image on the clipboard (a screenshot of a setup page or of
/// Google Authenticator's export screen), like a file.
#[tauri::command(async)]
#[specta::specta]
pub fn preview_clipboard_image(state: State<'_, AppState>) -> CommandResult<PreviewDto> {
    let plan = clipboard_codes(&state)?;
    preview_plan(&state, plan)
}

/// The otpauth URI of the first QR code in the clipboard's image, for the OTP field of the
/// entry form.
#[tauri::command(async)]
#[specta::specta]
pub fn otp_from_clipboard_image(state: State<'_, AppState>) -> CommandResult<String> {
    first_otp_uri(&clipboard_codes(&state)?)
}

/// The otpauth URI of the first QR code in a chosen image file (one dropped on the entry form).
#[tauri::command(async)]
#[specta::specta]
pub fn otp_from_image_file(state: State<'_, AppState>, file: String) -> CommandResult<String> {
    let bytes = read_chosen(&state, &file)?;
    let plan = off_runtime(|| import::qr_image::parse(&bytes).map_err(import_error))?;
    first_otp_uri(&plan)
}

/// Hands the app a channel on which it sends every file dropped on the window (a handle and
/// the name).
#[tauri::command]
#[specta::specta]
pub fn watch_drops(state: State<'_, AppState>, channel: tauri::ipc::Channel<ChosenFile>) {
    state.set_drop_listener(channel);
}

fn first_otp_uri(plan: &import::Plan) -> CommandResult<String> {
    plan.entries
        .iter()
        .find_map(|e| e.kind.otp().map(|o| o.to_uri()))
        .ok_or_else(|| {
            CommandError::new(
                ErrorCode::InvalidImport,
                "the image holds no otpauth QR code",
            )
        })
}

fn clipboard_codes(state: &AppState) -> CommandResult<import::Plan> {
    let (w, h, rgba) = state.clipboard.image().ok_or_else(|| {
        CommandError::new(ErrorCode::NoImage, "there is no image on the clipboard")
    })?;
    off_runtime(|| import::qr_image::parse_rgba(w, h, &rgba).map_err(import_error))
}

fn preview_plan(state: &AppState, plan: import::Plan) -> CommandResult<PreviewDto> {
    let preview = with_store(state, |ws| Ok(ws.preview_import(plan)?))?;
    let dto = PreviewDto {
        new: preview.planned(),
        duplicates: preview.duplicates.clone(),
        skipped: preview.skipped.clone(),
    };
    *state.pending_import() = Some(preview);
    Ok(dto)
}

/// Writes the previewed import in one transaction, each item as chosen (`choices[i]` for
/// `new[i]`, import when absent); returns how many entries were written.
#[tauri::command(async)]
#[specta::specta]
pub fn commit_import(state: State<'_, AppState>, choices: Vec<Choice>) -> CommandResult<usize> {
    let preview = take_chosen(&state, choices)?;
    with_store(&state, |ws| Ok(ws.import(preview)?.written()))
}

/// The pending preview with the page's choices applied; a refused choice leaves it pending.
fn take_chosen(state: &AppState, choices: Vec<Choice>) -> CommandResult<Preview> {
    let nothing = || {
        CommandError::new(
            ErrorCode::Invalid,
            "nothing to import: preview a file first",
        )
    };
    let mut pending = state.pending_import();
    let preview = pending.as_mut().ok_or_else(nothing)?;
    for (index, choice) in choices.into_iter().enumerate() {
        preview.choose(index, choice)?;
    }
    pending.take().ok_or_else(nothing)
}

/// Drops a preview without importing.
#[tauri::command]
#[specta::specta]
pub fn cancel_import(state: State<'_, AppState>) {
    state.pending_import().take();
}

#[derive(Debug, Serialize, specta::Type)]
pub struct ExportedDto {
    pub exported: usize,
    pub encrypted: bool,
}

/// Exports the open workspace to the file chosen to save it (`file`, a new file). Needs a
/// fresh factor when MFA is on (`step_up_required`; a team member's own factor); KDBX needs
/// `password` for the new file. A team workspace's export is recorded in its audit log; its
/// Portcullis-format copy is the server's (the core refuses it), and its offline copy exports
/// nothing (the log is on the server).
#[tauri::command(async)]
#[specta::specta]
pub fn export_workspace(
    state: State<'_, AppState>,
    format: export::Format,
    file: String,
    password: Option<String>,
) -> CommandResult<ExportedDto> {
    let path = state.chosen(&file, Purpose::Write)?;
    let password = password.filter(|p| !p.is_empty()).map(SecretString::new);
    export_open(&state, format, &path, password.as_ref())
}

/// [`export_workspace`] to `path`, without the Tauri runtime.
pub fn export_open(
    state: &AppState,
    format: export::Format,
    path: &std::path::Path,
    password: Option<&SecretString>,
) -> CommandResult<ExportedDto> {
    blocking(|| match &mut *state.lock() {
        Session::Open(ws) => export_to(ws, format, path, password),
        Session::Team(open) => match &mut **open {
            TeamOpen::Online(ws, _) => export_to(ws, format, path, password),
            TeamOpen::Offline(ws) => export_to(ws, format, path, password),
        },
        _ => Err(CommandError::locked()),
    })
}

fn export_to<W: EntryStore + Guarded>(
    ws: &mut W,
    format: export::Format,
    path: &std::path::Path,
    password: Option<&SecretString>,
) -> CommandResult<ExportedDto> {
    let summary = export::export(ws, format, path, password).map_err(|e| match e {
        export::Error::Workspace(w) => CommandError::from(w),
        export::Error::Exists(_) => CommandError::new(ErrorCode::Exists, e.to_string()),
        export::Error::PasswordNeeded => {
            CommandError::new(ErrorCode::PasswordNeeded, e.to_string())
        }
        other => CommandError::new(ErrorCode::Io, other.to_string()),
    })?;
    Ok(ExportedDto {
        exported: summary.entries,
        encrypted: !format.is_plaintext(),
    })
}

/// The native "open" (`read`) or "save" (`write`) dialog, suggesting `suggested` as the name
/// of a new file; the page gets a handle to the chosen file and its name. None when cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn pick_file(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    purpose: Purpose,
    suggested: Option<String>,
) -> CommandResult<Option<ChosenFile>> {
    files::pick(&app, purpose, suggested.as_deref())
        .map(|path| state.choose(path, purpose))
        .transpose()
}
