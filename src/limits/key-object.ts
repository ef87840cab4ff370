// The Durable Object of one gateway key (addressed by the key's SHA-256) or one team (addressed by
// `team:<id>`): its policy, RPM/TPM buckets and budget ledger. `admit` is the hot path's only
// round trip; `settle` runs after the response. Admission is synchronous from read to write, so
// concurrent requests can never interleave between the check and the reservation.
// Buckets live in memory: an object is only evicted after minutes of idleness, by which time a
// bucket (which refills completely in one minute) would be full anyway. The budget ledger, whose
// loss would grant money, is persisted on every change.
import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import type { Env } from '../env';
import { endReason, type KeyPolicy, keyPolicySchema, type Limits, modelAllowed } from '../keys/policy';
import {
  type BudgetState,
  budgetStateSchema,
  current,
  drawFromLease,
  expire,
  joinedHistory,
  leasedUsd,
  leaseReservation,
  leaseShare,
  nextExpiry,
  periodBounds,
  releaseFromLease,
  reserve,
  reservedUsd,
  roundUsd,
  sameWindow,
  settle as settleBudget,
} from './budget';
import { LeaseLedger, RETURN_GRACE_MS, type Returned, type Share } from './lease-ledger';
import { RecentSettles } from './recent-settles';
import { sendSettles } from './settle-send';
import { adjust, type Bucket, type BucketLimit, fullBucket, msUntilFull, refill, take } from './token-bucket';

export interface AdmitRequest {
  model: string;
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

/** Rotations in a row whose grace periods overlap that an old secret can still follow. */
export const MAX_ROTATION_HOPS = 3;

export const LEASE_MS = 1000;
/** Slots per lease: a hundredth of the RPM limit, at most this many. The TPM allowance is a hundredth of the TPM limit. */
export const LEASE_MAX_REQUESTS = 256;
const LEASE_SHARE = 100;

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
      key: Pick<
        KeyPolicy,
        'id' | 'name' | 'teamId' | 'logBodies' | 'routing' | 'cache' | 'zdr' | 'guardrails'
      >;
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

export interface SettleRequest {
  reservationId: string;
  reservedTokens: number;
  /** Tokens really consumed (0 when nothing reached a provider or the answer came from cache). */
  usedTokens: number;
  /** The real cost in USD (0 when nothing was consumed). */
  costUsd: number;
  /** The tpm default in force at admission, for keys without a tpm of their own. */
  tpm?: number;
  /**
   * Gives back a reservation made for a request another refusal stopped (its team's, say): its
   * reservation id is not remembered as settled, since the same request may still reserve here
   * (served from a lease after all, it does so under another id: leasedReservationId).
   */
  release?: boolean;
  /**
   * With `release`: the release's own id, remembered instead, so a release sent again (its answer
   * lost) gives the slot and tokens back once. Without one it is applied each time it arrives.
   */
  releaseId?: string;
  /**
   * With `release`: the admission took a request slot here (it was not prepaid from a lease), and
   * the slot goes back too: a request another refusal stopped was never made.
   */
  requestSlot?: boolean;
  /** The rpm default in force at admission, for keys without an rpm of their own (a released slot). */
  rpm?: number;
  /**
   * The request's worst case was drawn from this lease's budget share and not booked as its own
   * (src/limits/lease-draw.ts): it leaves the share as the cost is charged.
   */
  drawn?: { leaseId: number; usd: number };
}

export interface Usage {
  spendUsd: number;
  /** Reserved by requests in flight. */
  reservedUsd: number;
  /** Held by isolates' admission leases for requests not yet made (returned or expired within seconds). */
  leasedUsd: number;
  budgetUsd: number | null;
  periodStart: number | null;
  periodEnd: number | null;
  alert: { threshold: number; crossedAt: number | null } | null;
  rpm: { limit: number; remaining: number } | null;
  tpm: { limit: number; remaining: number } | null;
  /** Last admitted request (ms), precise to LAST_USED_PERSIST_MS across evictions. */
  lastUsedAt: number | null;
}

const POLICY = 'policy';
const BUDGET = 'budget';
const MOVED = 'moved';
const LAST_USED = 'lastUsedAt';
const REVISION = 'revision';
const ADOPTION = 'adoption';
/** lastUsedAt is kept in memory and written at most this often. */
export const LAST_USED_PERSIST_MS = 60_000;
/** Reservation ids remembered as released here (KeyObject.released). */
const MAX_RELEASED = 10_000;

/** A rotated key's old object: where its policy went, and until when the old secret still works. */
export interface Moved {
  to: string;
  until: number;
}

/** What a rotation hands from the old key's object to the new one. */
export interface HandOver {
  policy: KeyPolicy | null;
  /** The policy's revision (see setPolicy); 0 when it was set without one. */
  revision: number;
  ledger: BudgetState | undefined;
  lastUsedAt: number | null;
  /** The object it was made for (its key hash): names the rotation, so that it is adopted once. */
  to?: string;
  /** The old object's own rotations in (hand-overs it awaited, and adopted), which go on with it. */
  adoption?: Adoption;
}

const pendingHandOverSchema = z.object({
  /** The old object (its key hash); it redirects to `to` once it has handed over. */
  from: z.string(),
  /** The object the hand-over is for: this one, or one whose place this one took. */
  to: z.string(),
  /** The old secret's grace period, as the rotation set it. */
  until: z.number(),
  /**
   * The key's row has moved on past `to` (the entry came with a later rotation's hand-over), so
   * its rotation can no longer roll back: `from` may be told to hand over now, as the rotation
   * itself would (key-rotation.ts).
   */
  final: z.boolean().optional(),
});
const adoptionSchema = z.object({ awaiting: z.array(pendingHandOverSchema), adopted: z.array(z.string()) });
/** A rotation's hand-over a new object waits for. */
export type PendingHandOver = z.infer<typeof pendingHandOverSchema>;
/**
 * Hand-overs a rotation's new object waits for, and those it adopted (by `to`, the last
 * MAX_ADOPTED): a key that was never rotated into has none, and its admissions never look further.
 */
export type Adoption = z.infer<typeof adoptionSchema>;
const MAX_ADOPTED = 16;

/**
 * A bucket under a new limit, keeping what was used of the old one (the new one may start below
 * zero: it refills at the new rate). A full bucket (undefined) when either limit is not the key's
 * own (the config's default, or none), whose size this object does not know here.
 */
function resized(
  bucket: Bucket | undefined,
  before: number | null | undefined,
  after: number | null | undefined,
  now: number,
): Bucket | undefined {
  if (!bucket || typeof before !== 'number' || typeof after !== 'number') return undefined;
  const used = before - refill(bucket, { perMinute: before }, now).tokens;
  return { tokens: after - used, updatedAt: now };
}

/** A count or amount that is a number; undefined for NaN, ±Infinity or a negative. */
const finite = (value: number): number | undefined =>
  Number.isFinite(value) && value >= 0 ? value : undefined;

export class KeyObject extends DurableObject<Env> {
  private policy: KeyPolicy | null = null;
  /** The admin write the policy came from (its row's updated_at); 0 for none known. */
  private revision = 0;
  private ledger: BudgetState | undefined;
  private requests?: Bucket;
  private tokens?: Bucket;
  private moved: Moved | null = null;
  private adoption: Adoption = { awaiting: [], adopted: [] };
  /** The fetch of awaited hand-overs in flight (fetchHandOvers), one at a time. */
  private fetching: Promise<void> | undefined;
  private lastUsedAt: number | null = null;
  private lastUsedSavedAt = 0;
  /** Bucket shares held by isolates' leases; in memory like the buckets themselves. */
  private readonly leases = new LeaseLedger();
  /** Requests settled lately: a settle delivered twice is applied once. */
  private readonly settled: RecentSettles;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.settled = new RecentSettles(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.settled.load(Date.now());
      const [policy, ledger, moved, lastUsed, revision, adoption] = await Promise.all([
        ctx.storage.get(POLICY),
        ctx.storage.get(BUDGET),
        ctx.storage.get<Moved>(MOVED),
        ctx.storage.get<number>(LAST_USED),
        ctx.storage.get<number>(REVISION),
        ctx.storage.get(ADOPTION),
      ]);
      this.policy = policy === undefined ? null : keyPolicySchema.parse(policy);
      this.revision = revision ?? 0;
      this.ledger = ledger === undefined ? undefined : budgetStateSchema.parse(ledger);
      this.moved = moved ?? null;
      if (adoption !== undefined) this.adoption = adoptionSchema.parse(adoption);
      this.lastUsedAt = lastUsed ?? null;
      this.lastUsedSavedAt = lastUsed ?? 0;
    });
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    // A rotation's new object whose hand-over is late: it asks the old object for it first.
    if (this.adoption.awaiting.length > 0) await this.fetchHandOvers();
    const result = this.admitAt(request, Date.now());
    const policy = this.policy;
    // A rotated key's old object keeps a policy that no longer changes: its team may be stale.
    if (result.ok || policy?.kind !== 'key' || result.reason === 'moved' || result.reason === 'rotated')
      return result;
    return { ...result, key: { id: policy.id, teamId: policy.teamId } };
  }

  admitAt(request: AdmitRequest, now: number): AdmitResult {
    if (this.moved) {
      // Asked directly or on behalf of an older secret: this rotation's grace caps both.
      return this.moved.until > now
        ? { ok: false, reason: 'moved', to: this.moved.to }
        : { ok: false, reason: 'rotated' };
    }
    const policy = this.policy;
    if (!policy) return { ok: false, reason: 'unknown' };
    const { rpm: rpmLimit, tpm: tpmLimit } = limitsOf(policy.limits, request.defaults);
    this.settleLeases(request.returned, rpmLimit, tpmLimit, now);
    const ended = endReason(policy, now);
    if (ended) return { ok: false, reason: ended };
    if (!modelAllowed(policy.models, request.model)) return { ok: false, reason: 'model_not_allowed' };
    // Before a bucket is taken (a refused request consumes nothing), and so before any lease.
    if (policy.budget && this.adoption.awaiting.length > 0) return { ok: false, reason: 'awaiting_ledger' };

    const { held } = this.leases;
    let requests = rpmLimit ? (this.requests ?? fullBucket(rpmLimit, now)) : undefined;
    let tokens = tpmLimit ? (this.tokens ?? fullBucket(tpmLimit, now)) : undefined;

    if (rpmLimit && requests && !request.prepaid) {
      const taken = take(requests, rpmLimit, 1, now, held.requests);
      if (!taken.ok) {
        const rate = this.rateState(now, rpmLimit, taken.bucket, tpmLimit, tokens);
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
    // A prepaid request's tokens came from its lease: nothing to take here (even from an overdrawn bucket).
    if (tpmLimit && tokens && !request.prepaid) {
      const taken = take(tokens, tpmLimit, request.tokens, now, held.tokens);
      if (!taken.ok) {
        // A refused request consumes nothing: the request slot taken above is not committed.
        const rate = this.rateState(now, rpmLimit, this.requests, tpmLimit, taken.bucket);
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

    let reservedCost = 0;
    let ledger: BudgetState | undefined;
    if (policy.budget) {
      ledger = expire(current(this.ledger, policy.budget, now), now);
      const reservation = {
        id: request.reservationId,
        usd: request.costUsd,
        expiresAt: now + request.reservationTtlMs,
      };
      const result = reserve(ledger, policy.budget, reservation);
      if (!result.ok) {
        const { end } = periodBounds(policy.budget, now);
        return {
          ok: false,
          reason: 'budget_exceeded',
          budgetUsd: policy.budget.usd,
          spentUsd: result.spentUsd,
          reservedUsd: result.reservedUsd,
          leasedUsd: leasedUsd(ledger),
          resetAt: Number.isFinite(end) ? end : null,
        };
      }
      ledger = result.state;
      reservedCost = request.costUsd;
    }

    let lease: Lease | undefined;
    if (request.lease) {
      const granted = grantLease(
        policy,
        { limit: rpmLimit, bucket: requests, held: held.requests },
        { limit: tpmLimit, bucket: tokens, held: held.tokens },
        now,
      );
      if (granted) {
        const share = { requests: granted.requests ?? 0, tokens: granted.tokens ?? 0 };
        const id = this.leases.grant(share, now + granted.ms);
        const usd = ledger && policy.budget ? leaseShare(ledger, policy.budget, request.costUsd) : 0;
        if (ledger && usd > 0) {
          const expiresAt = now + granted.ms + RETURN_GRACE_MS;
          ledger = {
            ...ledger,
            reservations: [...ledger.reservations, { id: leaseReservation(id), usd, expiresAt }],
          };
        }
        lease = { id, ...granted, reserves: policy.budget !== null, usd: usd > 0 ? usd : null };
      }
    }
    if (ledger) this.saveLedger(ledger);
    this.requests = requests;
    this.tokens = tokens;
    this.touch(now);
    return {
      ok: true,
      key: {
        id: policy.id,
        name: policy.name,
        teamId: policy.teamId,
        logBodies: policy.logBodies,
        routing: policy.routing,
        cache: policy.cache,
        zdr: policy.zdr,
        guardrails: policy.guardrails,
      },
      rate: this.rateState(now, rpmLimit, requests, tpmLimit, tokens),
      reservedTokens: tpmLimit && !request.prepaid ? request.tokens : 0,
      reservedUsd: reservedCost,
      ...(policy.budget ? { budgeted: true } : {}),
      ...(lease ? { lease } : {}),
    };
  }

  /** Shares given back (the unused rest returns to the buckets) or expired (consumed in full). */
  private settleLeases(
    returned: readonly Returned[] | undefined,
    rpm: BucketLimit | undefined,
    tpm: BucketLimit | undefined,
    now: number,
  ): void {
    const consume = (used: Share) => {
      if (rpm && this.requests && used.requests > 0)
        this.requests = adjust(this.requests, rpm, -used.requests, now);
      if (tpm && this.tokens && used.tokens > 0) this.tokens = adjust(this.tokens, tpm, -used.tokens, now);
    };
    this.leases.expire(now, consume);
    for (const share of returned ?? []) this.leases.takeBack(share, consume);
    // The budget shares' unused rest leaves the ledger (what requests drew moved to their own reservations).
    let ledger = this.ledger;
    for (const share of returned ?? [])
      if (ledger) ledger = releaseFromLease(ledger, share.id, share.usd ?? 0);
    if (ledger !== this.ledger && ledger) this.saveLedger(ledger);
  }

  /** A lease given back without an admission (its other half was refused, or a newer lease replaced it). */
  async returnLease(returned: Returned, defaults: AdmitRequest['defaults']): Promise<void> {
    const limits = this.policy?.limits;
    if (this.moved || !limits) return;
    const { rpm, tpm } = limitsOf(limits, defaults);
    this.settleLeases([returned], rpm, tpm, Date.now());
  }

  /** The windows as admissions see them: what leases hold is not there for others. */
  private rateState(
    now: number,
    rpm: BucketLimit | undefined,
    requests: Bucket | undefined,
    tpm: BucketLimit | undefined,
    tokens: Bucket | undefined,
  ): RateState {
    const { held } = this.leases;
    return {
      ...(rpm ? { requests: windowOf(now, rpm, requests, held.requests) } : {}),
      ...(tpm ? { tokens: windowOf(now, tpm, tokens, held.tokens) } : {}),
    };
  }

  async settle(request: SettleRequest): Promise<void> {
    this.settleAt(request, Date.now());
  }

  /** Settles of several requests (an isolate's batch, src/limits/settle-outbox.ts): one ledger write. */
  async settleMany(requests: SettleRequest[]): Promise<void> {
    this.settleAllAt(requests, Date.now());
  }

  /**
   * A request admitted from a lease's budget share: its worst case becomes its own reservation.
   * Answered once booked (forwarded after a rotation), so the isolate's settle, sent after this
   * answer, cannot overtake it.
   */
  async drawLease(draw: LeaseDraw): Promise<void> {
    if (this.moved) return this.movedTo(this.moved).drawLease(draw);
    this.drawLeaseAt(draw, Date.now());
  }

  drawLeaseAt(draw: LeaseDraw, now: number): void {
    const budget = this.policy?.budget;
    if (!budget) return;
    const reservation = { id: draw.reservationId, usd: draw.usd, expiresAt: now + draw.reservationTtlMs };
    this.saveLedger(drawFromLease(current(this.ledger, budget, now), draw.leaseId, reservation));
  }

  private movedTo(moved: Moved): DurableObjectStub<KeyObject> {
    return this.objectOf(moved.to);
  }

  private objectOf(keyHash: string): DurableObjectStub<KeyObject> {
    return this.env.KEYS.get(this.env.KEYS.idFromName(keyHash));
  }

  settleAt(request: SettleRequest, now: number): void {
    this.settleAllAt([request], now);
  }

  /**
   * Applies each request's settle once: ids settled lately (a resend) and repeats in the batch are
   * skipped. A release is known by its own id, not the reservation's: the same request may still
   * reserve here.
   */
  settleAllAt(all: SettleRequest[], now: number): void {
    const fresh = new Set<string>();
    const requests = all.filter((request) => {
      const id = request.release ? request.releaseId : request.reservationId;
      if (id === undefined) return true;
      if (this.settled.has(id, now) || fresh.has(id)) return false;
      fresh.add(id);
      return true;
    });
    if (requests.length === 0) return;
    if (this.moved) {
      // Admitted before the rotation: the reservations moved with the ledger, so settle them there.
      this.ctx.waitUntil(sendSettles(this.env.KEYS, this.movedTo(this.moved), requests));
      return;
    }
    const budget = this.policy?.budget;
    let ledger = budget ? current(this.ledger, budget, now) : undefined;
    for (const request of requests) {
      // Not a number (a bad report that got this far): the reserved tokens stay used and no cost is
      // charged — never a NaN bucket or ledger, which would refuse or allow everything after it.
      const used = finite(request.usedTokens) ?? request.reservedTokens;
      const tpmLimit = limitOf(this.policy?.limits.tpm ?? request.tpm);
      if (tpmLimit && this.tokens && request.reservedTokens > 0) {
        this.tokens = adjust(this.tokens, tpmLimit, request.reservedTokens - used, now);
      }
      const rpmLimit =
        request.release && request.requestSlot && limitOf(this.policy?.limits.rpm ?? request.rpm);
      if (rpmLimit && this.requests) this.requests = adjust(this.requests, rpmLimit, 1, now);
      if (budget && ledger) {
        if (request.drawn) ledger = releaseFromLease(ledger, request.drawn.leaseId, request.drawn.usd);
        ledger = settleBudget(ledger, budget, request.reservationId, finite(request.costUsd) ?? 0, now);
        if (request.release) this.noteReleased(request.reservationId);
      }
    }
    if (ledger) this.saveLedger(ledger);
    // Stored with the ledger they charged, in the same commit; buckets live in memory, and so do their ids.
    this.settled.add([...fresh], now, ledger !== undefined);
  }

  /**
   * Reservation ids this object released lately, in memory (settled ones are in `settled`, which
   * knows releases only by their own ids): a rotation's hand-over adopted after a release was
   * forwarded here must not bring the reservation back.
   */
  private readonly released = new Map<string, true>();

  private noteReleased(reservationId: string): void {
    this.released.delete(reservationId);
    this.released.set(reservationId, true);
    if (this.released.size > MAX_RELEASED) this.released.delete(this.released.keys().next().value as string);
  }

  /** Releases reservations whose settle never arrived, so capacity cannot leak forever. */
  override async alarm(): Promise<void> {
    if (!this.ledger) return;
    this.saveLedger(expire(this.ledger, Date.now()));
  }

  /**
   * Sets the policy an admin write stored (a changed limit resizes its bucket: `resized`).
   * `revision` is that write's (its row's new updated_at, which only grows): an older write that
   * arrives after a newer one is ignored, so concurrent writes leave the object with the policy the
   * row ends with. A revocation is final: it always
   * applies (it is told to the object before the row), and nothing undoes it. Without a revision
   * (tests, a rotation's own hand-over), the policy is set as is.
   */
  async setPolicy(policy: KeyPolicy, revision?: number, hops = 0): Promise<'set' | 'older' | 'revoked'> {
    // Rotated away while an admin change was on its way here (it read the key before the
    // rotation): the new secret's object takes it too, or the change would be lost there. What
    // that object says is the answer (a revocation there is the key's).
    const forwarded =
      this.moved && hops < MAX_ROTATION_HOPS
        ? await this.movedTo(this.moved).setPolicy(policy, revision, hops + 1)
        : undefined;
    const here = await this.setHere(policy, revision);
    return forwarded ?? here;
  }

  private async setHere(
    policy: KeyPolicy,
    revision: number | undefined,
  ): Promise<'set' | 'older' | 'revoked'> {
    if (revision !== undefined) {
      const revoking = policy.revokedAt !== null;
      if (this.policy?.revokedAt != null && !revoking) return 'revoked';
      if (!revoking && revision < this.revision) return 'older';
      if (revision > this.revision) {
        this.revision = revision;
        await this.ctx.storage.put(REVISION, revision);
      }
    }
    this.applyPolicy(policy);
    await this.ctx.storage.put(POLICY, this.policy);
    return 'set';
  }

  private applyPolicy(policy: KeyPolicy): void {
    const previous = this.policy;
    this.policy = keyPolicySchema.parse(policy);
    // A changed limit resizes its bucket, keeping what was used in the last minute (requests in
    // flight settle into it: a cut from 1M to 50k TPM is 50k from now, not 50k plus what they give
    // back). Lease shares of it are forgotten; the other bucket's stay held.
    const now = Date.now();
    if (previous?.limits.rpm !== this.policy.limits.rpm) {
      this.requests = resized(this.requests, previous?.limits.rpm, this.policy.limits.rpm, now);
      this.leases.forget('requests');
    }
    if (previous?.limits.tpm !== this.policy.limits.tpm) {
      this.tokens = resized(this.tokens, previous?.limits.tpm, this.policy.limits.tpm, now);
      this.leases.forget('tokens');
    }
    // A budget's new window (period or start) recomputes its spend (budget.ts `current`) at the
    // change, stored: an alert is dated from it. A ledger stored before it knew its window learns
    // it from the budget it was counted under first. Shares leases hold stay reserved in it.
    const before = previous?.budget;
    const budget = this.policy.budget;
    if (this.ledger && budget && !(before && sameWindow(before, budget))) {
      const counted = before ? current(this.ledger, before, now) : this.ledger;
      this.saveLedger(current(counted, budget, now));
    }
  }

  /**
   * The key's policy (GET /v1/models). A rotated key's old secret reads its new object's policy
   * while every rotation since it is in its grace period, up to MAX_ROTATION_HOPS of them, and
   * nothing after, as admissions do.
   */
  async getPolicy(hops = 0): Promise<KeyPolicy | null> {
    if (this.moved) {
      const follow = hops < MAX_ROTATION_HOPS && this.moved.until > Date.now();
      return follow ? this.movedTo(this.moved).getPolicy(hops + 1) : null;
    }
    return this.policy;
  }

  /**
   * Rotation, old side: from now on this object redirects admissions to `to` until `until`, then
   * refuses them; its policy, ledger and last use go to the new object (returned, then forgotten).
   */
  async handOver(moved: Moved): Promise<HandOver> {
    // Asked again by the same rotation (its first reply lost), or fetched by the new object: the
    // same hand-over, again, and the grace period first set.
    if (this.moved && this.moved.to !== moved.to) throw new Error('this key has already moved elsewhere');
    // What this object settled stays here: a resend comes back to the object that admitted the
    // request, which skips what it has seen before forwarding the rest.
    const handed = this.handed(moved.to);
    if (!this.moved) {
      this.moved = moved;
      await this.ctx.storage.put(MOVED, moved);
    }
    return handed;
  }

  private handed(to: string): HandOver {
    return {
      policy: this.policy,
      revision: this.revision,
      ledger: this.ledger,
      lastUsedAt: this.lastUsedAt,
      to,
      adoption: this.adoption,
    };
  }

  /**
   * Rotation, old side, asked by the new object for a hand-over it awaits (fetchHandOvers): the one
   * made for `awaited.to`; null when this object has not handed over (its rotation is still running,
   * or rolls back) or went elsewhere. A `final` one (the key's row has moved past `to`) is made now
   * if need be, as the rotation would — a secret ended meanwhile gets no grace period to redirect in.
   */
  async handOverFor(awaited: PendingHandOver): Promise<HandOver | null> {
    if (this.moved) return this.moved.to === awaited.to ? this.handed(awaited.to) : null;
    if (!awaited.final) return null;
    const now = Date.now();
    const ended = this.policy !== null && endReason(this.policy, now) !== undefined;
    return this.handOver({ to: awaited.to, until: ended ? Math.min(awaited.until, now) : awaited.until });
  }

  /**
   * Rotation, new side, before the key's row names this object: until the hand-over from
   * `awaited.from` is here, a budget is not checked against a ledger without it (admitAt).
   */
  async awaitHandOver(awaited: PendingHandOver): Promise<void> {
    const { awaiting, adopted } = this.adoption;
    if (adopted.includes(awaited.to) || awaiting.some((a) => a.to === awaited.to)) return;
    this.adoption = { awaiting: [...awaiting, awaited], adopted };
    await this.ctx.storage.put(ADOPTION, this.adoption);
  }

  /**
   * The hand-overs this object awaits, asked of the old objects (one fetch at a time): the
   * rotation's own adopt is late, or never comes (it stopped after the hand-over). Only what
   * `handOverFor` gives; an old object that cannot answer leaves them awaited, and a budget refused
   * here (a 503 to retry) until they arrive — a rotation that fails before its hand-over revokes
   * this object, whose secret it never showed.
   */
  private fetchHandOvers(): Promise<void> {
    this.fetching ??= this.fetchRounds()
      .catch((error: unknown) => console.error('hand-over fetch failed', String(error)))
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }

  private async fetchRounds(): Promise<void> {
    // A hand-over may bring the ones its old object awaited in turn: fetched in the next round.
    for (let round = 0; round < MAX_ROTATION_HOPS && !this.moved; round++) {
      const due = this.adoption.awaiting.filter((a) => !this.adoption.adopted.includes(a.to));
      const fetched = await Promise.allSettled(due.map((a) => this.objectOf(a.from).handOverFor(a)));
      let adopted = false;
      for (const result of fetched) {
        if (result.status === 'rejected') console.error('hand-over fetch failed', String(result.reason));
        else if (result.value) {
          await this.adopt(result.value);
          adopted = true;
        }
      }
      if (!adopted) return;
    }
  }

  /**
   * Rotation, new side: takes over the old object's ledger (merged with anything booked since), and
   * its policy when an admin write newer than the one the rotation read reached it meanwhile. Each
   * rotation's hand-over (named by `to`) is adopted once: sent by the rotation, fetched by this
   * object (fetchHandOvers) or forwarded along two moves, its spend counts once.
   */
  async adopt(handed: HandOver, hops = 0): Promise<void> {
    // Rotated again before this rotation's hand-over arrived: the ledger goes where the key went,
    // or it would be stranded here (spend back to 0, a budget's cap gone).
    if (this.moved && hops < MAX_ROTATION_HOPS) return this.movedTo(this.moved).adopt(handed, hops + 1);
    const { to } = handed;
    if (to !== undefined && this.adoption.adopted.includes(to)) return;
    const before = this.adoption;
    // Marked before the first await, so that a second delivery meanwhile is not merged too.
    if (to !== undefined) this.adoption = { ...before, adopted: [...before.adopted, to] };
    try {
      // Set as an admin write of that revision is (so a revocation here stays).
      if (handed.policy && handed.revision > this.revision)
        await this.setHere(handed.policy, handed.revision);
    } catch (error) {
      this.adoption = before;
      throw error;
    }
    if (handed.ledger) this.adoptLedger(handed.ledger, Date.now());
    if (to !== undefined || handed.adoption) {
      // In the ledger's commit: an admission never sees one without the other.
      this.adoption = joinAdoptions(this.adoption, handed.adoption);
      void this.ctx.storage.put(ADOPTION, this.adoption);
    }
    if (handed.lastUsedAt !== null && (this.lastUsedAt ?? 0) < handed.lastUsedAt) {
      this.lastUsedAt = handed.lastUsedAt;
      await this.ctx.storage.put(LAST_USED, handed.lastUsedAt);
    }
  }

  /**
   * Both ledgers brought to the current period, then one: spend summed, every reservation kept —
   * including those booked here since the rotation (a request drawn from a lease of the old secret).
   */
  adoptLedger(handed: BudgetState, now: number): void {
    const budget = this.policy?.budget;
    const inPeriod = (ledger: BudgetState) => (budget ? current(ledger, budget, now) : ledger);
    const handedOver = inPeriod(budgetStateSchema.parse(handed));
    // A settle forwarded here between the hand-over and this adoption was charged here already:
    // its reservation, still in the handed ledger, would otherwise hold until its TTL.
    const theirs = {
      ...handedOver,
      reservations: handedOver.reservations.filter(
        (r) => !this.settled.has(r.id, now) && !this.released.has(r.id),
      ),
    };
    const mine = this.ledger && inPeriod(this.ledger);
    if (!mine) {
      this.saveLedger(theirs);
      return;
    }
    const samePeriod = mine.periodStart === theirs.periodStart;
    this.saveLedger({
      ...theirs,
      spentUsd: roundUsd(theirs.spentUsd + (samePeriod ? mine.spentUsd : 0)),
      reservations: [...theirs.reservations, ...mine.reservations],
      alertedAt: theirs.alertedAt ?? (samePeriod ? mine.alertedAt : null),
      ...joinedHistory(theirs, mine),
    });
  }

  /** Records use in memory; persists at most once per LAST_USED_PERSIST_MS (output-gated, no await). */
  private touch(now: number): void {
    this.lastUsedAt = now;
    if (now - this.lastUsedSavedAt < LAST_USED_PERSIST_MS) return;
    this.lastUsedSavedAt = now;
    void this.ctx.storage.put(LAST_USED, now);
  }

  async usage(defaults: AdmitRequest['defaults']): Promise<Usage> {
    // Shown with the old secret's spend, as admissions count it.
    if (this.adoption.awaiting.length > 0) await this.fetchHandOvers();
    return this.usageAt(defaults, Date.now());
  }

  usageAt(defaults: AdmitRequest['defaults'], now: number): Usage {
    const { rpm, tpm } = limitsOf(this.policy?.limits ?? {}, defaults);
    const rate = this.rateState(now, rpm, this.requests, tpm, this.tokens);
    const budget = this.policy?.budget ?? null;
    const ledger = budget ? expire(current(this.ledger, budget, now), now) : undefined;
    const bounds = budget ? periodBounds(budget, now) : null;
    return {
      spendUsd: ledger?.spentUsd ?? 0,
      reservedUsd: ledger ? roundUsd(reservedUsd(ledger) - leasedUsd(ledger)) : 0,
      leasedUsd: ledger ? leasedUsd(ledger) : 0,
      budgetUsd: budget?.usd ?? null,
      // A `total` budget without an anchor has no start to show (it counts from the epoch).
      periodStart: bounds && (budget?.period !== 'total' || budget.anchor != null) ? bounds.start : null,
      periodEnd: bounds && Number.isFinite(bounds.end) ? bounds.end : null,
      alert: budget ? { threshold: budget.alertAt ?? 0.8, crossedAt: ledger?.alertedAt ?? null } : null,
      rpm: rate.requests ? { limit: rate.requests.limit, remaining: rate.requests.remaining } : null,
      tpm: rate.tokens ? { limit: rate.tokens.limit, remaining: rate.tokens.remaining } : null,
      lastUsedAt: this.lastUsedAt,
    };
  }

  /** Persists the ledger (output-gated: no reply leaves before the write is durable) and arms the expiry alarm. */
  private saveLedger(ledger: BudgetState): void {
    this.ledger = ledger;
    void this.ctx.storage.put(BUDGET, ledger);
    const next = nextExpiry(ledger);
    if (next !== undefined) void this.ctx.storage.setAlarm(next);
  }
}

/**
 * An adoption after a hand-over that brought the old object's own: what it awaited goes on
 * awaited here, `final` (its row has moved on past the old object), and what it adopted counts as
 * adopted here. Awaited is what no adopted hand-over covers.
 */
function joinAdoptions(mine: Adoption, theirs: Adoption | undefined): Adoption {
  // The latest last (this adoption's own among them), so that the oldest are the ones dropped.
  const adopted = [...new Set([...(theirs?.adopted ?? []), ...mine.adopted])].slice(-MAX_ADOPTED);
  const inherited = (theirs?.awaiting ?? []).map((a) => ({ ...a, final: true }));
  const awaiting = [...mine.awaiting, ...inherited].filter(
    (a, i, all) => !adopted.includes(a.to) && all.findIndex((b) => b.to === a.to) === i,
  );
  return { awaiting, adopted };
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

interface Side {
  limit: BucketLimit | undefined;
  bucket: Bucket | undefined;
  held: number;
}

/** A lease's share of one bucket: null without a limit, undefined when the bucket cannot spare one. */
function shareOf({ limit, bucket, held }: Side, most: number, now: number): number | null | undefined {
  if (!limit || !bucket) return null;
  const share = Math.min(most, Math.floor(limit.perMinute / LEASE_SHARE));
  const free = refill(bucket, limit, now).tokens - held;
  return share < 1 || free - share < limit.perMinute / 2 ? undefined : share;
}

/** The policy's own limits, else the gateway's defaults (keys only: a team's defaults are empty). */
function limitsOf(limits: Limits, defaults: AdmitRequest['defaults']) {
  return { rpm: limitOf(limits.rpm ?? defaults.rpm), tpm: limitOf(limits.tpm ?? defaults.tpm) };
}

function limitOf(perMinute: number | null | undefined): BucketLimit | undefined {
  return perMinute ? { perMinute } : undefined;
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
