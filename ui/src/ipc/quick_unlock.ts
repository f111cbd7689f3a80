// Quick unlock: thin wrappers over the generated bindings (src-tauri/src/commands/quick_unlock.rs).
import { commands, type QuickUnlockDto } from "./bindings";

export type QuickUnlockStatus = QuickUnlockDto;

/** Whether this machine opens the workspace at `path` without its password. */
export const quickUnlockOn = commands.quickUnlockOn;
export const quickUnlockStatus = commands.quickUnlockStatus;
export const enableQuickUnlock = async (password: string, days?: number) => {
  await commands.enableQuickUnlock(password, days ?? null);
};
export const disableQuickUnlock = async () => {
  await commands.disableQuickUnlock();
};
export const unlockQuick = commands.unlockQuick;
