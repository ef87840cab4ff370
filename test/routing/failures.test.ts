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
