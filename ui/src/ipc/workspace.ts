// Mirrors src-tauri/src/commands/workspace.rs.
import { Channel } from "@tauri-apps/api/core";
import { call } from "./invoke";
import type { MfaStatus } from "./mfa";

export type SessionState =
  | { state: "locked" }
  | { state: "pending"; name: string; status: MfaStatus }
  | { state: "open"; name: string; path: string };

export const defaultWorkspacePath = () => call<string>("default_workspace_path");
export const workspaceExists = (path: string) => call<boolean>("workspace_exists", { path });
export const createWorkspace = (path: string, password: string) =>
  call<SessionState>("create_workspace", { path, password });
/** `allowCostlyKdf`: the user confirmed a key derivation above 1 GiB (error `costly_kdf`). */
export const unlockWorkspace = (path: string, password: string, allowCostlyKdf = false) =>
  call<SessionState>("unlock_workspace", { path, password, allowCostlyKdf });
export const lockWorkspace = () => call<void>("lock_workspace");
export const sessionState = () => call<SessionState>("session_state");
export const recentWorkspaces = () => call<string[]>("recent_workspaces");
/** Why the app locked by itself: the computer went to sleep or the screen was locked. */
export type LockReason = "sleep" | "screen_lock";

/** Calls `onLock` whenever the app locks because the desktop asked. */
export function watchLocks(onLock: (reason: LockReason) => void): Promise<void> {
  const channel = new Channel<LockReason>();
  channel.onmessage = onLock;
  return call<void>("watch_locks", { channel });
}
export const pickWorkspaceFile = () => call<string | null>("pick_workspace_file");
