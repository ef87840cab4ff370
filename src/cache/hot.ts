// The isolate's hot copy of exact-cache entries it recently read or wrote, so a repeated question
// is answered from memory instead of a KV read. Bounded in size and in age: a copy is served at
// most HOT_MAX_AGE_MS after KV gave it. KV itself may answer up to 60 s stale (it caches values at
// the edge that long), so an answer replaced elsewhere can take up to about two minutes to reach
// every isolate; an older copy never replaces a newer one here. Plain data only (JSON text): each
// hit parses its own copy, nothing mutable is shared.
import type { CacheEntry } from './exact';

/** How long a copy is served before KV is asked again. */
export const HOT_MAX_AGE_MS = 60_000;
/** The isolate's budget for hot copies, in characters of JSON: 4–8 MiB (one or two bytes each). */
export const HOT_MAX_CHARS = 4 * 1024 * 1024;
/** Larger answers are always read from KV: one of them must not push out hundreds of others. */
export const HOT_MAX_ENTRY_CHARS = 256 * 1024;

interface HotCopy {
  json: string;
  /** The entry's createdAt: a copy of an older answer (a slow read) never replaces it. */
  createdAt: number;
  /** When this copy stops being served (ms): the entry's expiry or the age limit, whichever is first. */
  until: number;
}

/** Least recently used first: Map keeps insertion order, and a hit re-inserts. */
const copies = new Map<string, HotCopy>();
let chars = 0;

export function hotGet(key: string, now: number): CacheEntry | undefined {
  const copy = copies.get(key);
  if (!copy) return undefined;
  copies.delete(key);
  if (copy.until <= now) {
    chars -= copy.json.length;
    return undefined;
  }
  copies.set(key, copy);
  return JSON.parse(copy.json) as CacheEntry;
}

/**
 * Keeps a copy of an entry just read from or written to KV (replacing an older answer's copy);
 * `json` is the entry's JSON text when the caller has it already.
 */
export function hotPut(key: string, entry: CacheEntry, now: number, json?: string): void {
  const held = copies.get(key);
  if (held && held.until > now && held.createdAt > entry.createdAt) return;
  hotForget(key);
  const until = Math.min(entry.expiresAt, now + HOT_MAX_AGE_MS);
  if (until <= now) return;
  const text = json ?? JSON.stringify(entry);
  if (text.length > HOT_MAX_ENTRY_CHARS) return;
  copies.set(key, { json: text, createdAt: entry.createdAt, until });
  chars += text.length;
  for (const [oldest, copy] of copies) {
    if (chars <= HOT_MAX_CHARS) break;
    copies.delete(oldest);
    chars -= copy.json.length;
  }
}

/** Whether the copy held is of an answer newer than `createdAt` (a refresh's, however old the copy). */
export function hotNewer(key: string, createdAt: number): boolean {
  const copy = copies.get(key);
  return copy !== undefined && copy.createdAt > createdAt;
}

export function hotForget(key: string): void {
  const copy = copies.get(key);
  if (!copy) return;
  copies.delete(key);
  chars -= copy.json.length;
}

/** For tests: what the isolate holds. */
export function hotStats(): { entries: number; chars: number } {
  return { entries: copies.size, chars };
}
