// The rate windows a key is shown while its leases hold part of them.
import type { RateState, RateWindow } from './rate-state';
import { MINUTE_MS } from './token-bucket';

/**
 * The rate windows as the key sees them: what its leases hold is still its own, and `elapsedMs`
 * after the object counted them its buckets have refilled by that much (never past the limit). The
 * reset is the time to refill what is not remaining, as the object reckons it (token-bucket.ts).
 */
export function withLease(rate: RateState, slots: number, tokens: number, elapsedMs = 0): RateState {
  const plus = (window: RateWindow | undefined, extra: number): RateWindow | undefined => {
    if (!window || (extra <= 0 && elapsedMs <= 0)) return window;
    const refilled = (Math.max(0, elapsedMs) * window.limit) / MINUTE_MS;
    // The object's exact count, fraction and overdraft (a settle past the estimate) included, is
    // what its reset says: `remaining` is floored, and never below 0.
    const free = window.limit - (window.resetMs * window.limit) / MINUTE_MS;
    const left = Math.min(window.limit, free + Math.max(0, extra) + refilled);
    return {
      limit: window.limit,
      remaining: Math.max(0, Math.floor(left)),
      resetMs: Math.ceil(((window.limit - left) * MINUTE_MS) / window.limit),
    };
  };
  const requests = plus(rate.requests, slots);
  const allowance = plus(rate.tokens, tokens);
  return { ...(requests ? { requests } : {}), ...(allowance ? { tokens: allowance } : {}) };
}
