// Device binding: thin wrappers over the generated bindings (src-tauri/src/commands/device_binding.rs).
import { commands } from "./bindings";

/** Whether the open workspace is bound to a device. */
export const deviceBindingOn = commands.deviceBindingOn;
/** Binds the open workspace to this computer; returns the recovery kit's text (also saved to the
 *  file chosen for writing whose handle is `kit`). */
export const enableDeviceBinding = commands.enableDeviceBinding;
export const disableDeviceBinding = async (password: string) => {
  await commands.disableDeviceBinding(password);
};
/** Opens a workspace bound to another computer with a recovery kit's key (kept in this computer's keyring after). */
export const unlockWithRecoveryKey = commands.unlockWithRecoveryKey;
