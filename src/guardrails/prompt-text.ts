// A text the prompt rules read: one string, or text parts in a row read joined, so that a value split
// across a seam ("4111 1111 " + "1111 1111") is found, and redacted in the parts it spans.
import { type LabeledSpan, type Placeholders, type Replacement, redact, replacements } from './placeholders';
import type { TextRule } from './rules';
import { addSpan, type Span } from './spans';

export interface PromptText {
  /** What the rules read: the parts joined, when there are parts. */
  readonly text: string;
  /** The text parts `text` joins, in order; absent for a text that is one string. */
  readonly parts?: readonly string[];
}

/** A text rewritten: the new text of each of its parts (one for a plain text); undefined when unchanged. */
export type Rewritten = readonly string[] | undefined;

/** What a rule found in a text: the spans to act on, and how many matches they are. */
export interface Found {
  spans: LabeledSpan[];
  count: number;
}

/**
 * The spans `rule` finds in a text (`first`: stop at the first). Joined parts are read joined and
 * also each on its own, since a part's edges are its own: joined, a card number ending one part runs
 * into the digits opening the next and is no card. A part's match overlapping a joined one of the
 * rule is the same value seen twice: both spans are kept (redaction takes the leftmost, the longest)
 * but it is counted once. Linear: each part is read once more, never rejoined.
 */
export function findIn(rule: TextRule, text: PromptText, first: boolean): Found {
  const joined = rule.find(text.text, first);
  if (!text.parts || (first && joined.length > 0)) return { spans: joined, count: joined.length };
  const cover = coverOf(joined);
  const spans = [...joined];
  let count = joined.length;
  let offset = 0;
  for (const part of text.parts) {
    for (const span of rule.find(part, first)) {
      const start = offset + span.start;
      const end = offset + span.end;
      spans.push({ ...span, start, end });
      if (!overlaps(cover, start, end)) count++;
    }
    if (first && spans.length > 0) break;
    offset += part.length;
  }
  return { spans, count };
}

/** The text with the spans (in `text.text` offsets) replaced by placeholders, part by part. */
export function redactText(text: PromptText, spans: LabeledSpan[], placeholders: Placeholders): string[] {
  if (!text.parts) return [redact(text.text, spans, placeholders)];
  return landInParts(text.parts, replacements(text.text, spans, placeholders));
}

/**
 * The parts with replacements made in their joined text (in order, disjoint): a replacement lands in
 * the part where its span starts, every later part the span reaches loses what it covers (a part
 * wholly inside is left empty), and the rest of each part stays as it was. A span ending at a seam
 * leaves the next part whole; one starting at a seam lands in the part after it.
 */
function landInParts(parts: readonly string[], made: readonly Replacement[]): string[] {
  const out: string[] = [];
  let next = 0;
  /** Joined offset up to which the text is consumed (kept or replaced). */
  let at = 0;
  let start = 0;
  for (const part of parts) {
    const end = start + part.length;
    let text = '';
    at = Math.max(at, start);
    for (; next < made.length && made[next]!.start < end; next++) {
      const { start: from, end: to, by } = made[next]!;
      text += part.slice(at - start, from - start) + by;
      at = to;
    }
    if (at < end) text += part.slice(at - start);
    out.push(text);
    start = end;
  }
  return out;
}

/** The union of spans as disjoint spans in order. */
function coverOf(spans: readonly LabeledSpan[]): Span[] {
  const cover: [number, number][] = [];
  for (const { start, end } of [...spans].sort((a, b) => a.start - b.start)) addSpan(cover, start, end);
  return cover;
}

/** Whether [start, end) overlaps one of `cover` (disjoint, in order): a binary search. */
function overlaps(cover: readonly Span[], start: number, end: number): boolean {
  let low = 0;
  let high = cover.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cover[mid]![1] <= start) low = mid + 1;
    else high = mid;
  }
  return low < cover.length && cover[low]![0] < end;
}
