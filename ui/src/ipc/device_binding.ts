// Mirrors src-tauri/src/commands/device_binding.rs.
import { call } from "./invoke";
import type { SessionState } from "./workspace";

/** Whether the open workspace is bound to a device. */
export const deviceBindingOn = () => call<boolean>("device_binding_on");
/** Binds the open workspace to this computer; returns the recovery kit's text (also saved to the
 *  file chosen for writing whose handle is `kit`). */
export const enableDeviceBinding = (password: string, kit: string) =>
  call<string>("enable_device_binding", { password, kit });
export const disableDeviceBinding = (password: string) => call<void>("disable_device_binding", { password });
/** Opens a workspace bound to another computer with a recovery kit's key (kept in this computer's keyring after). */
export const unlockWithRecoveryKey = (path: string, password: string, recoveryKey: string) =>
  call<SessionState>("unlock_with_recovery_key", { path, password, recoveryKey });
