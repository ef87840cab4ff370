// The pure tighten-only rules behind team-admin key changes (src/keys/governance.ts).
import { describe, expect, it } from 'vitest';
import { FRESH_KEY, type Governed, loosening } from '../../src/keys/governance';

const defaults = { rpm: 600, cacheTtlSeconds: 3600, semanticCache: false, semanticThreshold: 0.95 };
const key = (fields: Partial<Governed> = {}): Governed => ({ ...FRESH_KEY, ...fields });
const param = (before: Partial<Governed>, after: Partial<Governed>, team: Partial<Governed> | null = null) =>
  loosening(key(before), key(after), team && key(team), defaults)?.param;

describe('tighten-only key changes', () => {
  it('compares limits with the config default where the key has none', () => {
    expect(param({}, { limits: { rpm: 500 } })).toBeUndefined();
    expect(param({}, { limits: { rpm: 601 } })).toBe('limits.rpm');
    expect(param({ limits: { rpm: 10 } }, { limits: { rpm: null } })).toBe('limits.rpm');
    expect(param({}, { limits: { tpm: 10 } })).toBeUndefined(); // no default: unlimited before
    expect(param({ limits: { tpm: 10 } }, { limits: {} })).toBe('limits.tpm');
  });

  it('lets allow lists shrink and deny lists grow, and leaves pins within the allowlists free', () => {
    const allow = { routing: { allowProviders: ['a', 'b'] } };
    expect(param(allow, { routing: { allowProviders: ['a'] } })).toBeUndefined();
    expect(param(allow, { routing: { allowProviders: ['a', 'c'] } })).toBe('routing.allowProviders');
    expect(param(allow, { routing: null })).toBe('routing.allowProviders');
    expect(param({ routing: { denyProviders: ['x'] } }, { routing: { denyProviders: [] } })).toBe(
      'routing.denyProviders',
    );
    const pin = { fast: { strategy: 'fallback' as const, targets: [{ provider: 'a', model: 'm' }] } };
    expect(param(allow, { routing: { allowProviders: ['b'], pin } })).toBeUndefined();
  });

  it('lets a model allowlist narrow a prefix entry, never widen one', () => {
    const claude = { models: ['claude-*'] };
    expect(param(claude, { models: ['claude-opus-*', 'claude-haiku-4-5'] })).toBeUndefined();
    expect(param({ models: ['claude-opus-*'] }, claude)).toBe('models');
    expect(param(claude, { models: ['*'] })).toBe('models');
  });

  it("lets a pin send traffic only to models the key's and team's allowlists allow", () => {
    const pin = (provider: string, model: string) => ({
      fast: { strategy: 'fallback' as const, targets: [{ provider, model }] },
    });
    const allowed = { models: ['fast', 'mock/*'] };
    // Without an allowlist there is nothing to get around.
    expect(param({}, { routing: { pin: pin('openai', 'o1-pro') } })).toBeUndefined();
    expect(param(allowed, { ...allowed, routing: { pin: pin('mock', 'mock-1') } })).toBeUndefined();
    expect(param(allowed, { ...allowed, routing: { pin: pin('openai', 'o1-pro') } })).toBe(
      'routing.pin.fast',
    );
    // The team's allowlist counts too, and so do a conditional pin's rules.
    const conditional = {
      fast: {
        strategy: 'conditional' as const,
        targets: [{ provider: 'mock', model: 'mock-1' }],
        rules: [{ when: { metadata: { tier: 'pro' } }, targets: [{ provider: 'openai', model: 'o1-pro' }] }],
      },
    };
    expect(param({}, { routing: { pin: conditional } }, { models: ['mock/*'] })).toBe('routing.pin.fast');
    // An alias target is checked by its name, as allowlists name aliases.
    const toAlias = { fast: { strategy: 'fallback' as const, targets: [{ alias: 'smart' }] } };
    const both = { models: ['fast', 'smart'] };
    expect(param(both, { ...both, routing: { pin: toAlias } })).toBeUndefined();
    expect(param(allowed, { ...allowed, routing: { pin: toAlias } })).toBe('routing.pin.fast');
    // A pin left as it was is not checked again.
    const kept = { ...allowed, routing: { pin: pin('openai', 'o1-pro') } };
    expect(param(kept, { ...kept, limits: { rpm: 10 } })).toBeUndefined();
  });

  it('reads the cache as the key over its team over the config', () => {
    expect(param({}, { cache: { semantic: true } })).toBe('cache.semantic');
    expect(param({}, { cache: { ttlSeconds: 7200 } })).toBe('cache.ttlSeconds');
    expect(param({}, { cache: { ttlSeconds: 60, semantic: false } })).toBeUndefined();
    const closedTeam = { cache: { enabled: false } };
    expect(param({}, { cache: { enabled: true } }, closedTeam)).toBe('cache.enabled');
    expect(param({}, { cache: { ttlSeconds: 60 } }, closedTeam)).toBeUndefined();
  });

  it('lets the semantic threshold rise, never fall, below the key’s, its team’s or the config’s', () => {
    expect(param({}, { cache: { ttlSeconds: 60, threshold: 0.01 } })).toBe('cache.threshold');
    expect(param({}, { cache: { threshold: 0.94 } })).toBe('cache.threshold');
    expect(param({}, { cache: { threshold: 0.99 } })).toBeUndefined();
    expect(param({ cache: { threshold: 0.9 } }, { cache: { threshold: 0.85 } })).toBe('cache.threshold');
    expect(param({ cache: { threshold: 0.9 } }, { cache: { threshold: 0.9 } })).toBeUndefined();
    // Dropping the key's own threshold falls back to the team's, then the config's.
    expect(param({ cache: { threshold: 0.99 } }, { cache: {} })).toBe('cache.threshold');
    expect(param({ cache: { threshold: 0.5 } }, { cache: {} })).toBeUndefined();
    const strictTeam = { cache: { threshold: 0.98 } };
    expect(param({}, { cache: { threshold: 0.96 } }, strictTeam)).toBe('cache.threshold');
    expect(param({}, { cache: { threshold: 0.99 } }, strictTeam)).toBeUndefined();
  });

  it('keeps zero retention, budgets and expiry from loosening, and allows the rest', () => {
    expect(param({}, {}, { zdr: true })).toBeUndefined();
    expect(param({}, { zdr: false }, { zdr: true })).toBe('zdr');
    expect(param({}, { zdr: false })).toBeUndefined();
    const budget = { usd: 5, period: 'day' as const, anchor: null, alertAt: null };
    expect(param({ budget }, { budget: { ...budget, alertAt: 0.5 } })).toBeUndefined();
    expect(param({ budget }, { budget: { ...budget, anchor: 1 } })).toBe('budget.period');
    expect(param({ expiresAt: 1000 }, { expiresAt: 999 })).toBeUndefined();
    expect(param({ expiresAt: 1000 }, { expiresAt: 1001 })).toBe('expiresAt');
    expect(param({ guardrails: ['-pii', 'x'] }, { guardrails: ['x'] })).toBeUndefined();
  });
});
