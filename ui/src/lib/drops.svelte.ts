// Files dropped on the window: Rust keeps their paths and hands over a handle and the name;
// the screen showing decides what a drop means (the import screen reads the file, the entry
// form its QR code).
import { watchDrops, type ChosenFile } from "../ipc/transfer";

export const drops = $state<{ file: ChosenFile | null; count: number }>({ file: null, count: 0 });

/** Starts listening (once, at start-up). */
export function listenForDrops(): Promise<void> {
  return watchDrops((file) => {
    drops.file = file;
    drops.count += 1;
  });
}

const IMAGE = /\.(png|jpe?g)$/i;

/** Whether a dropped file's name is an image's (a QR screenshot). */
export function isImage(name: string): boolean {
  return IMAGE.test(name);
}
