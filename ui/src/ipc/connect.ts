// Connect: thin wrappers over the generated bindings (src-tauri/src/commands/connect.rs).
import { commands, type ConnectOutcome } from "./bindings";

export type { ConnectOutcome };

/**
 * Opens a remote connection's session (SSH in a terminal window, RDP and VNC in their viewers,
 * web in the browser); resolves when it ends, or at once with the host key to confirm for an
 * SSH entry that has none pinned (nothing was sent then).
 */
export const connectEntry = commands.connectEntry;
/** Pins the host key `connectEntry` showed (`TYPE BASE64`). */
export const pinHostKey = async (id: string, key: string) => {
  await commands.pinHostKey(id, key);
};
