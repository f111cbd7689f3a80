import { describe, expect, it } from "vitest";
import {
  groupCode,
  MIN_FETCH_DELAY_MS,
  nextFetchDelay,
  remainingFraction,
  RING_CIRCUMFERENCE,
  ringOffset,
  secondsLeftAt,
} from "./countdown";

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

describe("the countdown between fetches", () => {
  it("counts whole seconds down from the fetch, and stops at 0", () => {
    expect(secondsLeftAt(17, 1000, 1000)).toBe(17);
    expect(secondsLeftAt(17, 1000, 1999)).toBe(17);
    expect(secondsLeftAt(17, 1000, 2000)).toBe(16);
    expect(secondsLeftAt(17, 1000, 18_000)).toBe(0);
    expect(secondsLeftAt(17, 1000, 60_000)).toBe(0);
  });
  it("ignores a page clock that went back", () => {
    expect(secondsLeftAt(17, 5000, 1000)).toBe(17);
  });
  it("fetches the next code when the step ends", () => {
    expect(nextFetchDelay(17, 30)).toBe(17_000);
    expect(nextFetchDelay(30, 30)).toBe(30_000);
  });
  it("never fetches in a loop, and never on a clock for a counter-based code", () => {
    expect(nextFetchDelay(0, 30)).toBe(MIN_FETCH_DELAY_MS);
    expect(nextFetchDelay(5, 0)).toBeNull();
  });
});
