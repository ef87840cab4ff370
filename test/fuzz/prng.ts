// A small seeded PRNG for the fuzz suites: every case is generated from (seed, endpoint, index), so
// a failure is reproduced by its seed and case id alone, whatever order the cases ran in.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: 32 bits of state, fast, well spread; plenty for test generation. */
export function rngFrom(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}

/** FNV-1a over the parts: the per-case seed. */
export function caseSeed(seed: number, ...parts: (string | number)[]): number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of parts.join('\u0000')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The run's seed: FUZZ_SEED when given (a number, or "random"), else a fixed one so CI is deterministic. */
export function runSeed(given: string | undefined, fallback: number): number {
  if (!given) return fallback;
  if (given === 'random') return Math.floor(Math.random() * 2 ** 32);
  const parsed = Number(given);
  if (!Number.isSafeInteger(parsed))
    throw new Error(`FUZZ_SEED must be an integer or "random", got ${given}`);
  return parsed >>> 0;
}
