// Runs before every test file: D1 schema, a clean config, and a fetch that refuses the network.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach } from 'vitest';
import { CONFIG_KEY, forgetConfig } from '../../src/config/store';
import { resetUnauthenticatedRows } from '../../src/logs/sink';
import { resetUpstream } from './upstream';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

beforeEach(async () => {
  await env.CACHE.delete(CONFIG_KEY);
  await env.DB.prepare('DELETE FROM config_store').run();
  forgetConfig();
  resetUpstream();
  // The fuzz suite sends hundreds of keyless requests: later tests must still see their own rows.
  resetUnauthenticatedRows();
});

afterEach(() => {
  resetUpstream();
});
