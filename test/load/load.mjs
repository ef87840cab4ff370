#!/usr/bin/env node
import { startFaultUpstream } from './fault-upstream.mjs';
// `npm run test:load` (after the fault suite): the built gateway under concurrency 64 for a bounded
// time with mixed traffic — several keys (some with tight RPM, TPM or budget, some in a team),
// JSON and streams, exact-cache hits, a flaky upstream behind a fallback and alone, the built-in
// mock, /v1/models, malformed bodies, unknown keys, clients that hang up mid-stream, and Responses
// answers stored and continued from (previous_response_id). Asserts no
// status but the intended ones (and 502 only where a flaky target has no fallback), every stream
// complete, limits and budgets held, every reservation settled, one D1 log row per request, and
// one stored row per Responses answer that said it was stored.
// LOAD_SECONDS (15), LOAD_CONCURRENCY (64), LOAD_SEED (1) and LOAD_FAULT_RATE (0.2) tune it.
import {
  admin,
  agent,
  assert,
  buildBundle,
  createRunner,
  eventually,
  isOpenAIError,
  logCount,
  logRows,
  send,
  startGateway,
  waitForLogCount,
} from './harness.mjs';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 64);
const SEED = Number(process.env.LOAD_SEED ?? 1);
const FAULT_RATE = Number(process.env.LOAD_FAULT_RATE ?? 0.2);

const began = performance.now();
const runner = createRunner(
  `Tollgate load suite — concurrency ${CONCURRENCY} for ${SECONDS} s, mixed traffic, seed ${SEED}`,
  { limitSeconds: SECONDS + 180 },
);
buildBundle();
const upstream = await startFaultUpstream({ flakyRate: FAULT_RATE });
const gateway = await startGateway();

// ── gateway config and keys ──────────────────────────────────────────────────────────────────
const provider = (fault) => ({ type: 'openai', baseUrl: `${upstream.url}/${fault}/v1`, apiKey: 'sk-load' });
const target = (name, model = 'm') => ({ provider: name, model });
await admin(gateway.url, 'PUT', '/admin/config', {
  providers: {
    ok: provider('ok'),
    flaky: provider('flaky'),
    endless: provider('endless'),
    mock: { type: 'mock' },
  },
  models: {
    steady: { targets: [target('ok')] },
    'flaky+ok': { targets: [target('flaky'), target('ok')] },
    balanced: { strategy: 'loadbalance', targets: [target('flaky'), target('ok')] },
    'flaky-only': { targets: [target('flaky')] },
    local: { targets: [target('mock', 'mock-1')] },
    endless: { targets: [target('endless')] },
  },
  timeouts: { requestMs: 5000, firstByteMs: 3000 },
  retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 20 },
  circuitBreaker: { enabled: true, failureThreshold: 5, cooldownMs: 500 },
  cache: { exact: { enabled: true, ttlSeconds: 600 } },
  pricing: {
    m: { inputPerMTok: 10, outputPerMTok: 30 },
    'mock/mock-1': { inputPerMTok: 10, outputPerMTok: 30 },
  },
});
const team = await admin(gateway.url, 'POST', '/admin/teams', {
  name: 'load team',
  budget: { usd: 10_000, period: 'total' },
});
const RPM = 60;
const BUDGET_USD = 0.5;
const newKey = (name, policy = {}) => admin(gateway.url, 'POST', '/admin/keys', { name, ...policy });
const keys = {
  open: await Promise.all([1, 2, 3].map((n) => newKey(`open ${n}`))),
  rpm: await newKey('tight rpm', { limits: { rpm: RPM } }),
  tpm: await newKey('tight tpm', { limits: { tpm: 20_000 } }),
  budget: await newKey('tight budget', { budget: { usd: BUDGET_USD, period: 'total' } }),
  team: await Promise.all([1, 2].map((n) => newKey(`team ${n}`, { team: team.id }))),
};

// ── traffic ──────────────────────────────────────────────────────────────────────────────────
/** mulberry32: a small seeded PRNG, so a run's traffic mix can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
/** Picks by weight from `[weight, value]` pairs. */
function weighted(pairs) {
  let roll = random() * pairs.reduce((sum, [w]) => sum + w, 0);
  for (const [w, value] of pairs) {
    roll -= w;
    if (roll < 0) return value;
  }
  return pairs.at(-1)[1];
}

const CACHED_PROMPTS = ['What is a gateway?', 'Name three colours.', 'Say hello.', 'Count to five.'];

/**
 * One request of the mix: what to send and which outcomes are intended. `allowed` maps a status to
 * the error code it must carry (null for 200).
 */
function nextRequest(n) {
  const kind = weighted([
    [64, 'chat'],
    [10, 'cached'],
    [3, 'models'],
    [2, 'hang-up'],
    [1, 'bad-body'],
    [1, 'bad-key'],
    [4, 'responses'],
    [2, 'continue'],
  ]);
  const holder = weighted([
    [65, 'open'],
    [10, 'rpm'],
    [5, 'tpm'],
    [10, 'budget'],
    [10, 'team'],
  ]);
  const key = Array.isArray(keys[holder]) ? pick(keys[holder]) : keys[holder];
  const allowed = { 200: null };
  if (holder === 'rpm' || holder === 'tpm') allowed[429] = 'rate_limit_exceeded';
  if (holder === 'budget') allowed[402] = 'budget_exceeded';
  const base = { id: `load-${n}`, kind, holder, key, allowed, stream: false };
  if (kind === 'models') return { ...base, method: 'GET', path: '/v1/models' };
  if (kind === 'bad-key')
    return {
      ...base,
      key: { key: 'tg-not-a-real-key' },
      allowed: { 401: 'invalid_api_key' },
      body: chat('steady'),
    };
  if (kind === 'bad-body')
    return { ...base, allowed: { 400: undefined }, body: '{"model": "steady", "messages": [' };
  if (kind === 'hang-up') return { ...base, stream: true, body: { ...chat('endless', n), stream: true } };
  if (kind === 'responses' || kind === 'continue') return responsesRequest(base, n);
  const stream = random() < 0.5;
  if (kind === 'cached')
    return { ...base, stream, body: { ...chat('steady', undefined, pick(CACHED_PROMPTS)), stream } };
  const model = weighted([
    [40, 'steady'],
    [25, 'flaky+ok'],
    [10, 'balanced'],
    [10, 'flaky-only'],
    [15, 'local'],
  ]);
  // A flaky target with no healthy one behind it: a documented 502 when both tries fail.
  if (model === 'flaky-only') allowed[502] = 'upstream_error';
  return { ...base, stream, model, body: { ...chat(model, n), stream } };
}

/** Responses answers stored so far, each with the key and holder that stored it: what `continue` picks. */
const storedAnswers = [];

/**
 * A Responses request: a new conversation, or (`continue`, once one is stored) the next turn of a
 * stored one, sent by the key that stored it — the id must resolve, whatever else the load does.
 */
function responsesRequest(base, n) {
  const model = pick(['steady', 'flaky+ok', 'local']);
  const body = { model, temperature: 0, input: `load request ${n}` };
  if (base.kind === 'continue' && storedAnswers.length > 0) {
    const { id, key, holder, allowed } = pick(storedAnswers);
    return {
      ...base,
      key,
      holder,
      allowed,
      path: '/v1/responses',
      previous: id,
      body: { ...body, previous_response_id: id },
    };
  }
  return { ...base, kind: 'responses', path: '/v1/responses', body };
}

function chat(model, n, prompt) {
  return { model, temperature: 0, messages: [{ role: 'user', content: prompt ?? `load request ${n}` }] };
}

const results = [];
let issued = 0;

async function fire(spec) {
  const eventCount = (text) => (text.match(/^data: /gm) ?? []).length;
  const res = await send(`${gateway.url}${spec.path ?? '/v1/chat/completions'}`, {
    method: spec.method ?? 'POST',
    body: spec.body,
    headers: { authorization: `Bearer ${spec.key.key}`, 'x-request-id': spec.id },
    // A 401 is answered before the body is read, and workerd then resets the connection without
    // a `connection: close`: a pooled socket would carry the next request into the reset.
    fresh: spec.kind === 'bad-key',
    deadlineMs: 20_000,
    onData: spec.kind === 'hang-up' ? (text, hangUp) => eventCount(text) >= 2 && hangUp() : undefined,
  });
  results.push({ spec, res, problem: judge(spec, res) });
}

/** Why this outcome is not an intended one, or undefined. */
function judge(spec, res) {
  if (res.timedOut) return 'no answer within 20 s';
  if (!(res.status in spec.allowed)) return `unexpected status ${res.status}`;
  if (res.headers['x-request-id'] !== spec.id) return 'x-request-id not echoed';
  if (!/^req_/.test(res.headers['x-tollgate-request-id'] ?? '')) return 'no x-tollgate-request-id';
  if (res.status >= 400) {
    if (!isOpenAIError(res.json)) return 'error not OpenAI-shaped';
    const code = spec.allowed[res.status];
    if (code !== undefined && res.json.error.code !== code) return `code ${res.json.error.code}, not ${code}`;
    if (res.status === 429 && !res.headers['retry-after']) return '429 without retry-after';
    return undefined;
  }
  if (spec.kind === 'hang-up') return res.aborted ? undefined : 'the endless stream ended by itself';
  if (spec.kind === 'models') return Array.isArray(res.json?.data) ? undefined : 'not a model list';
  if (spec.kind === 'responses' || spec.kind === 'continue') {
    if (res.json?.object !== 'response' || res.json.status !== 'completed') return 'not a completed response';
    if (res.json.store !== true) return 'a Responses answer not stored';
    if ((res.json.previous_response_id ?? undefined) !== spec.previous)
      return 'previous_response_id not echoed';
    storedAnswers.push({ id: res.json.id, key: spec.key, holder: spec.holder, allowed: spec.allowed });
    return undefined;
  }
  if (spec.stream) {
    if (res.events?.at(-1) !== '[DONE]') return 'stream without [DONE]';
    if (res.events.some((e) => e.startsWith('{"error"'))) return 'stream carries an error event';
    return undefined;
  }
  return Array.isArray(res.json?.choices) ? undefined : 'not a chat completion';
}

// ── run ──────────────────────────────────────────────────────────────────────────────────────
// Warm the cache so the cached prompts can hit from the start.
for (const prompt of CACHED_PROMPTS) {
  for (const stream of [false, true]) {
    const spec = {
      id: `warm-${results.length}`,
      kind: 'cached',
      holder: 'open',
      key: keys.open[0],
      allowed: { 200: null },
      stream,
      body: { ...chat('steady', undefined, prompt), stream },
    };
    await fire(spec);
  }
}
const rpmBefore = (await admin(gateway.url, 'GET', `/admin/keys/${keys.rpm.id}`)).usage.rpm;

const loadStarted = performance.now();
const stopAt = loadStarted + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < stopAt) await fire(nextRequest(++issued));
  }),
);
const loadSeconds = (performance.now() - loadStarted) / 1000;

// ── checks ───────────────────────────────────────────────────────────────────────────────────
const count = (filter) => results.filter(filter).length;
const byStatus = {};
for (const { res } of results) byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
const latencies = results
  .filter(({ spec }) => spec.kind !== 'hang-up')
  .map(({ res }) => res.ms)
  .sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];

runner.check('traffic: every intended kind of outcome happened', () => {
  const seen = {
    '429 (rpm/tpm)': count(({ res }) => res.status === 429),
    '402 (budget)': count(({ res }) => res.status === 402),
    'cache hits': count(({ res }) => String(res.headers['x-tollgate-cache']).startsWith('hit')),
    failovers: count(({ res }) => Number(res.headers['x-tollgate-attempts']) > 1),
    streams: count(({ spec, res }) => spec.stream && res.status === 200),
    'hang-ups': count(({ spec }) => spec.kind === 'hang-up'),
    'stored responses continued': count(({ spec, res }) => spec.kind === 'continue' && res.status === 200),
  };
  const missing = Object.entries(seen).filter(([, n]) => n === 0);
  assert(missing.length === 0, `never happened: ${missing.map(([k]) => k).join(', ')}`, seen);
  return Object.entries(seen)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
});

runner.check('no outcome other than the intended ones (no 500, no hang, every stream complete)', () => {
  const problems = results.filter((r) => r.problem);
  const sample = problems.slice(0, 5).map(({ spec, res, problem }) => ({
    id: spec.id,
    model: spec.model ?? spec.kind,
    holder: spec.holder,
    stream: spec.stream,
    problem,
    status: res.status,
    error: res.error,
    ms: Math.round(res.ms),
    body: res.text.slice(0, 200),
  }));
  assert(problems.length === 0, `${problems.length} of ${results.length} requests went wrong`, sample);
  const upstreamErrors = byStatus[502] ?? 0;
  return `${results.length} requests; 502 only on flaky-only: ${upstreamErrors}`;
});

runner.check(`the ${RPM} rpm key was never admitted beyond its bucket`, () => {
  // Capacity RPM at the start (what remained), refilled at RPM per minute during the run.
  const chats = ({ spec }) => spec.holder === 'rpm' && ['chat', 'cached', 'hang-up'].includes(spec.kind);
  const admitted = count((r) => chats(r) && r.res.status !== 429);
  const ceiling = (rpmBefore?.remaining ?? RPM) + Math.ceil(((loadSeconds + 5) * RPM) / 60);
  assert(admitted <= ceiling, `admitted ${admitted}, ceiling ${ceiling}`);
  return `${admitted} admitted (ceiling ${ceiling}), ${count((r) => chats(r) && r.res.status === 429)} refused`;
});

runner.check('every reservation settled; the tight budget held as a hard cap', async () => {
  const all = [...keys.open, keys.rpm, keys.tpm, keys.budget, ...keys.team];
  const usages = await eventually(async () => {
    const read = await Promise.all(
      all.map(async (k) => (await admin(gateway.url, 'GET', `/admin/keys/${k.id}`)).usage),
    );
    const teamUsage = (await admin(gateway.url, 'GET', `/admin/teams/${team.id}`)).usage;
    read.push(teamUsage);
    return read.every((u) => u.reservedUsd === 0) ? read : undefined;
  }, 10_000);
  assert(usages, 'reservations are still held after the run');
  const budget = usages[all.indexOf(keys.budget)];
  assert(budget.spendUsd <= BUDGET_USD, `the budget key spent $${budget.spendUsd} of $${BUDGET_USD}`);
  return `budget key spent $${budget.spendUsd.toFixed(4)} of $${BUDGET_USD}`;
});

runner.check('one D1 log row per request, each with the status the client saw', async () => {
  const expected = results.length;
  const flushStarted = performance.now();
  const n = await waitForLogCount(gateway.db, expected, 60_000);
  // Keyed by the x-request-id each request sent (client_request_id); the row id is the gateway's.
  const rows = new Map((await logRows(gateway.db)).map((row) => [row.client_request_id, row]));
  /** Which kinds of request lost their row: kind/holder/model/stream/status → count. */
  const missing = {};
  for (const { spec, res } of results.filter(({ spec }) => !rows.has(spec.id))) {
    const kind = `${spec.kind}/${spec.holder}/${spec.model ?? ''}/${spec.stream ? 'stream' : 'json'}/${res.status}`;
    missing[kind] = (missing[kind] ?? 0) + 1;
  }
  assert(n === expected, `${n} log rows for ${expected} requests`, missing);
  const wrong = results.filter(({ spec, res }) => rows.get(spec.id)?.status !== res.status);
  assert(
    wrong.length === 0,
    `${wrong.length} rows disagree with the client`,
    wrong.slice(0, 3).map(({ spec, res }) => ({ id: spec.id, client: res.status, row: rows.get(spec.id) })),
  );
  const cancelled = await logCount(gateway.db, 'cancelled = 1');
  const hangUps = count(({ spec, res }) => spec.kind === 'hang-up' && res.status === 200);
  assert(cancelled === hangUps, `${cancelled} rows cancelled for ${hangUps} hang-ups`);
  return `${n} rows, all in D1 ${((performance.now() - flushStarted) / 1000).toFixed(1)} s after the load`;
});

runner.check('one stored row per Responses answer stored, each continuing what it named', async () => {
  const answers = results.filter(({ res }) => res.json?.object === 'response' && res.json.store === true);
  const read = async () =>
    new Map(
      (await gateway.db.prepare('SELECT id, previous_id FROM stored_responses').all()).results.map((row) => [
        row.id,
        row.previous_id,
      ]),
    );
  let rows = new Map();
  await eventually(async () => {
    rows = await read();
    return answers.every(({ res }) => rows.has(res.json.id)) || undefined;
  }, 10_000);
  const lost = answers.filter(({ res }) => !rows.has(res.json.id));
  assert(lost.length === 0, `stored rows missing for ${lost.length} of ${answers.length} answers`);
  const wrong = answers.filter(({ spec, res }) => (rows.get(res.json.id) ?? undefined) !== spec.previous);
  assert(wrong.length === 0, `${wrong.length} stored rows name the wrong previous response`);
  return `${answers.length} answers stored, ${count(({ spec, res }) => spec.kind === 'continue' && res.status === 200)} of them continuations`;
});

runner.check('no upstream call left running', async () => {
  const running = () => upstream.requests.filter((r) => !r.finished && r.abortedAt === undefined);
  const done = await eventually(() => running().length === 0, 5000);
  assert(
    done,
    `${running().length} upstream calls still open`,
    running().map((r) => r.path),
  );
  return `${upstream.requests.length} upstream calls`;
});

await runner.run();
console.log(
  `\n  ${results.length} requests in ${loadSeconds.toFixed(1)} s at c=${CONCURRENCY}: ${(results.length / loadSeconds).toFixed(0)} req/s; p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms; statuses ${JSON.stringify(byStatus)}`,
);
console.log(`  (${((performance.now() - began) / 1000).toFixed(1)} s in all)`);
const code = runner.summary();
agent.destroy();
await gateway.mf.dispose();
await upstream.close();
process.exit(code);
