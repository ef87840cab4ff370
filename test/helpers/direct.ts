// A chat or Messages request sent straight to the Worker's fetch (no service binding in between),
// so that a test's signal is the request's own and a cancel of the response reaches the response stream.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/index';

export function chatDirect(key: string, body: unknown, requestId: string, signal?: AbortSignal) {
  return postDirect('/v1/chat/completions', key, body, requestId, signal);
}

export function messagesDirect(key: string, body: unknown, requestId: string, signal?: AbortSignal) {
  return postDirect('/v1/messages', key, body, requestId, signal);
}

async function postDirect(path: string, key: string, body: unknown, requestId: string, signal?: AbortSignal) {
  const ctx = createExecutionContext();
  const request = new Request(`https://gateway.test${path}`, {
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
