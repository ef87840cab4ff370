import { describe, expect, it } from 'vitest';
import { within } from '../../src/isolate/within';

const settleIn = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('within', () => {
  it("gives the work's value when it is in time, and never calls late", async () => {
    let lateCalls = 0;
    expect(await within(settleIn(5, 'done'), 500, () => lateCalls++)).toBe('done');
    await settleIn(10, null);
    expect(lateCalls).toBe(0);
  });

  it("gives late's value after the time, and ignores the work failing later", async () => {
    const work = settleIn(100, null).then(() => Promise.reject(new Error('too late to matter')));
    expect(await within(work, 10, () => 'late')).toBe('late');
    await settleIn(150, null); // no unhandled rejection fails the test
  });

  it('passes on a failure that comes in time', async () => {
    await expect(within(Promise.reject(new Error('refused')), 500, () => 'late')).rejects.toThrow('refused');
  });
});
