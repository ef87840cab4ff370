#!/usr/bin/env node
// Copies uPlot's browser build from node_modules into public/vendor/uplot, so the dashboard is served
// from the Worker's own static assets (no CDN). The copies are committed; `npm run vendor` refreshes
// them after an upgrade, and `--check` fails when they differ from the installed package.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'node_modules', 'uplot');
const to = join(root, 'public', 'vendor', 'uplot');
/** Package paths; each lands in public/vendor/uplot under its base name. */
const FILES = ['dist/uPlot.iife.min.js', 'dist/uPlot.min.css', 'LICENSE'];
const check = process.argv.includes('--check');

if (!existsSync(from)) {
  console.error('✗ node_modules/uplot is missing: run npm install first.');
  process.exit(1);
}
mkdirSync(to, { recursive: true });
let stale = 0;
for (const file of FILES) {
  const source = join(from, file);
  const name = file.slice(file.lastIndexOf('/') + 1);
  const target = join(to, name);
  const same = existsSync(target) && readFileSync(source).equals(readFileSync(target));
  if (check) {
    if (!same) {
      console.error(`✗ public/vendor/uplot/${name} differs from node_modules/uplot: run npm run vendor`);
      stale++;
    }
  } else if (!same) {
    copyFileSync(source, target);
    console.log(`• public/vendor/uplot/${name}`);
  }
}
if (stale) process.exit(1);
const { version } = JSON.parse(readFileSync(join(root, 'node_modules', 'uplot', 'package.json'), 'utf8'));
console.log(`✓ uPlot ${version} vendored in public/vendor/uplot`);
