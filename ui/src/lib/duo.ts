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

/** The factor to preselect: push when it can, else a call, else SMS, else a passcode. */
export function defaultFactor(device: DuoDevice | undefined): DuoFactor {
  return factorsFor(device)[0];
}

export function deviceName(d: DuoDevice): string {
  return d.display_name || d.name || d.device;
}
