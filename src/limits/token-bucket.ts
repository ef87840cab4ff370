// Pure token-bucket math with continuous refill; `now` (ms) is always passed in.

export interface Bucket {
  /** Tokens available at `updatedAt`; may be negative after a settle charged more than reserved. */
  tokens: number;
  updatedAt: number;
}

export interface BucketLimit {
  /** Capacity, and the amount refilled per minute. */
  perMinute: number;
}

export const MINUTE_MS = 60_000;

export function fullBucket(limit: BucketLimit, now: number): Bucket {
  return { tokens: limit.perMinute, updatedAt: now };
}

export function refill(bucket: Bucket, limit: BucketLimit, now: number): Bucket {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(limit.perMinute, bucket.tokens + (elapsed * limit.perMinute) / MINUTE_MS);
  return { tokens, updatedAt: Math.max(now, bucket.updatedAt) };
}

export type TakeResult =
  | { ok: true; bucket: Bucket }
  /** `retryAfterMs` is when `amount` will be available; Infinity when it never fits the capacity. */
  | { ok: false; bucket: Bucket; retryAfterMs: number };

/** Takes `amount` if it is there beside `held` (tokens the bucket keeps for others: lease-ledger.ts). */
export function take(bucket: Bucket, limit: BucketLimit, amount: number, now: number, held = 0): TakeResult {
  const current = refill(bucket, limit, now);
  const free = current.tokens - held;
  if (free >= amount) {
    return { ok: true, bucket: { tokens: current.tokens - amount, updatedAt: current.updatedAt } };
  }
  if (amount > limit.perMinute) return { ok: false, bucket: current, retryAfterMs: Number.POSITIVE_INFINITY };
  const missing = amount - free;
  return { ok: false, bucket: current, retryAfterMs: Math.ceil((missing * MINUTE_MS) / limit.perMinute) };
}

/** Gives back (positive) or charges (negative) `delta` tokens, never above capacity. */
export function adjust(bucket: Bucket, limit: BucketLimit, delta: number, now: number): Bucket {
  const current = refill(bucket, limit, now);
  return { tokens: Math.min(limit.perMinute, current.tokens + delta), updatedAt: current.updatedAt };
}

/** Time until the bucket is full again. */
export function msUntilFull(bucket: Bucket, limit: BucketLimit, now: number): number {
  const current = refill(bucket, limit, now);
  return Math.ceil(((limit.perMinute - current.tokens) * MINUTE_MS) / limit.perMinute);
}
