import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { extractOpenAISchemas } from './test/config/openapi-extract.ts';

// OpenAI's published API description sits beside the project (../shared); tests validate every
// response shape against it.
const OPENAPI_PATH = '../shared/openai-openapi/openapi.yaml';

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  const schemas = extractOpenAISchemas(OPENAPI_PATH);
  if (!schemas)
    throw new Error(`${OPENAPI_PATH} is missing: the response-shape tests need OpenAI's OpenAPI file`);
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
    },
  };
});
