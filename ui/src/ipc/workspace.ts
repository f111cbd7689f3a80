// Workspace commands: thin wrappers over the generated bindings (src-tauri/src/commands/workspace.rs).
import { Channel } from "@tauri-apps/api/core";
import { commands, type SessionState } from "./bindings";

export type { SessionState };

export const defaultWorkspacePath = commands.defaultWorkspacePath;
export const workspaceExists = commands.workspaceExists;
export const createWorkspace = commands.createWorkspace;
/** `allowCostlyKdf`: the user confirmed a key derivation above 1 GiB (error `costly_kdf`). */
export const unlockWorkspace = (path: string, password: string, allowCostlyKdf = false) =>
  commands.unlockWorkspace(path, password, allowCostlyKdf);
export const lockWorkspace = commands.lockWorkspace;
export const sessionState = commands.sessionState;
export const recentWorkspaces = commands.recentWorkspaces;
/** Why the app locked by itself: the computer went to sleep, the screen was locked, or
 * nothing was done for the preferred minutes. */
export type LockReason = "sleep" | "screen_lock" | "idle";

/** Tells the app the user did something (its idle timer starts again). */
export const noteActivity = commands.noteActivity;

/** Calls `onLock` whenever the app locks by itself (the desktop asked, or it was idle). */
export function watchLocks(onLock: (reason: LockReason) => void): Promise<void> {
  const channel = new Channel<string>();
  channel.onmessage = (reason) => onLock(reason as LockReason);
  return commands.watchLocks(channel);
}
export const pickWorkspaceFile = commands.pickWorkspaceFile;
