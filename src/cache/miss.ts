// A miss: the request goes upstream, and its answer is stored after the response — from the JSON
// body, or assembled from the stream as it passes the relay — unless a newer one is by then.
import type { Target } from '../config/schema';
import { describeError } from '../describe-error';
import { targetCost } from '../pricing/route-prices';
import type { ChatCompletion, Usage } from '../providers/types';
import { StreamAssembler } from './assemble';
import { storable } from './eligibility';
import { type CacheEntry, cacheEntrySchema, MAX_ENTRY_BYTES, storedCompletion, writeEntry } from './exact';
import { hotNewer, hotPut } from './hot';
import { type Finish, heldNewer, publish } from './inflight';
import type { Probe } from './lookup';
import { type CacheSettings, entryTtlSeconds } from './policy';
import type { CacheLookup, LookupInput } from './session-types';
import { vectorIndex } from './vector-index';

/** The longest the embedding of an answer being stored may take (it runs in waitUntil). */
const STORE_EMBED_MS = 20_000;

/** What a missing request holds of its claim on the key (inflight.ts). */
export interface Held {
  /** When it looked the cache up: its answer's createdAt. */
  lookedAt: number;
  finish: Finish;
  leave: () => void;
  /** A refresh claimed the key since: this request's answer is the older one. */
  superseded: () => boolean;
}

export function miss(
  input: LookupInput,
  settings: CacheSettings,
  kvKey: string,
  probe: Probe,
  { lookedAt, finish, leave, superseded }: Held,
): CacheLookup {
  const { env, ctx, runtime } = input;
  const config = runtime.config.cache;
  const now = input.now ?? Date.now;
  // A leader whose client hangs up hands the key on at once (a follower leads in its place).
  input.signal?.addEventListener('abort', leave, { once: true });
  // The answer is built as the stream passes (not its frames kept), and stored if it fits an entry.
  const assembler = new StreamAssembler(MAX_ENTRY_BYTES);

  const persist = async (entry: CacheEntry) => {
    const written = await writeEntry(env.CACHE, kvKey, entry, now());
    if (written === undefined) return;
    hotPut(kvKey, entry, now(), written);
    const { partition, question } = probe.keys;
    if (!probe.embed || partition === undefined || question === undefined) return;
    // Off the response path, but still bounded: an embedding provider that hangs must not hold it,
    // and the runtime ends a request's background work about 30 s after its response.
    const embedMs = Math.min(runtime.config.timeouts.requestMs, STORE_EMBED_MS);
    probe.vector ??= await probe.embed(question, AbortSignal.timeout(embedMs));
    const index = vectorIndex(env, config.semantic.maxEntries);
    await index.put(partition, {
      id: probe.keys.exact,
      vector: probe.vector,
      key: kvKey,
      expiresAt: entry.expiresAt,
    });
  };

  /** Writes `entry` after the response, readable in this isolate meanwhile (`settle`). */
  const write = (entry: CacheEntry, settle: Finish) => {
    const written = persist(entry).catch((error) =>
      console.error('cache write failed', describeError(error)),
    );
    ctx.waitUntil(written);
    return settle({ entry }, written);
  };

  // This request stores nothing. A refresh may get back the answer of the leader it held back
  // (inflight.ts `supersede`): stored here instead, unless a newer one is by now.
  const storeNothing = () => {
    const heldBack = finish(undefined);
    if (!heldBack) return;
    const { createdAt } = heldBack.entry;
    if (!heldNewer(kvKey, createdAt) && !hotNewer(kvKey, createdAt)) write(heldBack.entry, publish(kvKey));
  };

  const store = (completion: ChatCompletion | undefined, target: Target, charged?: Usage) => {
    if (!completion || !storable(completion, config)) {
      storeNothing();
      return;
    }
    const entry: CacheEntry = {
      v: 1,
      completion: storedCompletion(completion, target.model, now()),
      createdAt: lookedAt,
      expiresAt: now() + entryTtlSeconds(settings, input.policy, input.control.ttlSeconds) * 1000,
      // What the answer cost when it was made (its service tier included): what a hit on it saves.
      costUsd: targetCost(runtime, target, charged ?? completion.usage, completion.service_tier),
      provider: target.provider,
      model: target.model,
    };
    // What could not be read back from KV is kept nowhere: not in memory, nor for the followers.
    if (!cacheEntrySchema.safeParse(entry).success) {
      storeNothing();
      return;
    }
    // A request that looked later (a refresh) is storing, or has stored, a newer answer: this one
    // goes to those waiting on it, and is written nowhere.
    if (superseded() || heldNewer(kvKey, lookedAt) || hotNewer(kvKey, lookedAt)) {
      finish({ entry }, undefined, true);
      return;
    }
    write(entry, finish);
  };

  return {
    status: 'miss',
    savedUsd: 0,
    saveJson: store,
    onStreamEvent(data) {
      assembler.add(data); // once it is not an answer to keep, it reads no more
    },
    saveStream(summary, target, charged) {
      const clean = summary.completed && !summary.cancelled && summary.error === undefined;
      // A stream that was not a well-formed answer, or too large, has no completion; one that
      // ended ([DONE]) before every choice the request asked for came is not the whole answer.
      const completion = clean ? assembler.completion(summary.usage) : undefined;
      if (completion?.choices.length !== (input.body.n ?? 1)) storeNothing();
      else store(completion, target, charged);
    },
    abandon() {
      // A leader whose client left hands the key on (then finishing is a no-op).
      if (input.signal?.aborted) leave();
      storeNothing();
    },
  };
}
