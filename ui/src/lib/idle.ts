// Auto-lock: calls `onIdle` once after `timeoutMs` without activity; activity restarts the wait.

export interface IdleTimer {
  activity(): void;
  stop(): void;
}

export function idleTimer(
  timeoutMs: number,
  onIdle: () => void,
  clock: { set: typeof setTimeout; clear: typeof clearTimeout } = { set: setTimeout, clear: clearTimeout },
): IdleTimer {
  let handle: ReturnType<typeof setTimeout> | null = null;
  const arm = () => {
    if (handle !== null) clock.clear(handle);
    handle = clock.set(() => {
      handle = null;
      onIdle();
    }, timeoutMs);
  };
  arm();
  return {
    activity: arm,
    stop() {
      if (handle !== null) clock.clear(handle);
      handle = null;
    },
  };
}
