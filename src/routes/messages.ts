// POST /v1/messages — Anthropic's Messages API, as a translation around the chat route
// (chat-translation.ts), as the Responses API is; one with Anthropic's server tools goes to Anthropic
// as it is (src/anthropic/messages-native.ts). Its error answers get Anthropic's words
// (anthropicErrors). POST /v1/messages/count_tokens answers from the gateway's own estimate.
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { anthropicErrorType, completionToMessage, messageId } from '../anthropic/messages-answer';
import { carriedMessageStream } from '../anthropic/messages-carried';
import { translateRequest } from '../anthropic/messages-request';
import { messagesEventStream } from '../anthropic/messages-stream';
import { clientToolNames } from '../anthropic/messages-tool-names';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { isRecord } from '../json-record';
import { estimateInputTokens } from '../limits/estimate';
import { readJsonBody } from '../openai/read-body';
import { chatTranslation } from './chat-translation';
import { modelNotListed, usable } from './models';

export const messagesApi = () =>
  chatTranslation({
    api: 'messages',
    request: translateRequest,
    answer: (request, completion, requestId) =>
      completionToMessage(completion, messageId(requestId), request.model, clientToolNames(request.tools)),
    stream: (request, requestId, inputEstimate) =>
      messagesEventStream(messageId(requestId), request.model, {
        toolNames: clientToolNames(request.tools),
        inputEstimate,
      }),
    nativeStream: carriedMessageStream,
    // Each thinking block whole, signed, before the next block starts, as Anthropic streams them.
    thinkingAsSigned: true,
  });

/**
 * Every error answer of /v1/messages (authentication's too: mounted before it, src/index.ts) in a
 * shape both kinds of client read: OpenAI's `{"error": {message, type, param, code}}` as the rest of
 * the gateway answers, plus Anthropic's top-level `"type": "error"` and its word in `error.type`
 * (its SDKs pick the exception class by status and show error.type and error.message).
 */
export const anthropicErrors = () =>
  createMiddleware<AppEnv>(async function anthropicErrors(c, next) {
    await next();
    const answer = c.res;
    if (answer.status < 400 || !answer.headers.get('content-type')?.includes('application/json')) return;
    let body: unknown;
    try {
      body = await answer.clone().json();
    } catch {
      return;
    }
    if (!isRecord(body) || !isRecord(body.error)) return;
    const shaped = {
      type: 'error',
      error: { ...body.error, type: anthropicErrorType(answer.status, body.error.type) },
    };
    const headers = new Headers(answer.headers);
    headers.delete('content-length');
    c.res = undefined;
    c.res = new Response(JSON.stringify(shaped), { status: answer.status, headers });
  });

/**
 * POST /v1/messages/count_tokens — the gateway's own estimate of the prompt (src/limits/estimate.ts,
 * the one its limits reserve by), not the provider's count: no provider is called. It needs a
 * usable key allowed the model, like GET /v1/models, and, like it, it is no completion: it counts
 * against no rate limit or budget, and its log row has no tokens or cost.
 */
export const countTokens = new Hono<AppEnv>().post('/', async (c) => {
  const runtime = await getRuntime(c.env, c.executionCtx);
  const body = await readJsonBody(c.req.raw, runtime.config.limits.maxBodyBytes);
  c.get('log').asked(body);
  // Anthropic's count_tokens takes no max_tokens: any stands in for the required field.
  const { request, chat } = translateRequest(isRecord(body) ? { max_tokens: 1, ...body } : body);
  c.get('log').requested(request.model, null);
  const { allows } = await usable(c);
  if (!runtime.resolve(request.model) || !allows(request.model)) throw modelNotListed(request.model);
  const counted = { messages: chat.messages, tools: chat.tools } as Parameters<typeof estimateInputTokens>[0];
  return c.json({ input_tokens: estimateInputTokens(counted) });
});
