#!/usr/bin/env node
// `npm test`: every test inside workerd (vitest-pool-workers), then one plain summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDeps, quietWrangler, root } from './ensure-deps.mjs';

ensureDeps();
const report = join(root, 'test-results', 'vitest.json');
rmSync(report, { force: true });
const result = spawnSync(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ...quietWrangler } },
);
if (existsSync(report)) {
  const summary = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = summary.numPendingTests + summary.numTodoTests;
  console.log(
    `\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`,
  );
} else {
  console.log('\n0 passed, 1 failed');
}
process.exit(result.status ?? 1);
