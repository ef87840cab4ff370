// Types for `env` and `exports` from 'cloudflare:workers' inside tests.
type TollgateEnv = import('../src/env').Env;
type TestMigration = import('cloudflare:test').D1Migration;

declare namespace Cloudflare {
  interface Env extends TollgateEnv {
    TEST_MIGRATIONS: TestMigration[];
    OPENAI_SCHEMAS: { $defs: Record<string, unknown> };
    /** test/fuzz: seed override and case-count multiplier (strings; empty when unset). */
    FUZZ_SEED: string;
    FUZZ_SCALE: string;
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index');
    durableNamespaces: 'KeyObject';
  }
}
