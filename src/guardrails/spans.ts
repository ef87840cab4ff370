// Spans of text found by matchers: UTF-16 offsets [start, end), merged where they overlap.

export type Span = readonly [start: number, end: number];

/** Appends [start, end) to spans kept sorted by end, merging every span it overlaps. */
export function addSpan(spans: [number, number][], start: number, end: number): void {
  let merged: [number, number] = [start, end];
  while (spans.length > 0) {
    const last = spans.at(-1)!;
    if (last[1] <= merged[0]) break;
    spans.pop();
    merged = [Math.min(last[0], merged[0]), Math.max(last[1], merged[1])];
  }
  spans.push(merged);
}
