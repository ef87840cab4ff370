// POST /v1/messages — Anthropic's Messages API, as a translation around the chat route, exactly as
// the Responses API is (routes/responses.ts): one request, authenticated, limited, guarded, cached,
// routed and logged once under one request id by the code of /v1/chat/completions.
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { anthropicErrorType, completionToMessage, messageId } from '../anthropic/messages-answer';
import { translateRequest } from '../anthropic/messages-request';
import { messagesEventStream } from '../anthropic/messages-stream';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { isRecord } from '../json-record';
import { estimateInputTokens } from '../limits/estimate';
import { readJsonBody } from '../openai/read-body';
import { modelNotListed, usable } from './models';

export const messagesApi = () =>
  createMiddleware<AppEnv>(async function messagesApi(c, next) {
    if (c.req.method !== 'POST') return next(); // the route's 405 (src/middleware/route-methods.ts)
    const runtime = await getRuntime(c.env, c.executionCtx);
    const { request, chat } = translateRequest(
      await readJsonBody(c.req.raw, runtime.config.limits.maxBodyBytes),
    );
    c.set('chatBody', chat);
    await next();

    const answer = c.res;
    if (answer.status !== 200 || !answer.body) return; // errors: anthropicErrors() below
    const id = messageId(c.get('requestId'));
    const out = new Headers(answer.headers);
    out.delete('content-length');
    // Unset first: Hono's setter would copy the chat answer's headers (its length) onto the new one.
    c.res = undefined;
    if (answer.headers.get('content-type')?.startsWith('text/event-stream')) {
      c.res = new Response(answer.body.pipeThrough(messagesEventStream(id, request.model)), {
        status: 200,
        headers: out,
      });
      return;
    }
    const completion = (await answer.json()) as Record<string, unknown>;
    out.set('content-type', 'application/json');
    c.res = new Response(JSON.stringify(completionToMessage(completion, id, request.model)), {
      status: 200,
      headers: out,
    });
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
  // Anthropic's count_tokens takes no max_tokens: any stands in for the required field.
  const { request, chat } = translateRequest(isRecord(body) ? { max_tokens: 1, ...body } : body);
  c.get('log').requested(request.model, null);
  const { allows } = await usable(c);
  if (!runtime.resolve(request.model) || !allows(request.model)) throw modelNotListed(request.model);
  const counted = { messages: chat.messages, tools: chat.tools } as Parameters<typeof estimateInputTokens>[0];
  return c.json({ input_tokens: estimateInputTokens(counted) });
});
