// What a key's or team's Durable Object is asked at admission and answers (KeyObject.admit): the
// request's size and worst-case cost, and the admission (its key, rate windows, reservations and
// lease) or the refusal, which src/limits/refusal.ts maps to a wire error.
import type { KeyPolicy } from '../keys/policy';
import type { Lease } from './lease-grant';
import type { Returned } from './lease-ledger';
import type { RateState } from './rate-state';

export interface AdmitRequest {
  /**
   * The model asked for; null for a request that calls none (a conversation write,
   * routes/conversation-writes.ts): no allowlist applies, and no budget is checked or reserved.
   */
  model: string | null;
  /** Estimated input tokens + the most output tokens the request can produce. */
  tokens: number;
  /** Worst-case USD of the request (dearest target, every token of max_tokens). */
  costUsd: number;
  /** The request id; names the budget reservation that settle replaces. */
  reservationId: string;
  reservationTtlMs: number;
  /** Gateway-wide default limits from the config (keys only); the policy's own take precedence. */
  defaults: { rpm?: number; tpm?: number };
  /** The isolate would like a lease (src/limits/lease.ts): granted only while the buckets stay half free. */
  lease?: boolean;
  /** The request's RPM slot and tokens came from a lease: check the policy and reserve the cost (budget) only. */
  prepaid?: boolean;
  /** The isolate's earlier leases of this object, and what each left unused (lease-ledger.ts). */
  returned?: readonly Returned[];
}

export type AdmitResult =
  | {
      ok: true;
      key: AdmittedKey;
      rate: RateState;
      reservedTokens: number;
      reservedUsd: number;
      /** The policy has a budget: a request's cost is reserved and settled here. */
      budgeted?: boolean;
      lease?: Lease;
    }
  | (Refusal & {
      /** The key refused (a key's object only; a team's does not know which key asked): logged with the row. */
      key?: RefusedKey;
    });

export interface RefusedKey {
  id: string;
  teamId: string | null;
}

type Refusal =
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'model_not_allowed' | 'rotated' }
  /**
   * A rotation's new object whose hand-over (the old secret's ledger) has not arrived and could not
   * be fetched yet: a budget is not checked against a ledger without it. Retryable (503).
   */
  | { ok: false; reason: 'awaiting_ledger' }
  /** The key was rotated and is in its grace period: the policy and ledger live in `to`'s object. */
  | { ok: false; reason: 'moved'; to: string }
  | { ok: false; reason: 'rate_limited'; limit: 'requests' | 'tokens'; retryAfterMs: number; rate: RateState }
  | { ok: false; reason: 'too_large'; requested: number; capacity: number; rate: RateState }
  | {
      ok: false;
      reason: 'budget_exceeded';
      budgetUsd: number;
      spentUsd: number;
      /** Reserved by requests in flight and, of that, held by isolates' admission leases. */
      reservedUsd: number;
      leasedUsd: number;
      resetAt: number | null;
    };

type AdmittedKey = Pick<
  KeyPolicy,
  'id' | 'name' | 'teamId' | 'logBodies' | 'routing' | 'cache' | 'zdr' | 'guardrails'
>;

/** The key's settings an admission gives the isolate. */
export function admittedKey(policy: KeyPolicy): AdmittedKey {
  return {
    id: policy.id,
    name: policy.name,
    teamId: policy.teamId,
    logBodies: policy.logBodies,
    routing: policy.routing,
    cache: policy.cache,
    zdr: policy.zdr,
    guardrails: policy.guardrails,
  };
}
