// Workspace-wide settings: thin wrappers over the generated bindings (src-tauri/src/commands/account.rs).
import { commands } from "./bindings";

/** Changes the master password; `allowCostlyKdf` once the user confirmed a `costly_kdf` cost. */
export const changeMasterPassword = async (current: string, next: string, allowCostlyKdf = false) => {
  await commands.changeMasterPassword(current, next, allowCostlyKdf);
};
/** After how many days an unchanged second-factor method shows as expired. */
export const setMfaExpiryDays = async (days: number) => {
  await commands.setMfaExpiryDays(days);
};
