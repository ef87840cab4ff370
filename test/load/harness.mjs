// Shared by the fault and load suites: the built bundle under Miniflare's programmatic API with
// local DO/KV/D1 (as bench/run.mjs runs it, never `wrangler dev`), an HTTP client with a hard
// deadline per request (a hang is a failure, not a stuck suite), log-row counting, and a tiny
// sequential runner that prints `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { ensureDeps, quietWrangler, root } from '../../scripts/ensure-deps.mjs';

// A fresh clone installs its dependencies first; only then can Miniflare and wrangler load.
ensureDeps();
const { Miniflare } = await import('miniflare');
const { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } = await import('wrangler');

export const ADMIN = 'reliability-admin-token';
/** Its own output folder, so a concurrent `npm run bench` (which builds into dist/) is not disturbed. */
const OUTDIR = join(root, 'dist', 'reliability');

/** `wrangler deploy --dry-run`: the exact bundle a deploy would upload. RELIABILITY_SKIP_BUILD=1 reuses the last. */
export function buildBundle() {
  ensureDeps();
  Object.assign(process.env, quietWrangler);
  if (process.env.RELIABILITY_SKIP_BUILD === '1') return;
  const build = spawnSync(
    join(root, 'node_modules', '.bin', 'wrangler'),
    // `--env ''`: the top-level (local) environment, said explicitly so wrangler does not warn.
    ['deploy', '--dry-run', '--outdir', OUTDIR, '--env', ''],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...quietWrangler } },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** The gateway with fresh in-memory storage and the D1 migrations applied. */
export async function startGateway() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
  const mf = new Miniflare({
    ...workerOptions,
    name: 'tollgate',
    modules: true,
    scriptPath: join(OUTDIR, 'index.js'),
    bindings: { ...workerOptions.bindings, ADMIN_TOKEN: ADMIN },
  });
  const url = (await mf.ready).href.replace(/\/$/, '');
  const db = await mf.getD1Database('DB');
  const migrations = join(root, 'migrations');
  for (const file of readdirSync(migrations)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    for (const statement of unstable_splitSqlQuery(readFileSync(join(migrations, file), 'utf8'))) {
      await db.prepare(statement).run();
    }
  }
  return { mf, url, db };
}

/** An admin call; throws unless it succeeds. */
export async function admin(gatewayUrl, method, path, body) {
  const res = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

export const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * One HTTP request to the gateway. Resolves (never rejects) with status (0 when the connection
 * failed or the deadline passed), headers, the body text, its JSON or SSE events, and timings.
 * `onData(text so far, abort)` sees the body as it arrives and may abort (a client disconnect).
 * `fresh` sends on a connection of its own instead of the shared keep-alive pool.
 */
export function send(
  url,
  { method = 'POST', body, headers = {}, deadlineMs = 15_000, onData, fresh = false } = {},
) {
  return new Promise((resolve) => {
    const started = performance.now();
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    let settled = false;
    let text = '';
    let status = 0;
    let responseHeaders = {};
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        status,
        headers: responseHeaders,
        text,
        ms: performance.now() - started,
        ...outcome,
        ...parse(text, responseHeaders),
      });
    };
    const req = request(url, {
      method,
      agent: fresh ? false : agent,
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }),
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ timedOut: true });
    }, deadlineMs);
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      responseHeaders = res.headers;
      res.setEncoding('utf8');
      res.on('data', (part) => {
        text += part;
        onData?.(text, () => {
          req.destroy();
          finish({ aborted: true });
        });
      });
      res.on('end', () => finish({}));
      res.on('error', (error) => finish({ error: String(error) }));
      res.on('close', () => finish({ error: settled ? undefined : 'connection closed early' }));
    });
    req.on('error', (error) => finish({ error: String(error) }));
    req.end(payload);
  });
}

function parse(text, headers) {
  if (String(headers['content-type'] ?? '').includes('text/event-stream')) {
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    return { events };
  }
  try {
    return { json: JSON.parse(text) };
  } catch {
    return {};
  }
}

/** OpenAI's error shape: `{error: {message, type, param, code}}`, all four present. */
export function isOpenAIError(value) {
  const e = value?.error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.message === 'string' &&
    typeof e.type === 'string' &&
    'param' in e &&
    'code' in e
  );
}

export async function logCount(db, where = '1 = 1', ...binds) {
  const row = await db
    .prepare(`SELECT COUNT(*) AS n FROM request_logs WHERE ${where}`)
    .bind(...binds)
    .first();
  return row?.n ?? 0;
}

/**
 * Rows reach D1 after the response: ctx.waitUntil → LogBuffer object → its alarm (about a second
 * later) → one batch insert. Waits until `expected` rows match, or the deadline passes.
 */
export async function waitForLogCount(db, expected, timeoutMs = 15_000, where = '1 = 1', ...binds) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await logCount(db, where, ...binds);
    if (n >= expected || Date.now() > deadline) return n;
    await sleep(200);
  }
}

export async function logRows(db, where = '1 = 1', ...binds) {
  const { results } = await db
    .prepare(`SELECT * FROM request_logs WHERE ${where}`)
    .bind(...binds)
    .all();
  return results;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` is truthy (polled), or the deadline passes; returns its last value. */
export async function eventually(check, timeoutMs = 5000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}

/**
 * Sequential checks: `check(name, fn)` records, `run()` executes and prints, `summary()` returns the
 * exit code. A watchdog ends the process as a failure if the whole suite outlives `limitSeconds`.
 */
export function createRunner(title, { limitSeconds }) {
  const checks = [];
  let passed = 0;
  let failed = 0;
  setTimeout(() => {
    console.log(`\n  ✗ the suite did not finish within ${limitSeconds} s`);
    console.log(`\n${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  }, limitSeconds * 1000).unref();
  return {
    check(name, fn) {
      checks.push({ name, fn });
    },
    async run() {
      console.log(`\n${title}\n`);
      for (const { name, fn } of checks) {
        const started = performance.now();
        try {
          const note = await fn();
          passed++;
          console.log(
            `  ✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)${note ? ` — ${note}` : ''}`,
          );
        } catch (error) {
          failed++;
          console.log(`  ✗ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
          console.log(`      ${String(error?.message ?? error).replace(/\n/g, '\n      ')}`);
        }
      }
      return { passed, failed };
    },
    /** Counts a check that ran outside `run()` (a failed setup, a late invariant). */
    record(ok, name, detail) {
      if (ok) passed++;
      else failed++;
      console.log(`  ${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
    },
    summary() {
      console.log(`\n${passed} passed, ${failed} failed`);
      // CI adds these counts to its closing line.
      if (process.env.RESULTS_FILE) {
        writeFileSync(process.env.RESULTS_FILE, JSON.stringify({ passed, failed }));
      }
      return failed === 0 ? 0 : 1;
    },
  };
}

/** Throws with `message` (and what was seen) unless `ok`. */
export function assert(ok, message, seen) {
  if (!ok) throw new Error(seen === undefined ? message : `${message}\n${describe(seen)}`);
}

function describe(seen) {
  if (seen && typeof seen === 'object' && 'status' in seen && 'text' in seen) {
    const { status, text, timedOut, error, ms } = seen;
    return `status ${status}${timedOut ? ' (timed out)' : ''}${error ? ` (${error})` : ''} after ${Math.round(ms)} ms: ${text.slice(0, 400)}`;
  }
  return JSON.stringify(seen)?.slice(0, 600);
}
