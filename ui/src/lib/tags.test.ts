import { describe, expect, it } from "vitest";
import { formatTags, parseTags } from "./tags";

describe("tags", () => {
  it("splits on commas, trims, drops empties and repeats", () => {
    expect(parseTags(" work, ops ,,work, home ")).toEqual(["work", "ops", "home"]);
    expect(parseTags("   ")).toEqual([]);
  });
  it("round-trips through the field's text", () => {
    expect(parseTags(formatTags(["a b", "c"]))).toEqual(["a b", "c"]);
  });
});
