#!/usr/bin/env node
// `npm run deploy`: one command to production. Creates or reuses the KV namespace, D1 database and
// Vectorize index, writes their ids into wrangler.toml's [env.production], applies D1 migrations
// remotely, asks for missing secrets, deploys, and prints the URL. Needs `wrangler login` (or
// CLOUDFLARE_API_TOKEN) and network access to Cloudflare — unlike everything else in this repo.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDeps, root } from './ensure-deps.mjs';

const ENV = 'production';
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
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' };

function wrangler(args, { capture = false, allowFailure = false } = {}) {
  const result = spawnSync(wranglerBin, args, {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: capture ? ['inherit', 'pipe', 'pipe'] : 'inherit',
  });
  if (result.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    console.error(`\n✗ wrangler ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
  return { ok: result.status === 0, out: result.stdout ?? '' };
}

/** wrangler prints JSON after banners and warnings; take the first JSON array or object in the output. */
function parseJson(text) {
  const start = text.search(/[[{]/);
  return start === -1 ? null : JSON.parse(text.slice(start));
}

const step = (message) => console.log(`\n• ${message}`);

step('Checking the Cloudflare login…');
if (!wrangler(['whoami'], { capture: true, allowFailure: true }).ok) {
  console.error('✗ Not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) and try again.');
  process.exit(1);
}

step(`KV namespace ${NAMES.kv}`);
let kv = (parseJson(wrangler(['kv', 'namespace', 'list'], { capture: true }).out) ?? []).find(
  (n) => n.title === NAMES.kv,
);
if (!kv) {
  const created = wrangler(['kv', 'namespace', 'create', NAMES.kv], { capture: true }).out;
  const id = /id\s*=\s*"([0-9a-f]{32})"/.exec(created)?.[1] ?? /"id":\s*"([0-9a-f]{32})"/.exec(created)?.[1];
  if (!id) throw new Error(`could not read the new namespace id from:\n${created}`);
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
  if (!uuid) throw new Error(`could not read the new database id from:\n${created}`);
  d1 = { uuid };
}
console.log(`  id ${d1.uuid}`);

step(`Vectorize index ${NAMES.vectorize} (${VECTOR_DIMENSIONS} dimensions, cosine)`);
const indexes = parseJson(wrangler(['vectorize', 'list', '--json'], { capture: true }).out) ?? [];
const existing = indexes.find((i) => i.name === NAMES.vectorize);
if (!existing) {
  wrangler(['vectorize', 'create', NAMES.vectorize, `--dimensions=${VECTOR_DIMENSIONS}`, '--metric=cosine']);
} else {
  // Dimensions are fixed at creation; vectors of another length are refused by every upsert and query.
  const dimensions = existing.config?.dimensions;
  if (dimensions !== undefined && dimensions !== VECTOR_DIMENSIONS) {
    console.warn(
      `  ! the index has ${dimensions} dimensions, not ${VECTOR_DIMENSIONS}: semantic caching fails until they match ` +
        `the embedding model (delete the index with \`npx wrangler vectorize delete ${NAMES.vectorize}\` and deploy again).`,
    );
  }
}
// The semantic cache filters by partition, and Vectorize filters only on indexed metadata: made
// sure of on every deploy, so an index left without it by an interrupted run is repaired.
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
const patched = toml
  .replace(/(# deploy:kv-id\n[^\n]*id = ")[^"]*(")/, `$1${kv.id}$2`)
  .replace(/(# deploy:d1-id\n[^\n]*database_id = ")[^"]*(")/, `$1${d1.uuid}$2`);
if (patched !== toml) writeFileSync(tomlPath, patched);

step('Applying D1 migrations (remote)');
wrangler(['d1', 'migrations', 'apply', NAMES.d1, '--remote', '--env', ENV]);

step('Secrets');
const secrets =
  parseJson(wrangler(['secret', 'list', '--env', ENV], { capture: true, allowFailure: true }).out) ?? [];
const have = new Set(secrets.map((s) => s.name));
for (const name of ['ADMIN_TOKEN']) {
  if (have.has(name)) continue;
  if (!process.stdin.isTTY) {
    console.error(
      `✗ ${name} is not set: run \`npx wrangler secret put ${name} --env ${ENV}\` and deploy again.`,
    );
    process.exit(1);
  }
  console.log(`  ${name} is missing; enter it now (it never leaves Cloudflare's secret store):`);
  wrangler(['secret', 'put', name, '--env', ENV]);
}
console.log(
  '  Provider keys: `npx wrangler secret put OPENAI_API_KEY --env production` (and the others you use).',
);

step('Deploying');
const deployed = wrangler(['deploy', '--env', ENV], { capture: true }).out;
process.stdout.write(deployed);
const url = /https:\/\/[^\s]+/.exec(deployed)?.[0];
console.log(`\n✓ Tollgate is live${url ? ` at ${url}` : ''}. Configure providers with PUT /admin/config.`);
