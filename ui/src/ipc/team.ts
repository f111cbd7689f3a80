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

/** Calls `onChange` whenever another member changed the open team workspace (it is synced),
 * and `onRefused` when what the server sent does not check (nothing of it is shown). */
export function watchTeam(onChange: () => void, onRefused: (error: CommandError) => void): Promise<void> {
  const channel = new Channel<TeamEvent>();
  channel.onmessage = (event) => (event.kind === "changed" ? onChange() : onRefused(event.error));
  return commands.watchTeam(channel);
}

export type { MemberDto, MembersDto, LogLineDto, RemovalDto } from "./bindings";
export const teamMembers = commands.teamMembers;
export const approveMember = commands.approveMember;
export const setMemberRole = commands.setMemberRole;
export const removeMember = commands.removeMember;
export const teamLog = commands.teamLog;
