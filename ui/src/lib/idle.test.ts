import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { idleTimer } from "./idle";

describe("idle timer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fires once after the timeout without activity", () => {
    const onIdle = vi.fn();
    idleTimer(1000, onIdle);
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("activity restarts the wait, stop cancels it", () => {
    const onIdle = vi.fn();
    const t = idleTimer(1000, onIdle);
    vi.advanceTimersByTime(800);
    t.activity();
    vi.advanceTimersByTime(800);
    expect(onIdle).not.toHaveBeenCalled();
    t.stop();
    vi.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
