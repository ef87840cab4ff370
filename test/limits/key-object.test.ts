import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { KeyPolicy } from '../../src/keys/policy';
import { chat, createKey } from '../helpers/gateway';

const policy = (overrides: Partial<KeyPolicy> = {}): KeyPolicy => ({
  id: 'key_t',
  name: 't',
  teamId: null,
  models: null,
  limits: {},
  expiresAt: null,
  logBodies: false,
  revokedAt: null,
  ...overrides,
});

describe('KeyObject', () => {
  it('admits exactly rpm requests when 200 arrive at once', async () => {
    const { key } = await createKey({ limits: { rpm: 50 } });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        chat(key, { model: 'fast', messages: [{ role: 'user', content: 'x' }] }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(150);
    const refused = responses.find((r) => r.status === 429)!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('50');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect((await refused.json<{ error: { code: string } }>()).error.code).toBe('rate_limit_exceeded');
  });

  it('reserves tokens at admission and refunds the unused part on settle', async () => {
    const stub = env.KEYS.get(env.KEYS.idFromName('unit-tpm'));
    await runInDurableObject(stub, async (object) => {
      await object.setPolicy(policy({ limits: { tpm: 1000 } }));
      const first = object.admitAt({ model: 'm', tokens: 800, defaults: {} }, 0);
      expect(first).toMatchObject({ ok: true, reservedTokens: 800 });
      const second = object.admitAt({ model: 'm', tokens: 300, defaults: {} }, 0);
      expect(second).toMatchObject({
        ok: false,
        reason: 'rate_limited',
        limit: 'tokens',
        retryAfterMs: 6000,
      });
      object.settleAt({ reservedTokens: 800, usedTokens: 100 }, 0);
      expect(object.admitAt({ model: 'm', tokens: 300, defaults: {} }, 0)).toMatchObject({ ok: true });
    });
  });

  it('refuses a request larger than the whole TPM limit without consuming a request slot', async () => {
    const stub = env.KEYS.get(env.KEYS.idFromName('unit-too-large'));
    await runInDurableObject(stub, async (object) => {
      await object.setPolicy(policy({ limits: { tpm: 100, rpm: 2 } }));
      expect(object.admitAt({ model: 'm', tokens: 101, defaults: {} }, 0)).toMatchObject({
        ok: false,
        reason: 'too_large',
      });
      expect(object.admitAt({ model: 'm', tokens: 10, defaults: {} }, 0)).toMatchObject({ ok: true });
      expect(object.admitAt({ model: 'm', tokens: 10, defaults: {} }, 0)).toMatchObject({ ok: true });
      expect(object.admitAt({ model: 'm', tokens: 10, defaults: {} }, 0)).toMatchObject({
        ok: false,
        limit: 'requests',
      });
    });
  });

  it('applies config defaults when the key has no limits of its own', async () => {
    const stub = env.KEYS.get(env.KEYS.idFromName('unit-defaults'));
    await runInDurableObject(stub, async (object) => {
      await object.setPolicy(policy());
      expect(object.admitAt({ model: 'm', tokens: 1, defaults: { rpm: 1 } }, 0)).toMatchObject({ ok: true });
      expect(object.admitAt({ model: 'm', tokens: 1, defaults: { rpm: 1 } }, 0)).toMatchObject({ ok: false });
      expect(object.admitAt({ model: 'm', tokens: 1, defaults: { rpm: 1 } }, 60_000)).toMatchObject({
        ok: true,
      });
    });
  });

  it('knows nothing of a key it was never given', async () => {
    const stub = env.KEYS.get(env.KEYS.idFromName('unit-unknown'));
    expect(await stub.admit({ model: 'm', tokens: 1, defaults: {} })).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });
});
