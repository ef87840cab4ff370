import { readFileSync } from 'node:fs';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { extractOpenAISchemas } from './test/config/openapi-extract.ts';

// OpenAI's published API description; tests validate every response shape against it. Read from
// the copy beside the project (../shared) when there is one; else from the response schemas
// extracted from it into test/fixtures/openai (MIT, OpenAI: its LICENSE is beside them), so that a
// clone of this repository alone runs the tests too.
const OPENAPI_PATH = '../shared/openai-openapi/openapi.yaml';
const VENDORED_SCHEMAS = './test/fixtures/openai/response-schemas.json';

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  const schemas = extractOpenAISchemas(OPENAPI_PATH) ?? JSON.parse(readFileSync(VENDORED_SCHEMAS, 'utf8'));
  return {
    plugins: [
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ADMIN_TOKEN: 'test-admin-token',
            TEST_MIGRATIONS: migrations,
            OPENAI_SCHEMAS: schemas,
            // test/fuzz: another seed ("random" or a number) and a case-count multiplier, when given.
            FUZZ_SEED: process.env.FUZZ_SEED ?? '',
            FUZZ_SCALE: process.env.FUZZ_SCALE ?? '',
          },
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      setupFiles: ['./test/helpers/setup.ts'],
      testTimeout: 20_000,
      // CI runs on a shared two-core machine where a test that races timers (leases, waits, the
      // fuzz's time budget) can lose once under load: a failed test is run once more there, and one
      // that fails twice fails the run. Retried passes stay visible in the report (`retryCount`).
      retry: process.env.CI ? 1 : 0,
    },
  };
});
