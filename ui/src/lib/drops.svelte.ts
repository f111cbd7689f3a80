// Files dropped on the window: Rust hands their paths over a channel; the screen showing
// decides what a drop means (the import screen reads the file, the entry form its QR code).
import { watchDrops } from "../ipc/transfer";

export const drops = $state<{ path: string; count: number }>({ path: "", count: 0 });

/** Starts listening (once, at start-up). */
export function listenForDrops(): Promise<void> {
  return watchDrops((path) => {
    drops.path = path;
    drops.count += 1;
  });
}

const IMAGE = /\.(png|jpe?g)$/i;

/** Whether a dropped path is an image (a QR screenshot). */
export function isImage(path: string): boolean {
  return IMAGE.test(path);
}
