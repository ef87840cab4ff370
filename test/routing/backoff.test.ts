import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/types';
import { backoffDelay, retryableOnSameTarget, sleep } from '../../src/routing/backoff';
import { seeded } from './harness';

const config = { baseDelayMs: 100, maxDelayMs: 1000, onStatus: [429, 500, 502, 503, 504, 529] };

describe('backoffDelay', () => {
  it('draws full jitter under an exponentially growing ceiling, capped at maxDelayMs', () => {
    // seeded(1) draws 0.6271, 0.0027, 0.5274, 0.9811, 0.9684, 0.2811; ceilings 100, 200, 400, 800,
    // then the 1000 cap; each delay is floor(draw × ceiling).
    const random = seeded(1);
    const delays = [0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, config, random));
    expect(delays).toEqual([62, 0, 210, 784, 968, 281]);
  });

  it('uses the extremes of the jitter range', () => {
    expect(backoffDelay(2, config, () => 0)).toBe(0);
    expect(backoffDelay(2, config, () => 0.999_999)).toBe(399);
  });

  it("waits exactly the provider's retry-after when it is within the cap", () => {
    expect(backoffDelay(0, config, () => 0.5, 750)).toBe(750);
    expect(backoffDelay(0, config, () => 0.5, 1000)).toBe(1000);
  });

  it('gives up on the target when retry-after asks for longer than the cap', () => {
    expect(backoffDelay(0, config, () => 0.5, 1001)).toBeUndefined();
  });
});

describe('retryableOnSameTarget', () => {
  const error = (failure: UpstreamError['failure'], status: number) =>
    new UpstreamError(failure, status, 'x');

  it('retries network errors, timeouts and the listed statuses', () => {
    expect(retryableOnSameTarget(error('network', 0), config)).toBe(true);
    expect(retryableOnSameTarget(error('timeout', 0), config)).toBe(true);
    expect(retryableOnSameTarget(error('timeout', 408), config)).toBe(true);
    for (const status of [429, 500, 502, 503, 504]) {
      expect(retryableOnSameTarget(error(status === 429 ? 'rate_limit' : 'server', status), config)).toBe(
        true,
      );
    }
    expect(retryableOnSameTarget(error('overloaded', 529), config)).toBe(true);
  });

  it('does not retry caller errors, auth, missing secrets or unlisted statuses', () => {
    expect(retryableOnSameTarget(error('caller', 400), config)).toBe(false);
    expect(retryableOnSameTarget(error('auth', 401), config)).toBe(false);
    expect(retryableOnSameTarget(error('config', 0), config)).toBe(false);
    expect(retryableOnSameTarget(error('server', 501), config)).toBe(false);
    expect(retryableOnSameTarget(error('server', 500), { onStatus: [503] })).toBe(false);
  });
});

describe('sleep', () => {
  it('is cut short by an abort', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
  });
});
