// The rows of a long list worth rendering: those in view plus a margin, so 10,000 entries cost
// a few dozen DOM nodes.

export interface RowWindow {
  start: number;
  end: number;
  top: number;
  bottom: number;
}

export function visibleRows(count: number, rowHeight: number, scrollTop: number, viewHeight: number, overscan = 10): RowWindow {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  const end = Math.max(first, last);
  return { start: first, end, top: first * rowHeight, bottom: (count - end) * rowHeight };
}
