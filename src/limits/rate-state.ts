// The RPM and TPM windows of a key's or team's object as admissions, refusals and usage reads
// report them: the policy's own limits, else the gateway's defaults, less what leases hold.
import type { Limits } from '../keys/policy';
import type { AdmitRequest } from './admit-rpc';
import type { Share } from './lease-ledger';
import { type Bucket, type BucketLimit, fullBucket, msUntilFull, refill } from './token-bucket';

export interface RateWindow {
  limit: number;
  remaining: number;
  resetMs: number;
}
export interface RateState {
  requests?: RateWindow;
  tokens?: RateWindow;
}

/** The policy's own limits, else the gateway's defaults (keys only: a team's defaults are empty). */
export function limitsOf(limits: Limits, defaults: AdmitRequest['defaults']) {
  return { rpm: limitOf(limits.rpm ?? defaults.rpm), tpm: limitOf(limits.tpm ?? defaults.tpm) };
}

export function limitOf(perMinute: number | null | undefined): BucketLimit | undefined {
  return perMinute ? { perMinute } : undefined;
}

/** The windows as admissions see them: what leases hold (`held`) is not there for others. */
export function rateStateOf(
  now: number,
  rpm: BucketLimit | undefined,
  requests: Bucket | undefined,
  tpm: BucketLimit | undefined,
  tokens: Bucket | undefined,
  held: Share,
): RateState {
  return {
    ...(rpm ? { requests: windowOf(now, rpm, requests, held.requests) } : {}),
    ...(tpm ? { tokens: windowOf(now, tpm, tokens, held.tokens) } : {}),
  };
}

function windowOf(now: number, limit: BucketLimit, bucket: Bucket | undefined, held: number): RateWindow {
  const current = bucket ? refill(bucket, limit, now) : fullBucket(limit, now);
  const free = { tokens: current.tokens - held, updatedAt: current.updatedAt };
  return {
    limit: limit.perMinute,
    remaining: Math.max(0, Math.floor(free.tokens)),
    resetMs: msUntilFull(free, limit, now),
  };
}
