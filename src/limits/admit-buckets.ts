// Admission's rate step at a key's or team's object (KeyObject.admitAt): the request's RPM slot and
// tokens taken from its buckets beside what leases hold, or the refusal (rate_limited, too_large).
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import type { Share } from './lease-ledger';
import { rateStateOf } from './rate-state';
import { type Bucket, type BucketLimit, fullBucket, take } from './token-bucket';

interface Buckets {
  requests: Bucket | undefined;
  tokens: Bucket | undefined;
}

/** The buckets with the request taken, to be kept once admitted; `stored` is left as it was. */
export function takeBuckets(
  request: AdmitRequest,
  rpmLimit: BucketLimit | undefined,
  tpmLimit: BucketLimit | undefined,
  stored: Buckets,
  held: Share,
  now: number,
): ({ ok: true } & Buckets) | Extract<AdmitResult, { ok: false }> {
  let requests = rpmLimit ? (stored.requests ?? fullBucket(rpmLimit, now)) : undefined;
  let tokens = tpmLimit ? (stored.tokens ?? fullBucket(tpmLimit, now)) : undefined;

  // Before the RPM slot: a request no wait can admit must not be told to retry when a slot is free.
  if (tpmLimit && !request.prepaid && request.tokens > tpmLimit.perMinute) {
    const rate = rateStateOf(now, rpmLimit, requests, tpmLimit, tokens, held);
    return { ok: false, reason: 'too_large', requested: request.tokens, capacity: tpmLimit.perMinute, rate };
  }
  if (rpmLimit && requests && !request.prepaid) {
    const taken = take(requests, rpmLimit, 1, now, held.requests);
    if (!taken.ok) {
      const rate = rateStateOf(now, rpmLimit, taken.bucket, tpmLimit, tokens, held);
      return {
        ok: false,
        reason: 'rate_limited',
        limit: 'requests',
        retryAfterMs: taken.retryAfterMs,
        rate,
      };
    }
    requests = taken.bucket;
  }
  // A prepaid request's tokens came from its lease, and a request of none (a conversation's metadata
  // written) asks for none: nothing to take here, even from a bucket a settle overdrew.
  if (tpmLimit && tokens && !request.prepaid && request.tokens > 0) {
    const taken = take(tokens, tpmLimit, request.tokens, now, held.tokens);
    if (!taken.ok) {
      // A refused request consumes nothing: the request slot taken above is not committed.
      const rate = rateStateOf(now, rpmLimit, stored.requests, tpmLimit, taken.bucket, held);
      return { ok: false, reason: 'rate_limited', limit: 'tokens', retryAfterMs: taken.retryAfterMs, rate };
    }
    tokens = taken.bucket;
  }
  return { ok: true, requests, tokens };
}
