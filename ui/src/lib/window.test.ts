import { describe, expect, it } from "vitest";
import { visibleRows } from "./window";

describe("visibleRows", () => {
  it("renders the rows in view plus a margin, and pads the rest", () => {
    const w = visibleRows(10_000, 50, 5_000, 500, 10);
    expect(w).toEqual({ start: 90, end: 120, top: 4_500, bottom: (10_000 - 120) * 50 });
  });
  it("handles the edges and short lists", () => {
    expect(visibleRows(3, 50, 0, 500)).toEqual({ start: 0, end: 3, top: 0, bottom: 0 });
    expect(visibleRows(100, 50, 4_800, 500, 2).end).toBe(100);
    expect(visibleRows(0, 50, 0, 500)).toEqual({ start: 0, end: 0, top: 0, bottom: 0 });
  });
});
