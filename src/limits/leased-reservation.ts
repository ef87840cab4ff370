// The worst-case cost of a request admitted from this isolate's lease, reserved once it goes
// upstream: drawn from the lease's budget share, else reserved at the objects.
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { endLeaseAt, release } from './give-back';
import type { LocalAdmission } from './lease';
import { drawLater } from './lease-draw';
import { keyRefused, refusal, unavailable } from './refusal';
import { type Stub, teamStub } from './stubs';
import { type ByObjects, followMoves } from './through-objects';

type Admitted = Extract<AdmitResult, { ok: true }>;
type Refused = Extract<AdmitResult, { ok: false }>;

const noop = () => {};

/**
 * A leased admission's worst case drawn from its leases' budget shares, which the objects hold
 * reserved: the request need not wait for them (src/limits/lease-draw.ts says when they hear of
 * it). Undefined when the shares cannot cover it: then the objects are asked.
 */
export function drawFromLease(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  leased: ByObjects,
  request: AdmitRequest,
  local: LocalAdmission,
  endLease: () => void,
): Promise<ByObjects> | undefined {
  const usd = request.costUsd;
  // Every target free (zero prices): nothing to reserve, nor to settle.
  if (!(usd > 0)) return Promise.resolve(leased);
  const drawn = local.draw(usd, Date.now());
  if (!drawn) return undefined;
  const teamObject = leased.teamId ? teamStub(env, leased.teamId) : undefined;
  const tell = (stub: Stub, leaseId: number) =>
    stub
      .drawLease({
        leaseId,
        reservationId: request.reservationId,
        usd,
        reservationTtlMs: request.reservationTtlMs,
      })
      .catch((error: unknown) => {
        // The share covers the request until it is released; no more is drawn from this lease.
        console.error('lease draw failed', describeFailure(error));
        endLease();
      });
  const drawing = drawLater(ctx, drawn, usd, () =>
    Promise.all([
      drawn.key !== undefined ? tell(leased.keyObject, drawn.key) : undefined,
      drawn.team !== undefined && teamObject ? tell(teamObject, drawn.team) : undefined,
    ]).then(noop),
  );
  const reserved = (a: Admitted, leaseId: number | undefined) =>
    leaseId === undefined ? a : { ...a, reservedUsd: usd };
  return Promise.resolve({
    ...leased,
    key: reserved(leased.key, drawn.key),
    team: leased.team && reserved(leased.team, drawn.team),
    ...(teamObject ? { teamObject } : {}),
    drawing,
  });
}

/**
 * A leased admission's reservation of its worst-case cost: the objects check the policy again and
 * reserve, taking no RPM slot and no tokens (those came from the lease).
 */
export async function reserveAt(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  leased: ByObjects,
  request: AdmitRequest,
  local: LocalAdmission,
): Promise<ByObjects> {
  const prepaid: AdmitRequest = { ...request, prepaid: true, tokens: 0 };
  const team = leased.teamId ? teamStub(env, leased.teamId) : undefined;
  // Whatever went wrong (revoked, over budget, team disabled, an object unreachable), the lease
  // ends here and the next request asks the objects. This request's tokens go back into it first.
  const endHere = () => {
    const now = Date.now();
    local.refund('key', leased.key.reservedTokens, now);
    if (leased.team) local.refund('team', leased.team.reservedTokens, now);
    endLeaseAt(env, ctx, keyHash, request.defaults);
  };
  let keyObject = leased.keyObject;
  let keyResult: AdmitResult | undefined;
  let teamResult: AdmitResult | undefined;
  try {
    const [asked, teamAsked] = await Promise.allSettled([
      leased.keyObject.admit(prepaid),
      team?.admit({ ...prepaid, defaults: {} }),
    ]);
    if (teamAsked.status === 'fulfilled') teamResult = teamAsked.value;
    if (asked.status === 'rejected') throw asked.reason;
    // Rotated since the lease was granted (from another isolate): the reservation follows the move.
    ({ keyObject, keyResult } = await followMoves(env, leased.keyObject, asked.value, prepaid));
    if (teamAsked.status === 'rejected') throw teamAsked.reason;
  } catch (error) {
    // What one side reserved before the other failed goes back (not held for 15 minutes).
    if (keyResult?.ok) release(env, ctx, keyObject, keyResult, request, 'key', true);
    if (team && teamResult?.ok) release(env, ctx, team, teamResult, request, 'team', true);
    endHere();
    throw unavailable(error);
  }
  if (!keyResult.ok || (teamResult && !teamResult.ok)) {
    if (keyResult.ok) release(env, ctx, keyObject, keyResult, request, 'key', true);
    if (team && teamResult?.ok) release(env, ctx, team, teamResult, request, 'team', true);
    endHere();
    // A team's refusal names the team asked: the lease's, which the key may have left meanwhile.
    throw keyResult.ok
      ? refusal(
          teamResult as Refused,
          request,
          'team',
          { id: keyResult.key.id, teamId: leased.teamId },
          keyResult.rate,
        )
      : refusal(
          keyResult,
          request,
          'key',
          keyRefused(keyResult),
          teamResult?.ok ? teamResult.rate : undefined,
        );
  }
  // The tokens stay those drawn from the lease: settle gives them back there, or to the object.
  const drawn = (now: Admitted, before: Admitted | undefined) => ({
    ...now,
    reservedTokens: before?.reservedTokens ?? 0,
  });
  return {
    ...leased,
    keyObject,
    key: drawn(keyResult, leased.key),
    team: teamResult && drawn(teamResult, leased.team),
  };
}
