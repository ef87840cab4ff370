// Fuzz cases for the admin API: valid examples of each body to mutate, hostile ids and queries, and
// every route the app declares (so endpoints added later are fuzzed without touching this file).
import { ADMIN_TOKEN } from '../helpers/gateway';
import { type FuzzBody, METHODS, mutatedBody } from './bodies';
import type { FuzzCase } from './harness';
import { authHeaders, extraHeaders } from './headers';
import type { Rng } from './prng';
import type { DeclaredRoute } from './routes';
import { nastyNumber, nastyString, randomValue, serialize, type Tree } from './values';

export const mock = (model = 'mock-1') => ({ provider: 'mock', model });

export const CONFIG_EXAMPLES: { [key: string]: Tree }[] = [
  { providers: { mock: { type: 'mock' } }, models: { fast: { targets: [mock()] } } },
  {
    providers: {
      mock: { type: 'mock', latencyMs: 0, models: ['mock-1'] },
      spare: { type: 'mock' },
      openai: { type: 'openai', apiKey: 'env:OPENAI_API_KEY', baseUrl: 'https://api.openai.com/v1' },
    },
    models: {
      fast: { strategy: 'fallback', targets: [mock(), { provider: 'spare', model: 'b' }] },
      smart: {
        strategy: 'loadbalance',
        targets: [
          { provider: 'mock', model: 'x', weight: 3, contextWindow: 8000 },
          { provider: 'spare', model: 'y', weight: 1 },
        ],
      },
      both: { targets: [{ alias: 'fast' }, { alias: 'smart', weight: 2 }] },
    },
    retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 2000, onStatus: [429, 500, 502] },
    timeouts: { requestMs: 60_000, firstByteMs: 15_000, totalMs: 120_000 },
    circuitBreaker: { enabled: true, failureThreshold: 5, cooldownMs: 30_000 },
    limits: { rpm: 600, tpm: 1_000_000, defaultMaxTokens: 4096, maxBodyBytes: 1_048_576 },
    pricing: { 'mock/mock-1': { inputPerMTok: 1, outputPerMTok: 2 } },
  },
  {
    providers: { mock: { type: 'mock' }, openai: { type: 'openai', apiKey: '[redacted]' } },
    models: { fast: { targets: [mock()] } },
  },
];
export const CONFIG_KEYS = [
  'providers',
  'models',
  'targets',
  'type',
  'retry',
  'timeouts',
  'limits',
  'pricing',
];

export const KEY_EXAMPLES: { [key: string]: Tree }[] = [
  { name: 'k' },
  {
    name: 'full',
    models: ['fast', 'mock/*'],
    limits: { rpm: 10, tpm: 1000 },
    budget: { usd: 5, period: 'month', alertAt: 0.5 },
    expiresAt: '2099-01-01T00:00:00Z',
    logBodies: true,
  },
  {
    name: 'routed',
    team: null,
    budget: { usd: 1, period: 'total', startsAt: '2026-01-01T00:00:00Z' },
    routing: { pin: { fast: { targets: [mock('pinned')] } }, allowProviders: ['mock'], denyProviders: [] },
  },
];
export const KEY_KEYS = ['name', 'team', 'models', 'limits', 'budget', 'routing', 'expiresAt', 'logBodies'];

export const TEAM_EXAMPLES: { [key: string]: Tree }[] = [
  { name: 't' },
  { name: 'team', models: ['*'], limits: { rpm: 100, tpm: null }, budget: { usd: 50, period: 'week' } },
  { name: 'routed team', routing: { denyProviders: ['openai'] }, budget: null },
];
export const TEAM_KEYS = ['name', 'models', 'limits', 'budget', 'routing'];

const QUERY_NAMES = [
  'limit',
  'cursor',
  'team',
  'key',
  'includeRevoked',
  'model',
  'provider',
  'status',
  'cache',
  'since',
  'until',
  'from',
  'to',
  'groupBy',
  'group',
  'interval',
  'role',
  // GET /v1/responses/{id}/input_items
  'order',
  'after',
  'include',
  'include[]',
  '__proto__',
];
const QUERY_VALUES = [
  ...['', '0', '-1', '1', '50', '201', '1e309', 'NaN', 'true', 'x', '%00', '%ff', '%E2%82'],
  ...['asc', 'desc', 'msg_x', 'in_x_0'],
];

/** Percent-encoded; a lone surrogate (not encodable) becomes an invalid escape instead. */
function encoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

/** A query string of 0–3 parameters with hostile values (percent-encoded on purpose, or not). */
export function query(rng: Rng): string {
  const parts: string[] = [];
  for (let i = rng.int(0, 3); i > 0; i--) {
    const value = rng.chance(0.6) ? rng.pick(QUERY_VALUES) : encoded(nastyString(rng).slice(0, 300));
    parts.push(`${rng.pick(QUERY_NAMES)}=${value}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** An id segment: a real one, or garbage (encoded traversal, invalid percent-escapes, very long). */
export function idSegment(rng: Rng, real: readonly string[]): string {
  if (real.length > 0 && rng.chance(0.5)) return rng.pick(real);
  return rng.pick([
    'key_doesnotexist',
    'team_nope',
    '0',
    '-1',
    '%00',
    '%ff',
    '%',
    '..%2F..%2Fadmin',
    'a'.repeat(5000),
    encodeURIComponent('😀\u0000'),
    '__proto__',
    'constructor',
    "'%20OR%201=1",
  ]);
}

export interface AdminContext {
  /** Ids of objects that exist, by route prefix ("/admin/keys"). */
  ids: Map<string, string[]>;
  /** A gateway key: valid, but not on the admin API. */
  gatewayKey: string;
}

export function adminCase(
  rng: Rng,
  ctx: AdminContext,
  method: string,
  path: string,
  body: FuzzBody | undefined,
): FuzzCase {
  const wrongMethod = rng.chance(0.05);
  const chosen = wrongMethod ? rng.pick(METHODS) : method;
  const hasBody = body !== undefined && chosen !== 'GET' && chosen !== 'HEAD';
  return {
    method: chosen,
    path,
    headers: [
      ...authHeaders(rng, { good: ADMIN_TOKEN, other: ctx.gatewayKey }),
      ...extraHeaders(rng, hasBody),
    ],
    ...(hasBody ? { body: body.body } : {}),
    note: `${wrongMethod ? `method ${chosen}; ` : ''}${body?.note ?? ''}`,
  };
}

/** A declared route with its `:params` filled in and a hostile query; a generic random body. */
export function routeCase(rng: Rng, ctx: AdminContext, route: DeclaredRoute): FuzzCase {
  const prefix = route.path.replace(/\/:[^/]+.*$/, '');
  const path = route.path.replace(/:[^/]+/g, () => idSegment(rng, ctx.ids.get(prefix) ?? []));
  const known = [...KEY_KEYS, 'role', 'token', 'scopes', 'team', 'id'];
  const examples = [
    { name: 'fuzz', role: 'viewer' },
    { name: 'fuzz', role: 'team-admin', team: null },
    ...KEY_EXAMPLES,
  ];
  const body: FuzzBody = rng.chance(0.7)
    ? mutatedBody(rng, examples, known)
    : { body: serialize(rng.chance(0.5) ? randomValue(rng) : nastyNumber(rng)), note: 'random value' };
  const fuzzCase = adminCase(rng, ctx, route.method, `${path}${query(rng)}`, body);
  if (route.path.startsWith('/v1/')) {
    // Public routes in the sweep get a gateway key instead of the admin token.
    fuzzCase.headers = fuzzCase.headers.map(([name, value]) =>
      name === 'authorization' && value === `Bearer ${ADMIN_TOKEN}`
        ? [name, `Bearer ${ctx.gatewayKey}`]
        : [name, value],
    );
  }
  return fuzzCase;
}
