// Coalescing of identical concurrent misses within one isolate: the first non-streaming request
// for a cache key calls upstream; identical ones arriving meanwhile wait for its answer instead.
// This is isolate state by nature (the point is to share one upstream call); it holds only
// promises of requests still in flight, each removed as soon as it settles.
import type { CacheEntry } from './exact';

const inflight = new Map<string, Promise<CacheEntry | undefined>>();
/** Beyond this many distinct misses in flight, new ones simply are not coalesced. */
const MAX_INFLIGHT = 10_000;

/** The answer an identical request in flight will produce (undefined if it fails or is not storable). */
export function joinInflight(key: string): Promise<CacheEntry | undefined> | undefined {
  return inflight.get(key);
}

/** Registers this request as the one calling upstream for `key`; call the result exactly once. */
export function leadInflight(key: string): (entry: CacheEntry | undefined) => void {
  if (inflight.has(key) || inflight.size >= MAX_INFLIGHT) return () => {};
  let resolve!: (entry: CacheEntry | undefined) => void;
  inflight.set(
    key,
    new Promise((r) => {
      resolve = r;
    }),
  );
  let done = false;
  return (entry) => {
    if (done) return;
    done = true;
    inflight.delete(key);
    resolve(entry);
  };
}
