// Turns a valid example body into a fuzz case body: unchanged (it must succeed), structurally
// mutated (wrong types, proto keys, deep nesting…), or damaged at the byte level.
import type { Rng } from './prng';
import { mutateText, mutateTree, serialize, type Tree } from './values';

export interface FuzzBody {
  body: Uint8Array | string;
  note: string;
}

/** A deep copy that keeps `__proto__` keys as own data properties (structuredClone drops nothing). */
function clone(value: { [key: string]: Tree }): { [key: string]: Tree } {
  return structuredClone(value);
}

export function mutatedBody(
  rng: Rng,
  examples: readonly { [key: string]: Tree }[],
  known: readonly string[],
): FuzzBody {
  const tree = clone(rng.pick(examples));
  const roll = rng.next();
  if (roll < 0.15) return { body: serialize(tree), note: 'valid example' };
  const notes: string[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) notes.push(mutateTree(rng, tree, known));
  const text = serialize(tree);
  if (roll < 0.85) return { body: text, note: notes.join('; ') };
  const [bytes, note] = mutateText(rng, text, known);
  return { body: bytes, note: `${notes.join('; ')}; then ${note}` };
}

/** A body far over or just under the size limit: `place` puts the big string somewhere in it. */
export function hugeBody(place: (big: string) => Tree, bytes: number, wordy: boolean): FuzzBody {
  const unit = wordy ? 'word ' : 'x';
  const body = serialize(place(unit.repeat(Math.floor(bytes / unit.length))));
  return { body, note: `${bytes} bytes of ${JSON.stringify(unit)}` };
}

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
