import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { insertLogs } from '../../src/logs/store';
import { admin, type Json } from '../helpers/gateway';
import { logRow } from './helpers';

// A small world in February 2001, far from the rows other tests write "now".
const BASE = Date.parse('2001-02-03T00:00:00Z');
const H = 3_600_000;
const RANGE = `since=${new Date(BASE).toISOString()}&until=${new Date(BASE + 48 * H).toISOString()}`;

const seeded = [
  logRow({
    id: 'an-1',
    time: BASE + H,
    model: 'gpt',
    provider: 'openai',
    keyId: 'key_a',
    teamId: 'team_x',
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.01,
    latencyMs: 100,
  }),
  logRow({
    id: 'an-2',
    time: BASE + H + 1000,
    model: 'gpt',
    provider: 'openai',
    keyId: 'key_a',
    teamId: 'team_x',
    cache: 'hit-exact',
    savedUsd: 0.01,
    latencyMs: 10,
  }),
  logRow({
    id: 'an-3',
    time: BASE + 2 * H,
    model: 'gpt',
    provider: 'openai',
    keyId: 'key_b',
    status: 502,
    errorCode: 'upstream_error',
    latencyMs: 300,
  }),
  logRow({
    id: 'an-4',
    time: BASE + 2 * H + 5,
    model: 'claude',
    provider: 'anthropic',
    keyId: 'key_b',
    inputTokens: 200,
    outputTokens: 100,
    costUsd: 0.03,
    latencyMs: 200,
  }),
  logRow({
    id: 'an-5',
    time: BASE + 3 * H,
    model: 'claude',
    provider: 'anthropic',
    keyId: 'key_a',
    teamId: 'team_x',
    stream: true,
    cancelled: true,
    inputTokens: 10,
    outputTokens: 5,
    costUsd: 0.001,
    latencyMs: 50,
  }),
  logRow({
    id: 'an-6',
    time: BASE + 3 * H + 1,
    model: 'fast',
    provider: null,
    servedModel: null,
    keyId: 'key_a',
    teamId: 'team_x',
    status: 429,
    errorCode: 'rate_limit_exceeded',
    cache: 'skip',
    latencyMs: 5,
  }),
  logRow({
    id: 'an-7',
    time: BASE + 25 * H,
    model: 'gpt',
    provider: 'openai',
    keyId: 'key_a',
    teamId: 'team_x',
    inputTokens: 10,
    outputTokens: 10,
    costUsd: 0.002,
    latencyMs: 400,
  }),
];

beforeAll(async () => {
  await insertLogs(env.DB, seeded);
});

async function analytics(query: string): Promise<Json> {
  const response = await admin(`/admin/analytics?${RANGE}&${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

describe('GET /admin/analytics', () => {
  it('totals requests, errors, tokens, cost, cache and exact nearest-rank latency percentiles', async () => {
    const { totals, since, until } = await analytics('groupBy=model');
    expect(since).toBe('2001-02-03T00:00:00.000Z');
    expect(until).toBe('2001-02-05T00:00:00.000Z');
    expect(totals).toEqual({
      requests: 7,
      errors: 2,
      errorRate: 0.285714,
      inputTokens: 320,
      outputTokens: 165,
      cachedTokens: 0,
      totalTokens: 485,
      costUsd: 0.043,
      savedUsd: 0.01,
      cacheHits: 1,
      cacheMisses: 5,
      cacheHitRate: 0.166667,
      cancelled: 1,
      // Served, not cancelled: 10, 100, 200, 400 → p50 = 2nd, p95 = 4th.
      latencyP50Ms: 100,
      latencyP95Ms: 400,
    });
  });

  it('groups by model, most requests first, each with its own percentiles', async () => {
    const { groups } = await analytics('groupBy=model');
    expect(groups.map((g: Json) => [g.key, g.requests])).toEqual([
      ['gpt', 4],
      ['claude', 2],
      ['fast', 1],
    ]);
    expect(groups[0]).toMatchObject({
      errors: 1,
      costUsd: 0.012,
      savedUsd: 0.01,
      cacheHits: 1,
      cacheMisses: 3,
      cacheHitRate: 0.25,
      latencyP50Ms: 100,
      latencyP95Ms: 400,
    });
    expect(groups[1]).toMatchObject({ costUsd: 0.031, latencyP50Ms: 200, latencyP95Ms: 200, cancelled: 1 });
    expect(groups[2]).toMatchObject({ errors: 1, errorRate: 1, latencyP50Ms: null, cacheHitRate: null });
  });

  it('groups by provider, key, team and day', async () => {
    const pairs = async (groupBy: string) =>
      (await analytics(`groupBy=${groupBy}`)).groups.map((g: Json) => [g.key, g.requests]);
    expect(await pairs('provider')).toEqual([
      ['openai', 4],
      ['anthropic', 2],
      [null, 1],
    ]);
    expect(await pairs('key')).toEqual([
      ['key_a', 5],
      ['key_b', 2],
    ]);
    expect(await pairs('team')).toEqual([
      ['team_x', 5],
      [null, 2],
    ]);
    expect(await pairs('day')).toEqual([
      ['2001-02-03T00:00:00.000Z', 6],
      ['2001-02-04T00:00:00.000Z', 1],
    ]);
  });

  it('returns a gap-free hourly series over the range', async () => {
    const { series, interval } = await analytics('groupBy=hour');
    expect(interval).toBe('hour');
    expect(series).toHaveLength(48);
    const busy = series.filter((s: Json) => s.requests > 0).map((s: Json) => [s.t, s.requests, s.costUsd]);
    expect(busy).toEqual([
      ['2001-02-03T01:00:00.000Z', 2, 0.01],
      ['2001-02-03T02:00:00.000Z', 2, 0.03],
      ['2001-02-03T03:00:00.000Z', 2, 0.001],
      ['2001-02-04T01:00:00.000Z', 1, 0.002],
    ]);
    expect(series[0]).toMatchObject({ requests: 0, latencyP50Ms: null, errorRate: 0 });
  });

  it('applies the log filters, so a team-scoped caller sees only its team', async () => {
    expect((await analytics('team=team_x')).totals).toMatchObject({ requests: 5, errors: 1, costUsd: 0.013 });
    expect((await analytics('model=gpt&status=error')).totals.requests).toBe(1);
    expect((await analytics('cache=hit-exact')).totals).toMatchObject({ requests: 1, savedUsd: 0.01 });
    expect((await analytics('key=key_b&interval=day')).series.map((s: Json) => s.requests)).toEqual([2, 0]);
  });

  it('counts a client that left as cancelled, not as an error', async () => {
    const at = Date.parse('2003-04-05T06:00:00Z');
    const range = `since=${at}&until=${at + H}`;
    await insertLogs(env.DB, [
      logRow({ id: 'gone-1', time: at, status: 499, errorCode: 'client_closed', cancelled: true }),
      logRow({ id: 'gone-2', time: at + 1, stream: true, cancelled: true }),
      logRow({ id: 'gone-3', time: at + 2, status: 502, errorCode: 'upstream_error' }),
      logRow({ id: 'gone-4', time: at + 3 }),
    ]);
    const response = await admin(`/admin/analytics?${range}`);
    const { totals } = await response.json<Json>();
    expect(totals).toMatchObject({ requests: 4, errors: 1, errorRate: 0.25, cancelled: 2 });
    const ids = async (status: string) =>
      (await (await admin(`/admin/logs?${range}&status=${status}`)).json<Json>()).data.map((r: Json) => r.id);
    expect(await ids('error')).toEqual(['gone-3']);
    expect(await ids('499')).toEqual(['gone-1']);
    expect(await ids('ok')).toEqual(['gone-4', 'gone-2']);
  });

  it('finds every client that left with status=cancelled: the 499s and the streams abandoned after their 200', async () => {
    const at = Date.parse('2003-04-06T06:00:00Z');
    const range = `since=${at}&until=${at + H}`;
    await insertLogs(env.DB, [
      logRow({ id: 'left-before', time: at, status: 499, errorCode: 'client_closed', cancelled: true }),
      logRow({ id: 'left-midway', time: at + 1, stream: true, cancelled: true }),
      logRow({ id: 'left-failed', time: at + 2, status: 502, errorCode: 'upstream_error' }),
      logRow({ id: 'left-never', time: at + 3, stream: true }),
    ]);
    const logs = await admin(`/admin/logs?${range}&status=cancelled`);
    expect(logs.status).toBe(200);
    const { data } = await logs.json<Json>();
    expect(data.map((r: Json) => [r.id, r.status, r.cancelled])).toEqual([
      ['left-midway', 200, true],
      ['left-before', 499, true],
    ]);
    // The same filter in analytics: its totals are the cancelled requests alone.
    const { totals } = await (await admin(`/admin/analytics?${range}&status=cancelled`)).json<Json>();
    expect(totals).toMatchObject({ requests: 2, cancelled: 2, errors: 0 });
    // Any other word is still refused, naming the parameter and the values it takes.
    const refused = await admin(`/admin/logs?${range}&status=canceled`);
    expect(refused.status).toBe(400);
    const { error } = await refused.json<Json>();
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'status' });
    expect(error.message).toContain("'cancelled'");
  });

  it('counts a lookup refused after it (over budget, client gone) as neither hit nor miss', async () => {
    const at = Date.parse('2003-05-06T07:00:00Z');
    await insertLogs(env.DB, [
      logRow({ id: 'hit-served', time: at, cache: 'hit-exact', savedUsd: 0.5 }),
      logRow({
        id: 'hit-refused',
        time: at + 1,
        cache: 'hit-exact',
        status: 402,
        errorCode: 'budget_exceeded',
      }),
      logRow({ id: 'hit-missed', time: at + 2, cache: 'miss' }),
      // Refused (or left) after a miss: no miss either, so refusals do not move the rate.
      logRow({ id: 'miss-refused', time: at + 3, cache: 'miss', status: 402, errorCode: 'budget_exceeded' }),
      logRow({ id: 'miss-left', time: at + 4, cache: 'miss', status: 499, errorCode: 'client_closed' }),
      // A miss that failed upstream is still one: the cache could not answer it.
      logRow({ id: 'miss-failed', time: at + 5, cache: 'miss', status: 502, errorCode: 'upstream_error' }),
    ]);
    const { totals } = await (await admin(`/admin/analytics?since=${at}&until=${at + H}`)).json<Json>();
    expect(totals).toMatchObject({
      requests: 6,
      cacheHits: 1,
      cacheMisses: 2,
      cacheHitRate: 0.333333,
      savedUsd: 0.5,
    });
  });

  it.each([
    ['groupBy=week', 'groupBy'],
    ['interval=minute', 'interval'],
    ['status=teapot', 'status'],
    ['cache=warm', 'cache'],
    ['colour=blue', 'colour'],
  ])('refuses %s with a 400 naming the parameter', async (query, param) => {
    const response = await admin(`/admin/analytics?${RANGE}&${query}`);
    expect(response.status).toBe(400);
    const body = await response.json<Json>();
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  it('answers a 503 that says what helps when D1 fails or runs out of time, never a 500', async () => {
    const db = env.DB as unknown as { batch: unknown };
    const batch = db.batch;
    db.batch = () => Promise.reject(new Error('D1_ERROR: the query exceeded its time limit'));
    try {
      const response = await admin(`/admin/analytics?${RANGE}`);
      expect(response.status).toBe(503);
      const { error } = await response.json<Json>();
      expect(error).toMatchObject({ type: 'api_error', code: 'analytics_unavailable' });
      expect(error.message).toContain('shorter range');
    } finally {
      db.batch = batch;
    }
  });

  it('answers /admin/logs the same way when D1 fails: a 503 logs_unavailable, a list or a row', async () => {
    const db = env.DB as unknown as { prepare: unknown };
    const prepare = db.prepare;
    db.prepare = () => {
      throw new Error('D1_ERROR: the query exceeded its time limit');
    };
    try {
      for (const path of [`/admin/logs?${RANGE}&status=error`, '/admin/logs/req_anything']) {
        const response = await admin(path);
        expect(response.status).toBe(503);
        const { error } = await response.json<Json>();
        expect(error).toMatchObject({ type: 'api_error', code: 'logs_unavailable' });
      }
    } finally {
      db.prepare = prepare;
    }
  });

  it('reads p50 and p95 from three significant digits past a second', async () => {
    const at = Date.parse('2003-06-07T08:00:00Z');
    const latencies = [40, 950, 1234, 1239, 25_000, 25_049, 98_765, 123_456, 4_000_000, 12_345_678];
    await insertLogs(
      env.DB,
      latencies.map((latencyMs, i) => logRow({ id: `lat-${i}`, time: at + i, latencyMs })),
    );
    const percentile = async (ids: number[]) => {
      const query = `since=${at + ids[0]!}&until=${at + ids.at(-1)! + 1}`;
      const { totals } = await (await admin(`/admin/analytics?${query}`)).json<Json>();
      return [totals.latencyP50Ms, totals.latencyP95Ms];
    };
    expect(await percentile([0, 1])).toEqual([40, 950]); // exact below a second
    expect(await percentile([2, 3])).toEqual([1235, 1235]); // 1230–1239: its middle
    expect(await percentile([4, 5])).toEqual([25_050, 25_050]); // 25,000–25,099
    expect(await percentile([6, 7])).toEqual([98_750, 123_500]);
    expect(await percentile([8, 9])).toEqual([4_005_000, 12_345_000]);
    // Nearest rank over all ten: rank 5 (25,000) and rank 10.
    expect(await percentile([0, 9])).toEqual([25_050, 12_345_000]);
  });

  it('refuses bad times and ranges too long for the interval', async () => {
    const param = async (query: string) =>
      (await (await admin(`/admin/analytics?${query}`)).json<Json>()).error?.param;
    expect(await param('since=yesterday')).toBe('since');
    expect(await param('until=2001-02-30T99:00:00Z')).toBe('until');
    expect(await param('since=2001-02-04&until=2001-02-03')).toBe('since');
    expect(await param('since=2000-01-01&until=2001-01-01&interval=hour')).toBe('interval');
    expect(await param('since=9000000000000000&until=9000000000000001')).toBe('since');
  });

  it('refuses a date or time that does not exist, never rolling it over into the next month', async () => {
    for (const [query, name] of [
      ['since=2026-02-30', 'since'],
      ['until=2026-13-01', 'until'],
      ['since=2026-04-31T00:00:00Z', 'since'],
      ['until=2026-05-01T25:00:00Z', 'until'],
    ]) {
      for (const path of ['/admin/analytics', '/admin/logs']) {
        const response = await admin(`${path}?${query}`);
        expect([path, query, response.status]).toEqual([path, query, 400]);
        const { error } = await response.json<Json>();
        expect(error).toMatchObject({ type: 'invalid_request_error', param: name });
        expect(error.message).toContain('no such date or time');
      }
    }
    const leap = await (await admin('/admin/analytics?since=2024-02-29&until=2024-03-01')).json<Json>();
    expect(leap.since).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('GET /admin/logs', () => {
  it('lists newest first with filters, and pages with a cursor without gaps or repeats', async () => {
    const first = await (await admin(`/admin/logs?${RANGE}&key=key_b`)).json<Json>();
    expect(first.data.map((r: Json) => r.id)).toEqual(['an-4', 'an-3']);
    expect(first.nextCursor).toBeNull();
    expect(first.data[1]).toMatchObject({
      object: 'gateway.log',
      status: 502,
      errorCode: 'upstream_error',
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      hasBodies: false,
    });
    expect(first.data[1].requestBody).toBeUndefined();

    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Json = await (
        await admin(`/admin/logs?${RANGE}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json<Json>();
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((r: Json) => r.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['an-7', 'an-6', 'an-5', 'an-4', 'an-3', 'an-2', 'an-1']);
    const errors = await (await admin(`/admin/logs?${RANGE}&status=4xx`)).json<Json>();
    expect(errors.data.map((r: Json) => r.id)).toEqual(['an-6']);
    const cached = await (await admin(`/admin/logs?${RANGE}&cache=hit-exact&provider=openai`)).json<Json>();
    expect(cached.data.map((r: Json) => r.id)).toEqual(['an-2']);
  });

  it('answers 404 for an unknown id and 400 for bad parameters', async () => {
    const missing = await admin('/admin/logs/nope');
    expect(missing.status).toBe(404);
    expect((await missing.json<Json>()).error.code).toBe('log_not_found');
    for (const [query, param] of [
      ['limit=0', 'limit'],
      ['cursor=***', 'cursor'],
      ['groupBy=model', 'groupBy'],
      ['since=later', 'since'],
    ]) {
      const response = await admin(`/admin/logs?${query}`);
      expect(response.status).toBe(400);
      expect((await response.json<Json>()).error.param).toBe(param);
    }
  });

  it('refuses a repeated parameter instead of reading only its first value', async () => {
    for (const [path, query, param] of [
      ['/admin/logs', 'model=gpt&model=claude', 'model'],
      ['/admin/logs', 'status=error&status=ok', 'status'],
      ['/admin/analytics', 'groupBy=key&groupBy=model', 'groupBy'],
      ['/admin/analytics', 'key=key_a&key=key_b', 'key'],
    ]) {
      const response = await admin(`${path}?${RANGE}&${query}`);
      expect([path, query, response.status]).toEqual([path, query, 400]);
      const { error } = await response.json<Json>();
      expect(error).toMatchObject({ type: 'invalid_request_error', param });
      expect(error.message).toContain('given 2 times');
    }
    // A repeated `since` too: RANGE already holds one.
    expect((await admin(`/admin/logs?${RANGE}&since=2001-02-04`)).status).toBe(400);
  });

  it('needs the admin token', async () => {
    const { call } = await import('../helpers/gateway');
    expect((await call('/admin/logs')).status).toBe(401);
    expect((await call('/admin/analytics')).status).toBe(401);
  });
});

describe('cache hits in analytics', () => {
  it('counts a hit refused after its lookup (its client gone: a 499) as no hit', async () => {
    const at = Date.parse('2001-03-03T00:00:00Z');
    const hit = { model: 'gpt', provider: 'openai', keyId: 'key_h', cache: 'hit-exact' as const };
    await insertLogs(env.DB, [
      logRow({ id: 'an-hit-served', time: at + 1, ...hit }),
      logRow({
        id: 'hit-left',
        time: at + 2,
        ...hit,
        status: 499,
        errorCode: 'client_closed',
        cancelled: true,
      }),
    ]);
    const range = `since=${new Date(at).toISOString()}&until=${new Date(at + H).toISOString()}`;
    const { totals } = await (await admin(`/admin/analytics?${range}`)).json<Json>();
    expect(totals).toMatchObject({ requests: 2, cacheHits: 1 });
  });
});
