// Model name resolution (src/config/runtime.ts): exact aliases, `<provider>/<model>`, then wildcard
// aliases by longest prefix, their targets' `*` filled in with what the wildcard matched.
import { describe, expect, it } from 'vitest';
import { runtimeFor } from '../routing/harness';

const runtime = runtimeFor({
  providers: ['anthropic', 'bedrock', 'mock'],
  models: {
    'claude-*': {
      targets: [
        { provider: 'anthropic', model: 'claude-*' },
        { provider: 'bedrock', model: 'us.anthropic.claude-*-v1:0' },
        { provider: 'mock', model: 'mock-1' },
      ],
    },
    'claude-haiku-*': {
      strategy: 'conditional',
      rules: [
        { when: { team: 't1' }, targets: [{ provider: 'bedrock', model: 'eu.anthropic.claude-haiku-*' }] },
      ],
      targets: [{ provider: 'anthropic', model: 'claude-haiku-*' }],
    },
    'claude-opus-4-8': { targets: [{ provider: 'mock', model: 'exact' }] },
    'anthropic*': { targets: [{ provider: 'mock', model: 'from-wildcard-*' }] },
    '*': { targets: [{ provider: 'mock', model: 'any:*' }] },
  },
});

describe('runtime.resolve', () => {
  it("fills a wildcard alias's `*` in each target's model with what it matched; others stay as written", () => {
    expect(runtime.resolve('claude-sonnet-5')).toEqual({
      requested: 'claude-sonnet-5',
      strategy: 'fallback',
      targets: [
        { provider: 'anthropic', model: 'claude-sonnet-5' },
        { provider: 'bedrock', model: 'us.anthropic.claude-sonnet-5-v1:0' },
        { provider: 'mock', model: 'mock-1' },
      ],
    });
  });

  it('fills the targets of conditional rules too', () => {
    const route = runtime.resolve('claude-haiku-4-5-20251001');
    expect(route?.targets).toEqual([{ provider: 'anthropic', model: 'claude-haiku-4-5-20251001' }]);
    expect(route?.rules?.[0]?.targets).toEqual([
      { provider: 'bedrock', model: 'eu.anthropic.claude-haiku-4-5-20251001' },
    ]);
  });

  it('takes an exact alias first, then <provider>/<model>, then the longest matching prefix, `*` last', () => {
    expect(runtime.resolve('claude-opus-4-8')?.targets).toEqual([{ provider: 'mock', model: 'exact' }]);
    // `anthropic*` matches this name too, but a configured provider's model comes first.
    expect(runtime.resolve('anthropic/claude-x')?.targets).toEqual([
      { provider: 'anthropic', model: 'claude-x' },
    ]);
    expect(runtime.resolve('anthropic-x')?.targets).toEqual([
      { provider: 'mock', model: 'from-wildcard--x' },
    ]);
    expect(runtime.resolve('claude-haiku-9')?.targets[0]).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku-9',
    });
    expect(runtime.resolve('claude-opus-4-9')?.targets[0]).toEqual({
      provider: 'anthropic',
      model: 'claude-opus-4-9',
    });
    expect(runtime.resolve('gpt-$&')?.targets).toEqual([{ provider: 'mock', model: 'any:gpt-$&' }]);
  });

  it('leaves a name no alias matches unresolved, and lists no wildcard alias among model ids', () => {
    const narrow = runtimeFor({ models: { 'claude-*': { targets: [{ provider: 'a', model: '*' }] } } });
    expect(narrow.resolve('gpt-4o')).toBeUndefined();
    expect(narrow.resolve('claude-x')?.targets).toEqual([{ provider: 'a', model: 'x' }]);
    // Mock providers advertise mock-1.
    expect(runtime.modelIds()).toEqual([
      'claude-opus-4-8',
      'anthropic/mock-1',
      'bedrock/mock-1',
      'mock/mock-1',
    ]);
  });
});
