import { describe, expect, it, vi } from 'vitest';
import type { Target } from '../../src/config/schema';
import type { ProviderAdapter } from '../../src/providers/types';
import { UpstreamError } from '../../src/providers/types';
import { type AttemptContext, runAttempt } from '../../src/routing/attempt';

const adapter = { name: 'a' } as ProviderAdapter;
const target = { provider: 'a', model: 'x' } as Target;

/** Never answers; rejects once the attempt's signal aborts, as an adapter's fetch would. */
const hang = (ctx: AttemptContext) =>
  new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));

async function timedOut(call: (ctx: AttemptContext) => Promise<unknown>, firstByteMs?: number) {
  const started = Date.now();
  const error = await runAttempt(call, adapter, target, { requestMs: 150, firstByteMs }).catch((e) => e);
  return { error, took: Date.now() - started };
}

describe('runAttempt timeouts', () => {
  it('aborts a stream whose first event has not come by the first-byte timeout', async () => {
    const { error, took } = await timedOut(hang, 40);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'timeout', message: 'timed out waiting for the first event' });
    expect(took).toBeLessThan(140);
  });

  it('still ends at the request timeout once the first event has come', async () => {
    const { error, took } = await timedOut((ctx) => {
      ctx.firstByte();
      return hang(ctx);
    }, 40);
    expect(error).toMatchObject({ failure: 'timeout', message: 'timed out waiting for the request' });
    expect(took).toBeGreaterThanOrEqual(140);
  });

  it('sets one timer for both timeouts', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const answer = await runAttempt(
      async (ctx) => {
        ctx.firstByte();
        return 'stream';
      },
      adapter,
      target,
      { requestMs: 150, firstByteMs: 40 },
    );
    expect(answer).toBe('stream');
    expect(timers).toHaveBeenCalledTimes(1);
    timers.mockRestore();
  });
});
