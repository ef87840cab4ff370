// POST /v1/chat/completions — validate, admit (one DO round trip), route, relay, settle after.
import { Hono } from 'hono';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { GatewayError, modelNotFound } from '../errors';
import { admitKey, rateLimitHeaders } from '../limits/admission';
import { estimateInputTokens, maxOutputTokens } from '../limits/estimate';
import { primeStream } from '../openai/prime-stream';
import { readJsonBody, validateBody } from '../openai/read-body';
import { chatRequest } from '../openai/schemas';
import { SSE_HEADERS } from '../openai/sse';
import { relayOpenAIStream } from '../openai/stream-relay';
import type { ChatResult, Usage } from '../providers/types';
import { parseMetadataHeader } from '../routing/conditions';
import { executeRoute, type Served } from '../routing/execute';

export const chatCompletions = new Hono<AppEnv>().post('/', async (c) => {
  const runtime = await getRuntime(c.env, c.executionCtx);
  const { limits } = runtime.config;
  const body = validateBody(chatRequest, await readJsonBody(c.req.raw, limits.maxBodyBytes));
  const route = runtime.resolve(body.model);
  if (!route) throw modelNotFound(body.model);

  const inputTokens = estimateInputTokens(body);
  const defaults = { rpm: limits.rpm, tpm: limits.tpm };
  const admitted = await admitKey(
    c.env,
    c.get('keyHash'),
    { model: body.model, tokens: inputTokens + maxOutputTokens(body, limits.defaultMaxTokens), defaults },
    body.model,
  );
  const settle = (usedTokens: number) => {
    if (admitted.reservedTokens === 0) return;
    c.executionCtx.waitUntil(
      admitted.stub
        .settle({ reservedTokens: admitted.reservedTokens, usedTokens, tpm: limits.tpm })
        .catch(() => {}),
    );
  };
  const headers = new Headers(rateLimitHeaders(admitted.rate));
  const requestId = c.get('requestId');

  let served: Served<ChatResult>;
  try {
    served = await executeRoute(
      runtime,
      route,
      async ({ adapter, target, signal, firstByte }) => {
        const result = await adapter.chat({ body, model: target.model, signal, requestId });
        if (result.kind === 'json') return result;
        const primed = await primeStream(result.body, adapter.name);
        firstByte();
        return { kind: 'stream', body: primed } as const;
      },
      {
        signal: c.req.raw.signal,
        streaming: body.stream === true,
        request: {
          inputTokens,
          metadata: parseMetadataHeader(c.req.header('x-tollgate-metadata')),
          team: admitted.key.teamId,
        },
      },
    );
  } catch (error) {
    settle(0);
    if (error instanceof GatewayError) Object.assign(error.headers, Object.fromEntries(headers));
    throw error;
  }

  headers.set('x-tollgate-provider', served.target.provider);
  headers.set('x-tollgate-model', served.target.model);
  headers.set('x-tollgate-attempts', String(served.attempts.length));

  const result = served.result;
  if (result.kind === 'json') {
    settle(usedTokens(result.body.usage));
    headers.set('content-type', 'application/json');
    return new Response(result.raw ?? JSON.stringify(result.body), { status: 200, headers });
  }

  const stream = relayOpenAIStream(result.body, {
    includeUsage: body.stream_options?.include_usage === true,
    onEnd: (summary) => {
      // A cancelled stream has no usage report: charge the input estimate plus what was relayed.
      settle(summary.usage ? usedTokens(summary.usage) : inputTokens + summary.events);
    },
  });
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  return new Response(stream, { status: 200, headers });
});

function usedTokens(usage: Usage | undefined): number {
  return usage ? usage.prompt_tokens + usage.completion_tokens : 0;
}
