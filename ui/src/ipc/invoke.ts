// Errors from the Rust core arrive as `CommandError` ({code, message, …}, generated in
// bindings.ts); the UI branches on `code` and words it with lib/errors.ts.
import type { CommandError, ErrorCode } from "./bindings";

export type { ErrorCode };
export type AppError = CommandError;

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** A command's error, or a failure of the bridge itself (a string) as `internal`. */
export function asAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return { code: "internal", message: String(e) };
}
