import { describe, expect, it } from 'vitest';
import { applyRoutingOverride, routingOverrideSchema } from '../../src/routing/overrides';
import { unresolvedPin } from '../../src/routing/unresolved-pin';
import { runtimeFor } from './harness';

const runtime = runtimeFor({
  providers: ['a', 'b'],
  models: {
    fast: { targets: [{ provider: 'a', model: 'm' }] },
    smart: { targets: [{ alias: 'fast' }] },
  },
});
const has = (name: string) => runtime.provider(name) !== undefined;
const check = (model: string, override: unknown, request = {}) =>
  unresolvedPin(
    applyRoutingOverride(runtime.resolve(model)!, routingOverrideSchema.parse(override)),
    runtime.config.models,
    has,
    request,
  );

describe('unresolvedPin', () => {
  it('names the pin, the model and the provider the config no longer has: 503, not to be retried', () => {
    const error = check('fast', { pin: { fast: { targets: [{ provider: 'gone', model: 'm' }] } } });
    expect(error?.status).toBe(503);
    expect(error?.toBody().error).toMatchObject({ type: 'api_error', code: 'routing_pin_unresolved' });
    expect(error?.message).toContain("Model 'fast'");
    expect(error?.message).toContain("routing.pin.fast.targets[0] names provider 'gone'");
    expect(error?.headers['x-should-retry']).toBe('false');
  });

  it('follows a pin nested under a config alias, and names a missing alias or a way back', () => {
    expect(check('smart', { pin: { fast: { targets: [{ alias: 'gone' }] } } })?.message).toContain(
      "routing.pin.fast.targets[0] names model alias 'gone'",
    );
    expect(check('smart', { pin: { fast: { targets: [{ alias: 'smart' }] } } })?.message).toContain(
      "routing.pin.fast.targets[0] leads back to 'smart' (smart → fast → smart)",
    );
  });

  it('names the rule of a conditional pin the request took', () => {
    const pin = {
      fast: {
        strategy: 'conditional',
        targets: [{ provider: 'a', model: 'm' }],
        rules: [{ when: { metadata: { tier: 'free' } }, targets: [{ provider: 'gone', model: 'm' }] }],
      },
    };
    expect(check('fast', { pin }, { metadata: { tier: 'free' } })?.message).toContain(
      'routing.pin.fast.rules[0].targets[0]',
    );
    expect(check('fast', { pin })).toBeUndefined();
  });

  it('leaves a route its provider limits emptied to the allowlist error', () => {
    expect(check('fast', { denyProviders: ['a'] })).toBeUndefined();
    expect(
      check('fast', { pin: { fast: { targets: [{ provider: 'b', model: 'm' }] } }, denyProviders: ['b'] }),
    ).toBeUndefined();
  });
});
