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

export const previewImport = (format: ImportFormat, path: string, password: string | null) =>
  call<ImportPreview>("preview_import", { format, path, password });
/** Previews the QR codes of the image on the clipboard. */
export const previewClipboardImage = () => call<ImportPreview>("preview_clipboard_image");
/** The otpauth URI of the first QR code in an image file. */
export const otpFromImageFile = (path: string) => call<string>("otp_from_image_file", { path });
/** Calls `onDrop` with the path of every file dropped on the window. */
export function watchDrops(onDrop: (path: string) => void): Promise<void> {
  const channel = new Channel<string>();
  channel.onmessage = onDrop;
  return call<void>("watch_drops", { channel });
}
/** The otpauth URI of the first QR code in the clipboard's image. */
export const otpFromClipboardImage = () => call<string>("otp_from_clipboard_image");
/** Writes the previewed import, `choices[i]` for `new[i]`; the number of entries written. */
export const commitImport = (choices: ImportChoice[]) => call<number>("commit_import", { choices });
export const cancelImport = () => call<void>("cancel_import");
export const exportWorkspace = (format: ExportFormat, path: string, password: string | null) =>
  call<{ exported: number; encrypted: boolean }>("export_workspace", { format, path, password });
/** The native open (or save) dialog; null when cancelled. */
export const pickTransferFile = (save: boolean) => call<string | null>("pick_transfer_file", { save });
