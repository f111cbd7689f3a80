// Entries: thin wrappers over the generated bindings (src-tauri/src/commands/entries.rs).
import {
  commands,
  type CopyField,
  type EntryInput,
  type EntryPage,
  type EntrySummary,
  type GroupCount,
  type ListQuery,
  type EntryType,
  type EntryView,
  type OtpCodeDto,
} from "./bindings";

export type { CopyField, EntryInput, EntryPage, EntrySummary, GroupCount, ListQuery };
/** One entry's non-secret fields: the core's view. */
export type EntryDetail = EntryView;
export type EntryKind = EntryType;
export type OtpCode = OtpCodeDto;

/** One window of the list (a search's matches in a group), with its total and the groups. */
export const listEntries = commands.listEntries;
export const getEntry = commands.getEntry;
export const revealPassword = commands.revealPassword;
/** A custom field's value (a secret one only on this explicit request). */
export const revealField = commands.revealField;
/** Copies a custom field's value from Rust, cleared as a password is. */
export const copyCustomField = commands.copyCustomField;
export const otpCode = commands.otpCode;
export const addEntry = commands.addEntry;
export const updateEntry = commands.updateEntry;
export const deleteEntry = async (id: string) => {
  await commands.deleteEntry(id);
};
export const generatePassword = (length?: number, symbols?: boolean) =>
  commands.generatePassword(length ?? null, symbols ?? null);
/**
 * Copies a field from Rust (a remote connection's user name and password come from its linked
 * login); the clipboard clears after the returned number of seconds.
 */
export const copyField = commands.copyField;
/** Copies text the page shows already (a key during set-up, backup codes), cleared likewise. */
export const copyText = commands.copyText;
