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
