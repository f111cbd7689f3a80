// Mirrors src-tauri/src/commands/mfa.rs.
import { Channel } from "@tauri-apps/api/core";
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

export type DuoFactor = "auto" | "push" | "phone" | "sms" | "passcode";

export type FactorInput =
  | { kind: "totp"; code: string; method: string | null }
  | { kind: "backup_code"; code: string }
  | { kind: "email"; code: string; method: string | null }
  | { kind: "duo"; method: string | null; factor: DuoFactor | null; device: string | null; passcode: string | null };

export interface DuoDevice {
  device: string;
  type: string;
  name: string;
  number: string;
  display_name: string;
  capabilities: string[];
}

export interface DuoSettings {
  host: string;
  ikey: string;
  skey: string;
  username: string;
  ca_file: string | null;
  failmode_safe: boolean;
}

export interface EmailSettings {
  host: string;
  port: number;
  security: "starttls" | "tls" | "none";
  user: string | null;
  password: string | null;
  ca_file: string | null;
  from: string;
  to: string;
}

/** Where an emailed code went and until when it works (Unix seconds). Never the code. */
export interface EmailSent {
  label: string;
  to: string;
  expires: number;
}

export interface DuoPreauth {
  result: "auth" | "allow";
  devices: DuoDevice[];
  message: string;
  /** Device id → the factor the core offers first (it prefers "auto"). */
  default_factors: Record<string, DuoFactor>;
  /** Set when this computer's clock is far from Duo's. */
  clock_warning: string | null;
}

/** A channel that hands Duo's status messages to `onStatus`. */
function statusChannel(onStatus: (message: string) => void): Channel<string> {
  const channel = new Channel<string>();
  channel.onmessage = onStatus;
  return channel;
}

export interface Verified {
  session: SessionState;
  backup_codes_left: number | null;
  /** Duo was unreachable and its failmode is "safe": opened without it. */
  failed_open: boolean;
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
export const verifyFactor = (factor: FactorInput, onStatus: (m: string) => void = () => {}) =>
  call<Verified>("verify_factor", { factor, progressChannel: statusChannel(onStatus) });
export const duoPreauth = (settings: DuoSettings) => call<DuoPreauth>("duo_preauth", { settings });
/** Finishes the set-up `duoPreauth` started (its settings are kept in Rust). */
export const addDuo = (label: string, device: string, factor: DuoFactor, onStatus: (m: string) => void) =>
  call<Enabled>("add_duo", { label, device, factor, progressChannel: statusChannel(onStatus) });
export const duoCancel = () => call<void>("duo_cancel");
export const duoDevices = (label: string | null) => call<DuoDevice[]>("duo_devices", { label });
export const stepUp = (factor: FactorInput, onStatus: (m: string) => void = () => {}) =>
  call<void>("step_up", { factor, progressChannel: statusChannel(onStatus) });
/** Asks where to save the backup codes (native dialog) and writes them there. */
export const saveBackupCodes = (codes: string[]) => call<boolean>("save_backup_codes", { codes });
export const beginTotp = (label: string) => call<Enrolment>("begin_totp", { label });
export const confirmTotp = (code: string) => call<Enabled>("confirm_totp", { code });
export const regenerateBackupCodes = () => call<string[]>("regenerate_backup_codes");
export const deleteBackupCodes = () => call<void>("delete_backup_codes");
export const removeMethod = (label: string) => call<void>("remove_method", { label });
export const setDefaultMethod = (label: string) => call<void>("set_default_method", { label });
export const renameMethod = (label: string, newLabel: string) =>
  call<void>("rename_method", { label, newLabel });
export const beginEmail = (label: string, settings: EmailSettings) => call<EmailSent>("begin_email", { label, settings });
export const confirmEmail = (code: string) => call<Enabled>("confirm_email", { code });
/** Emails a code for the method (or the default email method): to open, or to step up. */
export const sendEmailCode = (method: string | null) => call<EmailSent>("send_email_code", { method });
