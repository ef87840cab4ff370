// One request's use of the cache: look up (exact in this isolate's hot copies or KV, then semantic;
// identical lookups in flight share one, see inflight.ts), and on a miss store the answer after the
// response — from the JSON body, or from the stream as it passes the relay.
import type { ResolvedRoute, Runtime } from '../config/runtime';
import type { Target } from '../config/schema';
import { describeError } from '../describe-error';
import type { Env } from '../env';
import type { ChatRequest } from '../openai/schemas';
import type { StreamSummary } from '../openai/stream-summary';
import { targetCost } from '../pricing/route-prices';
import type { ChatCompletion, Usage } from '../providers/types';
import type { RouteRequest } from '../routing/conditions';
import { providerAllowed } from '../routing/overrides';
import { StreamAssembler } from './assemble';
import { WORKERS_AI } from './config-schema';
import type { CacheControl } from './control';
import { storable, wantsVariety } from './eligibility';
import { embedder, embeddingModel } from './embed';
import {
  type CacheEntry,
  cacheEntrySchema,
  exactKey,
  MAX_ENTRY_BYTES,
  storedCompletion,
  writeEntry,
} from './exact';
import { hotGet, hotNewer, hotPut } from './hot';
import {
  type Claim,
  claimInflight,
  type Finish,
  heldNewer,
  LEADER_LEFT,
  publish,
  type SharedAnswer,
} from './inflight';
import { cacheKeys, providerSettings, routeIdentity } from './key';
import { findInTime, type Probe } from './lookup';
import { type CachePolicy, type CacheSettings, cacheSettings, entryTtlSeconds } from './policy';
import { replay } from './replay';
import { vectorIndex } from './vector-index';

export type CacheStatus = 'hit-exact' | 'hit-semantic' | 'miss' | 'skip';
export const SIMILARITY_HEADER = 'x-tollgate-cache-similarity';

export interface CacheLookup {
  /** The `x-tollgate-cache` response header. */
  status: CacheStatus;
  /** On a hit, what the stored answer cost when it was produced (the hit itself costs $0). */
  savedUsd: number;
  /** On a semantic hit, the cosine similarity of the two questions. */
  similarity?: number;
  /**
   * On a hit, the answer (JSON or replayed SSE, as the request asks); `logBody` is handed what it
   * serves, as the request log keeps an answer (src/cache/replay.ts).
   */
  respond?: (headers: Headers, logBody: (body: unknown) => void) => Response;
  /** On a hit, the provider and model that produced the stored answer (logged as what served it). */
  servedBy?: { provider: string; model: string };
  /**
   * A miss's non-streamed answer from `target`: stored after the response when storable. `charged`
   * is the usage the request was charged (the answer's report, else an estimate): what a hit saves.
   */
  saveJson(completion: ChatCompletion, target: Target, charged?: Usage): void;
  /** The stream relay's `onEvent`: collects chunks as they pass, without delaying them. */
  onStreamEvent(data: string): void;
  /** The stream relay's `onEnd`: stores the assembled answer if the stream completed cleanly. */
  saveStream(summary: StreamSummary, target: Target, charged?: Usage): void;
  /** The request failed: nothing is stored, and identical requests waiting on it go upstream. */
  abandon(): void;
}

export interface LookupInput {
  env: Env;
  ctx: Pick<ExecutionContext, 'waitUntil'>;
  runtime: Runtime;
  route: ResolvedRoute;
  /** The facts conditional rules test: the very object the router is given, so both pick one rule. */
  request: RouteRequest;
  body: ChatRequest;
  /** The request's anthropic-beta betas: they may change the answer (context management…), so they key it. */
  betas?: readonly string[];
  /** A /v1/responses request's reasoning.summary (ChatCall.reasoningSummary): it changes the answer too. */
  reasoningSummary?: string;
  control: CacheControl;
  key: { id: string; teamId: string | null };
  /** The key's cache policy over its team's (Admission.cache). */
  policy: CachePolicy | undefined;
  signal?: AbortSignal;
  now?: () => number;
  /**
   * Called when the answer is not in this isolate's memory and the lookup must wait on KV or the
   * semantic index: the caller starts, alongside, what the request needs should it miss.
   */
  slow?: () => void;
}

/** The longest the embedding of an answer being stored may take (it runs in waitUntil). */
const STORE_EMBED_MS = 20_000;

const noop = () => {};
const finishNothing: Finish = () => undefined;
const skipped = (): CacheLookup => ({
  status: 'skip',
  savedUsd: 0,
  saveJson: noop,
  onStreamEvent: noop,
  saveStream: noop,
  abandon: noop,
});

export async function lookupCache(input: LookupInput): Promise<CacheLookup> {
  const config = input.runtime.config.cache;
  const settings = cacheSettings(config, input.key, input.policy);
  if (!settings || input.control.mode === 'skip' || wantsVariety(input.body, config)) return skipped();
  // The prompt goes to the embedding provider: not for a key whose routing keeps it from there
  // (allowProviders is data residency), which keeps the exact cache only.
  const embeddingProvider = config.semantic.embedding?.provider ?? WORKERS_AI;
  const embed =
    settings.semantic && providerAllowed(input.route.providers, embeddingProvider)
      ? embedder(input.env, input.runtime, config)
      : undefined;
  // Semantic caching without a way to embed, and no exact cache: nothing would ever be read.
  if (!settings.exact && !embed) return skipped();
  const { models, providers } = input.runtime.config;
  const identity = routeIdentity(input.route, models, input.request, providerSettings(providers));
  // Without betas or a summary the identity is as it always was: entries stored before they
  // counted stay found.
  const keyed = {
    ...(input.betas?.length ? { betas: [...input.betas].sort() } : {}),
    ...(input.reasoningSummary ? { reasoningSummary: input.reasoningSummary } : {}),
  };
  const route = Object.keys(keyed).length > 0 ? { identity, ...keyed } : identity;
  const embedding = embed ? embeddingModel(input.runtime, config) : undefined;
  const keys = await cacheKeys(settings.namespace, route, input.body, embedding);
  // Semantic caching only, and a request it cannot match (its last turn is no text question: tool
  // results, images): what it stored could never be read.
  if (!settings.exact && (keys.partition === undefined || keys.question === undefined)) return skipped();
  const kvKey = exactKey(settings.namespace, keys.exact);
  const probe: Probe = { keys, embed };
  const reading = input.control.mode !== 'refresh';
  const now = input.now ?? Date.now;
  // However many leaders leave, a request waits for others at most this long in all.
  const waitEnds = now() + leaderWaitMs(input.runtime, input.route.targets.length);
  const claimKey = (): Claim =>
    settings.exact
      ? claimInflight(kvKey, {
          read: reading,
          wait: input.body.stream !== true,
          maxWaitMs: Math.max(0, waitEnds - now()),
          now: now(),
        })
      : { role: 'own', finish: finishNothing };
  // A semantic match found for another request of the same text is this one's only if it asked
  // for semantic answers, as close as that one (its key or team may have turned them off).
  const acceptable = (answer: SharedAnswer) =>
    answer.similarity === undefined || (embed !== undefined && answer.similarity >= settings.threshold);
  let claim = claimKey();
  while (claim.role === 'follow') {
    const answer = await claim.wait(input.signal);
    if (input.signal?.aborted) return skipped(); // its client left: nothing to look up, nor to share
    // The leader's client left: claim again, so one follower leads and the others follow it.
    if (answer === LEADER_LEFT && now() < waitEnds) claim = claimKey();
    else if (answer && answer !== LEADER_LEFT && acceptable(answer)) return hit(input.body, answer);
    // The leader failed, is taking too long, or found what this request may not take: it looks
    // and asks for itself.
    else claim = { role: 'own', finish: publish(kvKey) };
  }
  if (claim.role === 'ready' && acceptable(claim.answer)) return hit(input.body, claim.answer);
  if (claim.role === 'ready') claim = { role: 'own', finish: finishNothing };
  // The answer's age is the lookup's, not its store's: of two requests, the one that looked later
  // (a refresh) has the newer answer however long the other takes to finish.
  const held: Held = {
    lookedAt: now(),
    finish: claim.finish,
    leave: claim.role === 'lead' ? claim.leave : noop,
    superseded: claim.role === 'lead' ? claim.superseded : () => false,
  };
  if (reading) {
    const copy = settings.exact ? hotGet(kvKey, now()) : undefined;
    if (copy) {
      claim.finish({ entry: copy });
      return hit(input.body, { entry: copy });
    }
    input.slow?.();
    try {
      const found = await findInTime(input, settings, kvKey, probe);
      if (found) {
        claim.finish(found);
        return hit(input.body, found);
      }
    } catch (error) {
      // A cache that cannot be read is a miss, never a failed request (one the client left is neither).
      if (!input.signal?.aborted) console.error('cache lookup failed', describeError(error));
    }
  }
  return miss(input, settings, kvKey, probe, held);
}

/** What a missing request holds of its claim on the key (inflight.ts). */
interface Held {
  /** When it looked the cache up: its answer's createdAt. */
  lookedAt: number;
  finish: Finish;
  leave: () => void;
  /** A refresh claimed the key since: this request's answer is the older one. */
  superseded: () => boolean;
}

/**
 * How long one request may run upstream — every try on every target, with the backoff between
 * them, unless totalMs bounds it — and so the longest a follower waits for its leader. Giving up
 * sooner sent every follower upstream at once while the leader was still retrying a slow provider.
 */
function leaderWaitMs(runtime: Runtime, targets: number): number {
  const { timeouts, retry } = runtime.config;
  if (timeouts.totalMs !== undefined) return timeouts.totalMs;
  const perTarget = (retry.attempts + 1) * timeouts.requestMs + retry.attempts * retry.maxDelayMs;
  return Math.max(1, targets) * perTarget;
}

function hit(body: ChatRequest, { entry, similarity }: SharedAnswer): CacheLookup {
  return {
    ...skipped(),
    status: similarity === undefined ? 'hit-exact' : 'hit-semantic',
    savedUsd: entry.costUsd,
    servedBy: { provider: entry.provider, model: entry.model },
    ...(similarity !== undefined ? { similarity } : {}),
    respond(headers, logBody) {
      if (similarity !== undefined) headers.set(SIMILARITY_HEADER, similarity.toFixed(4));
      return replay(entry, body, headers, logBody);
    },
  };
}

function miss(
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
