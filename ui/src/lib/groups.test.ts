import { describe, expect, it } from "vitest";
import { groupTree, inGroup } from "./groups";

describe("groups", () => {
  it("counts entries in each group and its parents", () => {
    expect(groupTree(["Work/Dev", "Work", null, "Work/Dev", "Home"])).toEqual([
      { path: "Home", depth: 0, name: "Home", count: 1 },
      { path: "Work", depth: 0, name: "Work", count: 3 },
      { path: "Work/Dev", depth: 1, name: "Dev", count: 2 },
    ]);
  });
  it("selects a group and its subgroups", () => {
    expect(inGroup("Work/Dev", "Work")).toBe(true);
    expect(inGroup("Workshop", "Work")).toBe(false);
    expect(inGroup(null, null)).toBe(true);
    expect(inGroup(null, "Work")).toBe(false);
  });
});
