import { describe, expect, it, vi } from "vitest";
import { activityReporter } from "./idle";

describe("activity reporter", () => {
  it("reports the first activity at once, then at most once per interval", () => {
    let now = 10_000;
    const report = vi.fn();
    const r = activityReporter(5000, report, () => now);
    r.activity();
    expect(report).toHaveBeenCalledTimes(1);
    now += 4999;
    r.activity();
    r.activity();
    expect(report).toHaveBeenCalledTimes(1);
    now += 1;
    r.activity();
    expect(report).toHaveBeenCalledTimes(2);
  });

  it("reports nothing without activity", () => {
    const report = vi.fn();
    activityReporter(5000, report, () => 0);
    expect(report).not.toHaveBeenCalled();
  });
});
