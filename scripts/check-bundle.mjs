#!/usr/bin/env node
// Builds the Worker bundle exactly as `wrangler deploy` would (dry run) and fails above the budget.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureDeps, quietWrangler, root } from './ensure-deps.mjs';

const LIMIT_GZIP_BYTES = 400 * 1024;
ensureDeps();
// A directory of its own, emptied first: only what this build wrote is measured (dist/ itself
// holds other builds: the benchmark's, the reliability suites').
const outdir = join(root, 'dist', 'size-check');
rmSync(outdir, { recursive: true, force: true });
const args = ['deploy', '--dry-run', '--outdir', outdir, ...process.argv.slice(2)];
const result = spawnSync(join(root, 'node_modules', '.bin', 'wrangler'), args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...quietWrangler },
});
if (result.status !== 0) process.exit(result.status ?? 1);

let raw = 0;
let gzipped = 0;
for (const file of readdirSync(outdir)) {
  const path = join(outdir, file);
  if (!statSync(path).isFile() || !/\.(m?js|wasm)$/.test(file)) continue;
  const bytes = readFileSync(path);
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
console.log(
  `bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzipped / 1024).toFixed(1)} KiB gzipped (limit ${LIMIT_GZIP_BYTES / 1024} KiB)`,
);
if (gzipped > LIMIT_GZIP_BYTES) {
  console.error('✗ bundle exceeds the size budget');
  process.exit(1);
}
