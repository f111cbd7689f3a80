// Auto-lock: Rust decides when the workspace has been idle long enough (so a stalled page still
// locks) and says so on the lock channel; the page only reports that the user did something,
// at most once every `everyMs`.

export interface ActivityReporter {
  activity(): void;
}

export function activityReporter(
  everyMs: number,
  report: () => void,
  now: () => number = Date.now,
): ActivityReporter {
  let last = -Infinity;
  return {
    activity() {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      report();
    },
  };
}
