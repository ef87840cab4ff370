import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, chat, createKey, type Json } from '../helpers/gateway';

const ORIGIN = 'https://app.example';

function preflight(path: string, requestHeaders?: string, method = 'POST'): Promise<Response> {
  return call(path, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': method,
      ...(requestHeaders === undefined ? {} : { 'access-control-request-headers': requestHeaders }),
    },
  });
}

describe('browser access to the client API', () => {
  it('answers a preflight without a key, allowing the headers the page asks for', async () => {
    const response = await preflight(
      '/v1/chat/completions',
      'authorization, content-type, x-stainless-os, x-tollgate-cache',
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'authorization, content-type, x-stainless-os, x-tollgate-cache',
    );
    expect(response.headers.get('access-control-max-age')).toBe('86400');
    expect(await response.text()).toBe('');
  });

  it('lets a page delete a stored response (the SDK sends DELETE)', async () => {
    const response = await preflight('/v1/responses/resp_x', 'authorization', 'DELETE');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')?.split(', ')).toContain('DELETE');
  });

  it('does not echo a requested header list that is not a list of header names', async () => {
    const response = await preflight('/v1/embeddings', 'authorization, <script>');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('lets a page read an answer and the gateway headers, streamed or not', async () => {
    const { key } = await createKey();
    const plain = await chat(
      key,
      { model: 'mock/mock-1', messages: [{ role: 'user', content: 'hi' }] },
      { origin: ORIGIN },
    );
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = plain.headers.get('access-control-expose-headers')?.split(', ') ?? [];
    expect(exposed).toEqual(
      expect.arrayContaining([
        'x-request-id',
        'x-tollgate-cache',
        'x-ratelimit-remaining-requests',
        'retry-after',
      ]),
    );
    expect(((await plain.json()) as Json).object).toBe('chat.completion');

    const streamed = await chat(
      key,
      { model: 'mock/mock-1', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { origin: ORIGIN },
    );
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('access-control-allow-origin')).toBe('*');
    expect(await streamed.text()).toContain('[DONE]');
  });

  it('lets a page read the error when its key is refused', async () => {
    const response = await call('/v1/models', {
      headers: { origin: ORIGIN, authorization: 'Bearer tg-nope' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await response.json()) as Json).error.code).toBe('invalid_api_key');
  });

  it("lets a page's SDK read that a request too large for the TPM limit is not to be retried", async () => {
    const { key } = await createKey({ limits: { tpm: 1000 } });
    const response = await chat(
      key,
      { model: 'mock/mock-1', messages: [{ role: 'user', content: 'hi' }] },
      { origin: ORIGIN },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    // Not exposed, a browser hides it from the page, and the OpenAI SDK retries the 429 anyway.
    const exposed = response.headers.get('access-control-expose-headers')?.split(', ') ?? [];
    expect(exposed).toContain('x-should-retry');
  });

  it('adds nothing for a client that sends no Origin (every server-side SDK)', async () => {
    const { key } = await createKey();
    const response = await chat(key, { model: 'mock/mock-1', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('keeps an OPTIONS that is not a preflight a 405', async () => {
    const { key } = await createKey();
    const response = await call('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(405);
    expect(((await response.json()) as Json).error.code).toBe('method_not_allowed');
  });

  it('gives the admin API no cross-origin access', async () => {
    const read = await call('/admin/keys', {
      headers: { origin: ORIGIN, authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const asked = await preflight('/admin/keys', 'authorization');
    expect(asked.headers.get('access-control-allow-origin')).toBeNull();
    // Refused as any unauthenticated admin call is: no preflight answer, so the browser stops there.
    expect(asked.status).toBe(401);
  });
});
