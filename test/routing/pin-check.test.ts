import { describe, expect, it } from 'vitest';
import type { RouteConfig } from '../../src/routing/config-schema';
import { pinProblem } from '../../src/routing/pin-check';

const config = {
  providers: { openai: {}, mock: {} },
  models: {
    fast: { strategy: 'fallback', targets: [{ provider: 'mock', model: 'mock-1' }] },
    smart: { strategy: 'fallback', targets: [{ alias: 'fast' }, { provider: 'openai', model: 'gpt-4o' }] },
  } satisfies Record<string, RouteConfig>,
};
const route = (...targets: RouteConfig['targets']): RouteConfig => ({ strategy: 'fallback', targets });
const mock = { provider: 'mock', model: 'mock-1' };

describe('pinProblem', () => {
  it('accepts pins of aliases and provider models to what the config has', () => {
    expect(pinProblem(undefined, config)).toBeUndefined();
    expect(
      pinProblem(
        {
          fast: route({ provider: 'openai', model: 'gpt-4o-mini' }),
          'openai/gpt-4o': route({ alias: 'smart' }),
          smart: route({ alias: 'fast' }, mock),
        },
        config,
      ),
    ).toBeUndefined();
  });

  it('refuses a target provider the config lacks, at its path', () => {
    expect(pinProblem({ fast: route(mock, { provider: 'ghost', model: 'm' }) }, config)).toEqual({
      path: ['pin', 'fast', 'targets', 1, 'provider'],
      message: "The gateway config has no provider 'ghost'.",
      missing: "provider 'ghost'",
    });
  });

  it('refuses an alias target the config lacks, also in a rule', () => {
    const conditional: RouteConfig = {
      strategy: 'conditional',
      targets: [mock],
      rules: [{ when: { team: 'team_x' }, targets: [{ alias: 'nosuch' }] }],
    };
    expect(pinProblem({ fast: conditional }, config)?.path).toEqual([
      'pin',
      'fast',
      'rules',
      0,
      'targets',
      0,
      'alias',
    ]);
  });

  it('refuses a pin of a name no request can resolve', () => {
    for (const name of ['nosuch', 'ghost/m', 'openai/', '/gpt'])
      expect(pinProblem({ [name]: route(mock) }, config)?.path, name).toEqual(['pin', name]);
  });

  it('refuses a pin that leads back to itself, directly or through the config or another pin', () => {
    expect(pinProblem({ fast: route({ alias: 'fast' }) }, config)?.message).toContain('(fast → fast)');
    // smart nests fast in the config: pinning fast to smart is a cycle.
    expect(pinProblem({ fast: route(mock, { alias: 'smart' }) }, config)).toMatchObject({
      path: ['pin', 'fast', 'targets', 1, 'alias'],
      message: expect.stringContaining('(fast → smart → fast)'),
    });
    expect(
      pinProblem({ smart: route({ alias: 'fast' }), fast: route({ alias: 'smart' }) }, config)?.message,
    ).toContain('(smart → fast → smart)');
  });

  it("checks only its own entries beside another's pins: their loop is its, their own fault is not", () => {
    // A key pins fast → smart beside its team's smart → fast.
    const merged = { smart: route({ alias: 'fast' }), fast: route({ alias: 'smart' }) };
    expect(pinProblem(merged, config, ['fast'])).toMatchObject({
      path: ['pin', 'fast', 'targets', 0, 'alias'],
      message: expect.stringContaining('(fast → smart → fast)'),
    });
    expect(pinProblem(merged, config, ['smart'])?.path).toEqual(['pin', 'smart', 'targets', 0, 'alias']);
    // An alias only the other's pin names resolves through it; what is wrong in the other is not told.
    const team = { smart: route({ provider: 'ghost', model: 'm' }) };
    expect(pinProblem({ ...team, fast: route({ alias: 'smart' }) }, config, ['fast'])).toBeUndefined();
  });
});
