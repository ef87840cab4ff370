// A key's or team's model allowlist: exact names, `*`, and prefix entries ending in `*`.
import { describe, expect, it } from 'vitest';
import { modelAllowed } from '../../src/keys/policy';

describe('modelAllowed', () => {
  it('admits exact names, everything for `*` and nothing beyond the list', () => {
    expect(modelAllowed(null, 'anything')).toBe(true);
    expect(modelAllowed(['fast'], 'fast')).toBe(true);
    expect(modelAllowed(['fast'], 'smart')).toBe(false);
    expect(modelAllowed(['*'], 'openai/gpt-5')).toBe(true);
  });

  it("admits a provider's models by `<provider>/*` and aliases by a prefix", () => {
    expect(modelAllowed(['openai/*'], 'openai/gpt-5')).toBe(true);
    expect(modelAllowed(['openai/*'], 'openai-eu/gpt-5')).toBe(false);
    expect(modelAllowed(['claude-*'], 'claude-opus-4-8')).toBe(true);
    expect(modelAllowed(['claude-opus-*'], 'claude-haiku-4-5')).toBe(false);
  });

  it('never lets an alias prefix admit the models of a provider named like it', () => {
    expect(modelAllowed(['claude-*'], 'claude-vertex/gemini-2.5-pro')).toBe(false);
    expect(modelAllowed(['claude-vertex/*'], 'claude-vertex/gemini-2.5-pro')).toBe(true);
    expect(modelAllowed(['claude-vertex/gem*'], 'claude-vertex/gemini-2.5-pro')).toBe(true);
  });
});
