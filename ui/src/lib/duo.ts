// Duo choices shown to people: which factors a device offers, and a device's name.
import type { DuoDevice, DuoFactor } from "../ipc/mfa";

const ORDER: DuoFactor[] = ["push", "phone", "sms"];

/**
 * The factors to offer for a device, Duo Push first; a passcode always works. Without device
 * details (Duo did not answer the device list), "auto": the device and factor saved at setup.
 */
export function factorsFor(device: DuoDevice | undefined): DuoFactor[] {
  if (!device) return ["auto", "passcode"];
  const caps = device.capabilities ?? [];
  return [...ORDER.filter((f) => caps.includes(f)), "passcode"];
}

/**
 * The factors the set-up offers for a device: the core's default first (`preferred`, from
 * `duoPreauth`; it prefers "auto"), then the others the device can do; no passcode and no SMS
 * (the test needs an approval, and the wizard has no passcode field to finish an SMS).
 */
export function setupFactors(device: DuoDevice, preferred: DuoFactor): DuoFactor[] {
  const needsPasscode = (f: DuoFactor) => f === "passcode" || f === "sms";
  return [preferred, ...factorsFor(device).filter((f) => f !== preferred)].filter((f) => !needsPasscode(f));
}

export function deviceName(d: DuoDevice): string {
  return d.display_name || d.name || d.device;
}
