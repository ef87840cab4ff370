// The Durable Object of one gateway key (addressed by the key's SHA-256) or one team (addressed by
// `team:<id>`): its policy, RPM/TPM buckets and budget ledger. `admit` is the hot path's only
// round trip; `settle` runs after the response. Admission is synchronous from read to write, so
// concurrent requests can never interleave between the check and the reservation.
// Buckets live in memory: an object is only evicted after minutes of idleness, by which time a
// bucket (which refills completely in one minute) would be full anyway. The budget ledger, whose
// loss would grant money, is persisted on every change.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { endReason, type KeyPolicy, keyPolicySchema, modelAllowed } from '../keys/policy';
import { takeBuckets } from './admit-buckets';
import { type AdmitRequest, type AdmitResult, admittedKey } from './admit-rpc';
import { type BudgetState, current, drawFromLease, expire, nextExpiry } from './budget';
import { reserveWorstCase } from './budget-reservation';
import { BUDGET, LAST_USED, loadKeyState, POLICY, REVISION } from './key-storage';
import { type Usage, usageOf } from './key-usage';
import { type Lease, type LeaseDraw, leaseFor, leasesBack } from './lease-grant';
import { LeaseLedger, type Returned } from './lease-ledger';
import { finalMove, MAX_ROTATION_HOPS, MOVED, type Moved, movedRefusal } from './moved';
import { policyApplied } from './policy-change';
import { limitsOf, rateStateOf } from './rate-state';
import { RecentSettles } from './recent-settles';
import { ReleasedReservations } from './released-reservations';
import { Adoptions, adoptedLedger, type HandOver, type PendingHandOver } from './rotation-adoption';
import { applySettles, freshSettles, type SettleRequest } from './settle-batch';
import { sendSettles } from './settle-send';
import { LedgerWaits, ownReservedUsd, SETTLE_WAIT_MS, settlesMayAdmit } from './settle-wait';
import type { Bucket, BucketLimit } from './token-bucket';

/** lastUsedAt is kept in memory and written at most this often. */
export const LAST_USED_PERSIST_MS = 60_000;

export class KeyObject extends DurableObject<Env> {
  private policy: KeyPolicy | null = null;
  /** The admin write the policy came from (its row's updated_at); 0 for none known. */
  private revision = 0;
  private ledger: BudgetState | undefined;
  private requests?: Bucket;
  private tokens?: Bucket;
  private moved: Moved | null = null;
  private readonly adoptions: Adoptions;
  private lastUsedAt: number | null = null;
  private lastUsedSavedAt = 0;
  /** Bucket shares held by isolates' leases; in memory like the buckets themselves. */
  private readonly leases = new LeaseLedger();
  /** Admissions waiting for settles near the end of a budget (settle-wait.ts). */
  private readonly ledgerWaits = new LedgerWaits();
  /** Requests settled lately: a settle delivered twice is applied once. */
  private readonly settled: RecentSettles;
  /** Reservations released lately: a hand-over adopted after must not bring them back. */
  private readonly released = new ReleasedReservations();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.settled = new RecentSettles(ctx.storage.sql);
    this.adoptions = new Adoptions(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      this.settled.load(Date.now());
      const stored = await loadKeyState(ctx.storage);
      this.policy = stored.policy;
      this.revision = stored.revision;
      this.ledger = stored.ledger;
      this.moved = stored.moved;
      this.adoptions.load(stored.adoption);
      this.lastUsedAt = stored.lastUsedAt;
      this.lastUsedSavedAt = stored.lastUsedAt ?? 0;
    });
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    // A rotation's new object whose hand-over is late: it asks the old object for it first.
    if (this.adoptions.awaiting) await this.fetchHandOvers();
    let result = this.admitAt(request, Date.now());
    // Refused only for what other requests in flight hold: their settles may be a moment away. The
    // shares the request gives back went back above: looking again must not give them back twice.
    const until = Date.now() + SETTLE_WAIT_MS;
    const mayWait = (refused: AdmitResult) =>
      !refused.ok &&
      refused.reason === 'budget_exceeded' &&
      settlesMayAdmit(refused, request.costUsd, ownReservedUsd(this.ledger, request.reservationId));
    while (mayWait(result)) {
      const change = this.ledgerWaits.next(until - Date.now());
      if (!change) break;
      await change;
      result = this.admitAt({ ...request, returned: undefined }, Date.now());
    }
    const policy = this.policy;
    // A rotated key's old object keeps a policy that no longer changes: its team may be stale.
    if (result.ok || policy?.kind !== 'key' || result.reason === 'moved' || result.reason === 'rotated')
      return result;
    return { ...result, key: { id: policy.id, teamId: policy.teamId } };
  }

  admitAt(request: AdmitRequest, now: number): AdmitResult {
    if (this.moved) return movedRefusal(this.moved, now);
    const policy = this.policy;
    if (!policy) return { ok: false, reason: 'unknown' };
    const { rpm: rpmLimit, tpm: tpmLimit } = limitsOf(policy.limits, request.defaults);
    this.settleLeases(request.returned, rpmLimit, tpmLimit, now);
    const ended = endReason(policy, now);
    if (ended) return { ok: false, reason: ended };
    if (!modelAllowed(policy.models, request.model)) return { ok: false, reason: 'model_not_allowed' };
    // Before a bucket is taken (a refused request consumes nothing), and so before any lease.
    if (policy.budget && this.adoptions.awaiting) return { ok: false, reason: 'awaiting_ledger' };

    const { held } = this.leases;
    const stored = { requests: this.requests, tokens: this.tokens };
    const taken = takeBuckets(request, rpmLimit, tpmLimit, stored, held, now);
    if (!taken.ok) return taken;
    const { requests, tokens } = taken;

    let reservedCost = 0;
    let ledger: BudgetState | undefined;
    if (policy.budget) {
      const reserved = reserveWorstCase(this.ledger, policy.budget, request, now);
      if (!reserved.ok) return reserved;
      ledger = reserved.ledger;
      reservedCost = request.costUsd;
    }

    let lease: Lease | undefined;
    if (request.lease) {
      const rpm = { limit: rpmLimit, bucket: requests };
      const tpm = { limit: tpmLimit, bucket: tokens };
      const leased = leaseFor(policy, this.leases, rpm, tpm, ledger, request.costUsd, now);
      if (leased) ({ lease, ledger } = leased);
    }
    if (ledger) this.saveLedger(ledger);
    this.requests = requests;
    this.tokens = tokens;
    this.touch(now);
    return {
      ok: true,
      key: admittedKey(policy),
      rate: rateStateOf(now, rpmLimit, requests, tpmLimit, tokens, held),
      reservedTokens: tpmLimit && !request.prepaid ? request.tokens : 0,
      reservedUsd: reservedCost,
      ...(policy.budget ? { budgeted: true } : {}),
      ...(lease ? { lease } : {}),
    };
  }

  /** Shares given back or expired (lease-grant.ts `leasesBack`). */
  private settleLeases(
    returned: readonly Returned[] | undefined,
    rpm: BucketLimit | undefined,
    tpm: BucketLimit | undefined,
    now: number,
  ): void {
    const state = { requests: this.requests, tokens: this.tokens, ledger: this.ledger };
    const { requests, tokens, ledger } = leasesBack(this.leases, returned, rpm, tpm, state, now);
    this.requests = requests;
    this.tokens = tokens;
    if (ledger !== this.ledger && ledger) this.saveLedger(ledger);
  }

  /** A lease given back without an admission (its other half was refused, or a newer lease replaced it). */
  async returnLease(returned: Returned, defaults: AdmitRequest['defaults']): Promise<void> {
    const limits = this.policy?.limits;
    if (this.moved || !limits) return;
    const { rpm, tpm } = limitsOf(limits, defaults);
    this.settleLeases([returned], rpm, tpm, Date.now());
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

  /** Applies each request's settle once (settle-batch.ts): a resend or a repeat is skipped. */
  settleAllAt(all: SettleRequest[], now: number): void {
    const { settles, fresh } = freshSettles(all, (id) => this.settled.has(id, now));
    if (settles.length === 0) return;
    if (this.moved) {
      // Admitted before the rotation: the reservations moved with the ledger, so settle them there.
      this.ctx.waitUntil(sendSettles(this.env.KEYS, this.movedTo(this.moved), settles));
      return;
    }
    const state = { requests: this.requests, tokens: this.tokens, ledger: this.ledger };
    const { requests, tokens, ledger, released } = applySettles(this.policy, state, settles, now);
    this.requests = requests;
    this.tokens = tokens;
    for (const id of released) this.released.note(id);
    if (ledger) this.saveLedger(ledger);
    // Stored with the ledger they charged, in the same commit; buckets live in memory, and so do their ids.
    this.settled.add([...fresh], now, ledger !== undefined);
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
    this.ledgerWaits.changed(); // a raised (or removed) budget may let a waiting admission in
    await this.ctx.storage.put(POLICY, this.policy);
    return 'set';
  }

  private applyPolicy(policy: KeyPolicy): void {
    const previous = this.policy;
    this.policy = keyPolicySchema.parse(policy);
    // A changed limit resizes its bucket, and a budget's new window recomputes its spend (policy-change.ts).
    const state = { requests: this.requests, tokens: this.tokens, ledger: this.ledger };
    const { requests, tokens, ledger } = policyApplied(previous, this.policy, state, this.leases, Date.now());
    this.requests = requests;
    this.tokens = tokens;
    if (ledger) this.saveLedger(ledger);
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
      this.ledgerWaits.changed(); // a waiting admission follows the key to its new object
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
      adoption: this.adoptions.state,
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
    return this.handOver(finalMove(awaited, this.policy, Date.now()));
  }

  /**
   * Rotation, new side, before the key's row names this object: until the hand-over from
   * `awaited.from` is here, a budget is not checked against a ledger without it (admitAt).
   */
  async awaitHandOver(awaited: PendingHandOver): Promise<void> {
    await this.adoptions.await(awaited);
  }

  /** The hand-overs this object awaits, asked of the old objects (rotation-adoption.ts `fetch`). */
  private fetchHandOvers(): Promise<void> {
    return this.adoptions.fetch(
      (awaited) => this.objectOf(awaited.from).handOverFor(awaited),
      (handed) => this.adopt(handed),
      () => this.moved !== null,
    );
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
    if (this.adoptions.adopted(handed.to)) return;
    // Marked before the first await, so that a second delivery meanwhile is not merged too.
    const undo = this.adoptions.mark(handed.to);
    try {
      // Set as an admin write of that revision is (so a revocation here stays).
      if (handed.policy && handed.revision > this.revision)
        await this.setHere(handed.policy, handed.revision);
    } catch (error) {
      undo();
      throw error;
    }
    if (handed.ledger) this.adoptLedger(handed.ledger, Date.now());
    this.adoptions.join(handed);
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
    const closed = (id: string) => this.settled.has(id, now) || this.released.has(id);
    this.saveLedger(adoptedLedger(this.ledger, handed, this.policy?.budget, now, closed));
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
    if (this.adoptions.awaiting) await this.fetchHandOvers();
    return this.usageAt(defaults, Date.now());
  }

  usageAt(defaults: AdmitRequest['defaults'], now: number): Usage {
    const { rpm, tpm } = limitsOf(this.policy?.limits ?? {}, defaults);
    const rate = rateStateOf(now, rpm, this.requests, tpm, this.tokens, this.leases.held);
    return usageOf(this.policy?.budget ?? null, this.ledger, rate, this.lastUsedAt, now);
  }

  /** Persists the ledger (output-gated: no reply leaves before the write is durable) and arms the expiry alarm. */
  private saveLedger(ledger: BudgetState): void {
    this.ledger = ledger;
    this.ledgerWaits.changed();
    void this.ctx.storage.put(BUDGET, ledger);
    const next = nextExpiry(ledger);
    if (next !== undefined) void this.ctx.storage.setAlarm(next);
  }
}
