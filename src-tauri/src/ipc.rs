//! The IPC contract: every command, and the types it takes and returns, registered once here.
//! `tauri-specta` builds the invoke handler from this list and writes the same list as
//! TypeScript to `ui/src/ipc/bindings.ts` (types and one typed wrapper per command), which the
//! page imports. A unit test below fails when the committed file is stale; to regenerate it:
//!
//! ```sh
//! UPDATE_BINDINGS=1 cargo test -p portcullis-app --bin portcullis-app ipc::
//! ```

use crate::commands::{
    account, attachments, connect, desktop, device_binding, email, entries, health, history, mfa,
    preferences, quick_unlock, team, transfer, workspace,
};
use crate::error::ErrorCode;
use tauri_specta::{collect_commands, Builder, ErrorHandlingMode};

/// The commands the page may call, with the types they use.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            workspace::default_workspace_path,
            workspace::workspace_exists,
            workspace::create_workspace,
            workspace::unlock_workspace,
            workspace::note_activity,
            workspace::lock_workspace,
            workspace::session_state,
            workspace::recent_workspaces,
            workspace::pick_workspace_file,
            workspace::watch_locks,
            team::unlock_team,
            team::watch_team,
            team::team_members,
            team::approve_member,
            team::set_member_role,
            team::remove_member,
            team::create_team_workspace,
            team::join_team,
            team::team_log,
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
            entries::reveal_field,
            entries::copy_custom_field,
            entries::otp_code,
            entries::copy_field,
            entries::copy_text,
            entries::add_entry,
            entries::update_entry,
            entries::delete_entry,
            history::entry_history,
            history::reveal_version_password,
            history::restore_version,
            history::trash_list,
            history::untrash_entry,
            history::purge_entry,
            history::empty_trash,
            entries::generate_password,
            health::password_health,
            desktop::watch_tray,
            desktop::tray_present,
            attachments::list_attachments,
            attachments::attach_file,
            attachments::save_attachment,
            attachments::detach_file,
            connect::connect_entry,
            connect::pin_host_key,
            account::change_master_password,
            account::set_mfa_expiry_days,
        ])
        // Listed even though every failing command names it: the page's error texts are keyed
        // by it.
        .typ::<ErrorCode>()
        // A failed command rejects its promise with a `CommandError`, as `invoke` does.
        .error_handling(ErrorHandlingMode::Throw)
        // Counts and Unix times, far below 2^53.
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
}

/// Where the bindings live, from this crate's folder.
#[cfg(test)]
const BINDINGS: &str = "../ui/src/ipc/bindings.ts";

/// The header of the generated file.
#[cfg(test)]
const HEADER: &str =
    "// Generated from the Rust commands by tauri-specta (src-tauri/src/ipc.rs): do not edit.\n\
// Regenerate: UPDATE_BINDINGS=1 cargo test -p portcullis-app --bin portcullis-app ipc::\n\
/* eslint-disable */";

/// The bindings as the commands define them today.
#[cfg(test)]
pub fn render() -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("bindings.ts");
    builder()
        .export(
            specta_typescript::Typescript::default().header(HEADER),
            &path,
        )
        .expect("the bindings export");
    std::fs::read_to_string(&path).expect("the exported bindings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_typescript_bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS);
        let fresh = render();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("writing the bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/ipc/bindings.ts is stale: regenerate it with \
             `UPDATE_BINDINGS=1 cargo test -p portcullis-app --bin portcullis-app ipc::`"
        );
    }

    #[test]
    fn error_codes_are_a_union_of_their_wire_values() {
        let ts = render();
        assert!(
            ts.contains(r#""locked""#) && ts.contains(r#""costly_kdf""#),
            "ErrorCode is not exported as string literals"
        );
    }
}
