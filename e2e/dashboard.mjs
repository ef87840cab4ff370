#!/usr/bin/env node
// Browser end-to-end test of the dashboard, in Node (not workerd): starts the gateway with
// `wrangler dev` on a free 127.0.0.1 port with fresh local state, sends known traffic, signs in to
// /dashboard in headless Chromium (Debian's /usr/bin/chromium through playwright-core; never a
// downloaded browser) and checks that the numbers shown are the traffic sent. Saves screenshots to
// test-results/ and docs/dashboard.png. Ends with "N passed, N failed" and a non-zero exit on failure.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const quiet = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' };
const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');
// A premium-model price for the mock, so cost, budgets and savings show real numbers.
const PRICE = { inputPerMTok: 150, outputPerMTok: 600 };
const TOKEN = `tga-e2e-${randomBytes(12).toString('hex')}`;

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? '  ✓' : '  ✗'} ${name}${ok || !detail ? '' : ` — ${detail}`}`);
}
const near = (a, b, eps = 1e-9) => typeof a === 'number' && Math.abs(a - b) <= eps;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------- the gateway ----------
const state = mkdtempSync(join(tmpdir(), 'tollgate-e2e-state-'));
const profile = mkdtempSync(join(tmpdir(), 'tollgate-e2e-chromium-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let dev;
let browser;

async function cleanup() {
  await browser?.close().catch(() => {});
  if (dev && dev.exitCode === null) {
    try {
      process.kill(-dev.pid, 'SIGTERM'); // the process group this script started
    } catch {
      dev.kill('SIGTERM');
    }
  }
  rmSync(state, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}

function finish() {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', 'e2e.json'), `${JSON.stringify({ passed, failed })}\n`);
  console.log(`\ne2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const migrate = spawnSync(
    wranglerBin,
    ['d1', 'migrations', 'apply', 'tollgate', '--local', '--persist-to', state],
    { cwd: root, env: { ...process.env, ...quiet }, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  // A row from 1970, long past the retention period: the cron (run below through /__scheduled) deletes it.
  const old = spawnSync(
    wranglerBin,
    [
      'd1', 'execute', 'tollgate', '--local', '--persist-to', state, '--command',
      "INSERT INTO request_logs (id, time, method, path, status) VALUES ('req_from_1970', 1000, 'POST', '/v1/chat/completions', 200)",
    ],
    { cwd: root, env: { ...process.env, ...quiet }, encoding: 'utf8' },
  );
  if (old.status !== 0) throw new Error(`inserting an old log row failed:\n${old.stdout}\n${old.stderr}`);

  const log = [];
  dev = spawn(
    wranglerBin,
    [
      'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state,
      '--var', `ADMIN_TOKEN:${TOKEN}`, '--test-scheduled', '--show-interactive-dev-session=false',
    ],
    { cwd: root, env: { ...process.env, ...quiet }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [dev.stdout, dev.stderr]) stream.on('data', (chunk) => log.push(String(chunk)));
  if (!(await waitFor(async () => (await fetch(`${base}/`)).ok, 60_000))) {
    throw new Error(`wrangler dev did not come up on ${base}:\n${log.join('').slice(-3000)}`);
  }
  console.log(`• gateway up on ${base}`);

  const expected = await sendTraffic();
  console.log(`• sent ${expected.requests} requests; waiting for their log rows`);
  const arrived = await waitFor(async () => {
    const body = await adminJson(`/admin/analytics?${range()}`);
    return body.totals.requests >= expected.requests;
  }, 30_000);
  check('every request reached the logs (batched, off the response path)', arrived);
  const api = await adminJson(`/admin/analytics?${range()}`);
  check(`analytics API counts ${expected.requests} requests`, api.totals.requests === expected.requests, `got ${api.totals.requests}`);

  const notFound = await fetch(`${base}/no-such-page`);
  const notFoundBody = await notFound.json().catch(() => null);
  check('unknown routes still get the OpenAI-shaped 404', notFound.status === 404 && notFoundBody?.error?.code === 'not_found');

  await retention();
  await browse(expected);
}

/** The hourly cron, run as `npm start` offers it (GET /__scheduled): rows past retention go. */
async function retention() {
  const oldRows = async () =>
    (await adminJson(`/admin/logs?since=1970-01-01T00:00:00.000Z&until=${new Date(Date.now() - 31 * 86_400_000).toISOString()}`)).data.length;
  const before = await oldRows();
  const ran = await fetch(`${base}/__scheduled`);
  const after = await oldRows();
  check('GET /__scheduled runs the cron: a row past retention is deleted', before === 1 && ran.status === 200 && after === 0, `rows before ${before}, status ${ran.status}, rows after ${after}`);
}

// ---------- traffic ----------
const adminFetch = (path, init = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
async function adminJson(path, init) {
  const response = await adminFetch(path, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
const range = () => `since=${new Date(Date.now() - 3_600_000).toISOString()}&until=${new Date(Date.now() + 60_000).toISOString()}`;

async function sendTraffic() {
  const closed = await freePort(); // nothing listens there: the "broken" provider is unreachable
  const config = {
      providers: {
        mock: { type: 'mock' },
        broken: { type: 'openai', baseUrl: `http://127.0.0.1:${closed}/v1`, apiKey: 'sk-e2e-not-used' },
        // A chunk every 250 ms: a stream its client can leave midway (cancelledFilter).
        slow: { type: 'mock', latencyMs: 250 },
      },
      models: {
        fast: { targets: [{ provider: 'mock', model: 'mock-1' }] },
        broken: { targets: [{ provider: 'broken', model: 'gpt-4o-mini' }] },
        slow: { targets: [{ provider: 'slow', model: 'mock-1' }] },
      },
      retry: { attempts: 0 },
      pricing: { 'mock/mock-1': PRICE },
  };
  // The exact cache makes the repeated question a hit (and its saving visible); a build without
  // the cache refuses the field, and the test then runs without hits.
  const cached = await adminFetch('/admin/config', {
    method: 'PUT',
    body: JSON.stringify({ ...config, cache: { exact: { enabled: true } } }),
  });
  if (!cached.ok) await adminJson('/admin/config', { method: 'PUT', body: JSON.stringify(config) });
  const a = await adminJson('/admin/keys', { method: 'POST', body: JSON.stringify({ name: 'search-service', logBodies: true }) });
  const b = await adminJson('/admin/keys', { method: 'POST', body: JSON.stringify({ name: 'batch-jobs', limits: { rpm: 1 } }) });
  const c = await adminJson('/admin/keys', {
    method: 'POST',
    body: JSON.stringify({ name: 'prototype', budget: { usd: 0.02, period: 'day', alertAt: 0.5 } }),
  });
  // A long name, as production keys have: the key filter lists it, and must still fit a phone.
  await adminJson('/admin/keys', {
    method: 'POST',
    body: JSON.stringify({ name: 'analytics-pipeline-nightly-export-to-the-warehouse-production-eu-west' }),
  });

  const sent = [];
  const chat = async (key, body, headers = {}) => {
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let usage;
    if (body.stream) {
      for (const frame of text.split('\n\n')) {
        if (frame.startsWith('data: {') && frame.includes('"usage":{')) usage = JSON.parse(frame.slice(6)).usage;
      }
    } else if (response.ok) usage = JSON.parse(text).usage;
    sent.push({ model: body.model, status: response.status, headers: response.headers, usage });
  };
  const ask = (content, extra = {}) => ({ model: 'fast', messages: [{ role: 'user', content }], ...extra });
  const meta = { 'x-tollgate-metadata': JSON.stringify({ feature: 'search', user: 'u1' }) };

  for (let i = 0; i < 5; i++) await chat(a.key, ask(`What is the capital of country number ${i}?`), meta);
  await chat(a.key, ask('Stream me a haiku about toll roads', { stream: true, stream_options: { include_usage: true } }), meta);
  for (let i = 0; i < 2; i++) await chat(a.key, ask('What is the capital of country number 0?'), meta); // repeats: cache hits when caching is on
  for (let i = 0; i < 2; i++) await chat(a.key, ask(`Will this work ${i}?`, { model: 'broken' }));
  await chat('tg-this-key-does-not-exist-000000000000', ask('hello'));
  for (let i = 0; i < 2; i++) await chat(b.key, ask(`Nightly batch ${i}`));
  for (let i = 0; i < 3; i++) await chat(c.key, ask(`Prototype call ${i}`, { max_tokens: 10 }));
  await chat(a.key, ask('bad metadata'), { 'x-tollgate-metadata': '{"n":1}' });
  // Revoked after its traffic: its rows stay in the logs, and must still show its name.
  await adminJson(`/admin/keys/${b.id}`, { method: 'DELETE' });

  // What the logs must say, from what the clients saw.
  const cacheOf = (r) => {
    const header = r.headers.get('x-tollgate-cache');
    if (header) return header;
    return r.status === 200 && r.headers.get('x-tollgate-provider') ? 'miss' : 'skip';
  };
  const cost = (u) => (u.prompt_tokens * PRICE.inputPerMTok + u.completion_tokens * PRICE.outputPerMTok) / 1e6;
  const hits = sent.filter((r) => cacheOf(r).startsWith('hit'));
  const lookups = sent.filter((r) => cacheOf(r) !== 'skip');
  const paid = sent.filter((r) => r.status === 200 && !cacheOf(r).startsWith('hit'));
  const failures = sent.filter((r) => r.status >= 400);
  const statuses = sent.map((r) => r.status).sort().join(',');
  console.log(`• statuses: ${statuses}; cache: ${sent.map(cacheOf).join(',')}`);
  return {
    keys: { a, b, c },
    requests: sent.length,
    errors: failures.length,
    costUsd: paid.reduce((sum, r) => sum + cost(r.usage), 0),
    savedUsd: hits.reduce((sum, r) => sum + cost(r.usage), 0),
    tokens: paid.reduce((sum, r) => sum + r.usage.prompt_tokens + r.usage.completion_tokens, 0),
    cacheHits: hits.length,
    cacheHitRate: lookups.length ? hits.length / lookups.length : null,
    statuses,
  };
}

// ---------- the browser ----------
async function browse(expected) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    // West of UTC, where a UTC day starts the evening before: the daily charts must still read UTC days.
    timezoneId: 'America/New_York',
  });
  browser = context;
  const page = context.pages()[0] ?? (await context.newPage());
  // Keeps every uPlot chart the page makes (window.__charts), to read its time axis; the page's own
  // script is unchanged: `var uPlot` of the vendored file assigns through this setter.
  await page.addInitScript(() => {
    let real;
    Object.defineProperty(window, 'uPlot', {
      configurable: true,
      get: () => real,
      set(value) {
        real = new Proxy(value, {
          construct(target, args) {
            const chart = Reflect.construct(target, args);
            (window.__charts ??= []).push(chart);
            return chart;
          },
        });
      },
    });
  });
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  const policyViolations = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) policyViolations.push(message.text());
  });

  const served = await page.goto(`${base}/dashboard`);
  check('GET /dashboard serves the sign-in form', await page.locator('#login-form').isVisible());
  const policy = served?.headers()['content-security-policy'] ?? '';
  check(
    "the dashboard comes with a Content-Security-Policy (own origin only, never framed) and nosniff",
    /default-src 'self'/.test(policy) &&
      /frame-ancestors 'none'/.test(policy) &&
      served?.headers()['x-content-type-options'] === 'nosniff',
    `headers: ${JSON.stringify(served?.headers())}`,
  );

  await page.fill('#token', 'not-the-token');
  await page.click('#login-submit');
  await page.locator('#login-error').waitFor({ state: 'visible', timeout: 10_000 });
  check('a wrong token is refused with a message', (await page.textContent('#login-error')).includes('refused'));

  check(
    'the token field says what it holds (autocomplete="current-password")',
    (await page.getAttribute('#token', 'autocomplete')) === 'current-password',
  );
  const signInAnalytics = [];
  const signInLists = [];
  const countAnalytics = (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/admin/analytics') signInAnalytics.push(request.url());
    if (url.pathname === '/admin/keys' || url.pathname === '/admin/teams') signInLists.push(url);
  };
  page.on('request', countAnalytics);
  await page.fill('#token', TOKEN);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  page.off('request', countAnalytics);
  check(
    'signing in lists names without usage (revoked keys too) and usage only of what has a budget',
    signInLists.length === 4 &&
      signInLists.every(
        (url) => url.searchParams.get('usage') === 'false' || url.searchParams.get('budgeted') === 'true',
      ) &&
      signInLists.some(
        (url) => url.pathname === '/admin/keys' && url.searchParams.get('usage') === 'false' && url.searchParams.get('includeRevoked') === 'true',
      ),
    signInLists.map((url) => `${url.pathname}${url.search}`).join(', '),
  );
  check(
    "signing in runs the range's analytics once (the token is checked with a one-row log read)",
    signInAnalytics.length === 1,
    `asked ${signInAnalytics.length} times: ${signInAnalytics.join(', ')}`,
  );
  check('signs in and keeps the token in sessionStorage only', await page.evaluate(
    (t) => sessionStorage.getItem('tollgate.adminToken') === t && localStorage.length === 0,
    TOKEN,
  ));

  const kpi = async (name) => {
    const node = page.locator(`[data-kpi="${name}"]`);
    const raw = await node.getAttribute('data-raw');
    return { text: (await node.textContent()).trim(), raw: raw === '' ? null : Number(raw) };
  };
  const requests = await kpi('requests');
  check(`Requests shows ${expected.requests}`, requests.text === String(expected.requests), `shows ${requests.text}`);
  const errorRate = await kpi('errorRate');
  const wantRate = `${((expected.errors / expected.requests) * 100).toFixed(1)}%`;
  check(`Error rate shows ${wantRate} (${expected.errors} errors)`, errorRate.text === wantRate, `shows ${errorRate.text}`);
  const cost = await kpi('cost');
  check(
    `Cost shows $${expected.costUsd.toFixed(6)}`,
    near(cost.raw, expected.costUsd) && cost.text.startsWith('$'),
    `shows ${cost.text} (${cost.raw})`,
  );
  const costSub = await page.textContent('[data-kpi-sub="cost"]');
  const perAnswered = expected.costUsd / (expected.requests - expected.errors);
  const shownPer = Number(/^\$([\d.]+) per answered request$/.exec(costSub.trim())?.[1]);
  check(
    'the cost per request divides by answered requests, not errors too (and says so)',
    Math.abs(shownPer - perAnswered) <= perAnswered * 0.01,
    `shows "${costSub}", expected about $${perAnswered.toPrecision(3)} per answered request`,
  );
  const tokens = await kpi('tokens');
  check(`Tokens shows ${expected.tokens}`, tokens.raw === expected.tokens, `shows ${tokens.text}`);
  const hitRate = await kpi('cacheHitRate');
  check(
    `Cache hit rate shows ${expected.cacheHitRate === null ? '—' : `${(expected.cacheHitRate * 100).toFixed(1)}%`}`,
    expected.cacheHitRate === null ? hitRate.raw === null : near(hitRate.raw, expected.cacheHitRate, 1e-6),
    `shows ${hitRate.text}`,
  );
  const saved = await kpi('saved');
  check(`Saved shows $${expected.savedUsd.toFixed(6)}`, near(saved.raw ?? 0, expected.savedUsd), `shows ${saved.text}`);
  const p95 = await kpi('p95');
  check('latency p95 is shown', /\d/.test(p95.text), `shows ${p95.text}`);

  const charts = await page.locator('.chart .uplot').count();
  check('three uPlot charts render', charts === 3, `${charts} charts`);

  const fastRow = page.locator('#breakdown tbody tr[data-group-key="fast"]');
  check('the model breakdown lists "fast"', (await fastRow.count()) === 1);
  await page.click('#breakdown-tabs button[data-group="key"]');
  await page.waitForSelector(`#breakdown tbody tr[data-group-key="${expected.keys.a.id}"]`, { timeout: 10_000 });
  check('the key breakdown names keys', (await page.textContent('#breakdown tbody')).includes('search-service'));
  const revokedRow = await page.textContent(`#breakdown tbody tr[data-group-key="${expected.keys.b.id}"]`);
  check('the key breakdown names a revoked key', revokedRow.includes('batch-jobs') && !revokedRow.includes(expected.keys.b.id), revokedRow);
  await page.click('#breakdown-tabs button[data-group="model"]');
  await page.waitForSelector('#breakdown tbody tr[data-group-key="fast"]');

  const alert = page.locator(`[data-budget="${expected.keys.c.id}"] [data-alert="crossed"]`);
  check('the budget card of the $0.02 key shows its soft limit crossed', (await alert.count()) === 1);

  const rows = await page.locator('#logs tbody tr[data-log-id]').count();
  check(`recent requests lists all ${expected.requests}`, rows === expected.requests, `${rows} rows`);
  const keyCells = await page.locator('#logs tbody tr[data-log-id] td.name').allTextContents();
  check(
    "the requests of a revoked key show its name, not its id",
    keyCells.filter((text) => text.includes('batch-jobs')).length === 2 && !keyCells.some((text) => text.startsWith('key_')),
    keyCells.join(' | '),
  );
  await filterHintAndCancelled(page);
  await page.selectOption('#f-status', 'error');
  await page.click('#filters button[type="submit"]');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#logs tbody tr[data-log-id]').length === n,
    expected.errors,
    { timeout: 10_000 },
  ).catch(() => {});
  const errorRows = await page.locator('#logs tbody tr[data-log-id]').count();
  check(`the status filter shows the ${expected.errors} errors`, errorRows === expected.errors, `${errorRows} rows`);
  await page.selectOption('#f-status', '');
  await page.click('#filters button[type="submit"]');
  await page.waitForFunction((n) => document.querySelectorAll('#logs tbody tr[data-log-id]').length === n, expected.requests);

  // The detail of the streamed request of the logBodies key: attempts, tokens, bodies.
  const streamed = page.locator('#logs tbody tr[data-stream="true"]').first();
  await streamed.click();
  await page.locator('#detail-body h3', { hasText: 'Attempts' }).waitFor({ timeout: 10_000 });
  const detail = await page.textContent('#detail-body');
  check(
    'the detail view shows attempts, tokens, cost and the logged bodies',
    detail.includes('mock/mock-1') && detail.includes('Output tokens') && detail.includes('Request body') && detail.includes('haiku'),
  );
  await page.screenshot({ path: join(root, 'test-results', 'dashboard-detail.png') });
  await page.click('#detail-close');

  mkdirSync(join(root, 'test-results'), { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(root, 'test-results', 'dashboard.png'), fullPage: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  copyFileSync(join(root, 'test-results', 'dashboard.png'), join(root, 'docs', 'dashboard.png'));

  await keyboard(page);

  await racingLoads(page, expected);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('no horizontal page overflow at phone width (390 px)', overflow <= 1, `${overflow}px too wide`);
  await page.screenshot({ path: join(root, 'test-results', 'dashboard-phone.png'), fullPage: true });

  await autoRefreshKeepsPages(context, pageErrors);
  await namesPastTheList(context, pageErrors, expected);
  await budgetsPastTheBound(context, pageErrors);
  await analyticsDownKeepsRequests(context, pageErrors, expected);
  // Last: the stream it leaves midway adds a request to the figures the checks above compare.
  await cancelledFilter(context, pageErrors, expected);

  check('no script errors in the page', pageErrors.length === 0, pageErrors.join('; '));
  check('nothing the Content-Security-Policy refused', policyViolations.length === 0, policyViolations.join('; '));
}

/**
 * With Auto on, a refresh every 30 s updates the figures but leaves the requests list alone once
 * the operator has paged it with Load more (pages of 5 here, so that a few requests make pages).
 */
async function autoRefreshKeepsPages(context, pageErrors) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.clock.install();
  await page.route(
    (url) => url.pathname === '/admin/logs' && url.searchParams.get('limit') === '50',
    (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('limit', '5');
      return route.continue({ url: url.href });
    },
  );
  await page.goto(`${base}/dashboard`);
  await page.fill('#token', TOKEN);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  const rows = () => page.locator('#logs tbody tr[data-log-id]').count();
  await page.click('#more');
  await page.waitForFunction(() => document.querySelectorAll('#logs tbody tr[data-log-id]').length === 10);
  await page.check('#auto');
  const lists = [];
  const countLists = (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/admin/keys') || url.pathname.startsWith('/admin/teams')) lists.push(url);
  };
  page.on('request', countLists);
  const refreshed = page.waitForRequest((request) => new URL(request.url()).pathname === '/admin/analytics', {
    timeout: 10_000,
  });
  await page.clock.fastForward(31_000);
  await refreshed;
  await page.waitForFunction(() => !document.body.classList.contains('is-loading'), null, { timeout: 20_000 });
  await page.waitForTimeout(300);
  page.off('request', countLists);
  const kept = await rows();
  check('an automatic refresh keeps the requests paged with Load more (10 rows, not the first 5)', kept === 10, `${kept} rows`);
  check(
    'an automatic refresh reads the usage of budgeted keys and teams only, and does not list names again',
    lists.length === 2 && lists.every((url) => url.searchParams.get('budgeted') === 'true'),
    lists.map((url) => `${url.pathname}${url.search}`).join(', '),
  );
  await page.close();
}

/**
 * Budgeted keys past the list's bound (here: every page of them says more follow) are not read, and
 * the budgets' summary says the cards are only part.
 */
async function budgetsPastTheBound(context, pageErrors) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.route(
    (url) => url.pathname === '/admin/keys' && url.searchParams.get('budgeted') === 'true',
    async (route) => {
      const url = new URL(route.request().url());
      url.searchParams.delete('cursor');
      const response = await route.fetch({ url: url.href });
      return route.fulfill({ json: { ...(await response.json()), nextCursor: 'more' } });
    },
  );
  await page.goto(`${base}/dashboard`);
  await page.fill('#token', TOKEN);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  const summary = await page.locator('#budget-summary').textContent();
  check(
    'the budgets say when more keys with a budget exist than the dashboard reads',
    summary.includes('only the first 2,000'),
    summary,
  );
  await page.close();
}

/**
 * Keys past what the name lists hold (here: lists answering no key at all, as for keys beyond their
 * bound) are still named, each read once on its own as it shows.
 */
async function namesPastTheList(context, pageErrors, expected) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.route(
    (url) => url.pathname === '/admin/keys',
    (route) => route.fulfill({ json: { data: [], nextCursor: null } }),
  );
  const reads = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/admin/keys/')) reads.push(url.pathname);
  });
  await page.goto(`${base}/dashboard`);
  await page.fill('#token', TOKEN);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  const named = () =>
    [...document.querySelectorAll('#logs tbody td.name')].every((cell) => !cell.textContent.startsWith('key_'));
  await page.waitForFunction(named, null, { timeout: 10_000 }).catch(() => {});
  const cells = await page.locator('#logs tbody td.name').allTextContents();
  check(
    'keys the name lists lack are read one by one, once each, and named',
    cells.some((text) => text.includes('search-service')) &&
      cells.some((text) => text.includes('batch-jobs')) &&
      !cells.some((text) => text.startsWith('key_')) &&
      reads.length === new Set(reads).size &&
      reads.length <= Object.keys(expected.keys).length,
    `cells ${cells.join(' | ')}; reads ${reads.join(', ')}`,
  );
  await page.close();
}

/** The filters say they narrow the requests list only; the status filter offers the clients that left. */
async function filterHintAndCancelled(page) {
  const hint = (await page.textContent('#filters-hint').catch(() => '')) ?? '';
  check(
    'the page says the filters narrow the requests list only',
    (await page.isVisible('#filters-hint')) && /this list only/.test(hint),
    hint,
  );
  const offered = (await page.locator('#f-status option[value="cancelled"]').count()) === 1;
  let asked = null;
  if (offered) {
    await page.selectOption('#f-status', 'cancelled');
    const request = page.waitForRequest((r) => new URL(r.url()).pathname === '/admin/logs', { timeout: 10_000 });
    await page.click('#filters button[type="submit"]');
    asked = new URL((await request).url()).searchParams.get('status');
    await page.waitForSelector('#logs tbody td.placeholder:not(:has-text("Loading"))', { timeout: 10_000 });
    await page.selectOption('#f-status', '');
    await page.click('#filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('#logs tbody tr[data-log-id]').length > 0);
  }
  check(
    'the status filter offers "cancelled" (the client left) and asks the logs for status=cancelled',
    offered && asked === 'cancelled',
    `asked ${asked}`,
  );
}

/**
 * A stream its client leaves after the first chunk is logged as a 200 with the cancelled flag: the
 * status filter's "cancelled" finds it (a filter on 499 would not), and the row says so.
 */
async function cancelledFilter(context, pageErrors, expected) {
  const leave = new AbortController();
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    signal: leave.signal,
    headers: { authorization: `Bearer ${expected.keys.a.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'slow',
      stream: true,
      messages: [{ role: 'user', content: 'Count slowly from one to twenty, one word at a time' }],
    }),
  });
  await response.body.getReader().read();
  leave.abort();
  let rows = [];
  await waitFor(async () => {
    rows = (await adminJson(`/admin/logs?${range()}&status=cancelled`)).data;
    return rows.length > 0;
  }, 20_000);
  check(
    'a stream left midway is a 200 row with the cancelled flag, found by status=cancelled',
    rows.length === 1 && rows[0].status === 200 && rows[0].cancelled === true && rows[0].model === 'slow',
    JSON.stringify(rows.map((r) => ({ status: r.status, cancelled: r.cancelled, model: r.model }))),
  );

  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${base}/dashboard`);
  await page.fill('#token', TOKEN);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await page.selectOption('#f-status', 'cancelled');
  await page.click('#filters button[type="submit"]');
  const only = () => {
    const shown = document.querySelectorAll('#logs tbody tr[data-log-id]');
    return shown.length === 1 && shown[0].textContent.includes('cancelled');
  };
  await page.waitForFunction(only, null, { timeout: 10_000 }).catch(() => {});
  const shown = await page.locator('#logs tbody tr[data-log-id]').allTextContents();
  check(
    'the dashboard\'s "cancelled" status filter lists that stream (status 200, flagged cancelled) alone',
    shown.length === 1 && shown[0].includes('200') && shown[0].includes('cancelled') && shown[0].includes('slow'),
    shown.join(' | '),
  );
  await page.close();
}

/** Keyboard use: a request opens with Enter or Space from its named button; the tabs take arrow keys. */
async function keyboard(page) {
  const opener = page.locator('#logs tbody tr[data-log-id] button').first();
  const named = (await page.getByRole('button', { name: /^Details of the request at / }).count()) > 0;
  const opens = async (key) => {
    if ((await opener.count()) === 0) return false;
    await opener.focus();
    await page.keyboard.press(key);
    const open = await page.waitForSelector('#detail[open]', { timeout: 3_000 }).then(() => true, () => false);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail[open]', { state: 'detached', timeout: 3_000 });
    return open;
  };
  const space = await opens('Space');
  const enter = await opens('Enter');
  check('a request row opens with Space and Enter, from a button with a name', named && space && enter, `named ${named}, Space ${space}, Enter ${enter}`);

  const selected = () =>
    page.evaluate(() => {
      const tab = document.querySelector('#breakdown-tabs [aria-selected="true"]');
      return `${tab?.dataset.group}:${document.activeElement === tab}:${document.querySelector('#breakdown-name').textContent}`;
    });
  await page.focus('#tab-model').catch(() => {});
  const steps = [];
  for (const key of ['ArrowRight', 'End', 'ArrowRight', 'Home']) {
    await page.keyboard.press(key);
    await page.waitForTimeout(400);
    steps.push(await selected());
  }
  const wired = await page.evaluate(() =>
    [...document.querySelectorAll('#breakdown-tabs [role="tab"]')].every(
      (tab) =>
        document.getElementById(tab.getAttribute('aria-controls') ?? '')?.getAttribute('role') === 'tabpanel' &&
        tab.tabIndex === (tab.getAttribute('aria-selected') === 'true' ? 0 : -1),
    ),
  );
  check(
    'the breakdown tabs move and select with the arrow keys, Home and End, and control their panel',
    wired && steps.join(' ') === 'provider:true:Provider team:true:Team model:true:Model model:true:Model',
    `steps ${steps.join(' ')}; wired ${wired}`,
  );
}

/** Analytics failing (a 503 for a range too long for D1) still leaves the recent requests to read. */
async function analyticsDownKeepsRequests(context, pageErrors, expected) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.route(
    (url) => url.pathname === '/admin/analytics',
    (route) =>
      route.fulfill({
        status: 503,
        json: { error: { message: 'The analytics query took too long.', type: 'api_error', param: null, code: 'analytics_unavailable' } },
      }),
  );
  await page.goto(`${base}/dashboard`);
  await page.fill('#token', TOKEN);
  await page.click('#login-submit');
  await page.locator('#banner').waitFor({ state: 'visible', timeout: 20_000 });
  await page.waitForFunction(() => !document.body.classList.contains('is-loading'), null, { timeout: 20_000 });
  const rows = await page.locator('#logs tbody tr[data-log-id]').count();
  const banner = await page.textContent('#banner-text');
  check(
    'with analytics failing (503), the banner says so and the recent requests still show',
    rows === expected.requests && banner.includes('took too long'),
    `${rows} rows; banner "${banner}"`,
  );
  await page.close();
}

/** The operator acts while a refresh is still loading: the latest choice is what shows. */
async function racingLoads(page, expected) {
  const hours = (url) => (Date.parse(url.searchParams.get('until')) - Date.parse(url.searchParams.get('since'))) / 3_600_000;
  const idle = () => page.waitForFunction(() => !document.body.classList.contains('is-loading'), null, { timeout: 20_000 });
  // Holds the first /admin/analytics request with `groupBy=model` (a refresh's) until answer(): a slow answer.
  // `marked` adds 1000 requests to its totals, so that drawing it shows.
  const slowRefresh = async ({ marked = false } = {}) => {
    const asked = [];
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    let seen;
    const held = new Promise((resolve) => (seen = resolve));
    let holding = true;
    await page.route((url) => url.pathname === '/admin/analytics', async (route) => {
      const url = new URL(route.request().url());
      asked.push(url);
      if (holding && url.searchParams.get('groupBy') === 'model') {
        holding = false;
        seen(route.request());
        await gate;
        if (marked) {
          const response = await route.fetch();
          const json = await response.json();
          json.totals.requests += 1000;
          return route.fulfill({ response, json }).catch(() => {});
        }
      }
      await route.continue().catch(() => {});
    });
    await idle();
    await page.click('#refresh');
    const request = await held;
    return {
      asked,
      // Lets the slow answer through and waits until the page is done with it.
      async answer() {
        const finished = page.waitForEvent('requestfinished', { predicate: (r) => r.url() === request.url(), timeout: 10_000 });
        release();
        await finished.catch(() => {});
        await idle().catch(() => {});
        await page.waitForTimeout(300);
        await page.unrouteAll({ behavior: 'ignoreErrors' });
      },
    };
  };

  // A new range while the 24-hour load is pending (the slower answer comes last).
  const range = await slowRefresh({ marked: true });
  await page.selectOption('#range', '7d');
  const sevenDays = () => range.asked.some((url) => hours(url) === 168);
  for (let i = 0; i < 25 && !sevenDays(); i++) await page.waitForTimeout(200);
  await range.answer();
  check('a range picked while a refresh loads is loaded: analytics asked for 7 days', sevenDays(), `asked for ${range.asked.map((url) => `${hours(url)} h`).join(', ')}`);
  const updated = await page.textContent('#updated');
  const shown = await page.textContent('[data-kpi="requests"]');
  check(
    'the 7-day figures show once the slower 24-hour answer arrives (not drawn; daily buckets)',
    shown.trim() === String(expected.requests) && updated.includes('daily buckets'),
    `Requests shows ${shown}; "${updated}"`,
  );
  // Daily buckets start at UTC midnight: ticked at New York's midnights (04:00 or 05:00 UTC), each
  // day's bar would sit under the day before.
  const ticks = await page.evaluate(() => (window.__charts ?? []).map((chart) => chart.axes[0]._splits ?? []));
  check(
    'in a browser west of UTC, the daily charts tick at the UTC midnights their buckets start at',
    ticks.length === 3 && ticks.every((splits) => splits.length > 0 && splits.every((t) => t % 86_400 === 0)),
    `tick times (s): ${JSON.stringify(ticks)}`,
  );

  // The Provider tab clicked while a refresh's model breakdown is pending (that answer comes last).
  const tab = await slowRefresh();
  await page.click('#breakdown-tabs button[data-group="provider"]');
  await page.waitForSelector('#breakdown tbody tr[data-group-key="mock"]', { timeout: 10_000 }).catch(() => {});
  await tab.answer();
  const header = await page.textContent('#breakdown-name');
  const keys = await page.locator('#breakdown tbody tr').evaluateAll((rows) => rows.map((row) => row.dataset.groupKey));
  check(
    'the Provider tab keeps provider rows when a slower model breakdown arrives',
    header === 'Provider' && keys.includes('mock') && !keys.includes('fast'),
    `header "${header}", rows ${keys.join(', ')}`,
  );
}

async function waitFor(probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return true;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  return false;
}

let code;
try {
  await main();
  code = finish();
} catch (error) {
  check('the end-to-end run completes', false, error?.stack ?? String(error));
  code = finish();
} finally {
  await cleanup();
}
process.exit(code);
