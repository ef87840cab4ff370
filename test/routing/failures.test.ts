import { describe, expect, it } from 'vitest';
import { allFailed } from '../../src/routing/failures';

describe('allFailed', () => {
  it('says a 200 the gateway could not use is an unusable answer, not a "server error (HTTP 200)"', () => {
    const error = allFailed(
      [
        { provider: 'up', model: 'html', status: 200, failure: 'server', latencyMs: 3, retry: 0 },
        { provider: 'up', model: 'x', status: 500, failure: 'server', latencyMs: 3, retry: 0 },
      ],
      [],
    );
    expect(error.status).toBe(502);
    expect(error.message).toBe(
      'Every provider failed: up/html: sent an answer that could not be used (HTTP 200); up/x: server error (HTTP 500).',
    );
  });
});

describe('allFailed naming an account out of credit', () => {
  it('says so, rather than that the credentials were refused', () => {
    const error = allFailed(
      [
        {
          provider: 'ds',
          model: 'chat',
          status: 402,
          failure: 'auth',
          code: 'insufficient_quota',
          latencyMs: 3,
          retry: 0,
        },
        { provider: 'oa', model: 'x', status: 401, failure: 'auth', latencyMs: 3, retry: 0 },
      ],
      [],
    );
    expect(error.message).toBe(
      'Every provider failed: ds/chat: its account is out of credit (HTTP 402); oa/x: refused the gateway’s credentials (HTTP 401).',
    );
  });
});

describe('allFailed when every provider rate limits', () => {
  it('answers 429 rate_limit_exceeded with the shortest Retry-After the providers gave', () => {
    const error = allFailed(
      [
        {
          provider: 'a',
          model: 'x',
          status: 429,
          failure: 'rate_limit',
          latencyMs: 1,
          retry: 0,
          retryAfterMs: 30_000,
        },
        {
          provider: 'b',
          model: 'y',
          status: 429,
          failure: 'rate_limit',
          latencyMs: 1,
          retry: 0,
          retryAfterMs: 2_500,
        },
      ],
      [],
    );
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(error.headers['retry-after']).toBe('3');
    expect(error.message).toContain('Every provider is rate limiting this request');
  });

  it('stays a 502 when any provider failed otherwise', () => {
    const error = allFailed(
      [
        { provider: 'a', model: 'x', status: 429, failure: 'rate_limit', latencyMs: 1, retry: 0 },
        { provider: 'b', model: 'y', status: 500, failure: 'server', latencyMs: 1, retry: 0 },
      ],
      [],
    );
    expect(error.status).toBe(502);
  });
});
