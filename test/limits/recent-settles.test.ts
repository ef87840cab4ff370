import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { KeyObject } from '../../src/limits/key-object';
import { SETTLED_MEMORY_MS } from '../../src/limits/recent-settles';
import type { SettleRequest } from '../../src/limits/settle-batch';
import { keyPolicy as policy } from '../helpers/key-policy';

const budget = { usd: 1, period: 'total' as const };
const admission = (reservationId: string, costUsd: number) => ({
  model: 'm',
  tokens: 100,
  costUsd,
  reservationId,
  reservationTtlMs: 60_000,
  defaults: {},
});
const settle = (reservationId: string, costUsd: number): SettleRequest => ({
  reservationId,
  reservedTokens: 100,
  usedTokens: 10,
  costUsd,
});

type Run = (object: KeyObject, state: DurableObjectState) => Promise<void> | void;
function inObject(name: string, run: Run) {
  const stub = env.KEYS.get(env.KEYS.idFromName(name));
  return runInDurableObject(stub, (instance, state) => run(instance as unknown as KeyObject, state));
}

describe('KeyObject applies each settle once', () => {
  it('charges a settle delivered twice, or twice in one batch, once; its tokens come back once', async () => {
    await inObject('once-charged', async (object) => {
      await object.setPolicy(policy({ budget, limits: { tpm: 1000 } }));
      const now = Date.now();
      for (const id of ['a', 'b'])
        expect(object.admitAt(admission(id, 0.2), now)).toMatchObject({ ok: true });
      object.settleAllAt([settle('a', 0.1), settle('a', 0.1)], now + 1);
      object.settleAllAt([settle('a', 0.1), settle('b', 0.05)], now + 2);
      object.settleAt(settle('b', 0.05), now + 3);
      expect(object.usageAt({}, now + 4)).toMatchObject({ spendUsd: 0.15, reservedUsd: 0 });
      // 200 reserved, 20 used: 180 came back, once (twice, the bucket would be full again).
      expect(object.usageAt({}, now + 4).tpm?.remaining).toBe(980);
    });
  });

  it('still knows what it settled after a restart, from storage; forgets it after the memory', async () => {
    await inObject('once-restarted', async (object, state) => {
      await object.setPolicy(policy({ budget }));
      const now = Date.now();
      expect(object.admitAt(admission('a', 0.2), now)).toMatchObject({ ok: true });
      object.settleAllAt([settle('a', 0.1)], now);
      // A new instance over the same storage, as after an eviction or a reset.
      const restarted = new KeyObject(state, env);
      await state.blockConcurrencyWhile(async () => {});
      restarted.settleAllAt([settle('a', 0.1)], now + 1);
      expect(restarted.usageAt({}, now + 2)).toMatchObject({ spendUsd: 0.1 });
      // Long after, the id is forgotten (a settle that late is a different request's).
      const later = now + SETTLED_MEMORY_MS + 1;
      restarted.settleAllAt([settle('z', 0.01)], later);
      restarted.settleAllAt([settle('a', 0.1)], later);
      expect(restarted.usageAt({}, later).spendUsd).toBeCloseTo(0.21, 10);
    });
  });

  it('writes nothing for an object that never charges a ledger (an unknown key, a key without a budget)', async () => {
    const tables = (state: DurableObjectState) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'settled'").toArray();
    await inObject('once-unknown', async (object, state) => {
      expect(object.admitAt(admission('u', 0), Date.now())).toMatchObject({ ok: false, reason: 'unknown' });
      expect(tables(state)).toEqual([]);
    });
    await inObject('once-tokens-only', async (object, state) => {
      await object.setPolicy(policy({ limits: { tpm: 1000 } }));
      const now = Date.now();
      expect(object.admitAt(admission('t', 0), now)).toMatchObject({ ok: true });
      object.settleAllAt([settle('t', 0)], now + 1);
      object.settleAllAt([settle('t', 0)], now + 2);
      expect(tables(state)).toEqual([]);
      expect(object.usageAt({}, now + 3).tpm?.remaining).toBe(990); // the resend refunded nothing
    });
  });

  it("does not charge twice a settle resent to a rotated key's old object, before or after the rotation", async () => {
    const [oldName, newName] = ['once-old', 'once-new'];
    const oldObject = env.KEYS.get(env.KEYS.idFromName(oldName));
    const newObject = env.KEYS.get(env.KEYS.idFromName(newName));
    await oldObject.setPolicy(policy({ budget }));
    for (const id of ['before', 'after']) {
      expect(await oldObject.admit(admission(id, 0.2))).toMatchObject({ ok: true });
    }
    await oldObject.settleMany([settle('before', 0.1)]);
    const handed = await oldObject.handOver({ to: newName, until: Date.now() + 60_000 });
    await newObject.setPolicy(policy({ budget }));
    await newObject.adopt(handed);
    // Settled here before the rotation: skipped here, never forwarded.
    await oldObject.settleMany([settle('before', 0.1)]);
    // Settled after it: forwarded each time, and charged once there.
    await oldObject.settleMany([settle('after', 0.05)]);
    await oldObject.settleMany([settle('after', 0.05)]);
    let usage = await newObject.usage({});
    for (let i = 0; i < 50 && usage.reservedUsd > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // forwarded in the old object's waitUntil
      usage = await newObject.usage({});
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // and the second forward, had it charged
    expect(await newObject.usage({})).toMatchObject({ spendUsd: 0.15, reservedUsd: 0 });
  });

  /**
   * A rotation whose adopt reaches the new object after `forwarded` (a settle or release of the
   * request `id`, admitted at the old object before the hand-over): the new object's usage after.
   */
  async function adoptedAfter(name: string, id: string, forwarded: SettleRequest) {
    const oldObject = env.KEYS.get(env.KEYS.idFromName(`${name}-old`));
    const newObject = env.KEYS.get(env.KEYS.idFromName(`${name}-new`));
    await oldObject.setPolicy(policy({ budget }));
    await newObject.setPolicy(policy({ budget }));
    expect(await oldObject.admit(admission(id, 0.2))).toMatchObject({ ok: true });
    const handed = await oldObject.handOver({ to: `${name}-new`, until: Date.now() + 60_000 });
    await newObject.settleMany([forwarded]);
    await newObject.adopt(handed);
    return newObject.usage({});
  }

  it('drops from an adopted ledger a reservation whose settle was forwarded here before the adoption', async () => {
    const usage = await adoptedAfter('adopt', 'in-between', settle('in-between', 0.1));
    expect(usage).toMatchObject({ spendUsd: 0.1, reservedUsd: 0 });
  });

  it('drops from an adopted ledger a reservation whose release was forwarded here before the adoption', async () => {
    const release = {
      ...settle('released-between', 0),
      release: true,
      releaseId: 'released-between:release_1',
    };
    const usage = await adoptedAfter('adopt-release', 'released-between', release);
    expect(usage).toMatchObject({ spendUsd: 0, reservedUsd: 0 });
  });

  it('applies a release without remembering it: the same request may reserve and settle here again', async () => {
    await inObject('once-released', async (object) => {
      await object.setPolicy(policy({ budget }));
      const now = Date.now();
      expect(object.admitAt(admission('r', 0.2), now)).toMatchObject({ ok: true });
      object.settleAllAt([{ ...settle('r', 0), usedTokens: 0, release: true }], now + 1);
      expect(object.usageAt({}, now + 2)).toMatchObject({ spendUsd: 0, reservedUsd: 0 });
      expect(object.admitAt(admission('r', 0.2), now + 3)).toMatchObject({ ok: true });
      object.settleAllAt([settle('r', 0.1)], now + 4);
      expect(object.usageAt({}, now + 5)).toMatchObject({ spendUsd: 0.1, reservedUsd: 0 });
    });
  });

  it('gives a release sent again (by its own id) back once: its request slot and tokens return once', async () => {
    await inObject('release-resent', async (object) => {
      await object.setPolicy(policy({ limits: { rpm: 10, tpm: 1000 } }));
      const now = Date.now();
      for (const id of ['r', 'other'])
        expect(object.admitAt(admission(id, 0), now)).toMatchObject({ ok: true });
      const released: SettleRequest = {
        ...settle('r', 0),
        usedTokens: 0,
        release: true,
        requestSlot: true,
        releaseId: 'r:release_1',
      };
      object.settleAllAt([released, released], now + 1);
      object.settleAt(released, now + 2);
      // Two admitted, one given back once: one slot and 100 tokens still used (the other request's).
      const usage = object.usageAt({}, now + 3);
      expect([usage.rpm?.remaining, usage.tpm?.remaining]).toEqual([9, 900]);
      // The released request may still reserve and settle here.
      expect(object.admitAt(admission('r', 0), now + 4)).toMatchObject({ ok: true });
      object.settleAt(settle('r', 0), now + 5);
      expect(object.usageAt({}, now + 6).rpm?.remaining).toBe(8);
    });
  });
});
