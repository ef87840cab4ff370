#!/usr/bin/env node
// A stand-in for wrangler 4.x in the deploy script's test (deploy-script.mjs): it answers the
// commands scripts/deploy.mjs runs in wrangler's output shapes, from and into the JSON state file
// named by FAKE_WRANGLER_STATE, and logs each call (argv, whether stdout was a terminal's, the
// account and output file it was given) to that file's `calls`.
const fs = require('node:fs');

const file = process.env.FAKE_WRANGLER_STATE;
const state = JSON.parse(fs.readFileSync(file, 'utf8'));
const args = process.argv.slice(2);
// The command and its positional arguments: everything before the first flag.
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const words = firstFlag === -1 ? args : args.slice(0, firstFlag);
const command = words.slice(0, 3).join(' ');
// The account, as wrangler 4 picks it: the config's account_id, else CLOUDFLARE_ACCOUNT_ID, else
// the login's only one (with several and no terminal, it fails). `d1 migrations list --remote`
// asks with an empty config (`requireAuth({})`), so it never sees the config's.
const configAccount =
  command === 'd1 migrations list'
    ? undefined
    : /^\s*account_id\s*=\s*"([^"]+)"/m.exec(fs.readFileSync('wrangler.toml', 'utf8'))?.[1];
const account =
  configAccount ??
  process.env.CLOUDFLARE_ACCOUNT_ID ??
  (state.accounts.length === 1 ? state.accounts[0].id : null);
state.calls.push({ args, account, outputFile: Boolean(process.env.WRANGLER_OUTPUT_FILE_PATH) });
const save = () => fs.writeFileSync(file, JSON.stringify(state));
const reply = (text, status = 0) => {
  save();
  if (text) console.log(text);
  process.exit(status);
};
// wrangler writes warnings to stderr, never into the JSON it prints.
process.stderr.write('▲ [WARNING] a warning wrangler might print\n');
if (words[0] !== 'whoami' && state.loggedIn && account === null) {
  process.stderr.write(
    '✘ [ERROR] More than one account available but unable to select one in non-interactive mode.\n',
  );
  reply('', 1);
}

if (words[0] === 'whoami') {
  // As wrangler 4 does: only `--json` exits non-zero when logged out.
  if (!state.loggedIn && !args.includes('--json'))
    reply('You are not authenticated. Please run `wrangler login`.');
  if (!state.loggedIn) reply(JSON.stringify({ loggedIn: false }), 1);
  reply(JSON.stringify({ loggedIn: true, authType: 'OAuth Token', accounts: state.accounts }));
}
if (command === 'kv namespace list') reply(JSON.stringify(state.kv));
if (command === 'kv namespace create') {
  state.kv.push({ id: 'a'.repeat(32), title: words[3] });
  reply(`[[kv_namespaces]]\nbinding = "tollgate_cache"\nid = "${'a'.repeat(32)}"`);
}
if (command.startsWith('d1 list')) reply(JSON.stringify(state.d1));
if (command.startsWith('d1 create')) {
  state.d1.push({ uuid: '11111111-2222-3333-4444-555555555555', name: words[2] });
  reply(
    '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "tollgate"\ndatabase_id = "11111111-2222-3333-4444-555555555555"',
  );
}
if (command.startsWith('vectorize list-metadata-index')) reply(JSON.stringify(state.metadataIndexes));
if (command.startsWith('vectorize list')) reply(JSON.stringify(state.indexes));
if (command.startsWith('vectorize create-metadata-index')) {
  state.metadataIndexes.push({ propertyName: 'partition', indexType: 'String' });
  reply('');
}
if (command.startsWith('vectorize create')) {
  const dimensions = Number(args.find((a) => a.startsWith('--dimensions='))?.split('=')[1]);
  state.indexes.push({ name: words[2], config: { dimensions, metric: 'cosine' } });
  reply('');
}
if (command === 'd1 migrations apply') {
  if (state.declineMigrations) reply('Migrations to be applied:\n0001_keys.sql');
  state.migrated = true;
  reply('✅ Applied');
}
if (command === 'd1 migrations list')
  reply(state.migrated ? '✅ No migrations to apply!' : 'Migrations to be applied:\n0001_keys.sql');
if (words[0] === 'deploy') {
  state.deployed = true;
  const targets = [
    'tollgate-production.me.workers.dev',
    'ai.example.com (custom domain)',
    'schedule: 7 * * * *',
  ];
  const output = process.env.WRANGLER_OUTPUT_FILE_PATH;
  if (output) fs.appendFileSync(output, `${JSON.stringify({ type: 'deploy', version: 1, targets })}\n`);
  reply(`Uploaded tollgate-production\nDeployed tollgate-production triggers\n  ${targets.join('\n  ')}`);
}
if (command === 'secret list') {
  if (state.secretListFails) {
    process.stderr.write('✘ [ERROR] A request to the Cloudflare API failed. (500)\n');
    reply('', 1);
  }
  reply(JSON.stringify(state.secrets.map((name) => ({ name, type: 'secret_text' }))));
}
if (words[0] === 'secret' && words[1] === 'put') {
  // Without a terminal wrangler reads the value from stdin, trailing whitespace trimmed.
  const value = process.stdin.isTTY ? '' : fs.readFileSync(0, 'utf8').replace(/\s+$/, '');
  if (state.secretPutFails || !value) {
    process.stderr.write('✘ [ERROR] A request to the Cloudflare API failed. (500)\n');
    reply('', 1);
  }
  state.secrets.push(words[2]);
  state.secretValues = { ...state.secretValues, [words[2]]: value };
  reply('✨ Success! Uploaded secret');
}
process.stderr.write(`fake wrangler: unknown command ${args.join(' ')}\n`);
reply('', 2);
