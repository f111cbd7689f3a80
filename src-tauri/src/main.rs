//! The Portcullis desktop app: a thin Tauri shell over portcullis-core. All rules live in the
//! core; commands translate types and errors.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod appearance;
mod clipboard;
mod commands;
mod dto;
mod error;
mod files;
mod idle;
mod ipc;
mod kinds;
mod lock_signals;
#[cfg(test)]
mod parity;
mod paths;
mod preferences;
mod recent;
mod refresh;
mod state;
mod team;
mod tray;
mod webview;

use portcullis_core::new_workspace::KdfChoice;
use portcullis_core::KdfParams;

/// Key derivation for a new workspace: the core's default (calibrated to about a second), or,
/// in debug builds run by the tests, the cheap parameters of [`test_kdf`].
pub fn kdf_for_new() -> KdfChoice {
    test_kdf().map_or_else(KdfChoice::default, KdfChoice::Fixed)
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
    // Run by ssh as its SSH_ASKPASS in a Connect session: answer from the running app, and
    // start nothing else.
    if portcullis_core::connect::askpass::is_helper() {
        std::process::exit(i32::from(!portcullis_core::connect::askpass::run_helper()));
    }
    // First, while this process has one thread: the WebKit settings that must precede WebKit.
    let tuning = match webview::chosen() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    webview::before_start(&tuning);
    portcullis_core::logging::quiet_panics();
    portcullis_core::logging::init_from_env();
    // Debug builds (the e2e tests): the clock PORTCULLIS_TEST_CLOCK names, if set.
    #[cfg(debug_assertions)]
    if let Err(e) = portcullis_core::clock::install_test_clock_from_env() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let result = tauri::Builder::default()
        // A second launch focuses the running window instead of opening the file twice.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // (It may be hidden in the tray.)
            tray::show_window(app);
        }))
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::default())
        .manage(tray::TrayState::default())
        .on_window_event(|window, event| {
            use tauri::Manager;
            match event {
                // A file dropped on the window goes to the page, which decides what it is for.
                tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) => {
                    if let Some(path) = paths.first() {
                        window.state::<state::AppState>().dropped(path);
                    }
                }
                // Closing hides the window in the tray when that is preferred and there is one.
                tauri::WindowEvent::CloseRequested { api, .. } => {
                    let close_to_tray = window
                        .state::<state::AppState>()
                        .preferences()
                        .close_to_tray;
                    if tray::hides_on_close(
                        close_to_tray,
                        window.state::<tray::TrayState>().present(),
                    ) {
                        api.prevent_close();
                        let _ = window.hide();
                    }
                }
                _ => {}
            }
        })
        .setup(move |app| {
            use tauri::Manager;
            if let Some(window) = app.get_webview_window("main") {
                webview::apply(&window, tuning);
            }
            tray::start(app.handle());
            appearance::apply(app.handle());
            appearance::watch(app.handle().clone());
            let handle = app.handle().clone();
            // Off the main thread: connecting to the buses (and asking logind for this session)
            // must not hold back the window's first frame.
            std::thread::spawn(move || {
                lock_signals::start(move |reason| {
                    handle.state::<state::AppState>().lock_for(reason)
                })
            });
            idle::watch(app.handle().clone());
            Ok(())
        })
        .invoke_handler(ipc::builder().invoke_handler())
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
