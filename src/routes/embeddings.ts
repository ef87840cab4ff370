// POST /v1/embeddings — same admission and routing as chat, JSON only.
import { Hono } from 'hono';
import type { Target } from '../config/schema';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { withHeaders } from '../errors';
import { guardEmbeddingsRoute } from '../guardrails/embeddings-guard';
import { estimateTextTokens } from '../limits/estimate';
import { rateLimitHeaders } from '../limits/rate-headers';
import { readJsonBody, validateBody } from '../openai/read-body';
import { type EmbeddingsRequest, embeddingsRequest } from '../openai/schemas';
import { targetCost, timedOutPrompts, worstCases } from '../pricing/route-prices';
import { countedUsage } from '../pricing/usage';
import { type Attempt, attemptsOf, interruptedAttempt } from '../routing/failures';
import { modelNotFoundFor } from './model-not-found';
import { admitWhole, runWhole, servedBy } from './whole-answer';

export const embeddings = new Hono<AppEnv>().post('/', async (c) => {
  const runtime = await getRuntime(c.env, c.executionCtx);
  const { limits } = runtime.config;
  const log = c.get('log');
  const read = await readJsonBody(c.req.raw, limits.maxBodyBytes);
  log.asked(read);
  const body = validateBody(embeddingsRequest, read);
  log.requested(body.model, body);
  const route = runtime.resolve(body.model);
  if (!route) throw await modelNotFoundFor(c, body.model, limits);

  const tokens = inputTokens(body.input);
  // On the key's (or team's) pinned targets too, which may be dearer than the config's.
  const { costUsd, costFor } = worstCases(runtime, route, tokens, 0);
  const admitted = await admitWhole(c, limits, {
    model: body.model,
    tokens,
    inputParam: 'input',
    costUsd,
    costFor,
  });
  /** What the serving target consumed, plus the input of each attempt the gateway timed out (as chat). */
  const settle = (
    target: Pick<Target, 'provider' | 'model'> | undefined,
    promptTokens: number,
    attempts: readonly Attempt[] = [],
    estimated = false,
  ) => {
    const usage = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens };
    const unanswered = timedOutPrompts(runtime, attempts, tokens);
    const costUsd = (target ? targetCost(runtime, target, usage) : 0) + unanswered.costUsd;
    log.used(target ? usage : undefined, costUsd, { timedOut: unanswered, estimated: estimated && !!target });
    admitted.settle({ tokens: promptTokens + unanswered.tokens, costUsd });
  };
  const headers = new Headers(rateLimitHeaders(admitted.rate));
  // Guardrails (src/guardrails) on string inputs, before the provider; a block carries the rate headers.
  let upstream: EmbeddingsRequest;
  try {
    upstream = guardEmbeddingsRoute(c, runtime.config, admitted, body, tokens, () => settle(undefined, 0));
  } catch (error) {
    throw withHeaders(error, headers);
  }
  if (upstream !== body) log.requestBody(upstream);
  try {
    const served = await runWhole(c, runtime, route, admitted, tokens, ({ adapter, target, signal }) =>
      adapter.embeddings({ body: upstream, model: target.model, signal, requestId: c.get('requestId') }),
    );
    // No count from the provider (Gemini, Workers AI, a Cohere answer without billed_units): the
    // estimate is charged and answered, and the row says it is one.
    const reported = countedUsage(served.result.usage)?.prompt_tokens;
    settle(served.target, reported ?? tokens, served.attempts, reported === undefined);
    servedBy(c, headers, served);
    const { result } = served;
    const usage = { prompt_tokens: tokens, total_tokens: tokens }; // OpenAI's clients expect it
    const text = 'raw' in result ? result.raw : JSON.stringify({ ...result, usage: result.usage ?? usage });
    log.responseBody(text);
    return new Response(text, { status: 200, headers });
  } catch (error) {
    // The client left while a provider had the input: charged, as the provider may bill it.
    const cut = interruptedAttempt(error);
    settle(cut, cut ? tokens : 0, attemptsOf(error), true);
    throw withHeaders(error, headers);
  }
});

function inputTokens(input: EmbeddingsRequest['input']): number {
  if (typeof input === 'string') return estimateTextTokens(input);
  let tokens = 0;
  for (const item of input) {
    tokens +=
      typeof item === 'string' ? estimateTextTokens(item) : typeof item === 'number' ? 1 : item.length;
  }
  return tokens;
}
