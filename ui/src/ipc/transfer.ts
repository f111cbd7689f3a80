// Mirrors src-tauri/src/commands/transfer.rs.
import { Channel } from "@tauri-apps/api/core";
import { call } from "./invoke";

export type ImportFormat = "csv" | "otpauth" | "google-migration" | "qr-image" | "kdbx" | "aegis" | "bitwarden" | "2fas";
export type ExportFormat = "otpauth" | "csv" | "kdbx" | "portcullis";

export interface Skipped {
  item: string;
  reason: string;
}

/** What is done with one item of an import. */
export type ImportChoice = "import" | "skip" | "replace";

/** The entry an imported item resembles (`existing` is null for an earlier item of the file). */
export interface Similar {
  to: string;
  reason: "same_otp_secret" | "same_title_user_url";
  existing: string | null;
}

export interface PlannedEntry {
  title: string;
  kind: string;
  group: string | null;
  has_otp: boolean;
  similar: Similar | null;
  choice: ImportChoice;
}

export interface ImportPreview {
  new: PlannedEntry[];
  duplicates: Skipped[];
  skipped: Skipped[];
}

/** A file the user chose in the native dialog or dropped on the window: the page holds only
 *  a handle to pass back, and the name to show. */
export interface ChosenFile {
  handle: string;
  name: string;
}

export const previewImport = (format: ImportFormat, file: string, password: string | null) =>
  call<ImportPreview>("preview_import", { format, file, password });
/** Previews the QR codes of the image on the clipboard. */
export const previewClipboardImage = () => call<ImportPreview>("preview_clipboard_image");
/** The otpauth URI of the first QR code in an image file. */
export const otpFromImageFile = (file: string) => call<string>("otp_from_image_file", { file });
/** Calls `onDrop` with every file dropped on the window. */
export function watchDrops(onDrop: (file: ChosenFile) => void): Promise<void> {
  const channel = new Channel<ChosenFile>();
  channel.onmessage = onDrop;
  return call<void>("watch_drops", { channel });
}
/** The otpauth URI of the first QR code in the clipboard's image. */
export const otpFromClipboardImage = () => call<string>("otp_from_clipboard_image");
/** Writes the previewed import, `choices[i]` for `new[i]`; the number of entries written. */
export const commitImport = (choices: ImportChoice[]) => call<number>("commit_import", { choices });
export const cancelImport = () => call<void>("cancel_import");
export const exportWorkspace = (format: ExportFormat, file: string, password: string | null) =>
  call<{ exported: number; encrypted: boolean }>("export_workspace", { format, file, password });
/** The native open ("read") or save ("write") dialog; null when cancelled. */
export const pickFile = (purpose: "read" | "write", suggested: string | null = null) =>
  call<ChosenFile | null>("pick_file", { purpose, suggested });
