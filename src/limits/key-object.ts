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
import { KeyRotation } from './key-object-rotation';
import { BUDGET, loadKeyState, POLICY, REVISION } from './key-storage';
import { type Usage, usageOf } from './key-usage';
import { LastUse } from './last-use';
import { type Lease, type LeaseDraw, leaseFor, leasesBack } from './lease-grant';
import { LeaseLedger, type Returned } from './lease-ledger';
import { type Moved, movedRefusal, type PolicyRead } from './moved';
import { policyApplied } from './policy-change';
import { limitsOf, rateStateOf } from './rate-state';
import { RecentSettles } from './recent-settles';
import { ReleasedReservations } from './released-reservations';
import { adoptedLedger, type HandOver, type PendingHandOver } from './rotation-adoption';
import { applySettles, freshSettles, type SettleRequest } from './settle-batch';
import { sendSettles } from './settle-send';
import { LedgerWaits, ownReservedUsd, SETTLE_WAIT_MS, settlesMayAdmit } from './settle-wait';
import type { Bucket, BucketLimit } from './token-bucket';

export class KeyObject extends DurableObject<Env> {
  private policy: KeyPolicy | null = null;
  /** The admin write the policy came from (its row's updated_at); 0 for none known. */
  private revision = 0;
  private ledger: BudgetState | undefined;
  private requests?: Bucket;
  private tokens?: Bucket;
  /** Its key's rotations: where the key moved (old side), the hand-overs it awaits (new side). */
  private readonly rotation: KeyRotation;
  private readonly lastUse: LastUse;
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
    this.lastUse = new LastUse(ctx.storage);
    this.rotation = new KeyRotation(ctx.storage, env.KEYS, {
      carried: () => ({
        policy: this.policy,
        revision: this.revision,
        ledger: this.ledger,
        lastUsedAt: this.lastUse.at,
      }),
      setPolicy: (policy, revision) => this.setHere(policy, revision),
      adoptLedger: (ledger, now) => this.adoptLedger(ledger, now),
      adoptLastUsed: (at) => this.lastUse.adopt(at),
      wakeWaiting: () => this.ledgerWaits.changed(),
    });
    ctx.blockConcurrencyWhile(async () => {
      this.settled.load(Date.now());
      const stored = await loadKeyState(ctx.storage);
      this.policy = stored.policy;
      this.revision = stored.revision;
      this.ledger = stored.ledger;
      this.rotation.load(stored.moved, stored.adoption);
      this.lastUse.load(stored.lastUsedAt);
    });
  }

  async admit(request: AdmitRequest): Promise<AdmitResult> {
    // A rotation's new object whose hand-over is late: it asks the old object for it first.
    if (this.rotation.awaiting) await this.rotation.fetchHandOvers();
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
    if (this.rotation.moved) return movedRefusal(this.rotation.moved, now);
    const policy = this.policy;
    if (!policy) return { ok: false, reason: 'unknown' };
    const { rpm: rpmLimit, tpm: tpmLimit } = limitsOf(policy.limits, request.defaults);
    this.settleLeases(request.returned, rpmLimit, tpmLimit, now);
    const ended = endReason(policy, now);
    if (ended) return { ok: false, reason: ended };
    if (!modelAllowed(policy.models, request.model)) return { ok: false, reason: 'model_not_allowed' };
    // Before a bucket is taken (a refused request consumes nothing), and so before any lease.
    if (policy.budget && this.rotation.awaiting) return { ok: false, reason: 'awaiting_ledger' };

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
    this.lastUse.touch(now);
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
    if (this.rotation.moved || !limits) return;
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
    const movedTo = this.rotation.movedTo();
    if (movedTo) return movedTo.drawLease(draw);
    this.drawLeaseAt(draw, Date.now());
  }

  drawLeaseAt(draw: LeaseDraw, now: number): void {
    const budget = this.policy?.budget;
    if (!budget) return;
    const reservation = { id: draw.reservationId, usd: draw.usd, expiresAt: now + draw.reservationTtlMs };
    this.saveLedger(drawFromLease(current(this.ledger, budget, now), draw.leaseId, reservation));
  }

  settleAt(request: SettleRequest, now: number): void {
    this.settleAllAt([request], now);
  }

  /** Applies each request's settle once (settle-batch.ts): a resend or a repeat is skipped. */
  settleAllAt(all: SettleRequest[], now: number): void {
    const { settles, fresh } = freshSettles(all, (id) => this.settled.has(id, now));
    if (settles.length === 0) return;
    const movedTo = this.rotation.movedTo();
    if (movedTo) {
      // Admitted before the rotation: the reservations moved with the ledger, so settle them there.
      this.ctx.waitUntil(sendSettles(this.env.KEYS, movedTo, settles));
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
    // Rotated away meanwhile: the new secret's object takes it too, and answers.
    const forwarded = await this.rotation.forwardPolicy(policy, revision, hops);
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
   * The key's (or team's) policy, or why there is none (GET /v1/models refuses as admission would);
   * a rotated key's old secret follows the key (followPolicy).
   */
  async readPolicy(hops = 0): Promise<PolicyRead> {
    const { moved } = this.rotation;
    if (moved) return this.rotation.followPolicy(moved, hops);
    return this.policy ? { ok: true, policy: this.policy } : { ok: false, reason: 'unknown' };
  }

  /** The policy alone, null where readPolicy says why there is none (tests read objects with it). */
  async getPolicy(): Promise<KeyPolicy | null> {
    const read = await this.readPolicy();
    return read.ok ? read.policy : null;
  }

  /** Rotation, old side: the key moves to `moved.to` (key-object-rotation.ts). */
  async handOver(moved: Moved): Promise<HandOver> {
    return this.rotation.handOver(moved);
  }

  /**
   * Rotation, old side: a rolled-back rotation's move to `to` undone (key-object-rotation.ts), and
   * the key's policy as its row has it now put in force first, in the same call: between the two no
   * request is admitted under the policy this object had (a DELETE made meanwhile). Moved elsewhere
   * (another rotation), the policy goes as any setPolicy does.
   */
  async unmove(to: string, policy?: KeyPolicy, revision?: number): Promise<void> {
    if (this.rotation.moved?.to !== to) {
      if (policy) await this.setPolicy(policy, revision);
      return;
    }
    if (policy) await this.setHere(policy, revision);
    await this.rotation.unmove(to);
  }

  /** Rotation, old side: the hand-over a new object awaits, if made (key-object-rotation.ts). */
  async handOverFor(awaited: PendingHandOver): Promise<HandOver | null> {
    return this.rotation.handOverFor(awaited);
  }

  /** Rotation, new side: a hand-over to wait for before a budget is checked (key-object-rotation.ts). */
  async awaitHandOver(awaited: PendingHandOver): Promise<void> {
    await this.rotation.awaitHandOver(awaited);
  }

  /** Rotation, new side: the old object's ledger, policy and last use taken over (key-object-rotation.ts). */
  async adopt(handed: HandOver, hops = 0): Promise<void> {
    await this.rotation.adopt(handed, hops);
  }

  /**
   * Both ledgers brought to the current period, then one: spend summed, every reservation kept —
   * including those booked here since the rotation (a request drawn from a lease of the old secret).
   */
  adoptLedger(handed: BudgetState, now: number): void {
    const closed = (id: string) => this.settled.has(id, now) || this.released.has(id);
    this.saveLedger(adoptedLedger(this.ledger, handed, this.policy?.budget, now, closed));
  }

  async usage(defaults: AdmitRequest['defaults']): Promise<Usage> {
    // Shown with the old secret's spend, as admissions count it.
    if (this.rotation.awaiting) await this.rotation.fetchHandOvers();
    return this.usageAt(defaults, Date.now());
  }

  usageAt(defaults: AdmitRequest['defaults'], now: number): Usage {
    const { rpm, tpm } = limitsOf(this.policy?.limits ?? {}, defaults);
    const rate = rateStateOf(now, rpm, this.requests, tpm, this.tokens, this.leases.held);
    return usageOf(this.policy?.budget ?? null, this.ledger, rate, this.lastUse.at, now);
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
