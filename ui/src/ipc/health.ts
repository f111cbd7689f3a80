// Password health: a thin wrapper over the generated bindings (src-tauri/src/commands/health.rs).
import { commands, type Flagged, type HealthReport } from "./bindings";

export type { Flagged, HealthReport };

/** Weak, reused and old passwords, and logins without the second factor their site offers. */
export const passwordHealth = commands.passwordHealth;
