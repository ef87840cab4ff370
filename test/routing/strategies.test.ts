import { describe, expect, it } from 'vitest';
import type { ResolvedRoute } from '../../src/config/runtime';
import type { RouteConfig } from '../../src/routing/config-schema';
import { planTargets, targetKey, weightedOrder } from '../../src/routing/strategies';
import { runtimeFor, seeded, sequence } from './harness';

const keys = (plan: { provider: string; model: string }[]) => plan.map(targetKey);

function plan(
  models: Record<string, unknown>,
  model: string,
  options: { random?: () => number; request?: Parameters<typeof planTargets>[2] } = {},
) {
  const runtime = runtimeFor({ models: models as Record<string, RouteConfig> });
  const route = runtime.resolve(model)!;
  return keys(planTargets(route, runtime.config.models, options.request ?? {}, options.random ?? sequence()));
}

describe('nested aliases', () => {
  it('expands an alias once per plan: a fan-out of ten at each of seven levels plans at once', () => {
    const models: Record<string, unknown> = { a7: { targets: [{ provider: 'a', model: 'x' }] } };
    for (let level = 0; level < 7; level++)
      models[`a${level}`] = { targets: Array.from({ length: 10 }, () => ({ alias: `a${level + 1}` })) };
    const started = Date.now();
    expect(plan(models, 'a0')).toEqual(['a/x']);
    expect(Date.now() - started).toBeLessThan(200); // 10^7 expansions without the memo
  });
});

describe('fallback', () => {
  it('tries targets in the listed order, without drawing random numbers', () => {
    const models = {
      m: {
        targets: [
          { provider: 'b', model: 'x' },
          { provider: 'a', model: 'y' },
          { provider: 'c', model: 'z' },
        ],
      },
    };
    expect(plan(models, 'm')).toEqual(['b/x', 'a/y', 'c/z']);
  });

  it('expands a nested alias in place and drops targets already planned', () => {
    const models = {
      fast: {
        targets: [
          { provider: 'b', model: 'small' },
          { provider: 'a', model: 'mini' },
        ],
      },
      m: { targets: [{ provider: 'a', model: 'big' }, { alias: 'fast' }, { provider: 'b', model: 'small' }] },
    };
    expect(plan(models, 'm')).toEqual(['a/big', 'b/small', 'a/mini']);
  });

  it('addresses <provider>/<model> directly as a one-target route', () => {
    expect(plan({}, 'c/anything')).toEqual(['c/anything']);
  });
});

describe('loadbalance', () => {
  const targets = [
    { provider: 'a', model: 'x', weight: 3 },
    { provider: 'b', model: 'x', weight: 1 },
    { provider: 'c', model: 'x', weight: 1 },
  ];

  it('draws the first target by weight, then the rest as fallbacks', () => {
    // 0.7 × 5 = 3.5 → past a (3) into b; then 0.1 × 4 = 0.4 → a; c is last.
    expect(keys(weightedOrder(targets, sequence(0.7, 0.1)))).toEqual(['b/x', 'a/x', 'c/x']);
  });

  it('matches the weights over 10,000 seeded draws within ±2%', () => {
    const random = seeded(42);
    const firsts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const first = targetKey(weightedOrder(targets, random)[0]!);
      firsts[first] = (firsts[first] ?? 0) + 1;
    }
    expect(Math.abs(firsts['a/x']! / 10_000 - 0.6)).toBeLessThan(0.02);
    expect(Math.abs(firsts['b/x']! / 10_000 - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(firsts['c/x']! / 10_000 - 0.2)).toBeLessThan(0.02);
  });

  it('puts weight-0 targets last, in their listed order', () => {
    const random = seeded(7);
    const drained = [
      { provider: 'a', model: 'x', weight: 0 },
      { provider: 'b', model: 'x', weight: 2 },
      { provider: 'c', model: 'x', weight: 0 },
    ];
    for (let i = 0; i < 100; i++) {
      expect(keys(weightedOrder(drained, random))).toEqual(['b/x', 'a/x', 'c/x']);
    }
  });

  it('weighs a nested alias as one target and expands it with its own strategy', () => {
    const models = {
      pool: {
        targets: [
          { provider: 'c', model: '1' },
          { provider: 'c', model: '2' },
        ],
      },
      m: {
        strategy: 'loadbalance',
        targets: [
          { provider: 'a', model: 'x', weight: 1 },
          { alias: 'pool', weight: 3 },
        ],
      },
    };
    // 0.5 × 4 = 2 → past a (1) into pool; pool is a fallback list, expanded in order.
    expect(plan(models, 'm', { random: sequence(0.5) })).toEqual(['c/1', 'c/2', 'a/x']);
  });
});

describe('conditional', () => {
  const models = {
    long: { targets: [{ provider: 'c', model: 'long', contextWindow: 1_000_000 }] },
    m: {
      strategy: 'conditional',
      rules: [
        { when: { inputTokens: { gt: 100_000 } }, targets: [{ alias: 'long' }] },
        { when: { metadata: { feature: ['search', 'rag'] } }, targets: [{ provider: 'b', model: 'search' }] },
        {
          when: { team: 'team_ml', metadata: { tier: 'gold' } },
          targets: [{ provider: 'a', model: 'gold' }],
        },
      ],
      targets: [{ provider: 'a', model: 'default' }],
    },
  };

  it('picks the first rule that matches', () => {
    const request = { inputTokens: 200_000, metadata: { feature: 'search' } };
    expect(plan(models, 'm', { request })).toEqual(['c/long']);
    expect(plan(models, 'm', { request: { inputTokens: 100_000, metadata: { feature: 'rag' } } })).toEqual([
      'b/search',
    ]);
  });

  it('needs every condition of a rule to hold', () => {
    expect(plan(models, 'm', { request: { team: 'team_ml', metadata: { tier: 'gold' } } })).toEqual([
      'a/gold',
    ]);
    expect(plan(models, 'm', { request: { team: 'team_ml', metadata: { tier: 'silver' } } })).toEqual([
      'a/default',
    ]);
    expect(plan(models, 'm', { request: { team: null, metadata: { tier: 'gold' } } })).toEqual(['a/default']);
  });

  it('uses the route targets when no rule matches or a fact is missing', () => {
    expect(plan(models, 'm')).toEqual(['a/default']);
  });
});

describe('per-key limits in the plan', () => {
  it('leaves out providers a filter forbids, also inside nested aliases', () => {
    const runtime = runtimeFor({
      models: {
        inner: {
          targets: [
            { provider: 'b', model: 'x' },
            { provider: 'a', model: 'x' },
          ],
        },
        m: { targets: [{ alias: 'inner' }, { provider: 'c', model: 'x' }] },
      },
    });
    const route: ResolvedRoute = { ...runtime.resolve('m')!, providers: { allow: ['a', 'c'], deny: ['c'] } };
    expect(keys(planTargets(route, runtime.config.models, {}, sequence()))).toEqual(['a/x']);
  });

  it('survives a pinned route that nests itself', () => {
    const runtime = runtimeFor({ models: { m: { targets: [{ provider: 'a', model: 'x' }] } } });
    const route: ResolvedRoute = {
      ...runtime.resolve('m')!,
      targets: [{ alias: 'm' }, { provider: 'b', model: 'y' }],
      pins: { m: { strategy: 'fallback', targets: [{ alias: 'm' }, { provider: 'b', model: 'y' }] } },
    };
    expect(keys(planTargets(route, runtime.config.models, {}, sequence()))).toEqual(['b/y']);
  });
});
