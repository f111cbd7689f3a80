// Team workspaces: thin wrappers over the generated bindings (src-tauri/src/commands/team.rs).
import { Channel } from "@tauri-apps/api/core";
import { commands, type TeamAddress, type TeamState } from "./bindings";

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

/** Calls `onChange` whenever another member changed the open team workspace (it is synced). */
export function watchTeam(onChange: () => void): Promise<void> {
  const channel = new Channel<string>();
  channel.onmessage = () => onChange();
  return commands.watchTeam(channel);
}

export type { MemberDto, MembersDto, LogLineDto } from "./bindings";
export const teamMembers = commands.teamMembers;
export const approveMember = commands.approveMember;
export const setMemberRole = commands.setMemberRole;
export const removeMember = commands.removeMember;
export const teamLog = commands.teamLog;
