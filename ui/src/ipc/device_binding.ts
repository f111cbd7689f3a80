// Mirrors src-tauri/src/commands/device_binding.rs.
import { call } from "./invoke";

/** Whether the open workspace is bound to a device. */
export const deviceBindingOn = () => call<boolean>("device_binding_on");
/** Binds the open workspace to this computer; returns the recovery kit's text (also saved to `kitPath`). */
export const enableDeviceBinding = (password: string, kitPath: string) =>
  call<string>("enable_device_binding", { password, kitPath });
export const disableDeviceBinding = (password: string) => call<void>("disable_device_binding", { password });
/** Puts a recovery kit's key into this computer's keyring. */
export const restoreDeviceKey = (path: string, password: string, recoveryKey: string) =>
  call<void>("restore_device_key", { path, password, recoveryKey });
