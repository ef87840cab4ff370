// The Durable Object of one gateway key (addressed by the key's SHA-256): its policy and its
// RPM/TPM buckets. `admit` is the hot path's only round trip; `settle` runs after the response.
// Buckets live in memory: an object is only evicted after minutes of idleness, by which time a
// bucket (which refills completely in one minute) would be full anyway.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { type KeyPolicy, keyPolicySchema, modelAllowed } from '../keys/policy';
import { adjust, type Bucket, type BucketLimit, fullBucket, msUntilFull, refill, take } from './token-bucket';

export interface AdmitRequest {
  model: string;
  /** Estimated input tokens + the most output tokens the request can produce. */
  tokens: number;
  /** Gateway-wide default limits from the config; the key's own limits take precedence. */
  defaults: { rpm?: number; tpm?: number };
}

export interface RateWindow {
  limit: number;
  remaining: number;
  resetMs: number;
}
export interface RateState {
  requests?: RateWindow;
  tokens?: RateWindow;
}

export type AdmitResult =
  | {
      ok: true;
      key: Pick<KeyPolicy, 'id' | 'name' | 'teamId' | 'logBodies'>;
      rate: RateState;
      reservedTokens: number;
    }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'model_not_allowed' }
  | { ok: false; reason: 'rate_limited'; limit: 'requests' | 'tokens'; retryAfterMs: number; rate: RateState }
  | { ok: false; reason: 'too_large'; requested: number; capacity: number; rate: RateState };

export interface SettleRequest {
  reservedTokens: number;
  /** Tokens really consumed (0 when nothing reached a provider or the answer came from cache). */
  usedTokens: number;
  /** The tpm limit in force at admission; settles against a limit that changed since are skipped. */
  tpm?: number;
}

const POLICY = 'policy';

export class KeyObject extends DurableObject<Env> {
  private policy: KeyPolicy | null = null;
  private requests?: Bucket;
  private tokens?: Bucket;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get(POLICY);
      this.policy = stored === undefined ? null : keyPolicySchema.parse(stored);
    });
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    return this.admitAt(request, Date.now());
  }

  /** Synchronous from read to write, so concurrent admissions can never interleave. */
  admitAt(request: AdmitRequest, now: number): AdmitResult {
    const policy = this.policy;
    if (!policy) return { ok: false, reason: 'unknown' };
    if (policy.revokedAt !== null && policy.revokedAt <= now) return { ok: false, reason: 'revoked' };
    if (policy.expiresAt !== null && policy.expiresAt <= now) return { ok: false, reason: 'expired' };
    if (!modelAllowed(policy.models, request.model)) return { ok: false, reason: 'model_not_allowed' };

    const rpmLimit = limitOf(policy.limits.rpm ?? request.defaults.rpm);
    const tpmLimit = limitOf(policy.limits.tpm ?? request.defaults.tpm);
    let requests = rpmLimit ? (this.requests ?? fullBucket(rpmLimit, now)) : undefined;
    let tokens = tpmLimit ? (this.tokens ?? fullBucket(tpmLimit, now)) : undefined;

    if (rpmLimit && requests) {
      const taken = take(requests, rpmLimit, 1, now);
      if (!taken.ok) {
        this.requests = taken.bucket;
        return {
          ok: false,
          reason: 'rate_limited',
          limit: 'requests',
          retryAfterMs: taken.retryAfterMs,
          rate: rateState(now, rpmLimit, taken.bucket, tpmLimit, tokens),
        };
      }
      requests = taken.bucket;
    }
    if (tpmLimit && tokens) {
      const taken = take(tokens, tpmLimit, request.tokens, now);
      if (!taken.ok) {
        // The request slot is not consumed by a request that is refused.
        const rate = rateState(now, rpmLimit, this.requests ?? requests, tpmLimit, taken.bucket);
        this.tokens = taken.bucket;
        if (!Number.isFinite(taken.retryAfterMs)) {
          return {
            ok: false,
            reason: 'too_large',
            requested: request.tokens,
            capacity: tpmLimit.perMinute,
            rate,
          };
        }
        return { ok: false, reason: 'rate_limited', limit: 'tokens', retryAfterMs: taken.retryAfterMs, rate };
      }
      tokens = taken.bucket;
    }
    this.requests = requests;
    this.tokens = tokens;
    return {
      ok: true,
      key: { id: policy.id, name: policy.name, teamId: policy.teamId, logBodies: policy.logBodies },
      rate: rateState(now, rpmLimit, requests, tpmLimit, tokens),
      reservedTokens: tpmLimit ? request.tokens : 0,
    };
  }

  async settle(request: SettleRequest): Promise<void> {
    this.settleAt(request, Date.now());
  }

  settleAt(request: SettleRequest, now: number): void {
    const tpmLimit = limitOf(this.policy?.limits.tpm ?? request.tpm);
    if (!tpmLimit || !this.tokens || request.reservedTokens === 0) return;
    this.tokens = adjust(this.tokens, tpmLimit, request.reservedTokens - request.usedTokens, now);
  }

  /** Replaces the policy; a changed limit starts from a full bucket at the new size. */
  async setPolicy(policy: KeyPolicy): Promise<void> {
    const previous = this.policy;
    this.policy = keyPolicySchema.parse(policy);
    if (previous?.limits.rpm !== policy.limits.rpm) this.requests = undefined;
    if (previous?.limits.tpm !== policy.limits.tpm) this.tokens = undefined;
    await this.ctx.storage.put(POLICY, this.policy);
  }

  async getPolicy(): Promise<KeyPolicy | null> {
    return this.policy;
  }

  async rate(defaults: AdmitRequest['defaults']): Promise<RateState> {
    const now = Date.now();
    const rpm = limitOf(this.policy?.limits.rpm ?? defaults.rpm);
    const tpm = limitOf(this.policy?.limits.tpm ?? defaults.tpm);
    return rateState(now, rpm, this.requests, tpm, this.tokens);
  }
}

function limitOf(perMinute: number | null | undefined): BucketLimit | undefined {
  return perMinute ? { perMinute } : undefined;
}

function windowOf(now: number, limit: BucketLimit, bucket: Bucket | undefined): RateWindow {
  const current = bucket ? refill(bucket, limit, now) : fullBucket(limit, now);
  return {
    limit: limit.perMinute,
    remaining: Math.max(0, Math.floor(current.tokens)),
    resetMs: msUntilFull(current, limit, now),
  };
}

function rateState(
  now: number,
  rpm: BucketLimit | undefined,
  requests: Bucket | undefined,
  tpm: BucketLimit | undefined,
  tokens: Bucket | undefined,
): RateState {
  return {
    ...(rpm ? { requests: windowOf(now, rpm, requests) } : {}),
    ...(tpm ? { tokens: windowOf(now, tpm, tokens) } : {}),
  };
}
