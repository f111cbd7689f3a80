import { describe, expect, it } from "vitest";
import { groupCode, remainingFraction, RING_CIRCUMFERENCE, ringOffset } from "./countdown";

describe("countdown ring", () => {
  it("is full at the start of a period and empty at its end", () => {
    expect(ringOffset(30, 30)).toBeCloseTo(0);
    expect(ringOffset(0, 30)).toBeCloseTo(RING_CIRCUMFERENCE);
    expect(ringOffset(15, 30)).toBeCloseTo(RING_CIRCUMFERENCE / 2);
  });
  it("clamps odd inputs", () => {
    expect(remainingFraction(45, 30)).toBe(1);
    expect(remainingFraction(-1, 30)).toBe(0);
    expect(remainingFraction(5, 0)).toBe(0);
  });
  it("groups codes for reading", () => {
    expect(groupCode("123456")).toBe("123 456");
    expect(groupCode("12345678")).toBe("1234 5678");
    expect(groupCode("1234567")).toBe("123 4567");
  });
});
