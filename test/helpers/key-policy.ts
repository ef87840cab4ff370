// A key's stored policy for tests that talk to its Durable Object directly.
import type { KeyPolicy } from '../../src/keys/policy';

export const keyPolicy = (overrides: Partial<KeyPolicy> = {}): KeyPolicy => ({
  kind: 'key',
  id: 'key_t',
  name: 't',
  teamId: null,
  models: null,
  limits: {},
  budget: null,
  routing: null,
  expiresAt: null,
  logBodies: false,
  revokedAt: null,
  ...overrides,
});
