import { describe, expect, it } from "vitest";
import { deviceName, factorsFor, setupFactors } from "./duo";

const phone = { device: "DP1", type: "phone", name: "Phone", number: "XXX-0100", display_name: "Phone (XXX-0100)", capabilities: ["auto", "push", "sms", "phone"] };
const token = { device: "DH1", type: "token", name: "", number: "", display_name: "", capabilities: [] };

describe("duo choices", () => {
  it("offers what the device can do, push first, passcode always", () => {
    expect(factorsFor(phone)).toEqual(["push", "phone", "sms", "passcode"]);
    expect(factorsFor(token)).toEqual(["passcode"]);
    expect(factorsFor(undefined)).toEqual(["auto", "passcode"]);
  });
  it("offers the core's default first in the set-up", () => {
    expect(setupFactors(phone, "auto")).toEqual(["auto", "push", "phone"]);
    expect(setupFactors(phone, "push")).toEqual(["push", "phone"]);
    expect(setupFactors(token, "passcode")).toEqual([]);
  });
  it("names devices", () => {
    expect(deviceName(phone)).toBe("Phone (XXX-0100)");
    expect(deviceName(token)).toBe("DH1");
  });
});
