#!/usr/bin/env node
// `npm start`: a working local gateway from a fresh clone, offline. Installs what is missing,
// applies local D1 migrations, makes sure an ADMIN_TOKEN exists, starts `wrangler dev` on
// 127.0.0.1:$PORT, creates (or reuses) a local gateway key and prints a ready-to-paste curl.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDeps, quietWrangler, root } from './ensure-deps.mjs';

const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, ...quietWrangler };
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');

/**
 * Runs `command`, its output kept unless it fails: wrangler reprints its table of migrations after
 * each one it applies (hundreds of lines on a first start, before the key a newcomer looks for).
 */
function run(command, args) {
  // No stdin: wrangler then answers its own "apply these migrations?" prompt (which a "no" would
  // skip, leaving a gateway without tables).
  const result = spawnSync(command, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    console.error(`\n✗ ${command} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  return result.stdout ?? '';
}

ensureDeps();

console.log('• Applying local D1 migrations…');
const migrated = run(wrangler, ['d1', 'migrations', 'apply', 'tollgate', '--local']);
const applied = new Set(migrated.match(/\b\d{4}_[\w-]+\.sql\b/g) ?? []);
console.log(applied.size > 0 ? `  applied: ${[...applied].join(', ')}` : '  none to apply');

const devVarsPath = join(root, '.dev.vars');
const devVars = existsSync(devVarsPath) ? readFileSync(devVarsPath, 'utf8') : '';
const stored = /^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?\s*$/m.exec(devVars)?.[1];
const adminToken = process.env.ADMIN_TOKEN || stored || `tga-${randomBytes(24).toString('base64url')}`;
if (!stored || stored !== adminToken) {
  const rest = devVars.replace(/^ADMIN_TOKEN\s*=.*\n?/m, '');
  writeFileSync(
    devVarsPath,
    `${rest}${rest && !rest.endsWith('\n') ? '\n' : ''}ADMIN_TOKEN="${adminToken}"\n`,
  );
}

console.log(`• Starting the gateway on ${base} …`);
const dev = spawn(
  wrangler,
  // --test-scheduled: GET /__scheduled runs the hourly cron (log retention, buffer flush). The
  // /cdn-cgi/handler/scheduled URL a plain `wrangler dev` suggests answers 500 beside static assets.
  [
    'dev',
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--test-scheduled',
    '--show-interactive-dev-session=false',
  ],
  {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

const admin = (path, init = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers },
  });

async function waitForServer() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${base}/`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** Reuses the key made by an earlier `npm start` if it still works; otherwise makes a new one. */
async function devKey() {
  const keyPath = join(root, '.wrangler', 'dev-gateway-key');
  if (existsSync(keyPath)) {
    const key = readFileSync(keyPath, 'utf8').trim();
    const probe = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    if (probe.ok) return key;
  }
  const response = await admin('/admin/keys', {
    method: 'POST',
    body: JSON.stringify({ name: 'local dev' }),
  });
  if (response.status !== 201)
    throw new Error(`creating a dev key failed: ${response.status} ${await response.text()}`);
  const { key } = await response.json();
  mkdirSync(dirname(keyPath), { recursive: true });
  writeFileSync(keyPath, `${key}\n`);
  return key;
}

if (await waitForServer()) {
  const key = await devKey().catch((error) => {
    console.error(`✗ ${error.message}`);
    return '<create one with POST /admin/keys>';
  });
  console.log(`
✓ Tollgate is running at ${base}

  Admin token (kept in .dev.vars): ${adminToken}
  Gateway key (local dev):         ${key}

  Try it:
  curl ${base}/v1/chat/completions \\
    -H "Authorization: Bearer ${key}" \\
    -H "Content-Type: application/json" \\
    -d '{"model":"fast","messages":[{"role":"user","content":"Hello, Tollgate!"}]}'

  The hourly log upkeep (retention, buffer flush) runs on: curl ${base}/__scheduled
  (not /cdn-cgi/handler/scheduled, which a plain wrangler dev suggests: it answers 500 beside the dashboard)
`);
} else {
  console.error('✗ The gateway did not come up within 60 s; see the wrangler output above.');
}
