// How an OpenAI-compatible provider's failed answer is classified: who is at fault, what the client
// may read, and how long to wait.
import { describe, expect, it } from 'vitest';
import { rateLimitResetMs, upstreamErrorFrom } from '../../src/providers/upstream-error';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  upstreamErrorFrom(
    'p',
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers }),
  );

describe('upstreamErrorFrom', () => {
  it("reads a validation report as the message (Mistral's 422, FastAPI's detail)", async () => {
    const mistral = await answer(422, {
      object: 'error',
      message: {
        detail: [{ type: 'extra_forbidden', loc: ['body', 'foo'], msg: 'Extra inputs are not permitted' }],
      },
      type: 'invalid_request_message_error',
    });
    expect(mistral).toMatchObject({ failure: 'caller', status: 422 });
    expect(mistral.message).toContain('Extra inputs are not permitted');
    expect(mistral.message).toBe('body.foo: Extra inputs are not permitted');
    const fastapi = await answer(422, { detail: 'field required' });
    expect(fastapi.message).toBe('field required');
  });

  it('never takes the input a validation report echoes, or a max_tokens limit, for a context overflow', async () => {
    const echoed = await answer(422, {
      detail: [
        {
          loc: ['body', 'messages', 0, 'x'],
          msg: 'Extra inputs are not permitted',
          input: 'my context window is full',
        },
      ],
    });
    expect(echoed.options.code).toBeNull();
    expect(echoed.message).not.toContain('context window');
    const maxTokens = await answer(400, {
      error: {
        message: "max_tokens must be at most the model's context length (8192)",
        code: 'invalid_value',
      },
    });
    expect(maxTokens.options.code).toBe('invalid_value');
  });

  it('fails over from an account out of credit (402) and from Groq flex capacity (498)', async () => {
    // DeepSeek's real 402 carries a code of its own; OpenRouter's a number.
    const broke = await answer(402, {
      error: { message: 'Insufficient Balance', code: 'invalid_request_error' },
    });
    expect((await answer(402, { error: { message: 'Insufficient credits', code: 402 } })).options.code).toBe(
      'insufficient_quota',
    );
    expect(broke).toMatchObject({ failure: 'auth', options: { code: 'insufficient_quota' } });
    expect(broke.message).not.toContain('Balance'); // the account's state stays in the gateway
    // OpenAI's exhausted quota is a 429 that no wait fixes: not retried on the same target.
    const quota = await answer(429, {
      error: {
        message: 'You exceeded your current quota',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      },
    });
    expect(quota).toMatchObject({ failure: 'auth', status: 429, options: { code: 'insufficient_quota' } });
    expect(quota.retryable).toBe(false);
    expect(await answer(498, { error: { message: 'flex tier capacity exceeded' } })).toMatchObject({
      failure: 'overloaded',
    });
  });

  it('names a context overflow context_length_exceeded whatever code the provider gave', async () => {
    const deepseek = await answer(400, {
      error: {
        message: "This model's maximum context length is 65536 tokens. However, you requested 70000 tokens.",
        type: 'invalid_request_error',
        code: 'invalid_request_error',
      },
    });
    expect(deepseek).toMatchObject({ failure: 'caller', options: { code: 'context_length_exceeded' } });
    const other = await answer(400, {
      error: { message: 'temperature must be at most 2', code: 'bad_param' },
    });
    expect(other.options.code).toBe('bad_param');
  });

  it("treats OpenRouter's moderation 403 as the caller's content, not the gateway's credentials", async () => {
    const flagged = await answer(403, {
      error: {
        code: 403,
        message: 'Input was flagged',
        metadata: { reasons: ['violence'], flagged_input: 'x' },
      },
    });
    expect(flagged).toMatchObject({ failure: 'caller', status: 403, options: { code: 'content_filter' } });
    expect(await answer(403, { error: { message: 'invalid key' } })).toMatchObject({ failure: 'auth' });
  });

  it("passes Groq's 413 for a request larger than its whole TPM limit through as the caller's, without the organization", async () => {
    const groq = await answer(413, {
      error: {
        message:
          'Request too large for model `llama-3.3-70b-versatile` in organization `org_01abc` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 14810, please reduce your message size and try again.',
        type: 'tokens',
        code: 'rate_limit_exceeded',
      },
    });
    // Waiting cannot make it fit, and it says nothing about Groq's health: no retry, no failover.
    expect(groq).toMatchObject({
      failure: 'caller',
      status: 413,
      options: { code: 'rate_limit_exceeded' },
    });
    expect(groq.message).not.toContain('org_');
    expect(groq.message).toContain('Limit 6000, Requested 14810');
    // An ordinary 413 stays the caller's.
    expect(await answer(413, { error: { message: 'Request body too large' } })).toMatchObject({
      failure: 'caller',
    });
  });

  it('waits for the spent limit to reset when a 429 has no Retry-After', async () => {
    const limited = await answer(
      429,
      { error: { message: 'Rate limit reached' } },
      {
        'x-ratelimit-remaining-requests': '99',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '6m0s',
      },
    );
    expect(limited.options.retryAfterMs).toBe(360_000);
    const told = await answer(429, {}, { 'retry-after': '2', 'x-ratelimit-reset-tokens': '6m0s' });
    expect(told.options.retryAfterMs).toBe(2000);
  });
});

describe('rateLimitResetMs', () => {
  it('reads durations and seconds, prefers the spent limit, else the longest, and ignores timestamps', () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    expect(rateLimitResetMs(headers({ 'x-ratelimit-reset-tokens': '1m30.5s' }))).toBe(90_500);
    expect(rateLimitResetMs(headers({ 'x-ratelimit-reset-tokens-minute': '41.2' }))).toBe(41_200);
    const cerebras = {
      'x-ratelimit-remaining-requests-day': '14000',
      'x-ratelimit-reset-requests-day': '30000',
      'x-ratelimit-remaining-tokens-minute': '0',
      'x-ratelimit-reset-tokens-minute': '12',
    };
    expect(rateLimitResetMs(headers(cerebras))).toBe(12_000);
    // A request larger than what is left of a limit: no limit reads 0, so the longest reset, up
    // to a minute (the per-minute limit it most likely hit; not a daily window's hours).
    expect(
      rateLimitResetMs(
        headers({
          'x-ratelimit-remaining-requests': '99',
          'x-ratelimit-reset-requests': '120ms',
          'x-ratelimit-remaining-tokens': '500',
          'x-ratelimit-reset-tokens': '41s',
        }),
      ),
    ).toBe(41_000);
    const cerebrasLarge = {
      'x-ratelimit-remaining-requests-day': '14000',
      'x-ratelimit-reset-requests-day': '33011.38',
      'x-ratelimit-remaining-tokens-minute': '1200',
      'x-ratelimit-reset-tokens-minute': '11.38',
    };
    expect(rateLimitResetMs(headers(cerebrasLarge))).toBe(11_380);
    expect(
      rateLimitResetMs(headers({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '0s' })),
    ).toBe(undefined);
    expect(rateLimitResetMs(headers({ 'x-ratelimit-reset': '1741305600000' }))).toBeUndefined();
    expect(rateLimitResetMs(headers({ 'x-ratelimit-reset-tokens': 'soon' }))).toBeUndefined();
    expect(rateLimitResetMs(headers({}))).toBeUndefined();
  });
});
