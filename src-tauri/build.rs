//! Declares the app's own commands so the capability file can allow exactly them.

/// Every command the UI may call; `capabilities/main.json` allows exactly these.
const COMMANDS: &[&str] = &[
    // workspace
    "default_workspace_path",
    "workspace_exists",
    "create_workspace",
    "unlock_workspace",
    "lock_workspace",
    "session_state",
    "recent_workspaces",
    "pick_workspace_file",
    "watch_locks",
    "note_activity",
    // team workspaces
    "unlock_team",
    "watch_team",
    "team_members",
    "approve_member",
    "set_member_role",
    "remove_member",
    "team_log",
    "create_team_workspace",
    "join_team",
    // preferences
    "get_preferences",
    "set_preferences",
    // quick unlock
    "quick_unlock_on",
    "quick_unlock_status",
    "enable_quick_unlock",
    "disable_quick_unlock",
    "unlock_quick",
    // device binding
    "device_binding_on",
    "enable_device_binding",
    "disable_device_binding",
    "unlock_with_recovery_key",
    // transfer
    "preview_import",
    "preview_clipboard_image",
    "otp_from_clipboard_image",
    "otp_from_image_file",
    "watch_drops",
    "commit_import",
    "cancel_import",
    "export_workspace",
    "pick_file",
    // mfa
    "mfa_status",
    "verify_factor",
    "step_up",
    "begin_totp",
    "confirm_totp",
    "regenerate_backup_codes",
    "delete_backup_codes",
    "remove_method",
    "set_default_method",
    "rename_method",
    "duo_preauth",
    "add_duo",
    "duo_cancel",
    "duo_devices",
    "save_backup_codes",
    "begin_email",
    "confirm_email",
    "send_email_code",
    // entries
    "list_entries",
    "get_entry",
    "reveal_password",
    "reveal_field",
    "copy_custom_field",
    "otp_code",
    "copy_field",
    "copy_text",
    "add_entry",
    "update_entry",
    "delete_entry",
    "generate_password",
    // password health
    "password_health",
    // desktop: the tray
    "watch_tray",
    "tray_present",
    // history and recycle bin
    "entry_history",
    "reveal_version_password",
    "restore_version",
    "trash_list",
    "untrash_entry",
    "purge_entry",
    "empty_trash",
    // attachments
    "list_attachments",
    "attach_file",
    "save_attachment",
    "detach_file",
    // connect
    "connect_entry",
    "pin_host_key",
    // account
    "change_master_password",
    "set_mfa_expiry_days",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
