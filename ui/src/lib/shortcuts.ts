// Keyboard shortcuts of the entry screens, in one table: what each key does, and the help
// overlay's list. Ctrl+L (lock) and the arrow keys of the list were there before; the copy keys
// are KeePassXC's, for people who come from it.

export type ShortcutAction = "copy_username" | "copy_password" | "copy_code" | "lock" | "search" | "help";

/** The parts of a KeyboardEvent that decide a shortcut. */
export interface Keys {
  key: string;
  ctrlKey: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

/** Where the key was pressed: typing in a field, or with text selected in the page. */
export interface KeyContext {
  typing: boolean;
  selection: boolean;
}

/** Each shortcut and the keys shown for it in the help overlay. */
export const SHORTCUTS: readonly { action: ShortcutAction; keys: string }[] = [
  { action: "copy_username", keys: "Ctrl+B" },
  { action: "copy_password", keys: "Ctrl+C" },
  { action: "copy_code", keys: "Ctrl+T" },
  { action: "search", keys: "Ctrl+F" },
  { action: "lock", keys: "Ctrl+L" },
  { action: "help", keys: "F1 / ?" },
];

/** The shortcut `e` is, if any. Ctrl+C copies the password only when it would copy nothing
 * else (no text selected in the page or in a field); `?` opens the help only when not typing. */
export function shortcutFor(e: Keys, ctx: KeyContext): ShortcutAction | null {
  if (e.altKey || e.metaKey) return null;
  if (e.key === "F1") return "help";
  if (!e.ctrlKey) return e.key === "?" && !ctx.typing ? "help" : null;
  if (e.shiftKey) return null;
  switch (e.key.toLowerCase()) {
    case "b":
      return "copy_username";
    case "c":
      return ctx.selection ? null : "copy_password";
    case "t":
      return "copy_code";
    case "f":
      return "search";
    case "l":
      return "lock";
    default:
      return null;
  }
}

/** The context of a key pressed in this page now. */
export function keyContext(target: EventTarget | null): KeyContext {
  const el = target as HTMLElement | null;
  const typing = !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  const field = el as HTMLInputElement | null;
  const inField = typing && typeof field?.selectionStart === "number" && field.selectionStart !== field.selectionEnd;
  const selection = inField || (globalThis.getSelection?.()?.toString() ?? "") !== "";
  return { typing, selection };
}
