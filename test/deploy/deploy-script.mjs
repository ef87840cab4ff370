#!/usr/bin/env node
// `npm run test:deploy`: scripts/deploy.mjs against a fake wrangler (fake-wrangler.cjs) in a copy
// of the project, through the runs a real account sees: logged out, several accounts (or one named
// by wrangler.toml's account_id), a first deploy (everything created, ids written back), a repeat
// (nothing created), migrations declined, secrets unreadable or not settable, a CRLF wrangler.toml, a missing id
// marker, an index of the wrong shape.
// Prints `N passed, N failed` (and writes them to RESULTS_FILE when set); exits non-zero on a failure.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'tollgate-deploy-test-'));
const statePath = join(work, 'state.json');
mkdirSync(join(work, 'scripts'));
mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
for (const name of ['deploy.mjs', 'ensure-deps.mjs'])
  copyFileSync(join(root, 'scripts', name), join(work, 'scripts', name));
copyFileSync(
  join(root, 'test', 'deploy', 'fake-wrangler.cjs'),
  join(work, 'node_modules', '.bin', 'wrangler'),
);
spawnSync('chmod', ['+x', join(work, 'node_modules', '.bin', 'wrangler')]);
writeFileSync(join(work, 'node_modules', '.bin', 'vitest'), ''); // ensureDeps looks for it
const originalToml = readFileSync(join(root, 'wrangler.toml'), 'utf8');

const ONE_ACCOUNT = [{ id: 'acc-1', name: 'Main' }];
const fresh = (over = {}) => ({
  loggedIn: true,
  accounts: ONE_ACCOUNT,
  kv: [],
  d1: [],
  indexes: [],
  metadataIndexes: [],
  secrets: [],
  migrated: false,
  calls: [],
  ...over,
});
/** Everything a first deploy made, and the secret set. */
const deployedBefore = (over = {}) =>
  fresh({
    kv: [{ id: 'b'.repeat(32), title: 'tollgate-cache' }],
    d1: [{ uuid: '99999999-8888-7777-6666-555555555555', name: 'tollgate' }],
    indexes: [{ name: 'tollgate-semantic-cache', config: { dimensions: 768, metric: 'cosine' } }],
    metadataIndexes: [{ propertyName: 'partition', indexType: 'String' }],
    secrets: ['ADMIN_TOKEN'],
    migrated: true,
    ...over,
  });

function deploy(state, { toml = originalToml, env = {} } = {}) {
  writeFileSync(statePath, JSON.stringify(state));
  writeFileSync(join(work, 'wrangler.toml'), toml);
  const environment = { ...process.env, FAKE_WRANGLER_STATE: statePath, ...env };
  delete environment.CLOUDFLARE_ACCOUNT_ID;
  Object.assign(environment, env);
  const run = spawnSync(process.execPath, [join(work, 'scripts', 'deploy.mjs')], {
    cwd: work,
    env: environment,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // no terminal: as in CI
  });
  const after = JSON.parse(readFileSync(statePath, 'utf8'));
  return {
    status: run.status,
    output: `${run.stdout}${run.stderr}`,
    // Each call as its command and positional arguments (what comes before the first flag).
    calls: after.calls.map((call) => {
      const firstFlag = call.args.findIndex((a) => a.startsWith('-'));
      return (firstFlag === -1 ? call.args : call.args.slice(0, firstFlag)).join(' ');
    }),
    rawCalls: after.calls,
    state: after,
    toml: readFileSync(join(work, 'wrangler.toml'), 'utf8'),
  };
}

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    fn();
    passed++;
    console.log(`  ✓ ${name}`);
  } catch (error) {
    failed++;
    console.log(`  ✗ ${name}\n    ${error.message.replaceAll('\n', '\n    ')}`);
  }
}
function expect(ok, message, seen) {
  if (!ok)
    throw new Error(
      `${message}${seen === undefined ? '' : `\nseen: ${typeof seen === 'string' ? seen : JSON.stringify(seen)}`}`,
    );
}

console.log('Tollgate deploy script — scripts/deploy.mjs against a fake wrangler');

check('logged out: says to log in, touches nothing', () => {
  const run = deploy(fresh({ loggedIn: false }));
  expect(run.status === 1, 'exits 1', run.status);
  expect(run.output.includes('Not logged in: run `npx wrangler login`'), 'says to log in', run.output);
  expect(run.calls.join() === 'whoami', 'only whoami ran', run.calls);
});

check('several accounts without a terminal: asks for CLOUDFLARE_ACCOUNT_ID, touches nothing', () => {
  const run = deploy(fresh({ accounts: [...ONE_ACCOUNT, { id: 'acc-2', name: 'Other' }] }));
  expect(run.status === 1 && run.output.includes('set CLOUDFLARE_ACCOUNT_ID'), 'refuses clearly', run.output);
  expect(run.calls.join() === 'whoami', 'only whoami ran', run.calls);
  const chosen = deploy(deployedBefore({ accounts: [...ONE_ACCOUNT, { id: 'acc-2', name: 'Other' }] }), {
    env: { CLOUDFLARE_ACCOUNT_ID: 'acc-2' },
  });
  expect(chosen.status === 0, 'deploys with the account given', chosen.output);
  expect(
    chosen.rawCalls.slice(1).every((call) => call.account === 'acc-2'),
    'every call in that account',
    chosen.rawCalls,
  );
});

check('several accounts and an account_id in wrangler.toml: every call in that account', () => {
  const toml = originalToml.replace('name = "tollgate"\n', 'name = "tollgate"\naccount_id = "acc-2"\n');
  const run = deploy(deployedBefore({ accounts: [...ONE_ACCOUNT, { id: 'acc-2', name: 'Other' }] }), {
    toml,
  });
  expect(run.status === 0, 'deploys', run.output);
  expect(
    run.rawCalls.slice(1).every((call) => call.account === 'acc-2'),
    "every call in wrangler.toml's account, the migrations check too",
    run.rawCalls,
  );
});

check(
  'first deploy: creates everything, writes the ids, migrates before deploying, then sets a generated ADMIN_TOKEN',
  () => {
    const run = deploy(fresh());
    expect(
      run.rawCalls.slice(1).every((call) => call.account === 'acc-1'),
      'the one account is used',
      run.rawCalls,
    );
    for (const made of [
      'kv namespace create',
      'd1 create tollgate',
      'vectorize create tollgate-semantic-cache',
      'vectorize create-metadata-index tollgate-semantic-cache',
    ])
      expect(
        run.calls.some((call) => call.startsWith(made)),
        `ran ${made}`,
        run.calls,
      );
    const created = run.rawCalls.find((call) => call.args[1] === 'create' && call.args[0] === 'vectorize');
    expect(
      created.args.includes('--dimensions=768') && created.args.includes('--metric=cosine'),
      '768 dimensions, cosine',
      created.args,
    );
    expect(/# deploy:kv-id\n[^\n]*id = "a{32}"/.test(run.toml), 'KV id written', run.toml);
    expect(
      /# deploy:d1-id\n[^\n]*database_id = "11111111-2222-3333-4444-555555555555"/.test(run.toml),
      'D1 id written',
      run.toml,
    );
    const order = ['d1 migrations apply', 'd1 migrations list', 'deploy', 'secret list'].map((c) =>
      run.calls.findIndex((call) => call.startsWith(c)),
    );
    expect(
      order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
      'migrate, check, deploy, then secrets',
      run.calls,
    );
    const deployCall = run.rawCalls.find((call) => call.args[0] === 'deploy');
    expect(
      deployCall.outputFile && deployCall.args.join(' ') === 'deploy --env production',
      'deploys production, reading its output file',
      deployCall,
    );
    expect(run.status === 0, 'exits 0', run.output);
    const token = run.state.secretValues?.ADMIN_TOKEN ?? '';
    expect(/^tga-[A-Za-z0-9_-]{32}$/.test(token), 'a generated ADMIN_TOKEN piped to secret put', token);
    const saved = statSync(join(work, '.admin-token'));
    expect(
      readFileSync(join(work, '.admin-token'), 'utf8') === `${token}\n` && (saved.mode & 0o077) === 0,
      'saved in .admin-token, readable by its owner alone',
      saved.mode.toString(8),
    );
    expect(!run.output.includes(token), 'never printed (the output may be a CI log)', run.output);
    rmSync(join(work, '.admin-token'));
  },
);

check('a secret that cannot be set is an error naming the command to run', () => {
  const run = deploy(deployedBefore({ secrets: [], secretPutFails: true }));
  expect(run.status === 1 && run.output.includes('ADMIN_TOKEN could not be set'), 'says so', run.output);
  expect(!existsSync(join(work, '.admin-token')), 'no token file for a token that was not set');
});

check("a token file left world-readable is made the owner's alone before the new token goes in", () => {
  const file = join(work, '.admin-token');
  writeFileSync(file, 'tga-old\n', { mode: 0o644 });
  chmodSync(file, 0o644);
  const run = deploy(deployedBefore({ secrets: [] }));
  const mode = statSync(file).mode;
  rmSync(file);
  expect(run.status === 0, 'exits 0', run.output);
  expect((mode & 0o077) === 0, 'readable by its owner alone', mode.toString(8));
});

check('a token file that cannot be written: no token is set that no one knows', () => {
  const file = join(work, '.admin-token');
  mkdirSync(file); // a directory where the file goes: the write fails
  const run = deploy(deployedBefore({ secrets: [] }));
  rmSync(file, { recursive: true });
  expect(!run.calls.includes('secret put ADMIN_TOKEN'), 'sets no token', run.calls);
  expect(
    run.status === 1 && run.output.includes('ADMIN_TOKEN is not set'),
    'says the token is not set, and how to set one',
    run.output,
  );
});

check('a repeat deploy creates nothing and prints every URL, the custom domain too', () => {
  const run = deploy(deployedBefore());
  expect(run.status === 0, 'exits 0', run.output);
  expect(!run.calls.some((c) => c.includes('create')), 'nothing created', run.calls);
  expect(/id = "b{32}"/.test(run.toml), 'the existing KV id written', run.toml);
  expect(
    run.output.includes('live at https://tollgate-production.me.workers.dev and https://ai.example.com.'),
    'both URLs, no cron trigger',
    run.output,
  );
});

check('migrations declined (or not all applied): nothing is deployed', () => {
  const run = deploy(deployedBefore({ migrated: false, declineMigrations: true }));
  expect(
    run.status === 1 && run.output.includes('D1 migrations are not all applied'),
    'stops, saying why',
    run.output,
  );
  expect(!run.calls.includes('deploy'), 'no deploy', run.calls);
  expect(run.calls.includes('d1 migrations list tollgate'), 'checked what is left to apply', run.calls);
});

check("secrets that cannot be listed are an error, not 'none set'", () => {
  const run = deploy(deployedBefore({ secretListFails: true }));
  expect(
    run.status === 1 && run.output.includes('Could not list the secrets'),
    'stops, saying why',
    run.output,
  );
  expect(!run.calls.includes('secret put ADMIN_TOKEN'), 'no secret overwritten', run.calls);
});

check('a CRLF wrangler.toml gets its ids too, and keeps its line endings', () => {
  const run = deploy(deployedBefore(), { toml: originalToml.replaceAll('\n', '\r\n') });
  expect(run.status === 0, 'exits 0', run.output);
  expect(
    /# deploy:kv-id\r\n[^\n]*id = "b{32}"\r\n/.test(run.toml),
    'KV id written, CRLF kept',
    run.toml.slice(0, 400),
  );
});

check('a wrangler.toml without the id markers stops before migrating', () => {
  const run = deploy(deployedBefore(), { toml: originalToml.replace('# deploy:d1-id', '# d1') });
  expect(run.status === 1 && run.output.includes('no `# deploy:d1-id` line'), 'names the marker', run.output);
  expect(!run.calls.some((c) => c.startsWith('d1 migrations')), 'nothing migrated', run.calls);
});

check('an existing index of the wrong size or metric is warned about', () => {
  const run = deploy(
    deployedBefore({
      indexes: [{ name: 'tollgate-semantic-cache', config: { dimensions: 1536, metric: 'euclidean' } }],
    }),
  );
  expect(run.output.includes('has 1536 dimensions, not 768'), 'dimensions', run.output);
  expect(run.output.includes('compares by euclidean, not cosine'), 'metric', run.output);
});

check('TOLLGATE_EMBEDDING_DIMENSIONS out of range is refused before anything runs', () => {
  const run = deploy(fresh(), { env: { TOLLGATE_EMBEDDING_DIMENSIONS: '4096' } });
  expect(run.status === 1 && run.output.includes('TOLLGATE_EMBEDDING_DIMENSIONS'), 'refused', run.output);
  expect(run.calls.length === 0, 'no wrangler call', run.calls);
});

rmSync(work, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
if (process.env.RESULTS_FILE) writeFileSync(process.env.RESULTS_FILE, JSON.stringify({ passed, failed }));
process.exit(failed === 0 ? 0 : 1);
