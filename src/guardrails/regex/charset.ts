// Character sets of the custom-rule regex engine: an ASCII lookup table plus a predicate for the
// rest of Unicode, with optional case folding. Sets are tested one code point at a time.

export interface CharSet {
  test(cp: number): boolean;
  /** Every code point of the set, when it is a few explicit characters (a literal): for skipping ahead. */
  readonly chars?: readonly number[];
}

/** Inclusive code point ranges, or a predicate for `\p{…}` properties. */
export type SetItem = { lo: number; hi: number } | { test: (cp: number) => boolean };

const MAX_CP = 0x10ffff;
const LINE_TERMINATORS = [0x0a, 0x0d, 0x2028, 0x2029];

export const DIGIT: SetItem[] = [{ lo: 0x30, hi: 0x39 }];
export const WORD: SetItem[] = [
  { lo: 0x30, hi: 0x39 },
  { lo: 0x41, hi: 0x5a },
  { lo: 0x5f, hi: 0x5f },
  { lo: 0x61, hi: 0x7a },
];
// The characters JavaScript's \s matches (WhiteSpace and LineTerminator of ECMA-262).
export const SPACE: SetItem[] = [
  { lo: 0x09, hi: 0x0d },
  { lo: 0x20, hi: 0x20 },
  { lo: 0xa0, hi: 0xa0 },
  { lo: 0x1680, hi: 0x1680 },
  { lo: 0x2000, hi: 0x200a },
  { lo: 0x2028, hi: 0x2029 },
  { lo: 0x202f, hi: 0x202f },
  { lo: 0x205f, hi: 0x205f },
  { lo: 0x3000, hi: 0x3000 },
  { lo: 0xfeff, hi: 0xfeff },
];

export function isWordChar(cp: number): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x5f || (cp >= 0x61 && cp <= 0x7a)
  );
}

export function isLineTerminator(cp: number): boolean {
  return LINE_TERMINATORS.includes(cp);
}

/** The items of `\D`, `\W`, `\S`: the complement of a range list. */
export function complement(items: SetItem[]): SetItem[] {
  return [{ test: (cp) => !matchesItems(items, cp) }];
}

function matchesItems(items: readonly SetItem[], cp: number): boolean {
  for (const item of items) {
    if ('test' in item ? item.test(cp) : cp >= item.lo && cp <= item.hi) return true;
  }
  return false;
}

/** Simple case variants of a code point (lower and upper), for the `i` flag. */
function caseVariants(cp: number): number[] {
  const char = String.fromCodePoint(cp);
  const out: number[] = [];
  for (const variant of [char.toLowerCase(), char.toUpperCase()]) {
    const code = variant.codePointAt(0);
    // A variant longer than one code point (e.g. "ß" → "SS") is not a simple fold: skip it.
    if (code !== undefined && code !== cp && String.fromCodePoint(code) === variant) out.push(code);
  }
  return out;
}

export function buildSet(items: SetItem[], negate: boolean, ignoreCase: boolean): CharSet {
  const raw = (cp: number) => {
    if (matchesItems(items, cp)) return true;
    if (ignoreCase) for (const variant of caseVariants(cp)) if (matchesItems(items, variant)) return true;
    return false;
  };
  const ascii = new Uint8Array(128);
  for (let cp = 0; cp < 128; cp++) ascii[cp] = raw(cp) !== negate ? 1 : 0;
  // Non-ASCII answers are memoised: at most one entry per distinct character of the input.
  const memo = new Map<number, boolean>();
  return {
    chars: negate ? undefined : explicitChars(items, ignoreCase),
    test(cp) {
      if (cp < 128) return ascii[cp] === 1;
      let answer = memo.get(cp);
      if (answer === undefined) {
        answer = cp <= MAX_CP && raw(cp) !== negate;
        if (memo.size < 4096) memo.set(cp, answer);
      }
      return answer;
    },
  };
}

/** The members of a set made of a few single characters, with their case variants. */
function explicitChars(items: readonly SetItem[], ignoreCase: boolean): number[] | undefined {
  const chars = new Set<number>();
  for (const item of items) {
    if ('test' in item || item.lo !== item.hi) return undefined;
    chars.add(item.lo);
    if (ignoreCase) for (const variant of caseVariants(item.lo)) chars.add(variant);
  }
  return chars.size <= 8 ? [...chars] : undefined;
}

/** `.`: any code point but line terminators, unless the `s` flag is set. */
export function anySet(dotAll: boolean): CharSet {
  return { test: (cp) => dotAll || !isLineTerminator(cp) };
}
