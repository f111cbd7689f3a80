// Preferences: thin wrappers over the generated bindings (src-tauri/src/commands/preferences.rs).
import { commands } from "./bindings";
import type { Locale } from "../lib/i18n.svelte";

/** The preferences as saved (every field present once read back). */
export interface Preferences {
  clipboard_clear_secs: number;
  auto_lock_minutes: number;
  /** null follows the system. */
  locale: Locale | null;
}

export const getPreferences = () => commands.getPreferences() as Promise<Preferences>;
/** Saves (clamped to the allowed ranges) and returns what was saved. */
export const setPreferences = (preferences: Preferences) =>
  commands.setPreferences(preferences) as Promise<Preferences>;
