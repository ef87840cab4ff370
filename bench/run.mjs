#!/usr/bin/env node
// `npm run bench`: Tollgate's overhead against the physical floor, on loopback, bounded in time.
// Runs the built bundle (wrangler deploy --dry-run) under Miniflare's programmatic API with local
// DO/KV/D1 — not `wrangler dev`, whose proxy and inspector dwarf what is measured (DESIGN.md §6) —
// next to a minimal pass-through Worker (the floor) run the same way, and a mock upstream.
// Variants are measured in interleaved rounds (A B C A B C …) so machine noise spreads evenly.
// Prints a table and writes bench/results.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { ensureDeps, quietWrangler, root } from '../scripts/ensure-deps.mjs';
import { cpuReadable, treeCpuMs, workerdChildren } from './cpu.mjs';
import { freePort, inspectWorker } from './heap.mjs';
import { PORTKEY_VERSION, portkeyHeaders, startPortkey } from './peers.mjs';
import { startUpstream } from './upstream.mjs';

// A fresh clone installs its dependencies first; only then can Miniflare and wrangler load.
ensureDeps();
const { Miniflare } = await import('miniflare');
const { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } = await import('wrangler');

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const PEERS = args.has('--peers');
const ROUNDS = QUICK ? 2 : 5;
const PER_ROUND_C1 = QUICK ? 60 : 200;
const PER_ROUND_C32 = QUICK ? 320 : 1600;
const SOAK = QUICK ? 2000 : 10_000;
const ADMIN = 'bench-admin-token';

ensureDeps();
Object.assign(process.env, quietWrangler);

// ── build ────────────────────────────────────────────────────────────────────────────────────
const build = spawnSync(
  join(root, 'node_modules', '.bin', 'wrangler'),
  // `--env=` names the top-level (local) environment: the same bindings the tests and `npm start` use.
  ['deploy', '--dry-run', '--outdir', 'dist', '--env='],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...quietWrangler },
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

// ── processes ────────────────────────────────────────────────────────────────────────────────
const upstream = await startUpstream();
const portkey = PEERS ? await startPortkey() : undefined;
const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
// Without the dashboard's static assets: Miniflare runs the asset router as one more JavaScript
// worker in front of every request (about a fifth of local throughput), where on Cloudflare it is
// the platform's routing layer. The floor has none either; `--with-assets` puts it back.
const { assets, ...gatewayOptions } = workerOptions;
const WITH_ASSETS = args.has('--with-assets');
// The inspector lets the soak read the gateway isolate's heap; with no session attached it costs nothing measurable.
const inspectorPort = await freePort();
const gateway = new Miniflare({
  ...gatewayOptions,
  ...(WITH_ASSETS ? { assets } : {}),
  inspectorPort,
  name: 'tollgate',
  modules: true,
  scriptPath: join(root, 'dist', 'index.js'),
  bindings: { ...workerOptions.bindings, ADMIN_TOKEN: ADMIN },
});
const gatewayUrl = (await gateway.ready).href.replace(/\/$/, '');
// Started one after the other, so that each workerd process is known (for CPU per request).
const gatewayPid = workerdChildren()[0];
const floor = new Miniflare({
  name: 'floor',
  modules: true,
  scriptPath: join(root, 'bench', 'floor.mjs'),
  compatibilityDate: workerOptions.compatibilityDate,
  bindings: { UPSTREAM: upstream.url },
  kvNamespaces: ['CACHE'],
});
const floorUrl = (await floor.ready).href.replace(/\/$/, '');
const floorPid = workerdChildren().find((pid) => pid !== gatewayPid);

const db = await gateway.getD1Database('DB');
for (const file of readdirSync(join(root, 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort()) {
  for (const statement of unstable_splitSqlQuery(readFileSync(join(root, 'migrations', file), 'utf8'))) {
    await db.prepare(statement).run();
  }
}

// ── http client ──────────────────────────────────────────────────────────────────────────────
// Idle connections are dropped after 4 s: workerd closes one idle for 5 s, and a request sent on it
// just then gets a connection reset before any of the gateway's code runs (a variant waits that long
// while the others of its round run).
const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });

/** One request; resolves with status, time to first body byte and total time (ms). */
function send(url, body, headers = {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const failed = (error) => {
      const end = performance.now();
      return {
        status: 0,
        error: String(error?.code ?? error),
        headers: {},
        ttfb: end - started,
        total: end - started,
      };
    };
    let firstByte;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload ?? ''),
          ...headers,
        },
      },
      (res) => {
        res.on('data', () => {
          firstByte ??= performance.now();
        });
        res.on('end', () => {
          const end = performance.now();
          resolve({
            status: res.statusCode,
            headers: res.headers,
            ttfb: (firstByte ?? end) - started,
            total: end - started,
          });
        });
        res.on('error', (error) => resolve(failed(error)));
      },
    );
    // A reset or refused connection is a failed request (status 0, counted in `err`), not a crash.
    req.on('error', (error) => resolve(failed(error)));
    req.end(payload);
  });
}

async function json(url, method, body, headers) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// ── gateway setup ────────────────────────────────────────────────────────────────────────────
const adminHeaders = { authorization: `Bearer ${ADMIN}` };
const baseConfig = {
  providers: {
    up: { type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-bench' },
    dead: { type: 'openai', baseUrl: `${upstream.url}/fail/v1`, apiKey: 'sk-bench' },
  },
  models: {
    bench: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] },
    failover: {
      targets: [
        { provider: 'dead', model: 'gpt-4o-mini' },
        { provider: 'up', model: 'gpt-4o-mini' },
      ],
    },
  },
  // Raw failover cost: one failed attempt, then the next target (no same-target retry, no breaker).
  retry: { attempts: 0 },
  circuitBreaker: { enabled: false },
};
let cacheAvailable = true;
try {
  await json(
    `${gatewayUrl}/admin/config`,
    'PUT',
    {
      ...baseConfig,
      cache: {
        exact: { enabled: true, ttlSeconds: 3600 },
        // Off for every key but the semantic one, which opts in; embeddings from the loopback upstream.
        semantic: { enabled: false, embedding: { provider: 'up', model: 'text-embedding-3-small' } },
      },
    },
    adminHeaders,
  );
} catch {
  cacheAvailable = false;
  await json(`${gatewayUrl}/admin/config`, 'PUT', baseConfig, adminHeaders);
}
const { key } = await json(
  `${gatewayUrl}/admin/keys`,
  'POST',
  { name: 'bench', limits: { rpm: 10_000_000, tpm: 10_000_000_000 } },
  adminHeaders,
);
const auth = { authorization: `Bearer ${key}` };
const semanticKey = cacheAvailable
  ? (
      await json(
        `${gatewayUrl}/admin/keys`,
        'POST',
        {
          name: 'bench semantic',
          limits: { rpm: 10_000_000, tpm: 10_000_000_000 },
          cache: { semantic: true },
        },
        adminHeaders,
      )
    ).key
  : undefined;
const semanticAuth = { authorization: `Bearer ${semanticKey}` };
// The same gateway for a key whose policy turns the cache off: no KV read or write per request.
// Locally KV runs as Miniflare's simulation in the same workerd process, which costs far more than
// the gateway's own work; this row separates the two.
const { key: noCacheKey } = await json(
  `${gatewayUrl}/admin/keys`,
  'POST',
  { name: 'bench no cache', limits: { rpm: 10_000_000, tpm: 10_000_000_000 }, cache: { enabled: false } },
  adminHeaders,
);
const noCacheAuth = { authorization: `Bearer ${noCacheKey}` };
// The cache-off key again with a budget (never reached): each request going upstream reserves its
// worst case, drawn from its lease's budget share, and is booked at the key's object off the path.
const { key: budgetKey } = await json(
  `${gatewayUrl}/admin/keys`,
  'POST',
  {
    name: 'bench budget',
    limits: { rpm: 10_000_000, tpm: 10_000_000_000 },
    budget: { usd: 1_000_000, period: 'total' },
    cache: { enabled: false },
  },
  adminHeaders,
);
const budgetAuth = { authorization: `Bearer ${budgetKey}` };

let counter = 0;
/** A unique prompt per request, so the exact cache always misses. */
const chatBody = (model, stream) => ({
  model,
  stream,
  temperature: 0,
  messages: [{ role: 'user', content: `benchmark request ${counter++}` }],
});
const HIT_BODY = {
  model: 'bench',
  temperature: 0,
  messages: [{ role: 'user', content: 'the cached question' }],
};

const variants = {
  direct: (stream) => send(`${upstream.url}/v1/chat/completions`, chatBody('gpt-4o-mini', stream)),
  floor: (stream) => send(`${floorUrl}/v1/chat/completions`, chatBody('gpt-4o-mini', stream)),
  // A reference for the cache-miss row: the floor plus one KV read and one KV write (floor.mjs).
  'floor + KV': (stream) => send(`${floorUrl}/kv/v1/chat/completions`, chatBody('gpt-4o-mini', stream)),
  tollgate: (stream) => send(`${gatewayUrl}/v1/chat/completions`, chatBody('bench', stream), auth),
  'tollgate, cache off': (stream) =>
    send(`${gatewayUrl}/v1/chat/completions`, chatBody('bench', stream), noCacheAuth),
  'tollgate, cache off, budget': (stream) =>
    send(`${gatewayUrl}/v1/chat/completions`, chatBody('bench', stream), budgetAuth),
  'tollgate exact hit': () => send(`${gatewayUrl}/v1/chat/completions`, HIT_BODY, auth),
  // A new wording every time (an exact miss), answered from the semantic cache: the upstream's
  // embedding is the same vector for every text, so each lookup finds the primed answer.
  'tollgate semantic hit': () =>
    send(
      `${gatewayUrl}/v1/chat/completions`,
      { ...HIT_BODY, messages: [{ role: 'user', content: `semantic question ${counter++}` }] },
      semanticAuth,
    ),
  'tollgate failover': (stream) =>
    send(`${gatewayUrl}/v1/chat/completions`, chatBody('failover', stream), auth),
  portkey: (stream) =>
    send(
      `${portkey?.url}/v1/chat/completions`,
      chatBody('gpt-4o-mini', stream),
      portkeyHeaders(`${upstream.url}/v1`),
    ),
  'GET / (no auth)': () => send(`${gatewayUrl}/`),
  'GET /v1/models (auth + DO)': () => send(`${gatewayUrl}/v1/models`, undefined, auth),
};

async function runBatch(fn, count, concurrency, stream) {
  const samples = [];
  let next = 0;
  let errors = 0;
  /** Failed requests by status, or by socket error when there was no answer. */
  const kinds = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const result = await fn(stream);
        if (result.status !== 200) {
          errors++;
          const kind = result.status === 0 ? result.error : String(result.status);
          kinds[kind] = (kinds[kind] ?? 0) + 1;
        }
        samples.push(result);
      }
    }),
  );
  return { samples, errors, kinds, seconds: (performance.now() - started) / 1000 };
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** Interleaved rounds over `names`; returns per-variant stats. */
async function scenario(title, names, { concurrency, perRound, stream = false }) {
  console.error(`… ${title}`);
  const acc = Object.fromEntries(names.map((n) => [n, { samples: [], errors: 0, kinds: {}, seconds: 0 }]));
  for (const name of names) await runBatch(variants[name], Math.min(50, perRound), concurrency, stream); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const batch = await runBatch(variants[name], perRound, concurrency, stream);
      acc[name].samples.push(...batch.samples);
      acc[name].errors += batch.errors;
      for (const [kind, n] of Object.entries(batch.kinds))
        acc[name].kinds[kind] = (acc[name].kinds[kind] ?? 0) + n;
      acc[name].seconds += batch.seconds;
    }
  }
  const rows = {};
  for (const name of names) {
    const { samples, errors, kinds, seconds } = acc[name];
    const totals = samples.map((s) => s.total);
    const ttfbs = samples.map((s) => s.ttfb);
    rows[name] = {
      n: samples.length,
      errors,
      errorKinds: kinds,
      p50: pct(totals, 50),
      p99: pct(totals, 99),
      ttfbP50: pct(ttfbs, 50),
      ttfbP99: pct(ttfbs, 99),
      rps: samples.length / seconds,
    };
  }
  return { title, concurrency, stream, rows };
}

function workerdRssKiB() {
  const ps = spawnSync('ps', ['-eo', 'pid,rss,comm'], { encoding: 'utf8' }).stdout;
  return ps
    .split('\n')
    .filter((line) => /workerd/.test(line))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[1] ?? 0), 0);
}

/** Adds the Portkey row when `--peers` is given. */
const withPeers = (names) => (PEERS ? [...names, 'portkey'] : names);

// ── run ──────────────────────────────────────────────────────────────────────────────────────
const began = performance.now();
const results = [];
// The four main scenarios: JSON and streaming, at c=1 and c=32, each against the floor.
const MAIN = withPeers(['direct', 'floor', 'floor + KV', 'tollgate', 'tollgate, cache off']);
for (const stream of [false, true]) {
  for (const concurrency of [1, 32]) {
    const title = `${stream ? 'streaming' : 'non-streaming'}, c=${concurrency}`;
    const perRound = concurrency === 1 ? PER_ROUND_C1 : PER_ROUND_C32;
    results.push(await scenario(title, MAIN, { concurrency, perRound, stream }));
  }
}
if (cacheAvailable) {
  const primed = await variants['tollgate exact hit']();
  const check = await variants['tollgate exact hit']();
  cacheAvailable = primed.status === 200 && String(check.headers['x-tollgate-cache']).startsWith('hit');
}
if (cacheAvailable) {
  results.push(
    await scenario('exact-cache hit vs floor miss, c=1', ['floor', 'tollgate exact hit'], {
      concurrency: 1,
      perRound: PER_ROUND_C1,
    }),
  );
}
let semanticAvailable = cacheAvailable;
if (semanticAvailable) {
  await variants['tollgate semantic hit']();
  await new Promise((resolve) => setTimeout(resolve, 500)); // the vector is written after the answer
  const check = await variants['tollgate semantic hit']();
  semanticAvailable = check.status === 200 && check.headers['x-tollgate-cache'] === 'hit-semantic';
  if (!semanticAvailable)
    console.error(`semantic cache did not hit (${check.status} ${check.headers['x-tollgate-cache']})`);
}
if (semanticAvailable) {
  results.push(
    await scenario('semantic-cache hit vs floor miss, c=1', ['floor', 'tollgate semantic hit'], {
      concurrency: 1,
      perRound: PER_ROUND_C1,
    }),
  );
}
results.push(
  await scenario('failover from a dead first target, c=1', ['tollgate', 'tollgate failover'], {
    concurrency: 1,
    perRound: PER_ROUND_C1,
  }),
);
for (const concurrency of [1, 32]) {
  results.push(
    await scenario(
      `a key with a budget (cache off), c=${concurrency}`,
      ['tollgate, cache off', 'tollgate, cache off, budget'],
      { concurrency, perRound: concurrency === 1 ? PER_ROUND_C1 : PER_ROUND_C32 },
    ),
  );
}
results.push(
  await scenario('admission (one key), c=1', ['GET / (no auth)', 'GET /v1/models (auth + DO)'], {
    concurrency: 1,
    perRound: PER_ROUND_C1,
  }),
);
results.push(
  await scenario('one key sustained, c=32', ['GET /v1/models (auth + DO)'], {
    concurrency: 32,
    perRound: PER_ROUND_C32,
  }),
);

// CPU per request: each variant's process, over interleaved segments of c=32 JSON requests, with a
// pause before each reading so the background work of the previous segment (log flushes, cache
// writes) is counted where it belongs. The processes include everything they run locally: for the
// gateway that is also Miniflare's KV, D1 and Durable Objects, which on Cloudflare run elsewhere.
const cpu = {};
if (cpuReadable && gatewayPid && floorPid) {
  console.error('… CPU per request');
  const owners = {
    floor: floorPid,
    'floor + KV': floorPid,
    tollgate: gatewayPid,
    'tollgate, cache off': gatewayPid,
    'tollgate, cache off, budget': gatewayPid,
    ...(portkey?.pid ? { portkey: portkey.pid } : {}),
  };
  const perSegment = QUICK ? 400 : 2000;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));
  for (const name of Object.keys(owners)) cpu[name] = { requests: 0, cpuMs: 0, errors: 0 };
  for (let round = 0; round < 2; round++) {
    for (const name of round === 0 ? Object.keys(owners) : Object.keys(owners).reverse()) {
      await runBatch(variants[name], 100, 32, false); // warm
      await settle();
      const before = treeCpuMs(owners[name]);
      const { errors } = await runBatch(variants[name], perSegment, 32, false);
      cpu[name].errors += errors;
      await settle();
      cpu[name].cpuMs += treeCpuMs(owners[name]) - before;
      cpu[name].requests += perSegment;
    }
  }
  for (const row of Object.values(cpu)) row.msPerRequest = row.cpuMs / row.requests;
} else {
  console.error('CPU per request not measured: no /proc, or the workerd processes were not found');
}

// The soak uses the cache-off key: locally KV and D1 keep every entry in the workerd process's
// memory, so cached answers would grow RSS by design. (Log rows still land in local D1, ~1 KiB each.)
console.error(`… soak, ${SOAK} requests`);
await runBatch(variants['tollgate, cache off'], 1000, 32, false); // warm: JIT, pools, first D1 pages
const inspector = await inspectWorker(inspectorPort, 'tollgate', () => send(`${gatewayUrl}/`));
const heapBefore = await inspector.heapAfterGc();
const rssBefore = workerdRssKiB();
const soak = await runBatch(variants['tollgate, cache off'], SOAK, 32, false);
const rssAfter = workerdRssKiB();
await new Promise((resolve) => setTimeout(resolve, 3000)); // let the last log appends and D1 flushes finish
const heapAfter = await inspector.heapAfterGc();
inspector.close();

// ── report ───────────────────────────────────────────────────────────────────────────────────
const f = (n) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `\nTollgate benchmark — ${ROUNDS} interleaved rounds per scenario, loopback, Miniflare/workerd${WITH_ASSETS ? ', with the static-asset router' : ''}\n`,
);
for (const { title, rows, stream } of results) {
  console.log(`▸ ${title}`);
  console.log(
    `  ${'variant'.padEnd(28)} ${'n'.padStart(6)} ${'err'.padStart(4)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}${stream ? `${'ttfb50'.padStart(8)}${'ttfb99'.padStart(8)}` : ''} ${'req/s'.padStart(9)}`,
  );
  for (const [name, r] of Object.entries(rows)) {
    console.log(
      `  ${name.padEnd(28)} ${String(r.n).padStart(6)} ${String(r.errors).padStart(4)} ${f(r.p50).padStart(8)} ${f(r.p99).padStart(8)}${stream ? `${f(r.ttfbP50).padStart(8)}${f(r.ttfbP99).padStart(8)}` : ''} ${r.rps.toFixed(0).padStart(9)}`,
    );
    if (r.errors > 0) {
      const kinds = Object.entries(r.errorKinds).map(([kind, n]) => `${n}× ${kind}`);
      console.log(`  ${''.padEnd(28)} errors: ${kinds.join(', ')}`);
    }
  }
  for (const name of ['tollgate', 'tollgate, cache off', 'portkey']) {
    if (!rows.floor || !rows[name]) continue;
    if (rows[name].errors === rows[name].n) {
      console.log(`  ${name}: every request failed — nothing to compare`);
      continue;
    }
    const t = rows[name];
    const fl = rows.floor;
    console.log(
      `  ${name} − floor: p50 +${f(t.p50 - fl.p50)} ms, p99 +${f(t.p99 - fl.p99)} ms${stream ? `, ttfb p50 +${f(t.ttfbP50 - fl.ttfbP50)} ms` : ''}; throughput ${((100 * t.rps) / fl.rps).toFixed(0)}% of the floor's`,
    );
  }
  if (rows['floor + KV'] && rows.tollgate) {
    const t = rows.tollgate;
    const fk = rows['floor + KV'];
    console.log(
      `  tollgate − floor + KV (the same KV read and write): p50 +${f(t.p50 - fk.p50)} ms, p99 +${f(t.p99 - fk.p99)} ms${stream ? `, ttfb p50 +${f(t.ttfbP50 - fk.ttfbP50)} ms` : ''}; throughput ${((100 * t.rps) / fk.rps).toFixed(0)}% of its`,
    );
  }
  // Only when Portkey answered: its failures are fast and would flatter it.
  if (rows.portkey && rows.tollgate && rows.portkey.errors === 0) {
    const share = (name) => ((100 * rows[name].rps) / rows.portkey.rps).toFixed(0);
    console.log(
      `  throughput vs portkey: tollgate ${share('tollgate')}%, cache off ${share('tollgate, cache off')}%`,
    );
  }
  const budgeted = rows['tollgate, cache off, budget'];
  const plain = rows['tollgate, cache off'];
  if (budgeted && plain) {
    console.log(
      `  budget − none: p50 +${f(budgeted.p50 - plain.p50)} ms, p99 +${f(budgeted.p99 - plain.p99)} ms; throughput ${((100 * budgeted.rps) / plain.rps).toFixed(0)}% of the key without one`,
    );
  }
  for (const [name, r] of Object.entries(rows)) {
    if (!rows.floor || !name.endsWith(' hit')) continue;
    console.log(
      `  ${name} vs floor miss: p50 ${f(r.p50)} vs ${f(rows.floor.p50)} ms (${r.p50 < rows.floor.p50 ? 'below' : 'ABOVE'} the floor)`,
    );
  }
  console.log('');
}
if (Object.keys(cpu).length > 0) {
  console.log(
    "▸ CPU per request (JSON, c=32; the whole process: locally the gateway's also runs KV, D1 and its Durable Objects)",
  );
  for (const [name, row] of Object.entries(cpu)) {
    const vsFloor =
      name === 'floor' ? '' : ` (${(row.msPerRequest / cpu.floor.msPerRequest).toFixed(2)}× the floor)`;
    // Failed requests are cheap: a figure with any is not comparable, and says so.
    const failed = row.errors > 0 ? ` — ${row.errors} of ${row.requests} requests failed` : '';
    console.log(`  ${name.padEnd(28)} ${row.msPerRequest.toFixed(3)} ms${vsFloor}${failed}`);
  }
  console.log('');
}
console.log(
  `▸ soak (cache-off key, after 1,000 warm-up requests): ${SOAK} requests at c=32, ${soak.errors} errors; workerd RSS ${(rssBefore / 1024).toFixed(1)} MiB → ${(rssAfter / 1024).toFixed(1)} MiB; gateway isolate heap after GC ${mib(heapBefore)} → ${mib(heapAfter)} MiB`,
);
if (!cacheAvailable) console.log('▸ exact-cache hit: not measured (the cache is not enabled in this build)');
if (!semanticAvailable)
  console.log('▸ semantic-cache hit: not measured (no semantic hit; see the message above)');
console.log(`\n(${((performance.now() - began) / 1000).toFixed(0)} s)`);

writeFileSync(
  join(root, 'bench', 'results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, withAssets: WITH_ASSETS, peers: PEERS ? { portkey: PORTKEY_VERSION } : null, results, cpu, soak: { requests: SOAK, errors: soak.errors, rssBeforeKiB: rssBefore, rssAfterKiB: rssAfter, heapBeforeBytes: heapBefore, heapAfterBytes: heapAfter } }, null, 2)}\n`,
);

agent.destroy();
portkey?.stop();
await Promise.all([gateway.dispose(), floor.dispose()]);
upstream.server.closeAllConnections();
upstream.server.close();
// Whatever a peer or a runtime may still hold open, the run is over.
process.exit(0);
