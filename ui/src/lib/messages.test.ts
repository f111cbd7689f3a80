import { describe, expect, it } from "vitest";
import { en, format, fr } from "./messages";

describe("messages", () => {
  it("French has every English key and no empty text", () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const v of Object.values(fr)) expect(v.length).toBeGreaterThan(0);
  });
  it("formats parameters", () => {
    expect(format(en["unlock.locked_for"], { secs: 30 })).toBe("Too many wrong codes. Try again in 30 s.");
    expect(format("{a} {b}", { a: 1 })).toBe("1 {b}");
  });
});

describe("history field names", () => {
  it("every field the core names as changed has a text in both languages", () => {
    const core = [
      "type", "title", "group", "tags", "notes", "username", "password", "url", "otp", "ssh_key",
      "protocol", "host", "port", "login", "host_key", "certificate",
    ];
    for (const name of core) {
      expect(Object.keys(en)).toContain(`change.${name}`);
      expect(Object.keys(fr)).toContain(`change.${name}`);
    }
  });
});
