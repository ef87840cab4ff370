// Installs the locked dependencies when a fresh clone has none yet (used by npm start / npm test).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const quietWrangler = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
};

export function ensureDeps() {
  if (
    existsSync(join(root, 'node_modules', '.bin', 'wrangler')) &&
    existsSync(join(root, 'node_modules', '.bin', 'vitest'))
  ) {
    return;
  }
  console.log('• Installing dependencies (npm install)…');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
