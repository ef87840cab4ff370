import { describe, expect, it } from 'vitest';
import { cacheConfigSchema } from '../../src/cache/config-schema';
import { namespaceOf } from '../../src/cache/policy';

describe('namespaceOf', () => {
  const config = (namespaces: Record<string, { keys?: string[]; teams?: string[] }>) =>
    cacheConfigSchema.parse({ namespaces });

  it('keeps tenants apart unless a named group shares them', () => {
    const shared = config({ support: { keys: ['key_a'], teams: ['team_t'] } });
    expect(namespaceOf(shared, { id: 'key_a', teamId: null })).toBe('shared:support');
    expect(namespaceOf(shared, { id: 'key_b', teamId: 'team_t' })).toBe('shared:support');
    expect(namespaceOf(shared, { id: 'key_c', teamId: 'team_u' })).toBe('team:team_u');
    expect(namespaceOf(shared, { id: 'key_d', teamId: null })).toBe('key:key_d');
  });

  it("puts a key listed itself in its own group, whichever order the groups come in, over its team's", () => {
    const keyFirst = config({ bots: { keys: ['key_a'] }, sales: { teams: ['team_t'] } });
    const teamFirst = config({ sales: { teams: ['team_t'] }, bots: { keys: ['key_a'] } });
    const key = { id: 'key_a', teamId: 'team_t' };
    expect(namespaceOf(keyFirst, key)).toBe('shared:bots');
    expect(namespaceOf(teamFirst, key)).toBe('shared:bots');
    expect(namespaceOf(teamFirst, { id: 'key_b', teamId: 'team_t' })).toBe('shared:sales');
  });
});
