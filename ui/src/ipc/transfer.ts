// Import and export: thin wrappers over the generated bindings (src-tauri/src/commands/transfer.rs).
import { Channel } from "@tauri-apps/api/core";
import {
  commands,
  type Choice,
  type ChosenFile,
  type ExportFormat,
  type ImportFormat,
  type PlannedEntry,
  type PreviewDto,
  type Purpose,
  type Similar,
  type Skipped,
} from "./bindings";

export type { ChosenFile, ExportFormat, ImportFormat, PlannedEntry, Similar, Skipped };
/** What is done with one item of an import. */
export type ImportChoice = Choice;
export type ImportPreview = PreviewDto;

export const previewImport = commands.previewImport;
/** Previews the QR codes of the image on the clipboard. */
export const previewClipboardImage = commands.previewClipboardImage;
/** The otpauth URI of the first QR code in an image file. */
export const otpFromImageFile = commands.otpFromImageFile;
/** Calls `onDrop` with every file dropped on the window. */
export function watchDrops(onDrop: (file: ChosenFile) => void): Promise<void> {
  const channel = new Channel<ChosenFile>();
  channel.onmessage = onDrop;
  return commands.watchDrops(channel);
}
/** The otpauth URI of the first QR code in the clipboard's image. */
export const otpFromClipboardImage = commands.otpFromClipboardImage;
/** Writes the previewed import, `choices[i]` for `new[i]`; the number of entries written. */
export const commitImport = commands.commitImport;
export const cancelImport = commands.cancelImport;
export const exportWorkspace = commands.exportWorkspace;
/** The native open ("read") or save ("write") dialog; null when cancelled. */
export const pickFile = (purpose: Purpose, suggested: string | null = null) => commands.pickFile(purpose, suggested);
