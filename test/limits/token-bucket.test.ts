import { describe, expect, it } from 'vitest';
import { adjust, fullBucket, msUntilFull, refill, take } from '../../src/limits/token-bucket';

const limit = { perMinute: 60 };

describe('token bucket', () => {
  it('starts full and takes until empty, then reports when the next token arrives', () => {
    let bucket = fullBucket(limit, 0);
    for (let i = 0; i < 60; i++) {
      const result = take(bucket, limit, 1, 0);
      expect(result.ok).toBe(true);
      bucket = result.bucket;
    }
    const refused = take(bucket, limit, 1, 0);
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 1000 });
  });

  it('refills continuously, never above capacity', () => {
    const empty = { tokens: 0, updatedAt: 0 };
    expect(refill(empty, limit, 500).tokens).toBeCloseTo(0.5);
    expect(refill(empty, limit, 30_000).tokens).toBe(30);
    expect(refill(empty, limit, 10 * 60_000).tokens).toBe(60);
    expect(msUntilFull(empty, limit, 30_000)).toBe(30_000);
  });

  it('takes only beside what it holds for others, and says when that much will be free', () => {
    const bucket = fullBucket(limit, 0);
    expect(take(bucket, limit, 10, 0, 50)).toMatchObject({ ok: true, bucket: { tokens: 50 } });
    // 60 in the bucket, 55 held: 5 free, 5 missing for 10, one a second.
    expect(take(bucket, limit, 10, 0, 55)).toMatchObject({ ok: false, retryAfterMs: 5000 });
  });

  it('refuses forever an amount above capacity', () => {
    const result = take(fullBucket(limit, 0), limit, 61, 0);
    expect(result).toMatchObject({ ok: false, retryAfterMs: Number.POSITIVE_INFINITY });
  });

  it('refunds and charges on settle, capped at capacity', () => {
    const drained = { tokens: 10, updatedAt: 0 };
    expect(adjust(drained, limit, 20, 0).tokens).toBe(30);
    expect(adjust(drained, limit, -25, 0).tokens).toBe(-15);
    expect(adjust(drained, limit, 500, 0).tokens).toBe(60);
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = { tokens: 5, updatedAt: 10_000 };
    expect(refill(bucket, limit, 5_000)).toEqual({ tokens: 5, updatedAt: 10_000 });
  });
});
