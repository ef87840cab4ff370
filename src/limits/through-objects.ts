// Admission by the objects themselves: the key's and its team's, asked in parallel, rotations
// followed, a dearer worst case topped up; what one side admitted given back when the other refuses.
import type { Env } from '../env';
import type { AdmitRequest, AdmitResult } from './admit-rpc';
import { giveBack, release, releaseAt } from './give-back';
import { type Ask, recordAdmission } from './lease-book';
import type { LeaseDrawing } from './lease-draw';
import { withLease } from './lease-rate';
import { MAX_ROTATION_HOPS } from './moved';
import { keyRefused, refusal, unavailable } from './refusal';
import { keyStub, type Stub, teamStub } from './stubs';

type Admitted = Extract<AdmitResult, { ok: true }>;

/**
 * Which team a key belongs to, learned from its admissions, so the team object can be asked in
 * parallel with the key's. Per-isolate knowledge, not request state; a stale entry is detected
 * (the key's answer names its real team) and costs one extra round trip, never a wrong admission.
 */
const teamOfKey = new Map<string, string | null>();
const TEAM_CACHE_LIMIT = 10_000;

/** What the objects said: the object that holds the key's policy (after rotations), and the team's. */
export interface ByObjects {
  keyObject: Stub;
  /** The team's object, where this request already holds a stub of it (a draw booked there). */
  teamObject?: Stub;
  key: Admitted;
  teamId: string | null;
  team: Admitted | undefined;
  /** A reservation drawn from a lease's budget share: settle carries it, or follows its booking. */
  drawing?: LeaseDrawing;
}

/**
 * Reserves `extra` more at each object with a budget, for a request whose worst case turned out
 * dearer than what was reserved at admission (the key's routing pins a dearer target); the same
 * reservation id, so the settle clears both. Refused there, the admission is given back whole.
 */
export async function topUp(
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
export async function throughObjects(
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
    // The team's never-fit refusal over the key's rate limit: it says not to retry, as the key's own would.
    if (
      keyResult.reason === 'rate_limited' &&
      guessedTeam?.ok === false &&
      guessedTeam.reason === 'too_large'
    )
      throw refusal(guessedTeam, request, 'team', keyRefused(keyResult));
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
 * A rotated key in its grace period: its old object points at the new key's, which holds the
 * policy and the ledger. One extra round trip, only for old secrets during the grace period.
 */
export async function followMoves(env: Env, stub: Stub, result: AdmitResult, request: AdmitRequest) {
  let keyObject = stub;
  let keyResult = result;
  for (let hops = 0; !keyResult.ok && keyResult.reason === 'moved' && hops < MAX_ROTATION_HOPS; hops++) {
    keyObject = keyStub(env, keyResult.to);
    // Leases are for the secret's own object; a share given back belongs to the first object.
    keyResult = await keyObject.admit({ ...request, lease: false, returned: undefined });
  }
  return { keyObject, keyResult };
}
