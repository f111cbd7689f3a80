import { describe, expect, it } from "vitest";
import { SHORTCUTS, shortcutFor, type Keys } from "./shortcuts";

const idle = { typing: false, selection: false };
const ctrl = (key: string, more: Partial<Keys> = {}): Keys => ({ key, ctrlKey: true, ...more });

describe("shortcuts", () => {
  it("maps the copy, search, lock and help keys", () => {
    expect(shortcutFor(ctrl("b"), idle)).toBe("copy_username");
    expect(shortcutFor(ctrl("c"), idle)).toBe("copy_password");
    expect(shortcutFor(ctrl("T"), idle)).toBe("copy_code");
    expect(shortcutFor(ctrl("f"), idle)).toBe("search");
    expect(shortcutFor(ctrl("l"), idle)).toBe("lock");
    expect(shortcutFor({ key: "F1", ctrlKey: false }, idle)).toBe("help");
    expect(shortcutFor({ key: "?", ctrlKey: false, shiftKey: true }, idle)).toBe("help");
  });
  it("leaves the keys people type and copy with alone", () => {
    // In the search field with nothing selected, Ctrl+C would copy nothing: it copies the password.
    expect(shortcutFor(ctrl("c"), { typing: true, selection: false })).toBe("copy_password");
    expect(shortcutFor(ctrl("c"), { typing: true, selection: true })).toBeNull();
    expect(shortcutFor(ctrl("c"), { typing: false, selection: true })).toBeNull();
    expect(shortcutFor({ key: "?", ctrlKey: false }, { typing: true, selection: false })).toBeNull();
    expect(shortcutFor({ key: "b", ctrlKey: false }, idle)).toBeNull();
    expect(shortcutFor(ctrl("c", { shiftKey: true }), idle)).toBeNull();
    expect(shortcutFor(ctrl("b", { altKey: true }), idle)).toBeNull();
    // Lock and search work from the search field too.
    expect(shortcutFor(ctrl("l"), { typing: true, selection: false })).toBe("lock");
  });
  it("lists every action once in the help", () => {
    const actions = SHORTCUTS.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions.sort()).toEqual(["copy_code", "copy_password", "copy_username", "help", "lock", "search"]);
  });
});
