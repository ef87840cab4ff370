#!/usr/bin/env node
// `npm run deploy`: one command to production. Creates or reuses the KV namespace, D1 database and
// Vectorize index, writes their ids into wrangler.toml's [env.production], applies D1 migrations
// remotely, deploys, sets a generated ADMIN_TOKEN when none is set, and prints the URL. Needs `wrangler login` (or
// CLOUDFLARE_API_TOKEN) and network access to Cloudflare — unlike everything else in this repo.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ensureDeps, root } from './ensure-deps.mjs';

const ENV = 'production';
/** Where a generated ADMIN_TOKEN is left for the user (.gitignore lists it). */
const TOKEN_FILE_NAME = '.admin-token';
const NAMES = {
  kv: 'tollgate-cache',
  d1: 'tollgate',
  vectorize: 'tollgate-semantic-cache',
};
// The semantic cache's embedding model decides the index's dimensions: 768 for the default
// @cf/baai/bge-base-en-v1.5; set TOLLGATE_EMBEDDING_DIMENSIONS for another model (1536 for OpenAI's
// text-embedding-3-small, 1024 for bge-large…). The cache compares by cosine.
const VECTOR_DIMENSIONS = Number(process.env.TOLLGATE_EMBEDDING_DIMENSIONS ?? 768);
if (!Number.isInteger(VECTOR_DIMENSIONS) || VECTOR_DIMENSIONS < 1 || VECTOR_DIMENSIONS > 1536) {
  console.error("✗ TOLLGATE_EMBEDDING_DIMENSIONS must be a whole number from 1 to 1536 (Vectorize's limit).");
  process.exit(1);
}

ensureDeps();
const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');
const TOKEN_FILE = join(root, TOKEN_FILE_NAME);
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' };

function fail(message) {
  console.error(`\n✗ ${message}`);
  process.exit(1);
}

/**
 * Runs wrangler. `capture` reads its output (wrangler then runs non-interactively: its prompts take
 * their fallback answers, so only calls that ask nothing are captured); otherwise it talks to the
 * terminal. Stops the deploy on failure unless `allowFailure`.
 */
function wrangler(args, { capture = false, allowFailure = false, extraEnv = {}, input } = {}) {
  const result = spawnSync(wranglerBin, args, {
    cwd: root,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    input,
    stdio: capture ? [input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'] : 'inherit',
  });
  if (result.error) fail(`could not run wrangler (${result.error.message}); try \`npm install\`.`);
  const out = result.stdout ?? '';
  const err = result.stderr ?? '';
  if (result.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(`${out}${err}`);
    fail(`wrangler ${args.join(' ')} failed`);
  }
  return { ok: result.status === 0, out, err };
}

async function ask(question) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** wrangler prints JSON after banners and warnings; take the first JSON array or object in the output. */
function parseJson(text) {
  const start = text.search(/[[{]/);
  return start === -1 ? null : JSON.parse(text.slice(start));
}

/**
 * The account wrangler.toml deploys production to: [env.production]'s account_id, else the top
 * level's (wrangler treats an empty one as none).
 */
function configuredAccount(toml) {
  const found = {};
  let table = '';
  for (const line of toml.split(/\r?\n/)) {
    const header = /^\s*\[{1,2}\s*([^\]]+?)\s*\]/.exec(line);
    if (header) table = header[1];
    const id = /^\s*account_id\s*=\s*["']([^"']*)["']/.exec(line);
    if (id && !(table in found)) found[table] = id[1];
  }
  return found[`env.${ENV}`] || found[''] || undefined;
}

const step = (message) => console.log(`\n• ${message}`);

step('Checking the Cloudflare login…');
// Plain `whoami` exits 0 when logged out; `--json` fails then.
const whoami = wrangler(['whoami', '--json'], { capture: true, allowFailure: true });
let user;
try {
  user = whoami.ok ? parseJson(whoami.out) : null;
} catch {
  user = null;
}
if (!user?.loggedIn)
  fail('Not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) and try again.');
// The calls whose output is read run without a terminal, where wrangler cannot ask which account
// to use: settle it here. An account_id in wrangler.toml is passed on too, since not every command
// reads it: `d1 migrations list --remote` asks for an account of its own (wrangler 4's
// `requireAuth({})`), and fails non-interactively on a login with several.
if (!env.CLOUDFLARE_ACCOUNT_ID) {
  const configured = configuredAccount(readFileSync(join(root, 'wrangler.toml'), 'utf8'));
  if (configured) env.CLOUDFLARE_ACCOUNT_ID = configured;
}
if (!env.CLOUDFLARE_ACCOUNT_ID) {
  const accounts = Array.isArray(user.accounts) ? user.accounts : [];
  if (accounts.length === 1) env.CLOUDFLARE_ACCOUNT_ID = accounts[0].id;
  else if (accounts.length > 1) {
    if (!process.stdin.isTTY)
      fail('This login has several accounts: set CLOUDFLARE_ACCOUNT_ID to the one to deploy to.');
    for (const [i, account] of accounts.entries()) console.log(`  ${i + 1}. ${account.name} (${account.id})`);
    const choice = accounts[Number(await ask('  Deploy to which account? ')) - 1];
    if (!choice) fail('No such account.');
    env.CLOUDFLARE_ACCOUNT_ID = choice.id;
  }
}

step(`KV namespace ${NAMES.kv}`);
let kv = (parseJson(wrangler(['kv', 'namespace', 'list'], { capture: true }).out) ?? []).find(
  (n) => n.title === NAMES.kv,
);
if (!kv) {
  const created = wrangler(['kv', 'namespace', 'create', NAMES.kv], { capture: true }).out;
  const id = /id\s*=\s*"([0-9a-f]{32})"/.exec(created)?.[1] ?? /"id":\s*"([0-9a-f]{32})"/.exec(created)?.[1];
  if (!id) fail(`could not read the new namespace id from:\n${created}`);
  kv = { id };
}
console.log(`  id ${kv.id}`);

step(`D1 database ${NAMES.d1}`);
let d1 = (parseJson(wrangler(['d1', 'list', '--json'], { capture: true }).out) ?? []).find(
  (d) => d.name === NAMES.d1,
);
if (!d1) {
  const created = wrangler(['d1', 'create', NAMES.d1], { capture: true }).out;
  const uuid = /"?database_id"?\s*[=:]\s*"([0-9a-f-]{36})"/.exec(created)?.[1];
  if (!uuid) fail(`could not read the new database id from:\n${created}`);
  d1 = { uuid };
}
console.log(`  id ${d1.uuid}`);

step(`Vectorize index ${NAMES.vectorize} (${VECTOR_DIMENSIONS} dimensions, cosine)`);
const indexes = parseJson(wrangler(['vectorize', 'list', '--json'], { capture: true }).out) ?? [];
const existing = indexes.find((i) => i.name === NAMES.vectorize);
if (!existing) {
  wrangler(['vectorize', 'create', NAMES.vectorize, `--dimensions=${VECTOR_DIMENSIONS}`, '--metric=cosine']);
} else {
  // Dimensions and metric are fixed at creation; vectors of another length are refused by every
  // upsert and query, and the similarity threshold means cosine similarity.
  const { dimensions, metric } = existing.config ?? {};
  const recreate = `delete the index with \`npx wrangler vectorize delete ${NAMES.vectorize}\` and deploy again`;
  if (dimensions !== undefined && dimensions !== VECTOR_DIMENSIONS) {
    console.warn(
      `  ! the index has ${dimensions} dimensions, not ${VECTOR_DIMENSIONS}: semantic caching fails until they match the embedding model (${recreate}).`,
    );
  }
  if (metric !== undefined && metric !== 'cosine') {
    console.warn(
      `  ! the index compares by ${metric}, not cosine: the similarity threshold means nothing (${recreate}).`,
    );
  }
}
// The semantic cache filters by partition, and Vectorize filters only on indexed metadata (indexed
// from when the metadata index exists: vectors stored before it are not): checked on every deploy,
// so an index an interrupted first run left without it is repaired before it fills.
const listed = parseJson(
  wrangler(['vectorize', 'list-metadata-index', NAMES.vectorize, '--json'], {
    capture: true,
    allowFailure: true,
  }).out,
);
const metadataIndexes = Array.isArray(listed) ? listed : (listed?.metadataIndexes ?? []);
if (!metadataIndexes.some((m) => m.propertyName === 'partition')) {
  wrangler([
    'vectorize',
    'create-metadata-index',
    NAMES.vectorize,
    '--property-name=partition',
    '--type=string',
  ]);
}

step('Writing the ids into wrangler.toml [env.production]');
const tomlPath = join(root, 'wrangler.toml');
const toml = readFileSync(tomlPath, 'utf8');
let patched = toml;
for (const [marker, field, value] of [
  ['kv-id', 'id', kv.id],
  ['d1-id', 'database_id', d1.uuid],
]) {
  const pattern = new RegExp(`(# deploy:${marker}\\r?\\n[^\\n]*\\b${field} = ")[^"]*(")`);
  if (!pattern.test(patched))
    fail(`wrangler.toml has no \`# deploy:${marker}\` line above [env.production]'s ${field}: put it back.`);
  patched = patched.replace(pattern, `$1${value}$2`);
}
if (patched !== toml) writeFileSync(tomlPath, patched);

step('Applying D1 migrations (remote)');
wrangler(['d1', 'migrations', 'apply', NAMES.d1, '--remote', '--env', ENV]);
// Declining wrangler's "continue?" ends it without an error: never deploy code ahead of its schema.
const pending = wrangler(['d1', 'migrations', 'list', NAMES.d1, '--remote', '--env', ENV], { capture: true });
if (!/No migrations to apply/i.test(`${pending.out}${pending.err}`))
  fail(
    'The D1 migrations are not all applied, so nothing was deployed. Run `npm run deploy` again to apply them.',
  );

step('Deploying');
// At the terminal, so wrangler can ask what it needs to (a workers.dev subdomain, a custom domain
// that points elsewhere); where it deployed to is read from its output file.
const outputDir = mkdtempSync(join(tmpdir(), 'tollgate-deploy-'));
const outputFile = join(outputDir, 'output.jsonl');
let targets = [];
try {
  wrangler(['deploy', '--env', ENV], { extraEnv: { WRANGLER_OUTPUT_FILE_PATH: outputFile } });
  if (existsSync(outputFile)) {
    for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
      const entry = line.trim() ? JSON.parse(line) : undefined;
      if (entry?.type === 'deploy' && Array.isArray(entry.targets)) targets = entry.targets;
    }
  }
} finally {
  rmSync(outputDir, { recursive: true, force: true });
}
// "name.sub.workers.dev", "https://…" or "ai.example.com (custom domain)": the URLs.
const urls = targets
  .map((target) =>
    String(target)
      .replace(/\s*\(.*\)$/, '')
      .trim(),
  )
  .filter((target) => target && !target.includes('*') && !target.startsWith('schedule:'))
  .map((target) => (/^https?:\/\//.test(target) ? target : `https://${target}`));

step('Secrets');
// After the deploy: `secret put` on a Worker that does not exist yet would make an empty draft of
// it. Until ADMIN_TOKEN is set, the deployed admin API refuses every call.
const secretList = wrangler(['secret', 'list', '--env', ENV], { capture: true, allowFailure: true });
if (!secretList.ok) {
  process.stderr.write(`${secretList.out}${secretList.err}`);
  fail(
    'Could not list the secrets (above); set ADMIN_TOKEN with `npx wrangler secret put ADMIN_TOKEN --env production` if it is missing.',
  );
}
const have = new Set((parseJson(secretList.out) ?? []).map((secret) => secret.name));
if (!have.has('ADMIN_TOKEN')) {
  // Generated, never typed: the admin API is on the internet and answers any guess, so a memorable
  // token is a guessable one. Piped to wrangler (not a prompt), so it works without a terminal too;
  // kept in a file only this user can read rather than printed into what may be a CI log.
  const token = `tga-${randomBytes(24).toString('base64url')}`;
  // Saved before it is set: set first, a file that cannot be written would leave a token no one
  // knows, and the next deploy, finding one set, would not make another. A file already there
  // keeps its mode on a write: chmod makes it the owner's alone.
  try {
    writeFileSync(TOKEN_FILE, `${token}\n`, { mode: 0o600 });
    chmodSync(TOKEN_FILE, 0o600);
  } catch (error) {
    fail(
      `Deployed, but ADMIN_TOKEN is not set: ${TOKEN_FILE_NAME} could not be written (${error.message}). Run \`npx wrangler secret put ADMIN_TOKEN --env production\` with a long random value.`,
    );
  }
  const put = wrangler(['secret', 'put', 'ADMIN_TOKEN', '--env', ENV], {
    capture: true,
    allowFailure: true,
    input: token,
  });
  if (!put.ok) {
    rmSync(TOKEN_FILE, { force: true });
    process.stderr.write(`${put.out}${put.err}`);
    fail(
      'Deployed, but ADMIN_TOKEN could not be set (above), so the admin API refuses every call: run `npx wrangler secret put ADMIN_TOKEN --env production` with a long random value.',
    );
  }
  console.log(
    `  ADMIN_TOKEN was not set: a generated one is now, saved in ${TOKEN_FILE_NAME} (readable by you alone; gitignored). Keep it in your password manager and delete the file.`,
  );
}
console.log(
  '  Provider keys: `npx wrangler secret put OPENAI_API_KEY --env production` (and the others you use).',
);

console.log(
  `\n✓ Tollgate is live${urls.length ? ` at ${urls.join(' and ')}` : ''}. Configure providers with PUT /admin/config.`,
);
