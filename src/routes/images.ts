// POST /v1/images/generations — OpenAI's Images API, through the same admission and routing as
// embeddings: JSON only (a stream is refused), never cached, the images relayed as the provider
// wrote them and logged without their base64.
import { Hono } from 'hono';
import type { Target } from '../config/schema';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { invalidRequest, withHeaders } from '../errors';
import { guardImagesRoute } from '../guardrails/images-guard';
import { estimateTextTokens } from '../limits/estimate';
import { rateLimitHeaders } from '../limits/rate-headers';
import { type ImagesRequest, imagesRequest } from '../openai/images-request';
import { readJsonBody, validateBody } from '../openai/read-body';
import { imagesCost, imagesWorstCase, timedOutImages } from '../pricing/images-cost';
import { type ImagesResult, Unsupported } from '../providers/types';
import { type Attempt, attemptsOf, interruptedAttempt } from '../routing/failures';
import { modelNotFoundFor } from './model-not-found';
import { admitWhole, runWhole, servedBy } from './whole-answer';

export const images = new Hono<AppEnv>().post('/', async (c) => {
  const runtime = await getRuntime(c.env, c.executionCtx);
  const { limits } = runtime.config;
  const log = c.get('log');
  const read = await readJsonBody(c.req.raw, limits.maxBodyBytes);
  log.asked(read);
  const body = validateBody(imagesRequest, read);
  log.requested(body.model, body);
  // Partial images come as events the gateway does not relay yet.
  if (body.stream)
    throw invalidRequest(
      'Streamed image generation is not supported by this gateway: leave stream unset or false.',
      'stream',
      'unsupported_parameter',
    );
  const route = runtime.resolve(body.model);
  if (!route) throw await modelNotFoundFor(c, body.model, limits);

  // RPM counts the request, TPM its prompt; the budget holds the most its images can cost.
  const tokens = estimateTextTokens(body.prompt);
  const { costUsd, costFor } = imagesWorstCase(runtime, route, tokens, body.n ?? 1);
  const admitted = await admitWhole(c, limits, {
    model: body.model,
    tokens,
    inputParam: 'prompt',
    costUsd,
    costFor,
    // The worst case is its images, not its prompt.
    budgetAdvice: 'Ask for fewer images (lower n)',
  });
  /** What the serving target made, plus the images of each attempt the gateway timed out. */
  const settle = (
    target: Pick<Target, 'provider' | 'model'> | undefined,
    result: Pick<ImagesResult, 'images' | 'usage'> | undefined,
    attempts: readonly Attempt[] = [],
  ) => {
    const unanswered = timedOutImages(runtime, attempts, tokens, body.n ?? 1);
    const made =
      target && result ? imagesCost(runtime, target, result.images, result.usage, tokens) : undefined;
    const costUsd = (made?.costUsd ?? 0) + unanswered.costUsd;
    log.used(made?.usage, costUsd, { timedOut: unanswered, estimated: made?.estimated === true });
    admitted.settle({ tokens: (made?.usage.prompt_tokens ?? 0) + unanswered.tokens, costUsd });
  };
  const headers = new Headers(rateLimitHeaders(admitted.rate));
  let upstream: ImagesRequest;
  try {
    upstream = guardImagesRoute(c, runtime.config, admitted, body, tokens, () =>
      settle(undefined, undefined),
    );
  } catch (error) {
    throw withHeaders(error, headers);
  }
  if (upstream !== body) log.requestBody(upstream);
  try {
    const served = await runWhole(c, runtime, route, admitted, tokens, ({ adapter, target, signal }) => {
      // Passed over for the route's next target; a 400 naming the model when none makes images.
      if (!adapter.images)
        throw new Unsupported(
          `Provider '${adapter.name}' (${adapter.type}) does not generate images: route images to an OpenAI-compatible, Azure OpenAI or mock provider.`,
          'model',
        );
      return adapter.images({ body: upstream, model: target.model, signal, requestId: c.get('requestId') });
    });
    settle(served.target, served.result, served.attempts);
    servedBy(c, headers, served);
    log.responseBody(served.result.summary);
    return new Response(served.result.raw, { status: 200, headers });
  } catch (error) {
    // The client left while a provider had the prompt: charged as estimated, as it may make the images.
    const cut = interruptedAttempt(error);
    settle(cut, cut ? { images: body.n ?? 1 } : undefined, attemptsOf(error));
    throw withHeaders(error, headers);
  }
});
