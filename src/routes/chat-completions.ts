// POST /v1/chat/completions — validate, admit (one DO round trip), route, relay, settle after.
import { Hono } from 'hono';
import { CACHE_HEADER, readCacheControl } from '../cache/control';
import { lookupCache } from '../cache/session';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { clientClosed, withHeaders } from '../errors';
import { guardChatRoute, type RouteGuard } from '../guardrails/chat-guard';
import { audioUseOf, inputEstimate, maxOutputTokens, outputCapField, outputCapOf } from '../limits/estimate';
import { rateLimitHeaders } from '../limits/rate-headers';
import { readJsonBody, validateBody } from '../openai/read-body';
import { chatRequest } from '../openai/schemas';
import { worstCases } from '../pricing/route-prices';
import { usageOf } from '../pricing/stream-usage';
import {
  boundToolCalls,
  worstSearchContentBlocks,
  worstServerToolFees,
  worstToolFees,
} from '../pricing/tool-fees';
import { requestedBetas } from '../providers/anthropic-beta';
import { parseMetadataHeader, type RouteRequest } from '../routing/conditions';
import type { Served } from '../routing/execute';
import { attemptsOf, interruptedAttempt } from '../routing/failures';
import { applyRoutingOverride } from '../routing/overrides';
import { type Answering, jsonAnswer } from './chat-json-answer';
import { chatSettlement } from './chat-settlement';
import { streamAnswer } from './chat-stream-answer';
import { type Answer, askTargets } from './chat-upstream';
import { modelNotFoundFor } from './model-not-found';
import { admitRoute } from './route-admit';
import { zdrRefusal } from './zdr-retention';

export const chatCompletions = new Hono<AppEnv>().post('/', async (c) => {
  const runtime = await getRuntime(c.env, c.executionCtx);
  const { limits } = runtime.config;
  const log = c.get('log');
  const translated = c.get('chatBody');
  const read = translated !== undefined ? translated : await readJsonBody(c.req.raw, limits.maxBodyBytes);
  // A translated body's model is logged by its translation, as its own API's request named it.
  if (translated === undefined) log.asked(read);
  const body = validateBody(chatRequest, read);
  log.requested(body.model, body, body.stream === true);
  // With another API's server tools, its own endpoint gets the client's body and the log keeps it,
  // credentials out — as out of the chat body standing for it, kept after a guardrail refusal.
  const native = c.get('nativeRequest');
  if (native) {
    log.requestBody(native.body);
    log.filterRequestBody(native.loggable);
  }
  const route = runtime.resolve(body.model);
  if (!route) throw await modelNotFoundFor(c, body.model, limits);
  const cacheControl = readCacheControl(c.req.raw.headers, runtime.config.cache.maxTtlSeconds);
  const betas = requestedBetas(c.req.header('anthropic-beta'));
  const reasoningSummary = c.get('reasoningSummary');
  const claudeOnly = c.get('claudeOnly');

  // What the prompt is seen to hold; a reservation adds an allowance for each file sent by file_id,
  // whose size the gateway cannot see. Guardrails and routing rules judge what is seen: an allowance
  // is no prompt, and with it every request with a file would pass a maxPromptTokens block's limit.
  const { seen: seenTokens, reserved: inputTokens } = inputEstimate(
    body,
    limits.fileIdTokens,
    c.get('imagesById'),
  );
  c.set('inputEstimate', seenTokens);
  const maxTokens = maxOutputTokens(body, limits.defaultMaxTokens);
  // With limits.enforceMaxTokens, what the reservation counted is sent as the request's cap.
  const outputCap = outputCapOf(body, limits.defaultMaxTokens, limits.enforceMaxTokens);
  const requestId = c.get('requestId');
  /**
   * An output estimate (no usage reported) never past the request's cap, when it has one (its own,
   * or the gateway's): the provider wrote no more, and the reservation counted that much.
   */
  const capped = outputCap !== undefined || body.max_completion_tokens != null || body.max_tokens != null;
  const withinCap = (tokens: number) => (capped ? Math.min(tokens, maxTokens) : tokens);
  // With OpenAI's hosted tools (or Anthropic's server tools), their calls' fees as well.
  const toolFees = native && {
    api: native.api,
    ...(native.api === 'messages' ? worstServerToolFees : worstToolFees)(native.body),
  };
  // With limits.enforceMaxTokens, the tool calls the reservation counted are sent as their bound too.
  const nativeSent =
    native && limits.enforceMaxTokens
      ? { api: native.api, body: boundToolCalls(native.api, native.body) }
      : native;
  // On the key's (or team's) pinned targets too, which may be dearer than the config's.
  const { costUsd, toolFeesUsd, costFor } = worstCases(
    runtime,
    route,
    inputTokens,
    maxTokens,
    audioUseOf(body),
    body.service_tier,
    toolFees ? toolFees.usd : 0,
    native?.api === 'responses' ? worstSearchContentBlocks(native.body) : 0,
  );
  const admitted = await admitRoute(
    c,
    limits,
    {
      model: body.model,
      tokens: inputTokens + maxTokens,
      costUsd,
      // The fees a refusal names: the search content blocks reserved with them included.
      ...(toolFees ? { toolFees: { ...toolFees, usd: toolFeesUsd } } : {}),
      outputField: outputCapField(body, c.get('translatedApi')),
    },
    { reserveLater: true, costFor },
  );
  log.admitted(admitted.key);
  c.set('admittedKey', { id: admitted.key.id, teamId: admitted.key.teamId, zdr: admitted.zdr });
  // A budget's reservation lasts reservationTtlMs: every attempt, backoff and stream ends before it.
  const { deadline } = admitted;
  const { askedTier, settle } = chatSettlement(runtime, body, inputTokens, log, admitted);
  const headers = new Headers(rateLimitHeaders(admitted.rate));
  // A zero-retention key may not have its provider keep the request (stored completions, a prompt
  // cache kept on storage) or use a feature whose data the provider keeps (a code execution
  // container): refused before guardrails, cache or provider see it; the log row, zdr, keeps no body.
  const refusal = admitted.zdr ? zdrRefusal(body, c.get('storeAsked'), native) : undefined;
  if (refusal) {
    settle(undefined, undefined);
    throw withHeaders(refusal, headers);
  }
  const routed = applyRoutingOverride(route, admitted.routing);
  // Guardrails (src/guardrails) on the prompt, before cache and provider: guard.body goes upstream.
  // A block carries the rate headers, as every refusal after admission does.
  let guard: RouteGuard;
  try {
    guard = guardChatRoute(c, runtime.config, admitted, body, seenTokens, () => settle(undefined, undefined));
  } catch (error) {
    throw withHeaders(error, headers);
  }
  if (native && (guard.body !== body || guard.rewritesResponse)) {
    settle(undefined, undefined);
    // Not sent, but logged as a redaction leaves it: never the client's text a rule would redact.
    if (guard.body !== body) log.requestBody(guard.body);
    throw withHeaders(native.unguarded(), headers);
  }
  // What goes upstream (and so what the cache keys on): the gateway's cap in it, if it sets one.
  const sent = outputCap === undefined ? guard.body : { ...guard.body, max_completion_tokens: outputCap };
  if (sent !== body && !native) log.requestBody(sent);

  // What conditional rules test; the cache keys on the rule the router will pick from the same facts.
  const routeRequest: RouteRequest = {
    inputTokens: seenTokens,
    metadata: parseMetadataHeader(c.req.header('x-tollgate-metadata')),
    team: admitted.key.teamId,
  };
  // Cache (src/cache): a hit answers here and settles at $0; `cache.savedUsd` is what it saved.
  let reserving: Promise<void> | undefined;
  const cache = await lookupCache({
    env: c.env,
    ctx: c.executionCtx,
    runtime,
    route: routed,
    request: routeRequest,
    body: sent,
    betas,
    reasoningSummary,
    // Server tools' results are live (a search, a fetch, code run): never served from a cache.
    control: native ? { ...cacheControl, mode: 'skip' } : guard.cacheControl(cacheControl),
    key: admitted.key,
    policy: admitted.cache,
    signal: c.req.raw.signal,
    // Not in memory: reserve alongside the KV/index read, so a miss waits for the slower, not both.
    slow: () => {
      reserving = admitted.reserveAhead();
      reserving?.catch(() => {});
    },
  });
  headers.set(CACHE_HEADER, cache.status);
  log.cache(cache.status, cache.savedUsd);
  if (cache.respond) {
    // Refused alongside (over budget, revoked…): refused as the object would have, hit or not.
    if (reserving)
      await reserving.catch((error: unknown) => {
        log.cache(cache.status, 0); // nothing was served, so nothing was saved
        return Promise.reject(c.req.raw.signal.aborted ? clientClosed() : withHeaders(error, headers));
      });
    settle(undefined, undefined);
    if (cache.servedBy) log.served(cache.servedBy, []);
    // Bodies are logged as for a miss (the log keeps them only when the key allows: never for zdr).
    return cache.respond(headers, (served) => log.responseBody(served));
  }

  if (c.req.raw.signal.aborted) {
    // Left during the lookup (or while waiting for an identical request): nothing goes upstream.
    settle(undefined, undefined);
    cache.abandon();
    throw clientClosed();
  }
  // Going upstream: a leased admission's budget reservation (perhaps made already, alongside
  // the lookup) must succeed. A hit from the hot copy needed none.
  try {
    await admitted.reserve();
  } catch (error) {
    cache.abandon();
    // Gone while the reservation was asked for: nobody reads the refusal; the row says it left.
    if (c.req.raw.signal.aborted) throw clientClosed();
    throw withHeaders(error, headers);
  }

  let served: Served<Answer>;
  try {
    served = await askTargets(c, runtime, routed, {
      sent,
      native,
      nativeSent,
      claudeOnly,
      capSet: outputCap !== undefined,
      betas,
      reasoningSummary,
      requestId,
      zeroRetention: admitted.zdr,
      streaming: body.stream === true,
      routeRequest,
      deadline,
    });
  } catch (error) {
    // The client left while a provider was working on it: the prompt is charged (as for a
    // cancelled stream), since the provider may bill it; nothing else was consumed.
    const cut = interruptedAttempt(error);
    settle(cut, cut && usageOf(inputTokens, 0), attemptsOf(error), cut && askedTier(cut), true);
    cache.abandon();
    throw withHeaders(error, headers);
  }

  headers.set('x-tollgate-provider', served.target.provider);
  headers.set('x-tollgate-model', served.target.model);
  headers.set('x-tollgate-attempts', String(served.attempts.length));
  log.served(served.target, served.attempts);

  const answering: Answering = { served, native, guard, cache, log, headers, settle, inputTokens, withinCap };
  const result = served.result;
  if (result.kind === 'json') return jsonAnswer(result, answering);
  return streamAnswer(c, runtime, body, deadline, result.body, answering);
});
