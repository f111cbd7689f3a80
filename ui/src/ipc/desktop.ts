// The tray icon's requests: thin wrappers over the generated bindings (src-tauri/src/commands/desktop.rs).
import { Channel } from "@tauri-apps/api/core";
import { commands, type TrayAction } from "./bindings";

export type { TrayAction };

/** Calls `onAction` when the tray asks: focus the search field, or clear the page (locked). */
export function watchTray(onAction: (action: TrayAction) => void): Promise<void> {
  const channel = new Channel<TrayAction>();
  channel.onmessage = onAction;
  return commands.watchTray(channel);
}

/** Whether this desktop shows the tray icon (closing to the tray is possible). */
export const trayPresent = commands.trayPresent;
