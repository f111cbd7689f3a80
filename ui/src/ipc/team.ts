// Team workspaces: thin wrappers over the generated bindings (src-tauri/src/commands/team.rs).
import { Channel } from "@tauri-apps/api/core";
import { commands, type CommandError, type TeamAddress, type TeamEvent, type TeamState } from "./bindings";

export type { TeamAddress, TeamState };

/** Opens a team workspace as its member. `databasePassword` empty: the one kept in the
 * keyring, or libpq's; `remember` keeps a typed one in the keyring. `allowCostlyKdf`: the user
 * confirmed a key derivation above 1 GiB (error `costly_kdf`). */
export const unlockTeam = (
  address: TeamAddress,
  databasePassword: string,
  remember: boolean,
  password: string,
  allowCostlyKdf = false,
) => commands.unlockTeam(address, databasePassword || null, remember, password, allowCostlyKdf);

/** What the live refresh of the open team workspace tells the page. */
export interface TeamWatcher {
  /** Another member changed it (it is synced). */
  onChange: () => void;
  /** What the server sent does not check (nothing of it is shown). */
  onRefused: (error: CommandError) => void;
  /** The server was lost: reads only, from the copy last synced at `syncedAt` (Unix seconds). */
  onOffline: (syncedAt: number) => void;
  /** The server answers again: changes are accepted. */
  onOnline: () => void;
}

export function watchTeam(w: TeamWatcher): Promise<void> {
  const channel = new Channel<TeamEvent>();
  channel.onmessage = (event) => {
    if (event.kind === "changed") w.onChange();
    else if (event.kind === "refused") w.onRefused(event.error);
    else if (event.kind === "offline") w.onOffline(event.synced_at);
    else w.onOnline();
  };
  return commands.watchTeam(channel);
}

export type { MemberDto, MembersDto, LogLineDto, RemovalDto, JoinDto } from "./bindings";

/** Founds the workspace the address names (`portcullis init URL`) and opens it; `password` is
 * the member's own (a new identity is made with it when the role has none). */
export const createTeamWorkspace = (address: TeamAddress, databasePassword: string, remember: boolean, password: string) =>
  commands.createTeamWorkspace(address, databasePassword || null, remember, password);

/** Asks to join (`portcullis team join URL`): the fingerprints to compare. */
export const joinTeam = (address: TeamAddress, databasePassword: string, remember: boolean, password: string) =>
  commands.joinTeam(address, databasePassword || null, remember, password);
export const teamMembers = commands.teamMembers;
export const approveMember = commands.approveMember;
export const setMemberRole = commands.setMemberRole;
export const removeMember = commands.removeMember;
export const teamLog = commands.teamLog;
