// The hot path's admission: the key's Durable Object and, for a key in a team, the team's object,
// asked in parallel; their refusals mapped to wire errors; one settle for both after the response.
import { type CachePolicy, mergeCachePolicies } from '../cache/policy';
import type { Env } from '../env';
import { GatewayError, invalidApiKey, modelNotAllowed } from '../errors';
import { mergeRoutingOverrides, type RoutingOverride } from '../routing/overrides';
import type { AdmitRequest, AdmitResult, KeyObject, RateState, RateWindow } from './key-object';

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
/** Rotations in a row whose grace periods overlap that an old secret can still follow. */
const MAX_ROTATION_HOPS = 3;

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
  /** Settles key and team after the response: real tokens and USD replace the reservations. */
  settle(used: { tokens: number; costUsd: number }): void;
}

export async function admit(
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
  keyHash: string,
  request: AdmitRequest,
): Promise<Admission> {
  let keyObject = keyStub(env, keyHash);
  const guess = teamOfKey.get(keyHash);
  const teamRequest: AdmitRequest = { ...request, defaults: {} };
  let [keyResult, guessedTeam] = await Promise.all([
    keyObject.admit(request),
    guess ? teamStub(env, guess).admit(teamRequest) : undefined,
  ]);
  // A rotated key in its grace period: its old object points at the new key's, which holds the
  // policy and the ledger. One extra round trip, only for old secrets during the grace period.
  for (let hop = 0; !keyResult.ok && keyResult.reason === 'moved' && hop < MAX_ROTATION_HOPS; hop++) {
    keyObject = keyStub(env, keyResult.to);
    keyResult = await keyObject.admit(request);
  }
  const release = (stub: Stub, admitted: Admitted) =>
    ctx.waitUntil(
      stub
        .settle({
          reservationId: request.reservationId,
          reservedTokens: admitted.reservedTokens,
          usedTokens: 0,
          costUsd: 0,
        })
        .catch(() => {}),
    );

  if (!keyResult.ok) {
    if (guess && guessedTeam?.ok) release(teamStub(env, guess), guessedTeam);
    throw refusal(keyResult, request, 'key');
  }
  const teamId = keyResult.key.teamId;
  if (teamOfKey.size >= TEAM_CACHE_LIMIT) teamOfKey.clear();
  teamOfKey.set(keyHash, teamId);

  let team = guessedTeam;
  if (teamId !== (guess ?? null)) {
    if (guess && guessedTeam?.ok) release(teamStub(env, guess), guessedTeam);
    team = teamId ? await teamStub(env, teamId).admit(teamRequest) : undefined;
  }
  if (team && !team.ok) {
    release(keyObject, keyResult);
    throw refusal(team, request, 'team');
  }

  const admittedTeam = team;
  const zdr = keyResult.key.zdr === true || admittedTeam?.key.zdr === true;
  return {
    key: { ...keyResult.key, zdr },
    zdr,
    guardrails: { team: admittedTeam?.key.guardrails ?? null, key: keyResult.key.guardrails ?? null },
    routing: mergeRoutingOverrides(admittedTeam?.key.routing, keyResult.key.routing),
    cache: mergeCachePolicies(admittedTeam?.key.cache, keyResult.key.cache),
    rate: tighter(keyResult.rate, admittedTeam?.rate),
    settle({ tokens, costUsd }) {
      const settleOne = (stub: Stub, admitted: Admitted, tpm?: number) =>
        ctx.waitUntil(
          stub
            .settle({
              reservationId: request.reservationId,
              reservedTokens: admitted.reservedTokens,
              usedTokens: tokens,
              costUsd,
              ...(tpm !== undefined ? { tpm } : {}),
            })
            .catch((error: unknown) => console.error('settle failed', String(error))),
        );
      // Nothing reserved (no TPM limit, no budget) means nothing to settle: no second round trip.
      const reserved = (a: Admitted) => a.reservedTokens > 0 || a.reservedUsd > 0;
      if (reserved(keyResult)) settleOne(keyObject, keyResult, request.defaults.tpm);
      if (teamId && admittedTeam && reserved(admittedTeam)) settleOne(teamStub(env, teamId), admittedTeam);
    },
  };
}

/** The one mapping from a refusal to the wire error. */
function refusal(result: Refused, request: AdmitRequest, who: 'key' | 'team'): GatewayError {
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
    case 'moved':
    case 'rotated':
      return invalidApiKey('This API key was rotated and its grace period has ended: use the new key.');
    case 'model_not_allowed':
      return modelNotAllowed(request.model);
    case 'rate_limited': {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      const what = result.limit === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
      const window = result.rate[result.limit];
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Rate limit reached for ${whose} ${what}: limit ${window?.limit}, remaining ${window?.remaining}. Please try again in ${seconds}s.`,
        null,
        { ...rateLimitHeaders(result.rate), 'retry-after': String(seconds) },
      );
    }
    case 'too_large':
      return new GatewayError(
        429,
        'rate_limit_error',
        'rate_limit_exceeded',
        `Request too large: it may use up to ${result.requested} tokens (input estimate + max_tokens), more than ${whose} limit of ${result.capacity} tokens per minute. Lower max_tokens or shorten the prompt.`,
        'max_tokens',
        rateLimitHeaders(result.rate),
      );
    case 'budget_exceeded': {
      const reset = result.resetAt ? ` The budget resets at ${new Date(result.resetAt).toISOString()}.` : '';
      return new GatewayError(
        402,
        'insufficient_quota',
        'budget_exceeded',
        `Budget exceeded: this request could cost up to $${round(request.costUsd)}, more than what is left of ${whose} $${result.budgetUsd} budget (spent $${round(result.spentUsd)}, $${round(result.reservedUsd)} reserved by requests in flight).${reset} Lower max_tokens or raise the budget.`,
      );
    }
  }
}

const round = (usd: number) => Math.round(usd * 10_000) / 10_000;

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
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
