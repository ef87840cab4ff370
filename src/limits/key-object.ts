// The Durable Object of one gateway key (addressed by the key's SHA-256) or one team (addressed by
// `team:<id>`): its policy, RPM/TPM buckets and budget ledger. `admit` is the hot path's only
// round trip; `settle` runs after the response. Admission is synchronous from read to write, so
// concurrent requests can never interleave between the check and the reservation.
// Buckets live in memory: an object is only evicted after minutes of idleness, by which time a
// bucket (which refills completely in one minute) would be full anyway. The budget ledger, whose
// loss would grant money, is persisted on every change.
import { DurableObject } from 'cloudflare:workers';
import type { BudgetEvent } from '../alerts/budget-event';
import { notifyBudgetEvent } from '../alerts/notify';
import type { Env } from '../env';
import type { KeyPolicy } from '../keys/policy';
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { type BudgetState, current, drawFromLease, expire } from './budget';
import { alertNotice, exhaustedNotice } from './budget-notices';
import { admitHere } from './key-admit';
import { KeyRotation } from './key-object-rotation';
import { emptyKeyState, type KeyState, saveLedger, setPolicyHere, settleLeases } from './key-state';
import { loadKeyState } from './key-storage';
import { type Usage, usageOf } from './key-usage';
import { LastUse } from './last-use';
import type { LeaseDraw } from './lease-grant';
import type { Returned } from './lease-ledger';
import type { Moved, PolicyRead } from './moved';
import { limitsOf, rateStateOf } from './rate-state';
import { RecentSettles } from './recent-settles';
import { ReleasedReservations } from './released-reservations';
import { adoptedLedger, type HandOver, type PendingHandOver } from './rotation-adoption';
import { applySettles, freshSettles, type SettleRequest } from './settle-batch';
import { sendSettles } from './settle-send';
import { ownReservedUsd, SETTLE_WAIT_MS, settlesMayAdmit } from './settle-wait';

export class KeyObject extends DurableObject<Env> {
  /** Policy, buckets, budget ledger and leases (key-state.ts). */
  private readonly state: KeyState;
  /** Its key's rotations: where the key moved (old side), the hand-overs it awaits (new side). */
  private readonly rotation: KeyRotation;
  private readonly lastUse: LastUse;
  /** Requests settled lately: a settle delivered twice is applied once. */
  private readonly settled: RecentSettles;
  /** Reservations released lately: a hand-over adopted after must not bring them back. */
  private readonly released = new ReleasedReservations();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.state = emptyKeyState(ctx.storage);
    this.settled = new RecentSettles(ctx.storage.sql);
    this.lastUse = new LastUse(ctx.storage);
    this.rotation = new KeyRotation(ctx.storage, env.KEYS, {
      carried: () => ({
        policy: this.state.policy,
        revision: this.state.revision,
        ledger: this.state.ledger,
        lastUsedAt: this.lastUse.at,
      }),
      setPolicy: (policy, revision) => this.setHere(policy, revision),
      adoptLedger: (ledger, now) => this.adoptLedger(ledger, now),
      adoptLastUsed: (at) => this.lastUse.adopt(at),
      wakeWaiting: () => this.state.ledgerWaits.changed(),
    });
    ctx.blockConcurrencyWhile(async () => {
      this.settled.load(Date.now());
      const stored = await loadKeyState(ctx.storage);
      this.state.policy = stored.policy;
      this.state.revision = stored.revision;
      this.state.ledger = stored.ledger;
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
      settlesMayAdmit(refused, request.costUsd, ownReservedUsd(this.state.ledger, request.reservationId));
    while (mayWait(result)) {
      const change = this.state.ledgerWaits.next(until - Date.now());
      if (!change) break;
      await change;
      result = this.admitAt({ ...request, returned: undefined }, Date.now());
    }
    // Refused for good (no settle in flight could make room): the first of the period is told.
    if (!result.ok && result.reason === 'budget_exceeded')
      this.notify(exhaustedNotice(this.state, Date.now()));
    const policy = this.state.policy;
    // A rotated key's old object keeps a policy that no longer changes: its team may be stale.
    if (result.ok || policy?.kind !== 'key' || result.reason === 'moved' || result.reason === 'rotated')
      return result;
    return { ...result, key: { id: policy.id, teamId: policy.teamId } };
  }

  admitAt(request: AdmitRequest, now: number): AdmitResult {
    return admitHere(this.state, this.rotation, this.lastUse, request, now);
  }

  /** A lease given back without an admission (its other half was refused, or a newer lease replaced it). */
  async returnLease(returned: Returned, defaults: AdmitRequest['defaults']): Promise<void> {
    const limits = this.state.policy?.limits;
    if (this.rotation.moved || !limits) return;
    const { rpm, tpm } = limitsOf(limits, defaults);
    settleLeases(this.state, [returned], rpm, tpm, Date.now());
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
    const budget = this.state.policy?.budget;
    if (!budget) return;
    const reservation = { id: draw.reservationId, usd: draw.usd, expiresAt: now + draw.reservationTtlMs };
    saveLedger(this.state, drawFromLease(current(this.state.ledger, budget, now), draw.leaseId, reservation));
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
    const held = { requests: this.state.requests, tokens: this.state.tokens, ledger: this.state.ledger };
    const { requests, tokens, ledger, released } = applySettles(this.state.policy, held, settles, now);
    this.state.requests = requests;
    this.state.tokens = tokens;
    for (const id of released) this.released.note(id);
    if (ledger) {
      const before = this.state.ledger;
      saveLedger(this.state, ledger);
      this.notify(alertNotice(this.state, before, ledger, now));
    }
    // Stored with the ledger they charged, in the same commit; buckets live in memory, and so do their ids.
    this.settled.add([...fresh], now, ledger !== undefined);
  }

  /**
   * Pushed to the alerts webhook, if one is configured (src/alerts/notify.ts), after the ledger
   * recording the event is stored (outgoing fetches are output-gated) and off every request's
   * path: the object answers without waiting for the webhook.
   */
  private notify(event: BudgetEvent | undefined): void {
    if (event) this.ctx.waitUntil(notifyBudgetEvent(this.env, event));
  }

  /** Releases reservations whose settle never arrived, so capacity cannot leak forever. */
  override async alarm(): Promise<void> {
    if (!this.state.ledger) return;
    saveLedger(this.state, expire(this.state.ledger, Date.now()));
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

  /** Here only, not forwarded (key-state.ts); tests make it fail by this name (rotation-adoption.test.ts). */
  private async setHere(
    policy: KeyPolicy,
    revision: number | undefined,
  ): Promise<'set' | 'older' | 'revoked'> {
    const before = this.state.ledger;
    const set = await setPolicyHere(this.state, policy, revision);
    // A lowered budget or threshold (or a new window) the spend already passes records the alert now.
    const after = this.state.ledger;
    if (after && after !== before) this.notify(alertNotice(this.state, before, after, Date.now()));
    return set;
  }

  /**
   * The key's (or team's) policy, or why there is none (GET /v1/models refuses as admission would);
   * a rotated key's old secret follows the key (followPolicy).
   */
  async readPolicy(hops = 0): Promise<PolicyRead> {
    const { moved } = this.rotation;
    if (moved) return this.rotation.followPolicy(moved, hops);
    return this.state.policy ? { ok: true, policy: this.state.policy } : { ok: false, reason: 'unknown' };
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
    saveLedger(this.state, adoptedLedger(this.state.ledger, handed, this.state.policy?.budget, now, closed));
  }

  async usage(defaults: AdmitRequest['defaults']): Promise<Usage> {
    // Shown with the old secret's spend, as admissions count it.
    if (this.rotation.awaiting) await this.rotation.fetchHandOvers();
    return this.usageAt(defaults, Date.now());
  }

  usageAt(defaults: AdmitRequest['defaults'], now: number): Usage {
    const { rpm, tpm } = limitsOf(this.state.policy?.limits ?? {}, defaults);
    const rate = rateStateOf(now, rpm, this.state.requests, tpm, this.state.tokens, this.state.leases.held);
    return usageOf(this.state.policy?.budget ?? null, this.state.ledger, rate, this.lastUse.at, now);
  }
}
