// Mirrors src-tauri/src/commands/mfa.rs.
import { call } from "./invoke";
import type { SessionState } from "./workspace";

export interface MethodStatus {
  label: string;
  kind: "totp" | "duo" | string;
  state: "enabled" | "expired";
  changed: number;
  default: boolean;
}

export interface MfaStatus {
  enabled: boolean;
  methods: MethodStatus[];
  backup_codes_left: number | null;
  locked_for: number | null;
}

export type FactorInput =
  | { kind: "totp"; code: string; method: string | null }
  | { kind: "backup_code"; code: string };

export interface Verified {
  session: SessionState;
  backup_codes_left: number | null;
}

export interface Enrolment {
  label: string;
  qr_svg: string;
  key: string;
  expires: number;
}

export interface Enabled {
  label: string;
  backup_codes: string[] | null;
}

export const mfaStatus = () => call<MfaStatus>("mfa_status");
export const verifyFactor = (factor: FactorInput) => call<Verified>("verify_factor", { factor });
export const stepUp = (factor: FactorInput) => call<void>("step_up", { factor });
export const beginTotp = (label: string) => call<Enrolment>("begin_totp", { label });
export const confirmTotp = (code: string) => call<Enabled>("confirm_totp", { code });
export const regenerateBackupCodes = () => call<string[]>("regenerate_backup_codes");
export const deleteBackupCodes = () => call<void>("delete_backup_codes");
export const removeMethod = (label: string) => call<void>("remove_method", { label });
export const setDefaultMethod = (label: string) => call<void>("set_default_method", { label });
export const renameMethod = (label: string, newLabel: string) =>
  call<void>("rename_method", { label, newLabel });
