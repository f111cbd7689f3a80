// An entry's versions and the recycle bin: thin wrappers over the generated bindings
// (src-tauri/src/commands/history.rs).
import { commands, type TrashedDto, type VersionDto } from "./bindings";

export type Version = VersionDto;
export type Trashed = TrashedDto;

export const entryHistory = commands.entryHistory;
/** The password an earlier version held, on an explicit request. */
export const revealVersionPassword = commands.revealVersionPassword;
export const restoreVersion = commands.restoreVersion;
export const trashList = commands.trashList;
export const untrashEntry = commands.untrashEntry;
export const purgeEntry = async (id: string) => {
  await commands.purgeEntry(id);
};
export const emptyTrash = commands.emptyTrash;
