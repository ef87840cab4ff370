import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import type { KeyObject } from '../../src/limits/key-object';
import { chat, createKey } from '../helpers/gateway';
import { keyPolicy as policy } from '../helpers/key-policy';

let sequence = 0;
const req = (tokens: number, extra: Partial<AdmitRequest> = {}): AdmitRequest => ({
  model: 'm',
  tokens,
  costUsd: 0,
  reservationId: `r${++sequence}`,
  reservationTtlMs: 60_000,
  defaults: {},
  ...extra,
});

type Run = (object: KeyObject, state: DurableObjectState) => Promise<void> | void;

/** runInDurableObject typed for KeyObject (the test Env adds bindings, which upsets its constraint). */
function inStub(stub: DurableObjectStub<KeyObject>, run: Run) {
  return runInDurableObject(stub, (instance, state) => run(instance as unknown as KeyObject, state));
}

function inObject(name: string, run: Run) {
  return inStub(env.KEYS.get(env.KEYS.idFromName(name)), run);
}

describe('KeyObject rate limits', () => {
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
    await inObject('unit-tpm', async (object) => {
      await object.setPolicy(policy({ limits: { tpm: 1000 } }));
      const first = object.admitAt(req(800, { reservationId: 'a' }), 0);
      expect(first).toMatchObject({ ok: true, reservedTokens: 800 });
      expect(object.admitAt(req(300), 0)).toMatchObject({
        ok: false,
        reason: 'rate_limited',
        limit: 'tokens',
        retryAfterMs: 6000,
      });
      object.settleAt({ reservationId: 'a', reservedTokens: 800, usedTokens: 100, costUsd: 0 }, 0);
      expect(object.admitAt(req(300), 0)).toMatchObject({ ok: true });
    });
  });

  it('refuses a request larger than the whole TPM limit without consuming a request slot', async () => {
    await inObject('unit-too-large', async (object) => {
      await object.setPolicy(policy({ limits: { tpm: 100, rpm: 2 } }));
      expect(object.admitAt(req(101), 0)).toMatchObject({ ok: false, reason: 'too_large' });
      expect(object.admitAt(req(10), 0)).toMatchObject({ ok: true });
      expect(object.admitAt(req(10), 0)).toMatchObject({ ok: true });
      expect(object.admitAt(req(10), 0)).toMatchObject({ ok: false, limit: 'requests' });
    });
  });

  it('refuses a request larger than the whole TPM limit as too large even when the RPM bucket is empty', async () => {
    await inObject('unit-too-large-rpm-empty', async (object) => {
      await object.setPolicy(policy({ limits: { tpm: 100, rpm: 1 } }));
      expect(object.admitAt(req(10), 0)).toMatchObject({ ok: true });
      expect(object.admitAt(req(101), 0)).toMatchObject({ ok: false, reason: 'too_large', requested: 101 });
      expect(object.admitAt(req(10), 0)).toMatchObject({ ok: false, limit: 'requests' });
    });
  });

  it('applies config defaults when the key has no limits of its own', async () => {
    await inObject('unit-defaults', async (object) => {
      await object.setPolicy(policy());
      expect(object.admitAt(req(1, { defaults: { rpm: 1 } }), 0)).toMatchObject({ ok: true });
      expect(object.admitAt(req(1, { defaults: { rpm: 1 } }), 0)).toMatchObject({ ok: false });
      expect(object.admitAt(req(1, { defaults: { rpm: 1 } }), 60_000)).toMatchObject({ ok: true });
    });
  });

  it('knows nothing of a key it was never given', async () => {
    const stub = env.KEYS.get(env.KEYS.idFromName('unit-unknown'));
    expect(await stub.admit(req(1))).toEqual({ ok: false, reason: 'unknown' });
  });
});

describe('KeyObject budgets', () => {
  const budget = { usd: 1, period: 'day' as const };

  it('reserves the worst case and refuses what would exceed the budget', async () => {
    await inObject('budget-reserve', async (object) => {
      await object.setPolicy(policy({ budget }));
      expect(object.admitAt(req(1, { costUsd: 0.6, reservationId: 'a' }), 0)).toMatchObject({
        ok: true,
        reservedUsd: 0.6,
      });
      expect(object.admitAt(req(1, { costUsd: 0.5 }), 0)).toMatchObject({
        ok: false,
        reason: 'budget_exceeded',
        spentUsd: 0,
        reservedUsd: 0.6,
        resetAt: 86_400_000,
      });
      // Settling at the real (lower) cost frees the difference.
      object.settleAt({ reservationId: 'a', reservedTokens: 0, usedTokens: 10, costUsd: 0.2 }, 1);
      expect(object.admitAt(req(1, { costUsd: 0.5 }), 2)).toMatchObject({ ok: true });
      expect(object.usageAt({}, 3)).toMatchObject({ spendUsd: 0.2, reservedUsd: 0.5, budgetUsd: 1 });
    });
  });

  it('admits a request that calls no model past the allowlist and a spent budget, counting its rate only', async () => {
    await inObject('budget-no-model', async (object) => {
      await object.setPolicy(policy({ budget, models: ['only'], limits: { rpm: 2, tpm: 100 } }));
      expect(object.admitAt(req(1, { model: 'only', costUsd: 1, reservationId: 'a' }), 0)).toMatchObject({
        ok: true,
      });
      // Charged past its reservation: the budget is overspent, any model request is refused.
      object.settleAt({ reservationId: 'a', reservedTokens: 1, usedTokens: 1, costUsd: 1.5 }, 1);
      expect(object.admitAt(req(1, { model: 'only' }), 2)).toMatchObject({ reason: 'budget_exceeded' });
      expect(object.admitAt(req(1, { model: 'other' }), 2)).toMatchObject({ reason: 'model_not_allowed' });
      expect(object.admitAt(req(50, { model: null }), 2)).toMatchObject({
        ok: true,
        reservedTokens: 50,
        reservedUsd: 0,
        rate: { requests: { remaining: 0 }, tokens: { remaining: 49 } },
      });
      expect(object.usageAt({}, 3)).toMatchObject({ spendUsd: 1.5, reservedUsd: 0 });
      expect(object.admitAt(req(1, { model: null }), 3)).toMatchObject({
        reason: 'rate_limited',
        limit: 'requests',
      });
    });
  });

  it('admits a request of no tokens (a metadata write) while a settle has overdrawn the TPM bucket', async () => {
    await inObject('tpm-overdrawn-no-tokens', async (object) => {
      await object.setPolicy(policy({ limits: { rpm: 10, tpm: 1000 } }));
      expect(object.admitAt(req(500, { reservationId: 'a' }), 0)).toMatchObject({ ok: true });
      // It used far more than its estimate: the bucket is 1,000 tokens below empty.
      object.settleAt({ reservationId: 'a', reservedTokens: 500, usedTokens: 2000, costUsd: 0 }, 0);
      expect(object.admitAt(req(1, { model: null }), 0)).toMatchObject({
        reason: 'rate_limited',
        limit: 'tokens',
      });
      expect(object.admitAt(req(0, { model: null }), 0)).toMatchObject({
        ok: true,
        reservedTokens: 0,
        rate: { requests: { remaining: 8 } },
      });
    });
  });

  it('settles a batch in one call: each reservation ends, each cost is charged, tokens are refunded', async () => {
    await inObject('budget-batch', async (object) => {
      await object.setPolicy(policy({ budget, limits: { tpm: 1000 } }));
      for (const id of ['a', 'b', 'c']) {
        expect(object.admitAt(req(300, { costUsd: 0.3, reservationId: id }), 0)).toMatchObject({ ok: true });
      }
      expect(object.admitAt(req(300, { costUsd: 0.05 }), 0)).toMatchObject({ ok: false });
      object.settleAllAt(
        [
          { reservationId: 'a', reservedTokens: 300, usedTokens: 10, costUsd: 0.01 },
          { reservationId: 'b', reservedTokens: 300, usedTokens: 20, costUsd: 0.02 },
          { reservationId: 'c', reservedTokens: 300, usedTokens: 0, costUsd: 0 },
        ],
        1,
      );
      expect(object.usageAt({}, 2)).toMatchObject({ spendUsd: 0.03, reservedUsd: 0 });
      // The 870 unused tokens are back in the bucket.
      expect(object.admitAt(req(900, { costUsd: 0.05 }), 2)).toMatchObject({ ok: true });
    });
  });

  it('rolls over at the UTC day boundary', async () => {
    await inObject('budget-rollover', async (object) => {
      await object.setPolicy(policy({ budget }));
      const day = 86_400_000;
      expect(object.admitAt(req(1, { costUsd: 1, reservationId: 'x' }), day - 10)).toMatchObject({
        ok: true,
      });
      object.settleAt({ reservationId: 'x', reservedTokens: 0, usedTokens: 1, costUsd: 1 }, day - 5);
      expect(object.admitAt(req(1, { costUsd: 0.01 }), day - 1)).toMatchObject({
        ok: false,
        reason: 'budget_exceeded',
      });
      expect(object.admitAt(req(1, { costUsd: 0.01 }), day)).toMatchObject({ ok: true });
      expect(object.usageAt({}, day)).toMatchObject({ spendUsd: 0, periodStart: day, periodEnd: 2 * day });
      await object.setPolicy(policy({ budget: { usd: 1, period: 'total' } }));
      expect(object.usageAt({}, day)).toMatchObject({ periodStart: null, periodEnd: null });
    });
  });

  it('records the soft-limit alert when spend crosses the threshold', async () => {
    await inObject('budget-alert', async (object) => {
      await object.setPolicy(policy({ budget: { ...budget, alertAt: 0.5 } }));
      object.admitAt(req(1, { costUsd: 0.4, reservationId: 'a' }), 10);
      object.settleAt({ reservationId: 'a', reservedTokens: 0, usedTokens: 1, costUsd: 0.4 }, 11);
      expect(object.usageAt({}, 12).alert).toEqual({ threshold: 0.5, crossedAt: null });
      object.admitAt(req(1, { costUsd: 0.2, reservationId: 'b' }), 13);
      object.settleAt({ reservationId: 'b', reservedTokens: 0, usedTokens: 1, costUsd: 0.2 }, 14);
      expect(object.usageAt({}, 15).alert).toEqual({ threshold: 0.5, crossedAt: 14 });
    });
  });

  it('ends the reservation of a request settled while its budget was removed: set again, the budget is free', async () => {
    await inObject('budget-removed-in-flight', async (object) => {
      const now = Date.now();
      await object.setPolicy(policy({ budget }));
      expect(object.admitAt(req(1, { costUsd: 0.9, reservationId: 'gone' }), now).ok).toBe(true);
      await object.setPolicy(policy({ budget: null }));
      object.settleAt({ reservationId: 'gone', reservedTokens: 0, usedTokens: 1, costUsd: 0.1 }, now + 1);
      await object.setPolicy(policy({ budget }));
      // Nothing is in flight: no 402 for the ended request's $0.90 until its TTL.
      expect(object.usageAt({}, now + 2)).toMatchObject({ spendUsd: 0, reservedUsd: 0 });
      expect(object.admitAt(req(1, { costUsd: 0.9 }), now + 2).ok).toBe(true);
    });
  });

  it('releases a reservation whose settle never arrives, by alarm', async () => {
    const stub = env.KEYS.get(env.KEYS.idFromName('budget-leak'));
    await inStub(stub, async (object) => {
      await object.setPolicy(policy({ budget }));
      const now = Date.now();
      expect(object.admitAt(req(1, { costUsd: 0.9, reservationTtlMs: 10_000 }), now)).toMatchObject({
        ok: true,
      });
      expect(object.admitAt(req(1, { costUsd: 0.9 }), now)).toMatchObject({ ok: false });
    });
    // The alarm is due 10 s out; run it as if that time had come, with the clock moved past it.
    await inStub(stub, async (object, state) => {
      expect(await state.storage.getAlarm()).not.toBeNull();
      const later = Date.now() + 20_000;
      expect(object.usageAt({}, later).reservedUsd).toBe(0);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
  });
});

describe('KeyObject: a limit changed while requests are in flight', () => {
  it('keeps what was used: tokens reserved from the old bucket do not come back into the new one', async () => {
    await inObject('tpm-cut-in-flight', async (object) => {
      await object.setPolicy(policy({ limits: { tpm: 100_000 } }));
      const t = Date.now();
      // In flight when the admin lowers the limit: 90,000 tokens reserved from the old bucket.
      expect(object.admitAt(req(90_000, { reservationId: 'cut-old' }), t).ok).toBe(true);
      await object.setPolicy(policy({ limits: { tpm: 10_000 } }));
      // 90,000 of the last minute's 100,000 used: the new bucket is behind, not full.
      expect(object.admitAt(req(10_000), t)).toMatchObject({ ok: false, reason: 'rate_limited' });
      // The old request used nothing: what it gives back makes up the deficit, and no more.
      object.settleAt({ reservationId: 'cut-old', reservedTokens: 90_000, usedTokens: 0, costUsd: 0 }, t);
      expect(object.admitAt(req(10_000), t).ok).toBe(true);
      expect(object.admitAt(req(10_000), t)).toMatchObject({ ok: false, reason: 'rate_limited' });
    });
  });
});
