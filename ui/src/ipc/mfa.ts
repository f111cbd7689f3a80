// The second factor: thin wrappers over the generated bindings (src-tauri/src/commands/mfa.rs,
// email.rs).
import { Channel } from "@tauri-apps/api/core";
import {
  commands,
  type Device,
  type DuoPreauthDto,
  type DuoSettingsInput,
  type EmailSent,
  type EmailSettingsInput,
  type EnabledDto,
  type EnrolmentDto,
  type Factor,
  type FactorInput,
  type MethodStatus,
  type MethodType,
  type MfaStatus,
  type VerifiedDto,
} from "./bindings";

export type { EmailSent, FactorInput, MethodStatus, MethodType, MfaStatus };
export type DuoFactor = Factor;
export type DuoDevice = Device;
export type DuoSettings = DuoSettingsInput;
export type EmailSettings = EmailSettingsInput;
export type DuoPreauth = DuoPreauthDto;
export type Verified = VerifiedDto;
export type Enrolment = EnrolmentDto;
export type Enabled = EnabledDto;

/** A channel that hands Duo's status messages to `onStatus`. */
function statusChannel(onStatus: (message: string) => void): Channel<string> {
  const channel = new Channel<string>();
  channel.onmessage = onStatus;
  return channel;
}

/** Turns a command's `null` result into nothing. */
const done = async (p: Promise<null>): Promise<void> => {
  await p;
};

export const mfaStatus = commands.mfaStatus;
export const verifyFactor = (factor: FactorInput, onStatus: (m: string) => void = () => {}) =>
  commands.verifyFactor(factor, statusChannel(onStatus));
export const duoPreauth = commands.duoPreauth;
/** Finishes the set-up `duoPreauth` started (its settings are kept in Rust). */
export const addDuo = (label: string, device: string, factor: DuoFactor, onStatus: (m: string) => void) =>
  commands.addDuo(label, device, factor, statusChannel(onStatus));
export const duoCancel = commands.duoCancel;
export const duoDevices = commands.duoDevices;
export const stepUp = (factor: FactorInput, onStatus: (m: string) => void = () => {}) =>
  done(commands.stepUp(factor, statusChannel(onStatus)));
/** Asks where to save the backup codes (native dialog) and writes them there. */
export const saveBackupCodes = commands.saveBackupCodes;
export const beginTotp = commands.beginTotp;
export const confirmTotp = commands.confirmTotp;
export const regenerateBackupCodes = commands.regenerateBackupCodes;
export const deleteBackupCodes = () => done(commands.deleteBackupCodes());
export const removeMethod = (label: string) => done(commands.removeMethod(label));
export const setDefaultMethod = (label: string) => done(commands.setDefaultMethod(label));
export const renameMethod = (label: string, newLabel: string) => done(commands.renameMethod(label, newLabel));
export const beginEmail = commands.beginEmail;
export const confirmEmail = commands.confirmEmail;
/** Emails a code for the method (or the default email method): to open, or to step up. */
export const sendEmailCode = commands.sendEmailCode;
