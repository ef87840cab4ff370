import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { KeyObject } from '../../src/limits/key-object';
import type { SettleRequest } from '../../src/limits/settle-batch';
import { sendSettles } from '../../src/limits/settle-send';
import { upstream } from '../cache/harness';
import { chat, createKey, openaiConfig, putConfig } from '../helpers/gateway';
import { keyPolicy as policy } from '../helpers/key-policy';
import { settled } from '../helpers/settled';

type Stub = DurableObjectStub<KeyObject>;
const budget = { usd: 10, period: 'total' as const };
const settle = (reservationId: string, costUsd: number): SettleRequest => ({
  reservationId,
  reservedTokens: 0,
  usedTokens: 10,
  costUsd,
});

async function budgeted(name: string): Promise<Stub> {
  const stub = env.KEYS.get(env.KEYS.idFromName(name));
  await stub.setPolicy(policy({ budget }));
  return stub;
}

/** A stub whose settleMany calls go through `call`, given the real stub's. */
function wrapped(real: Stub, call: (settleMany: Stub['settleMany']) => ReturnType<Stub['settleMany']>): Stub {
  return { id: real.id, settleMany: () => call((...args) => real.settleMany(...args)) } as unknown as Stub;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sendSettles', () => {
  it('tries again on a fresh stub when the answer was lost, and the object charges once', async () => {
    const real = await budgeted('send-lost-answer');
    const batch = [settle('a', 0.1), settle('b', 0.2)];
    // Applied at the object, then the connection dropped: the isolate cannot tell.
    const lost = wrapped(real, async (settleMany) => {
      await settleMany(batch);
      throw Object.assign(new Error('Network connection lost.'), { retryable: true });
    });
    expect(await sendSettles(env.KEYS, lost, batch)).toBe(true);
    expect((await real.usage({})).spendUsd).toBeCloseTo(0.3, 10);
  });

  it('delivers a batch whose first call never reached the object', async () => {
    const real = await budgeted('send-not-reached');
    const failing = wrapped(real, () =>
      Promise.reject(new Error('Durable Object reset because its code was updated.')),
    );
    expect(await sendSettles(env.KEYS, failing, [settle('a', 0.1)])).toBe(true);
    expect((await real.usage({})).spendUsd).toBeCloseTo(0.1, 10);
  });

  it('gives up after three tries, saying so, and reports the batch undelivered', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const real = await budgeted('send-give-up');
    const namespace = {
      get: () => wrapped(real, () => Promise.reject(new Error('internal error'))),
    } as unknown as DurableObjectNamespace<KeyObject>;
    let tries = 1;
    const first = wrapped(real, () => Promise.reject(new Error('internal error')));
    const counting = {
      get: () => {
        tries++;
        return namespace.get(real.id);
      },
    } as unknown as typeof namespace;
    expect(await sendSettles(counting, first, [settle('a', 0.1)])).toBe(false);
    expect(tries).toBe(3);
    expect(errors).toHaveBeenCalledWith('settle of 1 request(s) failed', 'Error: internal error');
    expect((await real.usage({})).spendUsd).toBe(0);
  });
});

describe('settles through the gateway', () => {
  it("charges a request's cost once when its settle call's answer is lost", async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    upstream(() => 'Paris'); // 1,000 + 500 tokens of gpt-4o-mini: $0.00045
    const { key } = await createKey({ budget });
    const bindings = env.KEYS as unknown as { get: (id: DurableObjectId) => Stub };
    const realGet = bindings.get;
    let lost = 0;
    bindings.get = (id) => {
      const real = realGet.call(env.KEYS, id);
      const methods = real as unknown as Record<string, (...args: unknown[]) => unknown>;
      return new Proxy(real, {
        get: (_, method: string) => {
          if (method === 'id') return real.id;
          if (method === 'settleMany' && lost++ === 0) {
            return async (settles: SettleRequest[]) => {
              await real.settleMany(settles);
              throw new Error('Network connection lost.');
            };
          }
          return (...args: unknown[]) => methods[method]?.(...args);
        },
      });
    };
    try {
      const response = await chat(key, { model: 'gpt', messages: [{ role: 'user', content: 'x' }] });
      expect(response.status).toBe(200);
      await response.text();
      await settled();
      await new Promise((resolve) => setTimeout(resolve, 400)); // the retry waits up to 150 ms
      await settled();
    } finally {
      bindings.get = realGet;
    }
    expect(lost).toBe(2); // the lost call, then the retry
    const object = env.KEYS.get(env.KEYS.idFromName(await sha256Hex(key)));
    expect(await object.usage({})).toMatchObject({ spendUsd: 0.00045, reservedUsd: 0 });
  });
});
