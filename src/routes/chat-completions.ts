// POST /v1/chat/completions — validate, admit (one DO round trip), route, relay, settle after.
import { Hono } from 'hono';
import { bodyForTarget } from '../anthropic/claude-fields';
import { CACHE_HEADER, readCacheControl } from '../cache/control';
import { lookupCache } from '../cache/session';
import type { Target } from '../config/schema';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { clientClosed, withHeaders } from '../errors';
import { guardChatRoute, type RouteGuard } from '../guardrails/chat-guard';
import { admit } from '../limits/admission';
import { streamLimitMs } from '../limits/deadline';
import {
  audioUseOf,
  estimateTextTokens,
  inputEstimate,
  maxOutputTokens,
  outputCapField,
  outputCapOf,
} from '../limits/estimate';
import { rateLimitHeaders } from '../limits/rate-headers';
import { primeStream } from '../openai/prime-stream';
import { readJsonBody, validateBody } from '../openai/read-body';
import { chatRequest } from '../openai/schemas';
import { SSE_HEADERS } from '../openai/sse';
import { type ChunkSource, relayOpenAIStream } from '../openai/stream-relay';
import { type StreamSummary, streamVerdict } from '../openai/stream-summary';
import {
  estimatedCharge,
  targetCost,
  targetTier,
  timedOutPrompts,
  worstCases,
} from '../pricing/route-prices';
import { type StreamCharge, streamCharge, usageOf } from '../pricing/stream-usage';
import {
  boundToolCalls,
  worstSearchContentBlocks,
  worstServerToolFees,
  worstToolFees,
} from '../pricing/tool-fees';
import { plausibleUsage } from '../pricing/usage';
import { requestedBetas } from '../providers/anthropic-beta';
import type { ChatCompletion, ChatResult, Usage } from '../providers/types';
import { parseMetadataHeader, type RouteRequest } from '../routing/conditions';
import { executeRoute, type Served } from '../routing/execute';
import { type Attempt, attemptsOf, interruptedAttempt } from '../routing/failures';
import { applyRoutingOverride } from '../routing/overrides';
import { modelNotFoundFor } from './model-not-found';
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
  const admitted = await admit(
    c.env,
    c.executionCtx,
    c.get('keyHash'),
    {
      model: body.model,
      tokens: inputTokens + maxTokens,
      costUsd,
      // The fees a refusal names: the search content blocks reserved with them included.
      ...(toolFees ? { toolFees: { ...toolFees, usd: toolFeesUsd } } : {}),
      outputField: outputCapField(body, c.get('translatedApi')),
      reservationId: requestId,
      reservationTtlMs: limits.reservationTtlMs,
      defaults: { rpm: limits.rpm, tpm: limits.tpm },
    },
    { reserveLater: true, costFor },
  );
  log.admitted(admitted.key);
  // A budget's reservation lasts reservationTtlMs: every attempt, backoff and stream ends before it.
  const { deadline } = admitted;
  /**
   * The tier a target with no answer was asked for, where the request's `service_tier` goes as sent
   * (OpenAI-wire providers; the others drop it).
   */
  const askedTier = (target: Pick<Target, 'provider'>) => {
    const type = runtime.provider(target.provider)?.type;
    return type === 'openai' || type === 'azure-openai' ? body.service_tier : undefined;
  };
  /**
   * Real cost of what the serving target consumed (zero when nothing was), plus the prompt of each
   * attempt the gateway timed out: the provider had it, and may bill it, as when a client leaves.
   * `tier`: the service tier the answer says it was served on (none: the standard rates);
   * `estimated`: `usage` is the gateway's estimate (the provider reported none), as the row says;
   * `promptReported`: its prompt_tokens are the provider's count (a stream cut short may report
   * the prompt but not the output). A timed-out attempt had the same prompt: charged that count
   * when there is one, since the estimate may hold allowances (limits.fileIdTokens per file sent
   * by file_id, 765 per unseen image) far from the prompt's real size. An estimated output is
   * charged (and logged) at the model's dearest output rate: its images, if it made any, went unseen.
   * Returns the usage as charged, which a cached copy's saving is reckoned from.
   */
  const settle = (
    target: Pick<Target, 'provider' | 'model'> | undefined,
    usage: Usage | undefined,
    attempts: readonly Attempt[] = [],
    tier?: unknown,
    estimated = false,
    promptReported = !estimated,
  ) => {
    const prompt = usage && promptReported && usage.prompt_tokens > 0 ? usage.prompt_tokens : inputTokens;
    const unanswered = timedOutPrompts(runtime, attempts, prompt, askedTier);
    const charged = target && usage && estimated ? estimatedCharge(runtime, target, usage) : usage;
    const costUsd = (target ? targetCost(runtime, target, charged, tier) : 0) + unanswered.costUsd;
    const billed = target && targetTier(runtime, target, tier);
    log.used(charged, costUsd, {
      tier: billed,
      timedOut: unanswered,
      estimated: estimated && usage !== undefined,
    });
    // The timed-out prompts' tokens too: the TPM limit counts what providers had, as the row does.
    admitted.settle({ tokens: usedTokens(usage) + unanswered.tokens, costUsd });
    return charged;
  };
  const headers = new Headers(rateLimitHeaders(admitted.rate));
  // A zero-retention key may not have its provider keep the request (stored completions, a prompt
  // cache kept on storage) or use a feature whose data the provider keeps (a code execution
  // container): refused before guardrails, cache or provider see it; the log row, zdr, keeps no body.
  const refusal = admitted.zdr ? zdrRefusal(body, c.get('storeAsked') === true, native) : undefined;
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
    served = await executeRoute(
      runtime,
      routed,
      async ({ adapter, target, signal, firstByte }) => {
        if (native && adapter.servesNative?.(native.api, target.model, native.needs) !== true)
          throw native.noTarget();
        const result = await adapter.chat({
          ...(nativeSent ? { native: { api: nativeSent.api, body: nativeSent.body } } : {}),
          body: claudeOnly ? bodyForTarget(sent, claudeOnly, adapter, target.model) : sent,
          model: target.model,
          signal,
          requestId,
          capSet: outputCap !== undefined,
          betas,
          thinkingAsSigned: c.get('thinkingAsSigned') === true,
          reasoningSummary,
          ...(admitted.zdr ? { zeroRetention: true } : {}),
          answersWhole: firstByte,
        });
        if (result.kind === 'json') return result;
        const primed = await primeStream(result.body, adapter.name);
        firstByte();
        return { kind: 'stream', body: primed } as const;
      },
      {
        signal: c.req.raw.signal,
        streaming: body.stream === true,
        request: routeRequest,
        // A stream's provider is judged healthy or not when the stream ends (onEnd below).
        verdictLater: (answer) => answer.kind === 'stream',
        ...(deadline !== undefined ? { deadline } : {}),
      },
    );
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

  const result = served.result;
  if (result.kind === 'json') {
    // Without a plausible report, what was sent and what came back, estimated (as for streams).
    const reported = plausibleUsage(result.body.usage);
    const used = reported ?? usageOf(inputTokens, withinCap(estimateTextTokens(answerText(result.body))));
    const charged = settle(served.target, used, served.attempts, result.body.service_tier, !reported);
    // The answer (and so the cache, and the Responses and Messages answers made of it) tells the usage
    // charged, as a stream does (usage-fill.ts); a native answer goes as its own API wrote it.
    const { body: completion, raw } =
      reported || native ? result : { body: { ...result.body, usage: charged }, raw: undefined };
    let guarded: ReturnType<typeof guard.completion>;
    try {
      guarded = guard.completion(completion); // output rules, restored placeholders; may block
    } catch (error) {
      cache.abandon();
      throw withHeaders(error, headers); // a target answered: the refusal names it
    }
    cache.saveJson(completion, served.target, charged);
    // The log keeps the answer with output redactions applied and placeholders not restored.
    log.responseBody(guarded.logged === completion ? (raw ?? completion) : guarded.logged);
    headers.set('content-type', 'application/json');
    const { answer } = guarded;
    const text = answer === completion ? (raw ?? JSON.stringify(answer)) : JSON.stringify(answer);
    return new Response(text, { status: 200, headers });
  }

  // With guardrails rewriting the stream, the log takes the mapper's redacted frames, not upstream's.
  const logFrame = log.awaitStream();
  const mapEvent = guard.streamMapper(logFrame);
  const { streamMaxMs } = runtime.config.timeouts;
  const maxMs = streamLimitMs(streamMaxMs, deadline, Date.now());
  /** The charge a whole answer without a plausible usage report was told, and the usage it was told. */
  let filled: StreamCharge | undefined;
  let told: Usage | undefined;
  const stream = relayOpenAIStream(result.body, {
    idleMs: runtime.config.timeouts.streamIdleMs,
    keepAliveMs: runtime.config.timeouts.streamKeepAliveMs,
    maxMs,
    // Nearer than streamMaxMs: the budget reservation's end (answerDeadline) set it.
    ...(maxMs !== streamMaxMs
      ? { maxMsSetting: 'the end of the budget reservation, limits.reservationTtlMs after admission' }
      : {}),
    includeUsage: body.stream_options?.include_usage === true,
    // A whole answer without a plausible usage report is told the usage it is charged; a native
    // request's stream carries its API's own events, which the client gets as they came.
    ...(native
      ? {}
      : {
          fillUsage: (summary: StreamSummary) => {
            filled = streamCharge(summary, inputTokens, withinCap);
            told = estimatedCharge(runtime, served.target, filled.used);
            return told;
          },
        }),
    onEvent:
      mapEvent || !logFrame
        ? cache.onStreamEvent
        : (data) => {
            cache.onStreamEvent(data);
            logFrame(data);
          },
    mapEvent,
    onEnd: (summary) => {
      served.verdict(streamVerdict(summary));
      // What the fill told the client it was charged, when the provider reported no usage.
      const charge = filled ?? streamCharge(summary, inputTokens, withinCap);
      const charged = settle(
        served.target,
        charge.used,
        served.attempts,
        summary.serviceTier,
        charge.estimated,
        charge.promptReported,
      );
      // A blocked answer stores nothing (and a leader's answer a refresh held back is not lost).
      // A hit replays the usage the client was told.
      if (!guard.report.blocked)
        cache.saveStream(told ? { ...summary, usage: told } : summary, served.target, charged);
      else cache.abandon();
      log.streamEnded(summary);
    },
    // Keeps the relay alive past a client disconnect: that is how it sees one (stream-relay.ts).
    waitUntil: (work) => c.executionCtx.waitUntil(work),
    // Aborts on a disconnect (enable_request_signal): the upstream is let go at once.
    signal: c.req.raw.signal,
    choices: body.n ?? undefined,
    ...(native ? { carries: true } : {}),
  });
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  return new Response(stream, { status: 200, headers });
});

/** What an attempt hands back: the JSON answer, or the stream once its first event is in. */
type Answer = Extract<ChatResult, { kind: 'json' }> | { kind: 'stream'; body: ChunkSource };

/** The text an answer produced (content and tool calls), for estimating its tokens. */
function answerText(completion: ChatCompletion): string {
  return (completion.choices as { message?: { content?: unknown; tool_calls?: unknown } }[])
    .map(
      ({ message }) =>
        `${typeof message?.content === 'string' ? message.content : ''}${message?.tool_calls ? JSON.stringify(message.tool_calls) : ''}`,
    )
    .join('');
}

function usedTokens(usage: Usage | undefined): number {
  return usage ? usage.prompt_tokens + usage.completion_tokens : 0;
}
