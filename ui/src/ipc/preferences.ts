// Mirrors src-tauri/src/commands/preferences.rs.
import { call } from "./invoke";
import type { Locale } from "../lib/i18n.svelte";

export interface Preferences {
  clipboard_clear_secs: number;
  auto_lock_minutes: number;
  /** null follows the system. */
  locale: Locale | null;
}

export const getPreferences = () => call<Preferences>("get_preferences");
/** Saves (clamped to the allowed ranges) and returns what was saved. */
export const setPreferences = (preferences: Preferences) => call<Preferences>("set_preferences", { preferences });
