// Output rules on the model's answer: a whole text (JSON completions), or a stream of deltas with a
// small held-back window so that matches split across chunks are still found.
import { type LabeledSpan, type Placeholders, redact, restore } from './placeholders';
import { type GuardrailReport, guardrailBlocked, record } from './report';
import type { TextRule } from './rules';
import { jsonTexts } from './text-slots';

/** The fields providers carry reasoning in (DeepSeek's and vLLM's, OpenRouter's two, Anthropic's blocks). */
const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'reasoning_details', 'thinking_blocks'] as const;

/**
 * A message or a delta of an answer guardrails rewrite, left with only what they scan, whatever
 * shape the provider used: reasoning is removed (output rules do not scan it, placeholders are not
 * restored in it, and a signed thinking block cannot be rewritten), and content given as a list of
 * parts (Mistral's reasoning models answer `[{type: "thinking"…}, {type: "text", text}]`) becomes
 * the string of its text parts.
 */
export function scannableOnly(message: Record<string, unknown>): void {
  for (const field of REASONING_FIELDS) delete message[field];
  const content = message.content;
  if (!Array.isArray(content)) return;
  message.content = content
    .map((part) => {
      const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
      return type === 'text' && typeof text === 'string' ? text : '';
    })
    .join('');
}

/** Output rules on a complete text: block throws, flag notes, redact replaces (never restored). */
export function scanOutput(
  text: string,
  rules: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
): string {
  const spans: LabeledSpan[] = [];
  for (const rule of rules) {
    const { action, name } = rule.rule;
    const found = rule.find(text, action === 'block');
    if (found.length === 0) continue;
    record(report, action, name, found.length);
    if (action === 'block') throw guardrailBlocked(name, 'response');
    if (action === 'redact') spans.push(...found.map((span) => ({ ...span, restore: false })));
  }
  return redact(text, spans, placeholders);
}

/**
 * Output rules on a tool call's arguments, value by value as the prompt's are (text-slots.ts):
 * block throws, redact replaces a value (written back as a JSON string), flag notes.
 */
export function scanArguments(
  raw: string,
  rules: readonly TextRule[],
  report: GuardrailReport,
  placeholders: Placeholders,
): string {
  const json = jsonTexts(raw);
  if (!json) return scanOutput(raw, rules, report, placeholders);
  const values = json.texts.map((text) => {
    const scanned = scanOutput(text, rules, report, placeholders);
    return scanned === text ? undefined : scanned;
  });
  return values.some((value) => value !== undefined) ? json.rebuild(values) : raw;
}

/**
 * Characters of streamed output held back before release. A match up to this long is always seen
 * whole before any of it reaches the client; longer ones can be split across releases and missed.
 */
export const STREAM_HOLDBACK = 64;
/**
 * Released text is let go in steps of at least this many characters: each release rescans what is
 * held, so releasing on every 1-character delta would scan each character some 65 times.
 */
export const STREAM_STEP = 32;
/**
 * Released characters kept as left context for the next scan: a match must not seem to start a word
 * (or a line, or a token) just because the window was cut there. Matches starting in it were judged.
 */
const STREAM_CONTEXT = 16;

/** A thrown block inside the stream; the mapper turns it into an error event. */
export class StreamBlocked extends Error {}

/** Output rules over a stream of deltas, releasing text once no match can still grow into it. */
export class HoldbackScanner {
  private pending = '';
  /** The last released characters (at most STREAM_CONTEXT), seen before `pending` by each scan. */
  private context = '';

  constructor(
    private readonly rules: readonly TextRule[],
    private readonly report: GuardrailReport,
    private readonly placeholders: Placeholders,
  ) {}

  push(delta: string): string {
    this.pending += delta;
    if (this.pending.length < STREAM_HOLDBACK + STREAM_STEP) return '';
    return this.release(false);
  }

  flush(): string {
    return this.release(true);
  }

  private release(final: boolean): string {
    const pending = this.pending;
    const offset = this.context.length;
    const text = this.context + pending;
    let cut = final ? pending.length : pending.length - STREAM_HOLDBACK;
    if (cut <= 0) return '';
    const spans: LabeledSpan[] = [];
    const flags: LabeledSpan[] = [];
    for (const rule of this.rules) {
      const { action, name } = rule.rule;
      // A match touching the end of what has arrived may still grow (or stop being a whole word);
      // one starting in the context was judged with the text before it. Offsets become pending's.
      const found = rule
        .find(text, false)
        .filter((span) => span.start >= offset && (final || span.end < text.length))
        .map((span) => ({ ...span, start: span.start - offset, end: span.end - offset }));
      if (found.length === 0) continue;
      if (action === 'block') {
        record(this.report, 'block', name);
        throw new StreamBlocked(name);
      }
      if (action === 'flag') flags.push(...found);
      else spans.push(...found.map((span) => ({ ...span, restore: false })));
    }
    if (!final) {
      for (const span of latestFirst(spans)) if (span.start < cut && span.end > cut) cut = span.start;
      // Never split a surrogate pair between two releases.
      const last = pending.charCodeAt(cut - 1);
      if (last >= 0xd800 && last <= 0xdbff) cut--;
    }
    const released = spans.filter((span) => span.end <= cut);
    for (const span of released) record(this.report, 'redact', span.rule);
    // A flag starting after the cut is still pending: it is found (and counted) with a later release.
    for (const span of flags) if (span.start < cut) record(this.report, 'flag', span.rule);
    this.pending = pending.slice(cut);
    this.context = (this.context + pending.slice(0, cut)).slice(-STREAM_CONTEXT);
    return redact(pending.slice(0, cut), released, this.placeholders);
  }
}

/** Spans by start, latest first, so moving the cut back to one start is checked against the rest. */
function latestFirst(spans: LabeledSpan[]): LabeledSpan[] {
  return [...spans].sort((a, b) => b.start - a.start);
}

/** Longest placeholder: "[" + 31-character label + "_" + 6 digits + "]". */
const MAX_PLACEHOLDER = 40;
const PARTIAL_PLACEHOLDER = /^\[[A-Z0-9_]*$/;

/** Restores placeholders in streamed text, carrying a possibly split placeholder to the next delta. */
export class StreamRestorer {
  private carry = '';

  constructor(
    private readonly originals: ReadonlyMap<string, string>,
    private readonly encode?: (value: string) => string,
  ) {}

  push(delta: string): string {
    let text = this.carry + delta;
    this.carry = '';
    const open = text.lastIndexOf('[');
    if (open >= 0 && text.length - open < MAX_PLACEHOLDER && PARTIAL_PLACEHOLDER.test(text.slice(open))) {
      this.carry = text.slice(open);
      text = text.slice(0, open);
    }
    return restore(text, this.originals, this.encode);
  }

  flush(): string {
    const text = this.carry;
    this.carry = '';
    return restore(text, this.originals, this.encode);
  }
}
