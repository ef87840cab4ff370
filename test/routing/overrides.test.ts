import { describe, expect, it } from 'vitest';
import {
  applyRoutingOverride,
  mergeRoutingOverrides,
  routingOverrideSchema,
} from '../../src/routing/overrides';
import { planTargets, targetKey } from '../../src/routing/strategies';
import { runtimeFor, sequence } from './harness';

const runtime = runtimeFor({
  providers: ['openai', 'azure-openai', 'anthropic'],
  models: {
    fast: {
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'azure-openai', model: 'gpt-4o-mini' },
      ],
    },
    smart: { targets: [{ alias: 'fast' }, { provider: 'anthropic', model: 'claude' }] },
  },
});

const planFor = (model: string, override: unknown) => {
  const route = applyRoutingOverride(runtime.resolve(model)!, routingOverrideSchema.parse(override));
  return planTargets(route, runtime.config.models, {}, sequence()).map(targetKey);
};

describe('applyRoutingOverride', () => {
  it('keeps a key on the allowed providers only (data residency)', () => {
    expect(planFor('smart', { allowProviders: ['azure-openai'] })).toEqual(['azure-openai/gpt-4o-mini']);
  });

  it('never routes to a denied provider', () => {
    expect(planFor('smart', { denyProviders: ['openai'] })).toEqual([
      'azure-openai/gpt-4o-mini',
      'anthropic/claude',
    ]);
  });

  it('pins by own entries only: an alias named like an Object.prototype member is not "pinned"', () => {
    const named = runtimeFor({
      providers: ['openai', 'anthropic'],
      models: {
        constructor: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
        fast: { targets: [{ provider: 'openai', model: 'gpt-4o' }] },
      },
    });
    const override = routingOverrideSchema.parse({
      pin: { fast: { targets: [{ provider: 'anthropic', model: 'haiku' }] } },
    });
    const route = applyRoutingOverride(named.resolve('constructor')!, override);
    expect(planTargets(route, named.config.models, {}, sequence()).map(targetKey)).toEqual([
      'openai/gpt-4o-mini',
    ]);
  });

  it('pins an alias to the key’s own targets, also where another alias nests it', () => {
    const pin = { pin: { fast: { targets: [{ provider: 'anthropic', model: 'haiku' }] } } };
    expect(planFor('fast', pin)).toEqual(['anthropic/haiku']);
    expect(planFor('smart', pin)).toEqual(['anthropic/haiku', 'anthropic/claude']);
  });

  it('leaves the route alone without an override', () => {
    const route = runtime.resolve('fast')!;
    expect(applyRoutingOverride(route, null)).toBe(route);
  });
});

describe('routingOverrideSchema', () => {
  it('rejects unknown fields and an empty allow list, naming the path', () => {
    const result = routingOverrideSchema.safeParse({
      allowProviders: [],
      pin: { fast: { targets: [] } },
      x: 1,
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['allowProviders', 'pin.fast.targets', '']));
  });
});

describe('mergeRoutingOverrides', () => {
  it('lets the key’s pins win and adds up provider limits', () => {
    const team = routingOverrideSchema.parse({
      allowProviders: ['openai', 'azure-openai'],
      denyProviders: ['anthropic'],
      pin: { fast: { targets: [{ provider: 'openai', model: 'team' }] } },
    });
    const key = routingOverrideSchema.parse({
      allowProviders: ['azure-openai', 'anthropic'],
      denyProviders: ['openai'],
      pin: { fast: { targets: [{ provider: 'azure-openai', model: 'key' }] } },
    });
    const merged = mergeRoutingOverrides(team, key)!;
    expect(merged.allowProviders).toEqual(['azure-openai']);
    expect(merged.denyProviders).toEqual(['anthropic', 'openai']);
    expect(merged.pin?.fast?.targets).toEqual([{ provider: 'azure-openai', model: 'key' }]);
    expect(mergeRoutingOverrides(undefined, key)).toBe(key);
    expect(mergeRoutingOverrides(team, null)).toBe(team);
  });
});
