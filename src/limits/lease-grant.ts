// Admission leases as a key's or team's object grants them and takes them back (src/limits/lease.ts
// is the isolate's side): shares of its buckets recorded in its LeaseLedger, and of a budget, a
// share reserved in its ledger.
import type { KeyPolicy } from '../keys/policy';
import { type BudgetState, leaseReservation, leaseShare, releaseFromLease } from './budget';
import { type LeaseLedger, RETURN_GRACE_MS, type Returned, type Share } from './lease-ledger';
import { adjust, type Bucket, type BucketLimit, refill } from './token-bucket';

/**
 * Admissions an isolate may grant itself for a short while, from shares of the buckets the object
 * holds for it (lease-ledger.ts): a lease can make a limit stricter but never let a key past it.
 */
export interface Lease {
  /** Names the share in the object's ledger when the isolate gives back what it did not use. */
  id: number;
  /** Slots held for the isolate; null when there is no RPM limit to take them from. */
  requests: number | null;
  /** TPM allowance held for the isolate's reservations; null when there is no TPM limit. */
  tokens: number | null;
  /** How long the lease holds from its receipt: LEASE_MS at most, never past the key's expiry or revocation. */
  ms: number;
  /** The model allowlist, which the isolate checks itself. */
  models: readonly string[] | null;
  /** A budget: a request that goes upstream reserves its worst-case cost, from `usd` or here (prepaid). */
  reserves: boolean;
  /**
   * The budget share held for the isolate (a reservation in the ledger until it is given back, or
   * until the lease's time and RETURN_GRACE_MS are up): requests going upstream draw their worst
   * case from it and tell the object off the response path (`drawLease`). Null: none to draw
   * from (no budget, or too little left to spare one), so each reserves here.
   */
  usd: number | null;
}

/** A request that drew its worst case from a lease's budget share, as the isolate tells the object. */
export interface LeaseDraw {
  leaseId: number;
  reservationId: string;
  usd: number;
  reservationTtlMs: number;
}

export const LEASE_MS = 1000;
/** Slots per lease: a hundredth of the RPM limit, at most this many. The TPM allowance is a hundredth of the TPM limit. */
export const LEASE_MAX_REQUESTS = 256;
const LEASE_SHARE = 100;

interface Side {
  limit: BucketLimit | undefined;
  bucket: Bucket | undefined;
  held: number;
}

/**
 * The lease an admission grants (its buckets as the admission left them), recorded in `leases`,
 * with the ledger that holds its budget share (the ledger as given when it has none); undefined
 * when none is granted.
 */
export function leaseFor(
  policy: KeyPolicy,
  leases: LeaseLedger,
  rpm: Omit<Side, 'held'>,
  tpm: Omit<Side, 'held'>,
  ledger: BudgetState | undefined,
  costUsd: number,
  now: number,
): { lease: Lease; ledger: BudgetState | undefined } | undefined {
  const { held } = leases;
  const granted = grantLease(policy, { ...rpm, held: held.requests }, { ...tpm, held: held.tokens }, now);
  if (!granted) return undefined;
  const share = { requests: granted.requests ?? 0, tokens: granted.tokens ?? 0 };
  const id = leases.grant(share, now + granted.ms);
  const usd = ledger && policy.budget ? leaseShare(ledger, policy.budget, costUsd) : 0;
  let booked = ledger;
  if (ledger && usd > 0) {
    const expiresAt = now + granted.ms + RETURN_GRACE_MS;
    booked = {
      ...ledger,
      reservations: [...ledger.reservations, { id: leaseReservation(id), usd, expiresAt }],
    };
  }
  const lease = { id, ...granted, reserves: policy.budget !== null, usd: usd > 0 ? usd : null };
  return { lease, ledger: booked };
}

/**
 * A lease for an admitted request, or none: shares are held only while, beside them and every
 * other share out, at least half of each bucket is left, so near its limit every request of the
 * key is counted here, one by one.
 */
function grantLease(
  policy: KeyPolicy,
  rpm: Side,
  tpm: Side,
  now: number,
): Omit<Lease, 'id' | 'reserves' | 'usd'> | undefined {
  const ends = [policy.expiresAt, policy.revokedAt].filter((at): at is number => at !== null && at > now);
  const ms = Math.min(LEASE_MS, ...ends.map((at) => at - now));
  if (ms <= 0) return undefined;
  const requests = shareOf(rpm, LEASE_MAX_REQUESTS, now);
  const tokens = shareOf(tpm, Number.POSITIVE_INFINITY, now);
  if (requests === undefined || tokens === undefined) return undefined;
  return { requests, tokens, ms, models: policy.models };
}

/** A lease's share of one bucket: null without a limit, undefined when the bucket cannot spare one. */
function shareOf({ limit, bucket, held }: Side, most: number, now: number): number | null | undefined {
  if (!limit || !bucket) return null;
  const share = Math.min(most, Math.floor(limit.perMinute / LEASE_SHARE));
  const free = refill(bucket, limit, now).tokens - held;
  return share < 1 || free - share < limit.perMinute / 2 ? undefined : share;
}

/**
 * Shares given back (the unused rest returns to the buckets) or expired (consumed in full), and the
 * budget shares' unused rest out of the ledger (what requests drew moved to their own reservations):
 * the buckets and ledger after.
 */
export function leasesBack(
  leases: LeaseLedger,
  returned: readonly Returned[] | undefined,
  rpm: BucketLimit | undefined,
  tpm: BucketLimit | undefined,
  state: { requests: Bucket | undefined; tokens: Bucket | undefined; ledger: BudgetState | undefined },
  now: number,
): { requests: Bucket | undefined; tokens: Bucket | undefined; ledger: BudgetState | undefined } {
  let { requests, tokens, ledger } = state;
  const consume = (used: Share) => {
    if (rpm && requests && used.requests > 0) requests = adjust(requests, rpm, -used.requests, now);
    if (tpm && tokens && used.tokens > 0) tokens = adjust(tokens, tpm, -used.tokens, now);
  };
  leases.expire(now, consume);
  for (const share of returned ?? []) leases.takeBack(share, consume);
  for (const share of returned ?? []) if (ledger) ledger = releaseFromLease(ledger, share.id, share.usd ?? 0);
  return { requests, tokens, ledger };
}
