// A chat request sent straight to the Worker's fetch (no service binding in between), so that a
// test's signal is the request's own and a cancel of the response reaches the response stream.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';

export async function chatDirect(key: string, body: unknown, requestId: string, signal?: AbortSignal) {
  const ctx = createExecutionContext();
  const request = new Request('https://gateway.test/v1/chat/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-request-id': requestId,
    },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return { response: await worker.fetch(request, env, ctx), ctx };
}
