import { describe, expect, it } from 'vitest';
import { admin, putConfig } from '../helpers/gateway';

const providers = { a: { type: 'mock' }, b: { type: 'mock' } };

async function problems(config: unknown): Promise<string> {
  const response = await putConfig(config);
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { type: string; message: string } };
  expect(body.error.type).toBe('invalid_request_error');
  return body.error.message;
}

describe('routing config validation (PUT /admin/config)', () => {
  it('accepts nested, weighted and conditional routes with retry, timeouts and circuit breaker', async () => {
    const config = {
      providers,
      models: {
        fast: {
          strategy: 'loadbalance',
          targets: [
            { provider: 'a', model: 'x', weight: 3 },
            { provider: 'b', model: 'y', weight: 0 },
          ],
        },
        long: { targets: [{ provider: 'b', model: 'long', contextWindow: 1_000_000 }] },
        smart: {
          strategy: 'conditional',
          rules: [
            { when: { inputTokens: { gt: 100_000 } }, targets: [{ alias: 'long' }] },
            { when: { metadata: { feature: 'search' }, team: ['t1'] }, targets: [{ alias: 'fast' }] },
          ],
          targets: [{ alias: 'fast' }, { provider: 'a', model: 'z' }],
        },
      },
      retry: { attempts: 1, baseDelayMs: 50, maxDelayMs: 500, onStatus: [429, 503] },
      timeouts: { requestMs: 30_000, firstByteMs: 5_000, totalMs: 60_000 },
      circuitBreaker: { failureThreshold: 3, cooldownMs: 10_000 },
    };
    const response = await putConfig(config);
    expect(response.status).toBe(200);
    const stored = (await (await admin('/admin/config')).json()) as typeof config;
    expect(stored.models.smart).toEqual({ ...config.models.smart });
    expect(stored.retry).toEqual(config.retry);
    expect(stored.circuitBreaker).toEqual({ enabled: true, ...config.circuitBreaker });
  });

  it('fills retry and circuit breaker defaults', async () => {
    expect((await putConfig({ providers, models: {} })).status).toBe(200);
    const stored = (await (await admin('/admin/config')).json()) as Record<string, unknown>;
    expect(stored.retry).toEqual({
      attempts: 2,
      baseDelayMs: 100,
      maxDelayMs: 2000,
      onStatus: [429, 500, 502, 503, 504, 529],
    });
    expect(stored.circuitBreaker).toEqual({ enabled: true, failureThreshold: 5, cooldownMs: 30_000 });
    expect(stored.timeouts).toEqual({
      requestMs: 60_000,
      firstByteMs: 15_000,
      streamIdleMs: 30_000,
      streamKeepAliveMs: 15_000,
    });
  });

  it('bounds the optional timeouts.streamMaxMs to 1 s … 1 h', async () => {
    expect(await problems({ providers, timeouts: { streamMaxMs: 999 } })).toContain('timeouts.streamMaxMs');
    expect(await problems({ providers, timeouts: { streamMaxMs: 3_600_001 } })).toContain(
      'timeouts.streamMaxMs',
    );
    expect((await putConfig({ providers, timeouts: { streamMaxMs: 1_000 } })).status).toBe(200);
  });

  it('bounds timeouts.streamIdleMs to 100 ms … 10 min', async () => {
    expect(await problems({ providers, timeouts: { streamIdleMs: 99 } })).toContain('timeouts.streamIdleMs');
    expect(await problems({ providers, timeouts: { streamIdleMs: 600_001 } })).toContain(
      'timeouts.streamIdleMs',
    );
    expect((await putConfig({ providers, timeouts: { streamIdleMs: 100 } })).status).toBe(200);
  });

  it('bounds timeouts.streamKeepAliveMs to 100 ms … 10 min', async () => {
    for (const bad of [99, 600_001, 1.5]) {
      expect(await problems({ providers, timeouts: { streamKeepAliveMs: bad } })).toContain(
        'timeouts.streamKeepAliveMs',
      );
    }
    expect((await putConfig({ providers, timeouts: { streamKeepAliveMs: 100 } })).status).toBe(200);
  });

  it('names the path of unknown providers and aliases, empty lists and negative weights', async () => {
    const message = await problems({
      providers,
      models: {
        m: { targets: [{ provider: 'ghost', model: 'x' }, { alias: 'nowhere' }] },
        e: { targets: [] },
        w: { strategy: 'loadbalance', targets: [{ provider: 'a', model: 'x', weight: -1 }] },
      },
    });
    expect(message).toContain('models.e.targets: a target list needs at least one target');
    expect(message).toContain('models.w.targets[0].weight: weight cannot be negative');
    expect(message).toContain("models.m.targets[0].provider: unknown provider 'ghost'");
    expect(message).toContain("models.m.targets[1].alias: unknown model alias 'nowhere'");
  });

  it("refuses aliases and providers named after Object.prototype's members, with a 400, not a 500", async () => {
    const message = await problems({
      providers,
      models: {
        m: {
          targets: [
            { alias: 'constructor' },
            { alias: 'toString' },
            { provider: 'hasOwnProperty', model: 'x' },
          ],
        },
      },
    });
    expect(message).toContain("unknown model alias 'constructor'");
    expect(message).toContain("unknown model alias 'toString'");
    expect(message).toContain("unknown provider 'hasOwnProperty'");
  });

  it('lists unknown providers of routes even beside a malformed provider', async () => {
    const message = await problems({
      providers: { ...providers, broken: { type: 'nonsense' } },
      models: { m: { targets: [{ provider: 'ghost', model: 'x' }] } },
    });
    expect(message).toContain('providers.broken');
    expect(message).toContain("models.m.targets[0].provider: unknown provider 'ghost'");
  });

  it('rejects alias cycles, naming the reference that closes each', async () => {
    const message = await problems({
      providers,
      models: {
        a: { targets: [{ alias: 'b' }] },
        b: {
          strategy: 'conditional',
          rules: [{ when: { team: 't' }, targets: [{ alias: 'c' }] }],
          targets: [{ provider: 'a', model: 'x' }],
        },
        c: { targets: [{ provider: 'b', model: 'y' }, { alias: 'a' }] },
        self: { targets: [{ alias: 'self' }] },
      },
    });
    expect(message).toContain('models.c.targets[1].alias: alias cycle: a → b → c → a');
    expect(message).toContain('models.self.targets[0].alias: alias cycle: self → self');
  });

  it('rejects aliases nested deeper than 16, with a 400 not a stack overflow (5,000 deep)', async () => {
    const models: Record<string, unknown> = { a5000: { targets: [{ provider: 'a', model: 'x' }] } };
    for (let i = 0; i < 5000; i++) models[`a${i}`] = { targets: [{ alias: `a${i + 1}` }] };
    const message = await problems({ providers, models });
    expect(message).toContain('aliases nested more than 16 deep');
    // Sixteen aliases in a chain, the last with a target: the deepest allowed.
    const fine: Record<string, unknown> = { a15: { targets: [{ provider: 'a', model: 'x' }] } };
    for (let i = 0; i < 15; i++) fine[`a${i}`] = { targets: [{ alias: `a${i + 1}` }] };
    expect((await putConfig({ providers, models: fine })).status).toBe(200);
    // Listed bottom-up (each alias after the one it names), the same chains are judged the same.
    const reversed = (models: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(models).reverse());
    expect((await putConfig({ providers, models: reversed(fine) })).status).toBe(200);
    const seventeen: Record<string, unknown> = { a16: { targets: [{ provider: 'a', model: 'x' }] } };
    for (let i = 0; i < 16; i++) seventeen[`a${i}`] = { targets: [{ alias: `a${i + 1}` }] };
    expect(await problems({ providers, models: reversed(seventeen) })).toContain(
      'aliases nested more than 16 deep',
    );
    expect(await problems({ providers, models: reversed(models) })).toContain(
      'aliases nested more than 16 deep',
    );
  });

  it('rejects invalid rules and targets with their paths', async () => {
    const message = await problems({
      providers,
      models: {
        noRules: { strategy: 'conditional', targets: [{ provider: 'a', model: 'x' }] },
        stray: {
          rules: [{ when: { team: 't' }, targets: [{ provider: 'a', model: 'x' }] }],
          targets: [{ provider: 'a', model: 'x' }],
        },
        bad: {
          strategy: 'conditional',
          rules: [
            { when: {}, targets: [{ provider: 'a', model: 'x' }] },
            { when: { inputTokens: {} }, targets: [] },
            { when: { colour: 'red' }, targets: [{ provider: 'a', model: 'x' }] },
          ],
          targets: [{ provider: 'a' }, { alias: 'noRules', provider: 'a' }],
        },
      },
    });
    expect(message).toContain('models.noRules.rules: strategy "conditional" needs "rules"');
    expect(message).toContain('models.stray.rules: "rules" only apply to strategy "conditional"');
    expect(message).toContain('models.bad.rules[0].when: a rule needs at least one condition');
    expect(message).toContain('models.bad.rules[1].when.inputTokens: inputTokens needs at least one of');
    expect(message).toContain('models.bad.rules[1].targets: a target list needs at least one target');
    expect(message).toContain('models.bad.rules[2].when');
    expect(message).toContain("models.bad.targets[0].model: a target needs 'model'");
    expect(message).toContain('models.bad.targets[1].provider: a target names either an alias or a provider');
  });

  it('rejects a retry section whose cap is below its base', async () => {
    const message = await problems({ providers, retry: { baseDelayMs: 500, maxDelayMs: 100 } });
    expect(message).toContain('retry.maxDelayMs: maxDelayMs must be at least baseDelayMs');
  });
});
