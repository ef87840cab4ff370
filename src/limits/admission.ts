// The hot path's admission: the key's Durable Object and, for a key in a team, the team's object,
// asked in parallel; their refusals mapped to wire errors; one settle for both after the response.
import { randomId } from '../auth/gateway-key';
import { type CachePolicy, mergeCachePolicies } from '../cache/policy';
import type { Env } from '../env';
import { GatewayError, invalidApiKey, modelNotAllowed, retryAfterSeconds, unavailableNow } from '../errors';
import { overloaded } from '../isolate/fresh-stubs';
import { endReason, type KeyPolicy } from '../keys/policy';
import { mergeRoutingOverrides, type RoutingOverride } from '../routing/overrides';
import type { AdmitRequest, AdmitResult, RefusedKey } from './admit-rpc';
import { answerDeadline } from './deadline';
import type { KeyObject } from './key-object';
import {
  type Ask,
  admitLocally,
  askFailed,
  beginAsk,
  endLease,
  type LocalAdmission,
  recordAdmission,
  unusedShare,
  withLease,
} from './lease';
import { drawLater, type LeaseDrawing } from './lease-draw';
import type { Returned } from './lease-ledger';
import { MAX_ROTATION_HOPS } from './moved';
import type { RateState, RateWindow } from './rate-state';
import type { SettleRequest } from './settle-batch';
import { settleLater } from './settle-outbox';
import { sendSettles } from './settle-send';

type Admitted = Extract<AdmitResult, { ok: true }>;
type Refused = Extract<AdmitResult, { ok: false }>;
type Stub = DurableObjectStub<KeyObject>;

export function keyStub(env: Env, keyHash: string): Stub {
  return env.KEYS.get(env.KEYS.idFromName(keyHash));
}

export function teamStub(env: Env, teamId: string): Stub {
  return env.KEYS.get(env.KEYS.idFromName(`team:${teamId}`));
}

/**
 * Which team a key belongs to, learned from its admissions, so the team object can be asked in
 * parallel with the key's. Per-isolate knowledge, not request state; a stale entry is detected
 * (the key's answer names its real team) and costs one extra round trip, never a wrong admission.
 */
const teamOfKey = new Map<string, string | null>();
const TEAM_CACHE_LIMIT = 10_000;
/** The routing override (key's and team's) last admitted for a key: its first guess of the next cost. */
const routingOfKey = new Map<string, RoutingOverride | undefined>();

export interface Admission {
  key: Admitted['key'];
  /** The team's routing override merged with the key's (the key's pins win). */
  routing: RoutingOverride | undefined;
  /** The team's cache policy under the key's (each field the key sets wins). */
  cache: CachePolicy | undefined;
  /** Zero data retention (key's or team's flag; also in key.zdr): no cache, no bodies in logs. */
  zdr: boolean;
  /** Guardrail selections, applied team first, then key (src/guardrails/rules.ts selectRules). */
  guardrails: { team: readonly string[] | null; key: readonly string[] | null };
  rate: RateState;
  /**
   * When the request must be done, for a key or team with a budget (its USD reservation lasts
   * reservationTtlMs from admission: answerDeadline); undefined without a budget.
   */
  deadline: number | undefined;
  /**
   * For an admission from this isolate's lease (src/limits/lease.ts) of a key (or team) with a
   * budget, the reservation of its worst-case cost, made once the request may go upstream: drawn
   * from the lease's budget share (no wait), else made at the objects, which may refuse it (402,
   * 401, 503). Otherwise nothing to do (tokens came from the lease).
   */
  reserve(): Promise<void>;
  /**
   * Starts `reserve` ahead of need (alongside a cache read) when it will have to wait for the
   * objects; undefined when there is nothing to wait for (a lease's budget share will cover it,
   * drawn only if the request does go upstream, so a hit costs the objects nothing).
   */
  reserveAhead(): Promise<void> | undefined;
  /** Settles key and team after the response: real tokens and USD replace the reservations. */
  settle(used: { tokens: number; costUsd: number }): void;
}

/** What a route asks admission for. */
export interface RouteAdmitRequest extends AdmitRequest {
  /** Its tokens are its input only (embeddings): a request too large for the TPM limit names `input`. */
  inputOnly?: boolean;
}

export interface AdmitOptions {
  /**
   * The caller calls `reserve()` itself when the request goes upstream, so that a leased admission
   * answered from cache makes no round trip at all. Otherwise `admit` reserves before returning.
   */
  reserveLater?: boolean;
  /**
   * The request's worst case on the route as a routing override leaves it (pins can send an alias
   * to dearer targets): the cost reserved is the most of `request.costUsd` and this, for the
   * override the key and its team turn out to have.
   */
  costFor?: (routing: RoutingOverride | undefined) => number;
}

/** What the objects said: the object that holds the key's policy (after rotations), and the team's. */
interface ByObjects {
  keyObject: Stub;
  /** The team's object, where this request already holds a stub of it (a draw booked there). */
  teamObject?: Stub;
  key: Admitted;
  teamId: string | null;
  team: Admitted | undefined;
  /** A reservation drawn from a lease's budget share: settle carries it, or follows its booking. */
  drawing?: LeaseDrawing;
}

export async function admit(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  asked: RouteAdmitRequest,
  options: AdmitOptions = {},
): Promise<Admission> {
  const now = Date.now();
  const { costFor } = options;
  // The reservations below read `request.costUsd` when they are made: raised once the override is known.
  const request = { ...asked };
  const costWith = (routing: RoutingOverride | undefined) => {
    if (!costFor) return;
    if (routingOfKey.size >= TEAM_CACHE_LIMIT) routingOfKey.clear();
    routingOfKey.set(keyHash, routing);
    request.costUsd = Math.max(request.costUsd, costFor(routing));
  };
  if (costFor) request.costUsd = Math.max(request.costUsd, costFor(routingOfKey.get(keyHash)));
  let local = admitLocally(keyHash, request.model, request.tokens, now);
  if (!local) {
    const ask = beginAsk(keyHash, now);
    try {
      const reserved = request.costUsd;
      let admitted = await throughObjects(env, ctx, keyHash, request, ask, now);
      costWith(mergeRoutingOverrides(admitted.team?.key.routing, admitted.key.key.routing));
      if (request.costUsd > reserved)
        admitted = await topUp(env, ctx, admitted, request, request.costUsd - reserved);
      return admission(env, ctx, request, now, admitted, undefined, undefined);
    } catch (error) {
      if (!ask) throw unavailable(error);
      askFailed(keyHash, Date.now());
      if (error instanceof GatewayError && error.status !== 429) {
        // Refused: revoked, expired, over budget, team gone… — what this isolate holds of the key
        // ends too.
        endLeaseAt(env, ctx, keyHash, request.defaults);
        throw error;
      }
      // The objects could not answer, or refused a renewal for the rate: a lease asked for before
      // it ran out still serves this request — its slots are this isolate's to use — (and, for a
      // moment, the next ones: askFailed holds the next ask back). What it reserves there goes by
      // an id of its own: a release of what one object admitted above (sent again when an answer
      // was lost, so perhaps after this reservation is made) ends that admission only, never this.
      request.reservationId = leasedReservationId(asked.reservationId);
      local = admitLocally(keyHash, request.model, request.tokens, Date.now());
      if (!local) throw error instanceof GatewayError ? error : unavailable(error);
    }
  }
  const { key, team } = local;
  costWith(mergeRoutingOverrides(team?.key.routing, key.key.routing));
  const parts = { keyObject: keyStub(env, keyHash), key, teamId: key.key.teamId, team };
  const reserve = local.reserves
    ? () =>
        drawFromLease(env, ctx, parts, request, local, () =>
          endLeaseAt(env, ctx, keyHash, request.defaults),
        ) ?? reserveAt(env, ctx, keyHash, parts, request, local)
    : undefined;
  const leased = admission(
    env,
    ctx,
    request,
    now,
    parts,
    reserve,
    local.refund,
    () => !(request.costUsd > 0) || local.canDraw(request.costUsd, Date.now()),
  );
  if (!options.reserveLater) await leased.reserve();
  return leased;
}

/** The reservation id of a request served from a lease after its objects failed to admit it. */
function leasedReservationId(reservationId: string): string {
  return `${reservationId}:leased`;
}

/**
 * Reserves `extra` more at each object with a budget, for a request whose worst case turned out
 * dearer than what was reserved at admission (the key's routing pins a dearer target); the same
 * reservation id, so the settle clears both. Refused there, the admission is given back whole.
 */
async function topUp(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  admitted: ByObjects,
  request: AdmitRequest,
  extra: number,
): Promise<ByObjects> {
  const { returned: _, ...asked } = request;
  const more: AdmitRequest = { ...asked, costUsd: extra, tokens: 0, prepaid: true, lease: false };
  const teamObject = admitted.teamId ? teamStub(env, admitted.teamId) : undefined;
  const [keyResult, teamResult] = await Promise.all([
    admitted.key.budgeted ? admitted.keyObject.admit(more) : undefined,
    admitted.team?.budgeted && teamObject ? teamObject.admit({ ...more, defaults: {} }) : undefined,
  ]).catch((error: unknown) => {
    giveBackAll(env, ctx, admitted, request, teamObject);
    throw unavailable(error);
  });
  const refused = [keyResult, teamResult].find((result) => result && !result.ok);
  if (refused && !refused.ok) {
    giveBackAll(env, ctx, admitted, request, teamObject);
    const side = refused === keyResult ? 'key' : 'team';
    const key = { id: admitted.key.key.id, teamId: admitted.teamId };
    throw refusal(refused, request, side, side === 'key' ? keyRefused(refused) : key);
  }
  const add = (a: Admitted, result: AdmitResult | undefined) =>
    result?.ok ? { ...a, reservedUsd: a.reservedUsd + extra } : a;
  return {
    ...admitted,
    key: add(admitted.key, keyResult),
    team: admitted.team && add(admitted.team, teamResult),
  };
}

/**
 * An admission given back at both objects: its request slot, tokens and reservations. Leases it
 * was granted are recorded in this isolate by now: the refusal ends them (admit's catch).
 */
function giveBackAll(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  admitted: ByObjects,
  request: AdmitRequest,
  teamObject: Stub | undefined,
) {
  releaseAt(env, ctx, admitted.keyObject, admitted.key, request, 'key');
  if (admitted.team && teamObject) releaseAt(env, ctx, teamObject, admitted.team, request, 'team');
}

/**
 * Admission by the key's object and its team's, asked in parallel when the team is known. With an
 * ask, both are asked for a lease and given back the lease it replaces.
 */
async function throughObjects(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  request: AdmitRequest,
  ask: Ask | undefined,
  startedAt: number,
): Promise<ByObjects> {
  const guess = teamOfKey.get(keyHash);
  const keyRequest: AdmitRequest = { ...request, lease: ask !== undefined, returned: ask?.key };
  const teamRequest = (teamId: string): AdmitRequest => ({
    ...keyRequest,
    defaults: {},
    returned: ask?.teamId === teamId ? ask.team : undefined,
  });
  // Both asked at once; if either cannot answer, what the other admitted is given back (a refused
  // request consumes nothing: no slot, tokens, reservation or lease left behind for 15 minutes).
  const [keyAsked, teamAsked] = await Promise.allSettled([
    keyStub(env, keyHash).admit(keyRequest),
    guess ? teamStub(env, guess).admit(teamRequest(guess)) : undefined,
  ]);
  const guessedTeam = teamAsked.status === 'fulfilled' ? teamAsked.value : undefined;
  const giveBackTeam = () => {
    if (guess && guessedTeam?.ok) release(env, ctx, teamStub(env, guess), guessedTeam, request, 'team');
  };
  if (keyAsked.status === 'rejected') {
    giveBackTeam();
    throw keyAsked.reason;
  }
  let moves: Awaited<ReturnType<typeof followMoves>>;
  try {
    moves = await followMoves(env, keyStub(env, keyHash), keyAsked.value, keyRequest);
  } catch (error) {
    giveBackTeam();
    throw error;
  }
  const { keyObject, keyResult } = moves;
  if (!keyResult.ok) {
    giveBackTeam();
    throw refusal(keyResult, request, 'key', keyRefused(keyResult));
  }
  const teamId = keyResult.key.teamId;
  if (teamOfKey.size >= TEAM_CACHE_LIMIT) teamOfKey.clear();
  teamOfKey.set(keyHash, teamId);

  let team = guessedTeam;
  if (teamId === (guess ?? null) && teamAsked.status === 'rejected') {
    release(env, ctx, keyObject, keyResult, request, 'key');
    throw teamAsked.reason;
  }
  if (teamId !== (guess ?? null)) {
    giveBackTeam();
    try {
      team = teamId ? await teamStub(env, teamId).admit(teamRequest(teamId)) : undefined;
    } catch (error) {
      release(env, ctx, keyObject, keyResult, request, 'key');
      throw error;
    }
  }
  if (team && !team.ok) {
    release(env, ctx, keyObject, keyResult, request, 'key');
    throw refusal(team, request, 'team', keyResult.key, keyResult.rate);
  }
  // Leases granted on one side only go back at once (a rotated key's old secret never gets one).
  for (const unusable of recordAdmission(keyHash, ask !== undefined, keyResult, team, startedAt)) {
    const side = unusable === keyResult ? 'key' : 'team';
    giveBack(ctx, side === 'key' ? keyObject : teamStub(env, teamId ?? ''), unusable, request, side);
  }
  const shown = (a: Admitted) => ({
    ...a,
    rate: withLease(a.rate, a.lease?.requests ?? 0, a.lease?.tokens ?? 0),
  });
  return { keyObject, key: shown(keyResult), teamId, team: team && shown(team) };
}

/**
 * A leased admission's worst case drawn from its leases' budget shares, which the objects hold
 * reserved: the request need not wait for them (src/limits/lease-draw.ts says when they hear of
 * it). Undefined when the shares cannot cover it: then the objects are asked.
 */
function drawFromLease(
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
        console.error('lease draw failed', String(error));
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
async function reserveAt(
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

/**
 * A rotated key in its grace period: its old object points at the new key's, which holds the
 * policy and the ledger. One extra round trip, only for old secrets during the grace period.
 */
async function followMoves(env: Env, stub: Stub, result: AdmitResult, request: AdmitRequest) {
  let keyObject = stub;
  let keyResult = result;
  for (let hops = 0; !keyResult.ok && keyResult.reason === 'moved' && hops < MAX_ROTATION_HOPS; hops++) {
    keyObject = keyStub(env, keyResult.to);
    // Leases are for the secret's own object; a share given back belongs to the first object.
    keyResult = await keyObject.admit({ ...request, lease: false, returned: undefined });
  }
  return { keyObject, keyResult };
}

function admission(
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

/** Gives back a reservation (and any lease share) made for a request that another refusal stopped. */
function release(
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
function releaseAt(
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
function giveBack(
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
function endLeaseAt(
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
  ctx.waitUntil(stub.returnLease(share, defaults).catch(noop));
}

/**
 * The key's (or team's) object could not answer — overloaded, unreachable, reset mid-call. Limits
 * and budgets fail closed: the request is refused with a 503 to retry, never admitted unchecked.
 */
export function unavailable(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  console.error('admission failed', String(error));
  return overloaded(error)
    ? unavailableNow(
        'limits_overloaded',
        "This key's limits are checked by a Durable Object that is overloaded right now. Please retry shortly.",
      )
    : unavailableNow(
        'limits_unavailable',
        "The gateway could not check this key's limits right now. Please retry shortly.",
      );
}

/**
 * Throws the refusal an admission would give a key (or its team) with this policy, before any
 * limit: no such key or team, revoked or disabled, expired. GET /v1/models, which reads policies,
 * uses it.
 */
export function assertUsable(
  policy: KeyPolicy | null,
  who: 'key' | 'team',
  now: number,
): asserts policy is KeyPolicy {
  const reason = policy ? endReason(policy, now) : 'unknown';
  // Its log row: no key to look up when the key's object knows none; named when it does.
  if (reason)
    throw refusal({ ok: false, reason }, { model: '', costUsd: 0 }, who, who === 'key' ? policy : undefined);
}

/** The key a refusal by its own object names: none when the object knows no such key. */
const keyRefused = (result: Refused): RefusedKey | null | undefined =>
  result.reason === 'unknown' ? null : result.key;

/**
 * The refusal's wire error, naming the refused key (`key`) for its log row. `otherRate`: the other
 * side's windows when it admitted (a 429's headers show the tighter of key and team, as a 200's do).
 */
function refusal(
  result: Refused,
  request: Pick<RouteAdmitRequest, 'model' | 'costUsd' | 'inputOnly'>,
  who: 'key' | 'team',
  key: RefusedKey | null | undefined,
  otherRate?: RateState,
): GatewayError {
  const other = otherRate && givenBack(otherRate, request as Partial<AdmitRequest>);
  const error = wireError(result, request, who, other);
  if (key !== undefined) error.refusedKey = key && { id: key.id, teamId: key.teamId };
  return error;
}

/** The one mapping from a refusal to the wire error. */
function wireError(
  result: Refused,
  request: Pick<RouteAdmitRequest, 'model' | 'costUsd' | 'inputOnly'>,
  who: 'key' | 'team',
  otherRate?: RateState,
): GatewayError {
  const whose = who === 'key' ? "this key's" : "this key's team's";
  switch (result.reason) {
    case 'unknown':
      return invalidApiKey(
        who === 'key' ? 'Incorrect API key provided.' : "This key's team no longer exists.",
      );
    case 'revoked':
      return invalidApiKey(
        who === 'key' ? 'This API key has been revoked.' : "This key's team has been disabled.",
      );
    case 'expired':
      return invalidApiKey('This API key has expired.');
    case 'moved': // still moving after MAX_ROTATION_HOPS rotations
      return invalidApiKey(
        `This API key was rotated more than ${MAX_ROTATION_HOPS} times since it was issued: use the newest key.`,
      );
    case 'rotated':
      return invalidApiKey('This API key was rotated and its grace period has ended: use the new key.');
    case 'awaiting_ledger': // a rotation's new object before the old secret's ledger reached it
      return unavailableNow(
        'limits_unavailable',
        "This key is being rotated and its budget ledger is on its way to the new key's Durable Object. Please retry shortly.",
      );
    case 'model_not_allowed':
      return modelNotAllowed(request.model, who);
    case 'rate_limited': {
      const seconds = retryAfterSeconds(result.retryAfterMs);
      const what = result.limit === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
      const window = result.rate[result.limit];
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Rate limit reached for ${whose} ${what}: limit ${window?.limit}, remaining ${window?.remaining}. Please try again in ${seconds}s.`,
        null,
        { ...rateLimitHeaders(tighter(result.rate, otherRate)), 'retry-after': String(seconds) },
      );
    }
    case 'too_large':
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        request.inputOnly
          ? `Request too large: its input is about ${result.requested} tokens, more than ${whose} limit of ${result.capacity} tokens per minute. Send less input per request.`
          : `Request too large: it may use up to ${result.requested} tokens (input estimate + max_tokens; a request without max_tokens reserves the gateway's limits.defaultMaxTokens), more than ${whose} limit of ${result.capacity} tokens per minute. Set a lower max_tokens or shorten the prompt.`,
        request.inputOnly ? 'input' : 'max_tokens',
        // Waiting cannot help: OpenAI's SDKs retry a 429 unless told not to.
        { ...rateLimitHeaders(tighter(result.rate, otherRate)), 'x-should-retry': 'false' },
      );
    case 'budget_exceeded': {
      const reset = result.resetAt ? ` The budget resets at ${new Date(result.resetAt).toISOString()}.` : '';
      const leased =
        result.leasedUsd > 0 ? `, $${usd(result.leasedUsd)} of it held by admission leases for a second` : '';
      return new GatewayError(
        402,
        'insufficient_quota',
        'budget_exceeded',
        `Budget exceeded: this request could cost up to $${usd(request.costUsd)}, more than what is left of ${whose} $${usd(result.budgetUsd)} budget (spent $${usd(result.spentUsd)}, $${usd(result.reservedUsd)} reserved by requests in flight${leased}).${reset} ${request.inputOnly ? 'Send less input' : 'Lower max_tokens'} or raise the budget.`,
      );
    }
  }
}

const noop = () => {};
/**
 * USD as a refusal tells it: to the hundred-millionth, trailing zeros dropped, never in exponent form,
 * so that its figures add up ($0.001008, not $0.001).
 */
const usd = (value: number) => value.toFixed(8).replace(/\.?0+$/, '');

/**
 * The other side's windows as they are once what it took for this refused request is given back
 * (release(): its request slot, and its tokens unless they came from a lease).
 */
function givenBack(rate: RateState, request: Partial<AdmitRequest>): RateState {
  const back = (window: RateWindow | undefined, amount: number) =>
    window && { ...window, remaining: Math.min(window.limit, window.remaining + amount) };
  const requests = back(rate.requests, request.prepaid ? 0 : 1);
  const tokens = back(rate.tokens, request.prepaid ? 0 : (request.tokens ?? 0));
  return { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) };
}

/** Per limit, the window with less room left: that is the one the client will hit first. */
function tighter(a: RateState, b: RateState | undefined): RateState {
  if (!b) return a;
  const pick = (x?: RateWindow, y?: RateWindow) => (!x ? y : !y ? x : x.remaining <= y.remaining ? x : y);
  const requests = pick(a.requests, b.requests);
  const tokens = pick(a.tokens, b.tokens);
  return { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) };
}

/** OpenAI's header names; a limit the key does not have is not advertised. */
export function rateLimitHeaders(rate: RateState): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (suffix: 'requests' | 'tokens', window: RateWindow | undefined) => {
    if (!window) return;
    headers[`x-ratelimit-limit-${suffix}`] = String(window.limit);
    headers[`x-ratelimit-remaining-${suffix}`] = String(window.remaining);
    headers[`x-ratelimit-reset-${suffix}`] = formatDuration(window.resetMs);
  };
  put('requests', rate.requests);
  put('tokens', rate.tokens);
  return headers;
}

/** `850ms`, `12s`, `1m30s` — the duration notation of OpenAI's reset headers. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds % 60}s`;
}
