// Keyword deny-lists: one Aho-Corasick automaton per rule, so a text is scanned once whatever the
// number of keywords (thousands stay fast). Case-insensitive; whole words by default.
import { addSpan, type Span } from './spans';

const WORD = /[\p{L}\p{N}_]/u;
/** Most outputs examined at one position for whole-word checks; only contrived lists come close. */
const MAX_OUTPUTS_PER_POSITION = 64;

function foldUnit(unit: number): number {
  if (unit < 128) return unit >= 65 && unit <= 90 ? unit + 32 : unit;
  const lower = String.fromCharCode(unit).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : unit;
}

function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const unit = text.charCodeAt(index);
  if (unit < 128)
    return (
      (unit >= 48 && unit <= 57) || (unit >= 65 && unit <= 90) || (unit >= 97 && unit <= 122) || unit === 95
    );
  // A surrogate half stands for an astral character: look at the whole code point.
  const start = unit >= 0xdc00 && unit <= 0xdfff && index > 0 ? index - 1 : index;
  return WORD.test(String.fromCodePoint(text.codePointAt(start)!));
}

export interface KeywordMatcher {
  find(text: string, first?: boolean): Span[];
}

export function compileKeywords(keywords: readonly string[], wholeWord: boolean): KeywordMatcher {
  const next: Map<number, number>[] = [new Map()];
  /** Length of the keyword ending at the node (0: none). */
  const length: number[] = [0];
  for (const keyword of keywords) {
    let node = 0;
    for (let i = 0; i < keyword.length; i++) {
      const unit = foldUnit(keyword.charCodeAt(i));
      let child = next[node]!.get(unit);
      if (child === undefined) {
        child = next.length;
        next.push(new Map());
        length.push(0);
        next[node]!.set(unit, child);
      }
      node = child;
    }
    if (keyword.length > 0) length[node] = keyword.length;
  }
  // Failure links (longest proper suffix that is a trie node) and output links (nearest keyword end).
  const fail = new Int32Array(next.length);
  const output = new Int32Array(next.length).fill(-1);
  const queue: number[] = [];
  for (const child of next[0]!.values()) queue.push(child);
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const [unit, child] of next[node]!) {
      let f = fail[node]!;
      while (f > 0 && !next[f]!.has(unit)) f = fail[f]!;
      const target = next[f]!.get(unit);
      fail[child] = target !== undefined && target !== child ? target : 0;
      const via = fail[child]!;
      output[child] = length[via]! > 0 ? via : output[via]!;
      queue.push(child);
    }
  }

  return {
    find(text, first = false) {
      const spans: [number, number][] = [];
      let node = 0;
      for (let i = 0; i < text.length; i++) {
        const unit = foldUnit(text.charCodeAt(i));
        while (node > 0 && !next[node]!.has(unit)) node = fail[node]!;
        node = next[node]!.get(unit) ?? 0;
        const end = i + 1;
        if (wholeWord && isWordAt(text, end) && isWordAt(text, i)) continue;
        // The longest keyword ending here that passes the boundary checks.
        let hit = length[node]! > 0 ? node : output[node]!;
        for (let tries = 0; hit > 0 && tries < MAX_OUTPUTS_PER_POSITION; tries++) {
          const start = end - length[hit]!;
          if (!wholeWord || !isWordAt(text, start - 1) || !isWordAt(text, start)) {
            addSpan(spans, start, end);
            if (first) return spans;
            break;
          }
          hit = output[hit]!;
        }
      }
      return spans;
    },
  };
}
