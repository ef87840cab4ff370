// One half of a lease (the key's, or its team's) as this isolate holds it: what is left of its
// slots, allowance and budget share, and until when; what it gives back when it ends.
import { modelAllowed } from '../keys/policy';
import type { AdmitResult } from './admit-rpc';
import type { Lease } from './lease-grant';
import type { Returned } from './lease-ledger';

type Admitted = Extract<AdmitResult, { ok: true }>;

export interface Held {
  admitted: Admitted;
  lease: Lease;
  /** Slots left; null when the object has no RPM limit. */
  left: number | null;
  /** Allowance left; null when the object has no TPM limit. */
  tokens: number | null;
  /** Budget share left (USD); null without one. */
  usd: number | null;
  until: number;
  /** When it was granted: its windows (the object's then) have refilled since. */
  grantedAt: number;
}

/** A lease's two halves: the key's, and its team's for a key in a team. */
export interface Pair {
  key: Held;
  team?: Held;
}

/** What a lease's share is, when the lease was granted and not yet used. */
export function unusedShare(admitted: Admitted): Returned | undefined {
  const lease = admitted.lease;
  return (
    lease && withUsd({ id: lease.id, requests: lease.requests ?? 0, tokens: lease.tokens ?? 0 }, lease.usd)
  );
}

export function held(admitted: Admitted, now: number): Held {
  const lease = admitted.lease as Lease;
  const usd = lease.usd ?? null;
  return {
    admitted,
    lease,
    left: lease.requests,
    tokens: lease.tokens,
    usd,
    until: now + lease.ms,
    grantedAt: now,
  };
}

/** Ends a lease: nothing more is drawn from it or refunded into it. */
export function close(held: Held): Returned {
  const unused = withUsd({ id: held.lease.id, requests: held.left ?? 0, tokens: held.tokens ?? 0 }, held.usd);
  held.left = 0;
  held.tokens = held.tokens === null ? null : 0;
  held.usd = held.usd === null ? null : 0;
  held.until = 0;
  return unused;
}

/** A share given back names a budget share's rest only when the lease had one. */
function withUsd(share: Returned, usd: number | null | undefined): Returned {
  return usd == null ? share : { ...share, usd };
}

/** A quarter or less of the lease's slots (leases of 4+ slots only), allowance, budget share or time is left. */
export function runningLow(held: Held, now: number): boolean {
  const { requests, tokens, ms, usd } = held.lease;
  return (
    held.until - now <= ms / 4 ||
    (held.left !== null && requests !== null && requests >= 4 && held.left * 4 <= requests) ||
    (held.tokens !== null && tokens !== null && tokens > 0 && held.tokens * 4 <= tokens) ||
    (held.usd !== null && usd != null && usd > 0 && held.usd * 4 <= usd)
  );
}

/** Whether the lease can admit a request for `model` (null: one that calls none) of `tokens`. */
export function usable(held: Held, model: string | null, tokens: number, now: number): boolean {
  return (
    now < held.until &&
    held.left !== 0 &&
    (held.tokens === null || held.tokens >= tokens) &&
    (model === null || modelAllowed(held.lease.models, model))
  );
}
