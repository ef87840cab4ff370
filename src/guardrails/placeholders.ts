// Placeholders for redacted values: `[EMAIL_1]`, the same value always getting the same placeholder
// within a request, and the way back for rules that restore the originals in the response.
import type { Span } from './spans';

export interface LabeledSpan {
  start: number;
  end: number;
  label: string;
  /** The rule that found it. */
  rule: string;
  /** The rule wants the original back in the response. */
  restore: boolean;
}

/** Anything shaped like a placeholder; the label is what the rule or detector defines. */
export const PLACEHOLDER = /\[([A-Z][A-Z0-9_]{0,30})_(\d{1,6})\]/g;

export class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** Placeholder → original, for restorable rules only. */
  readonly restorable = new Map<string, string>();

  /** `reserved`: placeholder-shaped strings already in the prompt, never handed out. */
  constructor(private readonly reserved: ReadonlySet<string> = new Set()) {}

  for(label: string, value: string, restore: boolean): string {
    const key = `${label}\u0000${value}`;
    let placeholder = this.byValue.get(key);
    if (!placeholder) {
      let n = this.counters.get(label) ?? 0;
      do placeholder = `[${label}_${++n}]`;
      while (this.reserved.has(placeholder));
      this.counters.set(label, n);
      this.byValue.set(key, placeholder);
    }
    if (restore) this.restorable.set(placeholder, value);
    return placeholder;
  }
}

export function reservedPlaceholders(texts: Iterable<string>): Set<string> {
  const reserved = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(PLACEHOLDER)) reserved.add(match[0]);
  return reserved;
}

export function withLabel(
  spans: readonly Span[],
  label: string,
  rule: string,
  restore: boolean,
): LabeledSpan[] {
  return spans.map(([start, end]) => ({ start, end, label, rule, restore }));
}

/** One replacement in a text: its [start, end) becomes `by`. */
export interface Replacement {
  start: number;
  end: number;
  by: string;
}

/**
 * The placeholders that replace the spans (any order, possibly overlapping): spans that overlap are
 * one value to hide, replaced whole — under the leftmost's label (the longest at equal starts), and
 * restorable only if every one of them is — so no rule's match is left partly in the clear. In text
 * order and disjoint; offsets are UTF-16, so surrounding emoji or right-to-left text stay intact.
 */
export function replacements(text: string, spans: LabeledSpan[], placeholders: Placeholders): Replacement[] {
  const ordered = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: LabeledSpan[] = [];
  for (const span of ordered) {
    const last = merged.at(-1);
    if (!last || span.start >= last.end) merged.push({ ...span });
    else {
      last.end = Math.max(last.end, span.end);
      last.restore &&= span.restore;
    }
  }
  return merged.map(({ start, end, label, restore }) => ({
    start,
    end,
    by: placeholders.for(label, text.slice(start, end), restore),
  }));
}

/** The text with the spans replaced by placeholders, as replacements() chooses them. */
export function redact(text: string, spans: LabeledSpan[], placeholders: Placeholders): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const { start, end, by } of replacements(text, spans, placeholders)) {
    out += text.slice(at, start) + by;
    at = end;
  }
  return out + text.slice(at);
}

/** Puts restorable originals back; `encode` adapts them to the context (e.g. inside a JSON string). */
export function restore(
  text: string,
  originals: ReadonlyMap<string, string>,
  encode = (v: string) => v,
): string {
  if (originals.size === 0 || !text.includes('[')) return text;
  return text.replace(PLACEHOLDER, (placeholder) => {
    const original = originals.get(placeholder);
    return original === undefined ? placeholder : encode(original);
  });
}

/** For values put back inside a JSON string literal (tool-call arguments). */
export const jsonEscape = (value: string) => JSON.stringify(value).slice(1, -1);
