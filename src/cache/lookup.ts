// Reading the cache for one request once its hot copy is known to be missing (lookupCache): the
// exact entry from KV, then the nearest semantic neighbour's entry (hot copy, else KV), all within
// `cache.lookupTimeoutMs`.
import type { Runtime } from '../config/runtime';
import type { Env } from '../env';
import { within } from '../isolate/within';
import type { Embedder } from './embed';
import { type CacheEntry, readEntry } from './exact';
import { hotGet, hotPut } from './hot';
import type { SharedAnswer } from './inflight';
import type { CacheKeys } from './key';
import type { CacheSettings } from './policy';
import { vectorIndex } from './vector-index';

/** What a lookup needs of the request (LookupInput in session-types.ts has all of it). */
export interface LookupContext {
  env: Env;
  runtime: Runtime;
  signal?: AbortSignal;
  now?: () => number;
}

export interface Probe {
  keys: CacheKeys;
  embed: Embedder | undefined;
  /** The question's embedding, once computed (reused when the answer is stored). */
  vector?: number[];
}

/** find(), given up after `cache.lookupTimeoutMs` (the embedding call is cancelled): a slow cache is a miss. */
export async function findInTime(
  input: LookupContext,
  settings: CacheSettings,
  kvKey: string,
  probe: Probe,
): Promise<SharedAnswer | undefined> {
  if (input.signal?.aborted) return undefined; // its client left: no reads, no embedding call
  const limitMs = input.runtime.config.cache.lookupTimeoutMs;
  const cancel = new AbortController();
  const stop = () => cancel.abort(new Error(`cache lookup took longer than ${limitMs} ms`));
  input.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await within(find(input, settings, kvKey, probe, cancel.signal), limitMs, () => {
      console.error(`cache lookup took longer than ${limitMs} ms: treated as a miss`);
      stop();
      return undefined;
    });
  } finally {
    input.signal?.removeEventListener('abort', stop);
  }
}

async function find(
  input: LookupContext,
  settings: CacheSettings,
  kvKey: string,
  probe: Probe,
  signal: AbortSignal,
): Promise<SharedAnswer | undefined> {
  const now = input.now ?? Date.now;
  if (settings.exact) {
    // Its hot copy was looked for just before (lookupCache): straight to KV.
    const entry = await readStored(input.env.CACHE, kvKey, now());
    if (entry) return { entry };
  }
  const { partition, question } = probe.keys;
  if (!probe.embed || partition === undefined || question === undefined) return undefined;
  if (signal.aborted) return undefined;
  probe.vector = await probe.embed(question, signal);
  if (signal.aborted) return undefined;
  const index = vectorIndex(input.env, input.runtime.config.cache.semantic.maxEntries);
  const match = await index.nearest(partition, probe.vector, settings.threshold);
  if (!match) return undefined;
  const entry = await readAnswer(input.env.CACHE, match.key, now());
  return entry ? { entry, similarity: match.score } : undefined;
}

/** The entry from this isolate's hot copies (hot.ts), else from KV. */
async function readAnswer(kv: KVNamespace, key: string, now: number): Promise<CacheEntry | undefined> {
  return hotGet(key, now) ?? readStored(kv, key, now);
}

/** The entry from KV, then kept hot. */
async function readStored(kv: KVNamespace, key: string, now: number): Promise<CacheEntry | undefined> {
  const entry = await readEntry(kv, key, now);
  if (entry) hotPut(key, entry, now);
  return entry;
}
