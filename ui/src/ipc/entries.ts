// Mirrors src-tauri/src/commands/entries.rs.
import { call } from "./invoke";

export type EntryKind = "login" | "otp" | "note" | "remote";

export interface EntrySummary {
  id: string;
  title: string;
  kind: EntryKind;
  username: string | null;
  url: string | null;
  group: string | null;
  has_otp: boolean;
  modified: number;
}

export interface EntryDetail extends EntrySummary {
  notes: string;
  tags: string[];
  created: number;
  has_password: boolean;
  otp: { algorithm: string; digits: number; period: number; issuer: string | null; account: string | null; counter: number | null } | null;
  remote: { protocol: string; host: string; port: number; login: string | null } | null;
}

export interface EntryInput {
  kind: EntryKind;
  title: string;
  username?: string;
  password?: string | null;
  url?: string;
  notes?: string;
  group?: string | null;
  /** Replaces the tags; absent keeps them. */
  tags?: string[] | null;
  otp?: string | null;
  protocol?: string | null;
  host?: string;
  port?: number | null;
  login?: string | null;
}

export interface OtpCode {
  code: string;
  seconds_left: number;
  period: number;
}

export const listEntries = (query?: string) => call<EntrySummary[]>("list_entries", { query: query ?? null });
export const getEntry = (id: string) => call<EntryDetail>("get_entry", { id });
export const revealPassword = (id: string) => call<string>("reveal_password", { id });
export const otpCode = (id: string) => call<OtpCode>("otp_code", { id });
export const addEntry = (entry: EntryInput) => call<EntrySummary>("add_entry", { entry });
export const updateEntry = (id: string, entry: EntryInput) => call<EntrySummary>("update_entry", { id, entry });
export const deleteEntry = (id: string) => call<void>("delete_entry", { id });
export const generatePassword = (length?: number, symbols?: boolean) =>
  call<string>("generate_password", { length: length ?? null, symbols: symbols ?? null });
/**
 * Copies a field from Rust (a remote connection's user name and password come from its linked
 * login); the clipboard clears after the returned number of seconds.
 */
export const copyField = (id: string, field: "password" | "username" | "otp") =>
  call<number>("copy_field", { id, field });
/** Copies text the page shows already (a key during set-up, backup codes), cleared likewise. */
export const copyText = (text: string) => call<number>("copy_text", { text });
