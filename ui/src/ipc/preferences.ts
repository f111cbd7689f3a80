// Preferences: thin wrappers over the generated bindings (src-tauri/src/commands/preferences.rs).
import { commands } from "./bindings";
import type { Locale } from "../lib/i18n.svelte";
import type { Theme } from "../lib/theme";

/** The preferences as saved (every field present once read back). */
export interface Preferences {
  clipboard_clear_secs: number;
  auto_lock_minutes: number;
  /** null follows the system. */
  locale: Locale | null;
  /** "system" follows the desktop's light or dark setting. */
  theme: Theme;
  /** Closing the window hides it in the tray (where there is one). */
  close_to_tray: boolean;
}

export const getPreferences = () => commands.getPreferences() as Promise<Preferences>;
/** Saves (clamped to the allowed ranges) and returns what was saved. */
export const setPreferences = (preferences: Preferences) =>
  commands.setPreferences(preferences) as Promise<Preferences>;
