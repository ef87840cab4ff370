// An admission as the route uses it: the merged key and team policy, the rate headers' view, the
// reservation made when the request goes upstream, and the one settle of both after the response.
import { mergeCachePolicies } from '../cache/policy';
import type { Env } from '../env';
import { mergeRoutingOverrides } from '../routing/overrides';
import type { Admission } from './admission';
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { answerDeadline } from './deadline';
import type { LocalAdmission } from './lease';
import type { LeaseDrawing } from './lease-draw';
import { tighter } from './rate-headers';
import type { SettleRequest } from './settle-batch';
import { settleLater } from './settle-outbox';
import { sendSettles } from './settle-send';
import { type Stub, teamStub } from './stubs';
import type { ByObjects } from './through-objects';

type Admitted = Extract<AdmitResult, { ok: true }>;

const noop = () => {};

export function admission(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  request: AdmitRequest,
  admittedAt: number,
  admitted: ByObjects,
  reserveAtObjects: (() => Promise<ByObjects>) | undefined,
  refund: LocalAdmission['refund'] | undefined,
  drawable: () => boolean = () => false,
): Admission {
  let parts = admitted;
  const { key, team, teamId } = admitted;
  const zdr = key.key.zdr === true || team?.key.zdr === true;
  let reserving: Promise<void> | undefined;
  const result: Admission = {
    key: { ...key.key, zdr },
    zdr,
    guardrails: { team: team?.key.guardrails ?? null, key: key.key.guardrails ?? null },
    routing: mergeRoutingOverrides(team?.key.routing, key.key.routing),
    cache: mergeCachePolicies(team?.key.cache, key.key.cache),
    rate: tighter(key.rate, team?.rate),
    deadline:
      key.budgeted === true || team?.budgeted === true
        ? answerDeadline(admittedAt, request.reservationTtlMs)
        : undefined,
    reserve() {
      if (!reserveAtObjects) return Promise.resolve();
      // The rate headers stay the lease's view, as on every leased response.
      reserving ??= reserveAtObjects().then((reserved) => {
        parts = reserved;
      });
      return reserving;
    },
    reserveAhead() {
      if (!reserveAtObjects || (!reserving && drawable())) return undefined;
      return result.reserve();
    },
    settle(used) {
      // A reservation still in flight (made alongside the cache lookup) is settled once made.
      if (reserving) ctx.waitUntil(reserving.then(() => settleDrawn(used), noop));
      else settleNow(used, undefined);
    },
  };
  /**
   * A draw from a lease's share goes with the settle, unless it was booked: then settle after it,
   * on the stub that booked it and not batched, so that the settle cannot overtake a booking still
   * on its way (BOOK_WAIT_MS passed): calls on one stub arrive in order, batches may travel on
   * another request's. A retry after a failed first try goes on a fresh stub and could in theory
   * pass a booking still queued at the object; the worst case is the request's reservation held
   * until its TTL, never a second charge.
   */
  const settleDrawn = (used: { tokens: number; costUsd: number }) => {
    const drawing = parts.drawing;
    if (!drawing || drawing.settleWith()) return settleNow(used, drawing);
    return drawing.booked.then(() => settleNow(used, undefined, true));
  };
  const settleNow = (
    { tokens, costUsd }: { tokens: number; costUsd: number },
    drawing: LeaseDrawing | undefined,
    alone = false,
  ) => {
    const settleOne = (stub: Stub, reservedTokens: number, leaseId: number | undefined, tpm?: number) => {
      const settle: SettleRequest = {
        reservationId: request.reservationId,
        reservedTokens,
        usedTokens: tokens,
        costUsd,
        ...(tpm !== undefined ? { tpm } : {}),
        ...(drawing && leaseId !== undefined ? { drawn: { leaseId, usd: drawing.usd } } : {}),
      };
      ctx.waitUntil(alone ? sendSettles(env.KEYS, stub, [settle]) : settleLater(env.KEYS, stub, settle));
    };
    // Tokens drawn from a lease that still holds go back to it when the request used no more.
    const now = Date.now();
    const left = (a: Admitted, side: 'key' | 'team') =>
      a.reservedTokens > 0 && tokens <= a.reservedTokens && refund?.(side, a.reservedTokens - tokens, now)
        ? 0
        : a.reservedTokens;
    // Nothing reserved at the object (no TPM limit, no budget, a lease's tokens given back) means
    // nothing to settle — unless a budget must be charged what a request reserved nothing for (its
    // worst case came to $0: an input the estimate counts as empty, say, that the provider billed).
    const charged = (a: Admitted) => a.budgeted === true && costUsd > 0;
    const keyTokens = left(parts.key, 'key');
    if (keyTokens > 0 || parts.key.reservedUsd > 0 || charged(parts.key))
      settleOne(parts.keyObject, keyTokens, drawing?.leases.key, request.defaults.tpm);
    const team = parts.team;
    if (teamId && team) {
      const teamTokens = left(team, 'team');
      if (teamTokens > 0 || team.reservedUsd > 0 || charged(team))
        settleOne(parts.teamObject ?? teamStub(env, teamId), teamTokens, drawing?.leases.team);
    }
  };
  return result;
}
