import { describe, expect, it } from 'vitest';
import { poll } from '../../src/isolate/poll';

describe('poll', () => {
  it('resolves with the first value the step returns, without pausing when it is ready at once', async () => {
    const started = Date.now();
    expect(await poll(() => 'ready', { firstMs: 1000, maxMs: 1000 })).toBe('ready');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('looks again after growing pauses until a value appears', async () => {
    const shared = { value: undefined as string | undefined };
    setTimeout(() => {
      shared.value = 'done';
    }, 60);
    let looks = 0;
    const result = await poll(
      () => {
        looks++;
        return shared.value;
      },
      { firstMs: 2, maxMs: 16 },
    );
    expect(result).toBe('done');
    // Pauses 2, 4, 8, 16, 16, … reach 60 ms in about seven looks; a fixed 2 ms pause would take ~30.
    expect(looks).toBeGreaterThanOrEqual(4);
    expect(looks).toBeLessThan(15);
  });

  it('never pauses past `until`, so the step sees the deadline on time', async () => {
    const until = Date.now() + 30;
    const started = Date.now();
    const result = await poll(() => (Date.now() >= until ? 'late' : undefined), {
      firstMs: 1000,
      maxMs: 1000,
      until,
    });
    expect(result).toBe('late');
    expect(Date.now() - started).toBeLessThan(500);
  });
});
