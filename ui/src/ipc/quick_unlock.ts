// Mirrors src-tauri/src/commands/quick_unlock.rs.
import { call } from "./invoke";
import type { SessionState } from "./workspace";

export interface QuickUnlockStatus {
  available: boolean;
  reason: string | null;
  enabled: boolean;
  expires: number | null;
}

/** Whether this machine opens the workspace at `path` without its password. */
export const quickUnlockOn = (path: string) => call<boolean>("quick_unlock_on", { path });
export const quickUnlockStatus = () => call<QuickUnlockStatus>("quick_unlock_status");
export const enableQuickUnlock = (password: string, days?: number) =>
  call<void>("enable_quick_unlock", { password, days: days ?? null });
export const disableQuickUnlock = () => call<void>("disable_quick_unlock");
export const unlockQuick = (path: string) => call<SessionState>("unlock_quick", { path });
