// Fuzz: generated and mutated bodies, ids, queries and headers against the admin API — config, keys,
// teams, and every other route the app declares. No 5xx, no unhandled exception, every error an
// OpenAI ErrorResponse.
import { describe, expect, it } from 'vitest';
import { admin, call, createKey, type Json, responses } from '../helpers/gateway';
import {
  type AdminContext,
  adminCase,
  CONFIG_EXAMPLES,
  CONFIG_KEYS,
  idSegment,
  KEY_EXAMPLES,
  KEY_KEYS,
  query,
  routeCase,
  TEAM_EXAMPLES,
  TEAM_KEYS,
} from './admin-cases';
import { mutatedBody } from './bodies';
import { findingsMessage, fuzz, scaledTimeout, summary } from './harness';
import { declaredRoutes } from './routes';
import type { Tree } from './values';

async function context(): Promise<AdminContext> {
  const ids = new Map<string, string[]>();
  const keys: string[] = [];
  const teams: string[] = [];
  for (let i = 0; i < 3; i++) {
    const team = await admin('/admin/teams', 'POST', { name: `fuzz team ${i}` });
    teams.push(((await team.json()) as Json).id);
    keys.push((await createKey({ name: `fuzz key ${i}`, team: teams[0] })).id);
  }
  ids.set('/admin/keys', keys);
  ids.set('/admin/teams', teams);
  const gatewayKey = (await createKey({ name: 'fuzz gateway key' })).key;
  // Responses the gateway key stored (the mock answers), one continuing the other: the stored
  // responses' routes are fuzzed on real ids and conversations too, not only on unknown ones.
  const stored: string[] = [];
  for (const input of ['hello there', [{ role: 'user', content: 'and again' }]]) {
    const previous = stored.at(-1);
    const answer = await responses(gatewayKey, {
      model: 'fast',
      input,
      ...(previous ? { previous_response_id: previous } : {}),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    stored.push(((await answer.json()) as Json).id);
  }
  ids.set('/v1/responses', stored);
  // A conversation of the gateway key with an item: its routes are fuzzed on real ids too.
  const made = await call('/v1/conversations', {
    method: 'POST',
    headers: { authorization: `Bearer ${gatewayKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ type: 'message', id: 'msg_fuzz', role: 'user', content: 'hello' }] }),
  });
  expect(made.status, await made.clone().text()).toBe(200);
  ids.set('/v1/conversations', [((await made.json()) as Json).id, 'msg_fuzz']);
  return { ids, gatewayKey };
}

async function run(name: string, count: number, generate: Parameters<typeof fuzz>[2]) {
  const started = performance.now();
  const report = await fuzz(name, count, generate);
  console.log(summary(name, report, started));
  expect(report.findings, findingsMessage(report)).toEqual([]);
  return report;
}

describe('fuzz: admin endpoints', () => {
  it(
    'GET / PUT /admin/config never answer 5xx or a non-OpenAI error',
    async () => {
      const ctx = await context();
      // The live config too, so that sections added later are mutated as well.
      const current = (await (await admin('/admin/config')).json()) as { [key: string]: Tree };
      const examples = [...CONFIG_EXAMPLES, current];
      const report = await run('/admin/config', 1000, (rng) =>
        rng.chance(0.85)
          ? adminCase(rng, ctx, 'PUT', '/admin/config', mutatedBody(rng, examples, CONFIG_KEYS))
          : adminCase(rng, ctx, 'GET', `/admin/config${query(rng)}`, undefined),
      );
      expect(report.statuses[200] ?? 0).toBeGreaterThan(report.cases * 0.05);
    },
    scaledTimeout(120_000),
  );

  it(
    '/admin/keys[/:id] never answers 5xx or a non-OpenAI error',
    async () => {
      const ctx = await context();
      const ids = ctx.ids.get('/admin/keys')!;
      const teams = ctx.ids.get('/admin/teams')!;
      const examples = [...KEY_EXAMPLES, { name: 'in a team', team: teams[1]! }];
      const report = await run('/admin/keys', 1600, (rng) => {
        const roll = rng.next();
        const id = () => idSegment(rng, ids);
        if (roll < 0.45)
          return adminCase(rng, ctx, 'POST', '/admin/keys', mutatedBody(rng, examples, KEY_KEYS));
        if (roll < 0.6) return adminCase(rng, ctx, 'GET', `/admin/keys${query(rng)}`, undefined);
        if (roll < 0.75) return adminCase(rng, ctx, 'GET', `/admin/keys/${id()}`, undefined);
        if (roll < 0.97)
          return adminCase(rng, ctx, 'PATCH', `/admin/keys/${id()}`, mutatedBody(rng, examples, KEY_KEYS));
        return adminCase(rng, ctx, 'DELETE', `/admin/keys/${id()}`, undefined);
      });
      expect(report.statuses[201] ?? 0).toBeGreaterThan(report.cases * 0.02);
    },
    scaledTimeout(120_000),
  );

  it(
    '/admin/teams[/:id] never answers 5xx or a non-OpenAI error',
    async () => {
      const ctx = await context();
      const ids = ctx.ids.get('/admin/teams')!;
      const report = await run('/admin/teams', 1000, (rng) => {
        const roll = rng.next();
        const id = () => idSegment(rng, ids);
        if (roll < 0.45)
          return adminCase(rng, ctx, 'POST', '/admin/teams', mutatedBody(rng, TEAM_EXAMPLES, TEAM_KEYS));
        if (roll < 0.6) return adminCase(rng, ctx, 'GET', `/admin/teams${query(rng)}`, undefined);
        if (roll < 0.75) return adminCase(rng, ctx, 'GET', `/admin/teams/${id()}`, undefined);
        return adminCase(
          rng,
          ctx,
          'PATCH',
          `/admin/teams/${id()}`,
          mutatedBody(rng, TEAM_EXAMPLES, TEAM_KEYS),
        );
      });
      expect(report.statuses[201] ?? 0).toBeGreaterThan(report.cases * 0.02);
    },
    scaledTimeout(120_000),
  );

  it(
    'every declared route (logs, analytics, tokens… as they land) survives hostile ids, queries and bodies',
    async () => {
      const ctx = await context();
      const routes = declaredRoutes();
      const perRoute = new Map<string, number>();
      const report = await run('routes', Math.max(1400, routes.length * 60), (rng, index) => {
        const route = routes[index % routes.length]!;
        const key = `${route.method} ${route.path}`;
        perRoute.set(key, (perRoute.get(key) ?? 0) + 1);
        return routeCase(rng, ctx, route);
      });
      console.log(`fuzzed routes: ${[...perRoute.keys()].join(', ')}`);
      for (const required of [
        'GET /admin/config',
        'POST /admin/keys',
        'PATCH /admin/teams/:id',
        'GET /v1/models',
        'GET /v1/responses/:id',
        'DELETE /v1/responses/:id',
        'GET /v1/responses/:id/input_items',
        'POST /v1/conversations',
        'GET /v1/conversations/:id/items',
        'DELETE /v1/conversations/:id/items/:itemId',
      ])
        expect(perRoute.has(required), `${required} is declared and fuzzed`).toBe(true);
      expect(Math.min(...perRoute.values())).toBeGreaterThanOrEqual(report.cases >= 1400 ? 20 : 1);
    },
    scaledTimeout(120_000),
  );
});
