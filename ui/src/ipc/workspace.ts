// Mirrors src-tauri/src/commands/workspace.rs.
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
export const unlockWorkspace = (path: string, password: string) =>
  call<SessionState>("unlock_workspace", { path, password });
export const lockWorkspace = () => call<void>("lock_workspace");
export const sessionState = () => call<SessionState>("session_state");
export const recentWorkspaces = () => call<string[]>("recent_workspaces");
export const pickWorkspaceFile = () => call<string | null>("pick_workspace_file");
