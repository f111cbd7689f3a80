// Calls into the Rust core. Errors arrive as {code, message}; the UI branches on `code`.
import { invoke } from "@tauri-apps/api/core";

export interface AppError {
  code: string;
  message: string;
  wait_secs?: number;
  /** With `costly_kdf`: what the file asks for. */
  kdf_cost?: { memory_mib: number; passes: number };
}

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export function asAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return { code: "internal", message: String(e) };
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asAppError(e);
  }
}
