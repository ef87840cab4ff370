// Character sets of the custom-rule regex engine: an ASCII lookup table plus a predicate for the
// rest of Unicode, with optional case folding. Sets are tested one code point at a time.

export interface CharSet {
  test(cp: number): boolean;
  /** Every code point of the set, when it is a few explicit characters (a literal): for skipping ahead. */
  readonly chars?: readonly number[];
}

/**
 * Inclusive code point ranges, or a predicate for `\p{…}` properties; `folded`: the predicate already
 * answers for case variants under the `i` flag (a complement), so they are not tried again.
 */
export type SetItem = { lo: number; hi: number } | { test: (cp: number) => boolean; folded?: boolean };

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

/** `\b`'s word characters; under `iu` JavaScript adds ſ and the Kelvin sign, which fold to s and k. */
export function isWordChar(cp: number, ignoreCase = false): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    cp === 0x5f ||
    (cp >= 0x61 && cp <= 0x7a) ||
    (ignoreCase && (cp === 0x17f || cp === 0x212a))
  );
}

export function isLineTerminator(cp: number): boolean {
  return LINE_TERMINATORS.includes(cp);
}

/**
 * The items of `\D`, `\W`, `\S`: the complement of a range list. Under `i` it is the complement of
 * the case-folded list, as JavaScript's `iu` reads it: `\w` then matches `ſ` and the Kelvin sign
 * (they fold to s and k), so `\W` matches none of s, S, ſ, k, K, K. Folding the complement instead
 * would add s back, as a case variant of ſ.
 */
export function complement(items: SetItem[], ignoreCase: boolean): SetItem[] {
  const matches = ignoreCase ? withCaseVariants(itemMatcher(items)) : itemMatcher(items);
  return [{ test: (cp) => !matches(cp), folded: ignoreCase }];
}

/** Whether a code point or one of its case variants is matched. */
function withCaseVariants(matches: (cp: number) => boolean): (cp: number) => boolean {
  return (cp) => {
    if (matches(cp)) return true;
    for (const variant of caseVariants(cp)) if (matches(variant)) return true;
    return false;
  };
}

/** Whether a code point is in `items`: sorted, merged ranges searched in O(log n), then the property tests. */
function itemMatcher(items: readonly SetItem[]): (cp: number) => boolean {
  const tests = items.flatMap((item) => ('test' in item ? [item.test] : []));
  const ranges = items
    .flatMap((item) => ('test' in item ? [] : [[item.lo, item.hi] as [number, number]]))
    .sort((a, b) => a[0] - b[0]);
  const los: number[] = [];
  const his: number[] = [];
  for (const [lo, hi] of ranges) {
    const last = his.length - 1;
    if (last >= 0 && lo <= his[last]! + 1) his[last] = Math.max(his[last]!, hi);
    else {
      los.push(lo);
      his.push(hi);
    }
  }
  return (cp) => {
    let low = 0;
    let high = los.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (cp < los[mid]!) high = mid - 1;
      else if (cp > his[mid]!) low = mid + 1;
      else return true;
    }
    for (const test of tests) if (test(cp)) return true;
    return false;
  };
}

/**
 * Code points that fold together (Unicode simple case folding, as JavaScript's `iu` flags compare)
 * where lower and upper case alone do not reach each other: k, K and the Kelvin sign; s, S and ſ;
 * σ, Σ and ς; ß and ẞ… (hex, one class per comma; generated from Node's case mappings).
 */
const SPECIAL_FOLDS =
  '6b 4b 212a,73 53 17f,3bc b5 39c,e5 c5 212b,df 1e9e,1c6 1c4 1c5,1c9 1c7 1c8,1cc 1ca 1cb,' +
  '1f3 1f1 1f2,3b9 345 399 1fbe,3b2 392 3d0,3b5 395 3f5,3b8 398 3d1 3f4,3ba 39a 3f0,' +
  '3c0 3a0 3d6,3c1 3a1 3f1,3c3 3a3 3c2,3c6 3a6 3d5,3c9 3a9 2126,432 412 1c80,434 414 1c81,' +
  '43e 41e 1c82,441 421 1c83,442 422 1c84 1c85,44a 42a 1c86,463 462 1c87,a64b 1c88 a64a,' +
  '1e61 1e60 1e9b,1f80 1f88,1f81 1f89,1f82 1f8a,1f83 1f8b,1f84 1f8c,1f85 1f8d,1f86 1f8e,' +
  '1f87 1f8f,1f90 1f98,1f91 1f99,1f92 1f9a,1f93 1f9b,1f94 1f9c,1f95 1f9d,1f96 1f9e,' +
  '1f97 1f9f,1fa0 1fa8,1fa1 1fa9,1fa2 1faa,1fa3 1fab,1fa4 1fac,1fa5 1fad,1fa6 1fae,' +
  '1fa7 1faf,1fb3 1fbc,1fc3 1fcc,1ff3 1ffc';

let specialFolds: Map<number, number[]> | undefined;

function specialFold(cp: number): number[] | undefined {
  if (!specialFolds) {
    specialFolds = new Map();
    for (const group of SPECIAL_FOLDS.split(',')) {
      const members = group.split(' ').map((hex) => Number.parseInt(hex, 16));
      for (const member of members) specialFolds.set(member, members);
    }
  }
  return specialFolds.get(cp);
}

/** The other code points that fold as this one does, for the `i` flag (k: K and the Kelvin sign). */
function caseVariants(cp: number): number[] {
  const special = specialFold(cp);
  if (special) return special.filter((member) => member !== cp);
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
  // Ranges merged and binary-searched, so a class of thousands of literals costs a few comparisons
  // per character, not one per literal: the matcher charges a class test as one step, and past the
  // memo below (a text of many distinct characters) a linear scan made a step cost thousands.
  // Items that answer for case variants themselves (complements under `i`) are not folded again.
  const folded = itemMatcher(items.filter((item) => 'test' in item && item.folded));
  const plain = itemMatcher(items.filter((item) => !('test' in item && item.folded)));
  const matches = ignoreCase ? withCaseVariants(plain) : plain;
  const raw = (cp: number) => folded(cp) || matches(cp);
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
