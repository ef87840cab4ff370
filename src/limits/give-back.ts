// What an admission took and will not use, given back to the objects: reservations, request
// slots, lease shares.
import { randomId } from '../auth/gateway-key';
import type { Env } from '../env';
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { endLease } from './lease-book';
import { unusedShare } from './lease-held';
import type { Returned } from './lease-ledger';
import type { SettleRequest } from './settle-batch';
import { sendSettles } from './settle-send';
import { keyStub, type Stub, teamStub } from './stubs';

type Admitted = Extract<AdmitResult, { ok: true }>;

/** Gives back a reservation (and any lease share) made for a request that another refusal stopped. */
export function release(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  stub: Stub,
  admitted: Admitted,
  request: AdmitRequest,
  side: 'key' | 'team',
  prepaid = false,
) {
  releaseAt(env, ctx, stub, admitted, request, side, prepaid);
  giveBack(ctx, stub, admitted, request, side);
}

/**
 * The reservation (and, unless prepaid, the request slot) given back; not a lease's share. Tried
 * again on fresh stubs when a try fails (settle-send.ts): the release's own id makes the object
 * apply it once however often it arrives. Should every try fail, the reservation ends with its TTL.
 */
export function releaseAt(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  stub: Stub,
  admitted: Admitted,
  request: AdmitRequest,
  side: 'key' | 'team',
  prepaid = false,
) {
  // A key's own limits may be the config's defaults; a team's never are.
  const defaults = side === 'key' ? request.defaults : {};
  const settle: SettleRequest = {
    reservationId: request.reservationId,
    reservedTokens: admitted.reservedTokens,
    usedTokens: 0,
    costUsd: 0,
    release: true,
    releaseId: randomId(`${request.reservationId}:release`),
    requestSlot: !prepaid,
    ...(defaults.rpm !== undefined ? { rpm: defaults.rpm } : {}),
    ...(defaults.tpm !== undefined ? { tpm: defaults.tpm } : {}),
  };
  ctx.waitUntil(sendSettles(env.KEYS, stub, [settle]));
}

/** A lease granted and never to be used, back to its object. */
export function giveBack(
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  stub: Stub,
  admitted: Admitted,
  request: AdmitRequest,
  side: 'key' | 'team',
) {
  const share = unusedShare(admitted);
  if (share) returnShare(ctx, stub, share, side === 'key' ? request.defaults : {});
}

/** Ends this isolate's leases of the key and gives what they left unused back to their objects. */
export function endLeaseAt(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  defaults: AdmitRequest['defaults'],
): void {
  const ended = endLease(keyHash);
  for (const share of ended.key) returnShare(ctx, keyStub(env, keyHash), share, defaults);
  if (ended.teamId === null) return;
  for (const share of ended.team) returnShare(ctx, teamStub(env, ended.teamId), share, {});
}

function returnShare(
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  stub: Stub,
  share: Returned,
  defaults: AdmitRequest['defaults'],
) {
  ctx.waitUntil(stub.returnLease(share, defaults).catch(() => {}));
}
