// A redirect from Anthropic's or Google's API (or a proxy before it) is never followed: it is a
// failed attempt the operator must fix (a moved baseUrl), never the caller's error passed through.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatRequest } from '../../src/openai/schemas';
import { createAnthropic } from '../../src/providers/anthropic';
import { createGemini } from '../../src/providers/gemini';
import { UpstreamError } from '../../src/providers/types';

const redirect = () =>
  new Response(null, { status: 307, headers: { location: 'https://elsewhere.test/v1/messages' } });

describe('a redirect answer', () => {
  it.each([
    ['anthropic', createAnthropic, 'claude-sonnet-4-5'],
    ['gemini', createGemini, 'gemini-2.5-flash'],
  ] as const)('is a config failure at %s, not a caller error', async (type, create, model) => {
    const fetch = (async () => redirect()) as unknown as typeof globalThis.fetch;
    const adapter = create(type, { type, apiKey: 'k' } as never, { env, fetch });
    const error = await adapter
      .chat({
        body: chatRequest.parse({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }),
        model,
        signal: new AbortController().signal,
        requestId: 'r',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).failure).toBe('config');
    expect((error as UpstreamError).status).toBe(307);
  });
});
