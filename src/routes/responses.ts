// POST /v1/responses — OpenAI's Responses API (stateless), as a translation around the chat route.
// A middleware, not a second request: it runs after requestLog and gatewayKeyAuth like every /v1
// route, turns the Responses body into a chat-completions body that the chat handler (mounted on
// this path too, src/index.ts) reads in place of the client's, and turns its answer back. So the
// one request is authenticated, limited, guarded, cached, routed and logged once, under one request
// id, by the same code as /v1/chat/completions; a refusal of the Responses body is logged as well.
import { createMiddleware } from 'hono/factory';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { readJsonBody } from '../openai/read-body';
import { completionToResponse, responseIds } from '../openai/responses-answer';
import { translateRequest } from '../openai/responses-request';
import { responsesEventStream } from '../openai/responses-stream';

export const responsesApi = () =>
  createMiddleware<AppEnv>(async function responsesApi(c, next) {
    if (c.req.method !== 'POST') return next(); // the route's 405 (src/middleware/route-methods.ts)
    const runtime = await getRuntime(c.env, c.executionCtx);
    const original = c.req.raw;
    const { request, chat } = translateRequest(
      await readJsonBody(original, runtime.config.limits.maxBodyBytes),
    );
    // The chat handler takes the translated body as read (not written out and read again, where
    // the translation's few extra bytes could push a body just under maxBodyBytes into a 413).
    c.set('chatBody', chat);
    await next();

    // Refusals and failures are OpenAI's error shape already, the same on both APIs: as they are.
    const answer = c.res;
    if (answer.status !== 200 || !answer.body) return;
    const ids = responseIds(c.get('requestId'));
    const out = new Headers(answer.headers);
    out.delete('content-length');
    // Unset first: Hono's setter would copy the chat answer's headers (its length) onto the new one.
    c.res = undefined;
    if (answer.headers.get('content-type')?.startsWith('text/event-stream')) {
      c.res = new Response(answer.body.pipeThrough(responsesEventStream(request, ids)), {
        status: 200,
        headers: out,
      });
      return;
    }
    const completion = (await answer.json()) as Record<string, unknown>;
    out.set('content-type', 'application/json');
    c.res = new Response(JSON.stringify(completionToResponse(request, completion, ids)), {
      status: 200,
      headers: out,
    });
  });
