// One request's use of the cache: look up (exact in this isolate's hot copies or KV, then semantic;
// identical lookups in flight share one, see inflight.ts), and on a miss store the answer after the
// response — from the JSON body, or from the stream as it passes the relay.
import type { Runtime } from '../config/runtime';
import { describeError } from '../describe-error';
import { providerAllowed } from '../routing/overrides';
import { WORKERS_AI } from './config-schema';
import { wantsVariety } from './eligibility';
import { embedder, embeddingModel } from './embed';
import { exactKey } from './exact';
import { hit, noop, skipped } from './hit';
import { hotGet } from './hot';
import { type Claim, claimInflight, type Finish, LEADER_LEFT, publish, type SharedAnswer } from './inflight';
import { cacheKeys, providerSettings, routeIdentity } from './key';
import { findInTime, type Probe } from './lookup';
import { type Held, miss } from './miss';
import { cacheSettings } from './policy';
import type { CacheLookup, LookupInput } from './session-types';

export { SIMILARITY_HEADER } from './hit';
export type { CacheLookup, CacheStatus, LookupInput } from './session-types';

const finishNothing: Finish = () => undefined;

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
