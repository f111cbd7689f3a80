// Copies a secret and clears the clipboard after `seconds` if it still holds what we put there.

export const CLEAR_AFTER_SECONDS = 30;

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
}

export async function copySecret(
  text: string,
  seconds = CLEAR_AFTER_SECONDS,
  clipboard: ClipboardLike = navigator.clipboard,
  later: (fn: () => void, ms: number) => unknown = setTimeout,
): Promise<void> {
  await clipboard.writeText(text);
  later(async () => {
    try {
      if ((await clipboard.readText()) === text) await clipboard.writeText("");
    } catch {
      // Reading was refused: leave the clipboard alone rather than erase someone else's text.
    }
  }, seconds * 1000);
}
