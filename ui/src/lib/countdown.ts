// The countdown ring beside a live code: how much of the period is left, as a fraction and as
// an SVG stroke offset.

export const RING_RADIUS = 14;
export const RING_CIRCUMFERENCE = 2 * Math.PI * RING_RADIUS;

export function remainingFraction(secondsLeft: number, period: number): number {
  if (period <= 0) return 0;
  return Math.min(1, Math.max(0, secondsLeft / period));
}

export function ringOffset(secondsLeft: number, period: number): number {
  return RING_CIRCUMFERENCE * (1 - remainingFraction(secondsLeft, period));
}

/** Groups a code for reading: 123 456, 1234 5678, 123 4567. */
export function groupCode(code: string): string {
  if (code.length < 6) return code;
  const half = Math.floor(code.length / 2);
  return `${code.slice(0, half)} ${code.slice(half)}`;
}

// A live code's countdown runs in the page: the app is asked for a code once, then again only
// when its step ends, and the seconds in between are counted here.

/** Whole seconds left at `now` (page milliseconds) of a code that had `secondsLeft` left when
 * it was fetched at `fetchedAt`; never below 0. */
export function secondsLeftAt(secondsLeft: number, fetchedAt: number, now: number): number {
  const elapsed = Math.floor(Math.max(0, now - fetchedAt) / 1000);
  return Math.max(0, secondsLeft - elapsed);
}

/** The shortest wait before fetching again, so a clock that does not move (or a step that
 * ends early) never turns into a fetch loop. */
export const MIN_FETCH_DELAY_MS = 1000;

/** Milliseconds to wait after a fetch at `fetchedAt` before fetching the next code, `null`
 * for a counter-based code (period 0), which changes only when it is used. */
export function nextFetchDelay(secondsLeft: number, period: number): number | null {
  if (period <= 0) return null;
  return Math.max(MIN_FETCH_DELAY_MS, secondsLeft * 1000);
}
