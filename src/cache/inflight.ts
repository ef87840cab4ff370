// Answers in flight within one isolate: an identical non-streaming miss waits for the request
// already calling upstream instead of calling again, and a just-produced answer is served from
// memory until its KV write has landed (read-your-writes in this isolate, even before KV has it).
// Isolate state by nature: it holds only requests in flight and writes in progress, each removed
// as soon as it settles.
import type { CacheEntry } from './exact';

interface Slot {
  answer: Promise<CacheEntry | undefined>;
  /** The answer is known (being written); before that, the upstream call is still running. */
  ready: boolean;
}

const slots = new Map<string, Slot>();
/** Beyond this many distinct keys in flight, new ones simply are not tracked. */
const MAX_SLOTS = 10_000;

/**
 * The answer for `key` known in this isolate: a ready one always; one still being produced only
 * when the caller may `wait` for it (streaming requests do not: they would lose their first byte).
 * Resolves to undefined when that request fails or its answer is not storable.
 */
export function joinInflight(key: string, wait: boolean): Promise<CacheEntry | undefined> | undefined {
  const slot = slots.get(key);
  return slot && (slot.ready || wait) ? slot.answer : undefined;
}

export type Finish = (entry: CacheEntry | undefined, written?: Promise<unknown>) => void;

/** Registers this request as the one calling upstream for `key`; call the result exactly once. */
export function leadInflight(key: string): Finish {
  if (slots.has(key) || slots.size >= MAX_SLOTS) return publish(key);
  let resolve!: (entry: CacheEntry | undefined) => void;
  const slot: Slot = { answer: new Promise((r) => (resolve = r)), ready: false };
  slots.set(key, slot);
  let done = false;
  return (entry, written) => {
    if (done) return;
    done = true;
    resolve(entry);
    hold(key, slot, entry, written);
  };
}

/** For a request that did not lead (a stream): makes its answer readable while it is written. */
export function publish(key: string): Finish {
  return (entry, written) => {
    if (!entry || !written || (!slots.has(key) && slots.size >= MAX_SLOTS)) return;
    const slot: Slot = { answer: Promise.resolve(entry), ready: true };
    slots.set(key, slot);
    hold(key, slot, entry, written);
  };
}

function hold(key: string, slot: Slot, entry: CacheEntry | undefined, written?: Promise<unknown>): void {
  const release = () => {
    if (slots.get(key) === slot) slots.delete(key);
  };
  if (!entry || !written) {
    release();
    return;
  }
  slot.ready = true;
  void written.finally(release);
}
