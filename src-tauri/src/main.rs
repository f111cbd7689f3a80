//! The Portcullis desktop app: a thin Tauri shell over portcullis-core. All rules live in the
//! core; commands translate types and errors.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod clipboard;
mod commands;
mod dto;
mod error;
mod files;
mod lock_signals;
mod paths;
mod preferences;
mod recent;
mod state;

use error::CommandResult;
use portcullis_core::crypto::kdf::DEFAULT_TARGET;
use portcullis_core::KdfParams;

/// Key-derivation parameters for a new workspace: calibrated to about a second (or, in debug
/// builds run by the tests, the cheap parameters of [`test_kdf`]).
pub fn kdf_for_new() -> CommandResult<KdfParams> {
    match test_kdf() {
        Some(k) => Ok(k),
        None => Ok(KdfParams::calibrate(DEFAULT_TARGET)
            .map_err(portcullis_core::workspace::Error::from)?),
    }
}

/// Debug builds only (what the e2e tests run): the parameters named by
/// PORTCULLIS_TEST_KDF=MEMORY_KIB,PASSES,LANES. Compiled out of release builds, which never
/// read the variable (scripts/check-release checks that its name is absent from the binary).
#[cfg(debug_assertions)]
fn test_kdf() -> Option<KdfParams> {
    parse_kdf(&std::env::var("PORTCULLIS_TEST_KDF").ok()?)
}

/// Release builds: always calibrated.
#[cfg(not(debug_assertions))]
fn test_kdf() -> Option<KdfParams> {
    None
}

/// `MEMORY_KIB,PASSES,LANES`, within the core's bounds.
#[cfg_attr(not(any(debug_assertions, test)), allow(dead_code))]
fn parse_kdf(value: &str) -> Option<KdfParams> {
    let n: Vec<u32> = value
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    match n.as_slice() {
        [m, t, p] => KdfParams::new(*m, *t, *p).ok(),
        _ => None,
    }
}

fn main() {
    portcullis_core::logging::quiet_panics();
    portcullis_core::logging::init_from_env();
    // Debug builds (the e2e tests): the clock PORTCULLIS_TEST_CLOCK names, if set.
    #[cfg(debug_assertions)]
    if let Err(e) = portcullis_core::clock::install_test_clock_from_env() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    use commands::{
        device_binding, email, entries, mfa, preferences, quick_unlock, transfer, workspace,
    };
    let result = tauri::Builder::default()
        // A second launch focuses the running window instead of opening the file twice.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            use tauri::Manager;
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::default())
        // A file dropped on the window goes to the page, which decides what it is for.
        .on_window_event(|window, event| {
            use tauri::Manager;
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                if let Some(path) = paths.first() {
                    window.state::<state::AppState>().dropped(path);
                }
            }
        })
        .setup(|app| {
            use tauri::Manager;
            let handle = app.handle().clone();
            lock_signals::start(move |reason| handle.state::<state::AppState>().lock_for(reason));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            workspace::default_workspace_path,
            workspace::workspace_exists,
            workspace::create_workspace,
            workspace::unlock_workspace,
            workspace::lock_workspace,
            workspace::session_state,
            workspace::recent_workspaces,
            workspace::pick_workspace_file,
            workspace::watch_locks,
            preferences::get_preferences,
            preferences::set_preferences,
            quick_unlock::quick_unlock_on,
            quick_unlock::quick_unlock_status,
            quick_unlock::enable_quick_unlock,
            quick_unlock::disable_quick_unlock,
            quick_unlock::unlock_quick,
            device_binding::device_binding_on,
            device_binding::enable_device_binding,
            device_binding::disable_device_binding,
            device_binding::unlock_with_recovery_key,
            transfer::preview_import,
            transfer::preview_clipboard_image,
            transfer::otp_from_clipboard_image,
            transfer::otp_from_image_file,
            transfer::watch_drops,
            transfer::commit_import,
            transfer::cancel_import,
            transfer::export_workspace,
            transfer::pick_file,
            mfa::mfa_status,
            mfa::verify_factor,
            mfa::step_up,
            mfa::begin_totp,
            mfa::confirm_totp,
            mfa::regenerate_backup_codes,
            mfa::delete_backup_codes,
            mfa::remove_method,
            mfa::set_default_method,
            mfa::rename_method,
            mfa::duo_preauth,
            mfa::add_duo,
            mfa::duo_cancel,
            mfa::duo_devices,
            mfa::save_backup_codes,
            email::begin_email,
            email::confirm_email,
            email::send_email_code,
            entries::list_entries,
            entries::get_entry,
            entries::reveal_password,
            entries::otp_code,
            entries::copy_field,
            entries::copy_text,
            entries::add_entry,
            entries::update_entry,
            entries::delete_entry,
            entries::generate_password,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: the window could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_kdf_is_read_in_debug_builds_only() {
        assert_eq!(
            parse_kdf("1024,1,1"),
            Some(KdfParams::new(1024, 1, 1).unwrap())
        );
        assert_eq!(parse_kdf("1024,1"), None);
        assert_eq!(parse_kdf("0,0,0"), None);
        // Each test process has its own environment; nothing else in this binary's unit
        // tests reads the variable.
        std::env::set_var("PORTCULLIS_TEST_KDF", "1024,1,1");
        assert_eq!(test_kdf().is_some(), cfg!(debug_assertions));
    }
}
