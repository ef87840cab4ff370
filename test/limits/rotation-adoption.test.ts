// A rotation's new key object before the old secret's ledger reached it: what it admits, what it
// fetches itself, and what it keeps over a restart.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import { emptyState } from '../../src/limits/budget';
import { KeyObject } from '../../src/limits/key-object';
import { ADOPTION, type Adoption, adoptedLedger } from '../../src/limits/rotation-adoption';
import { keyPolicy as policy } from '../helpers/key-policy';

const budget = { usd: 1, period: 'month' as const };
let sequence = 0;
const req = (costUsd: number, extra: Partial<AdmitRequest> = {}): AdmitRequest => ({
  model: 'm',
  tokens: 10,
  costUsd,
  reservationId: `adoption-${++sequence}`,
  reservationTtlMs: 60_000,
  defaults: {},
  ...extra,
});
const stub = (name: string) => env.KEYS.get(env.KEYS.idFromName(name));
const until = () => Date.now() + 60_000;

describe('a rotation’s new key object awaiting the old ledger', () => {
  it('refuses a budgeted admission (no lease either) until the ledger is here, also after a restart', async () => {
    await runInDurableObject(stub('await-new'), async (instance, state) => {
      const object = instance as unknown as KeyObject;
      await object.awaitHandOver({ from: 'await-old', to: 'await-new', until: until() });
      await object.setPolicy(policy({ budget, limits: { rpm: 1000 } }));
      const now = Date.now();
      const refused = object.admitAt(req(0.01, { lease: true }), now);
      expect(refused).toEqual({ ok: false, reason: 'awaiting_ledger' });
      expect(object.usageAt({}, now)).toMatchObject({ reservedUsd: 0, leasedUsd: 0 });
      expect(object.usageAt({}, now).rpm?.remaining).toBe(1000); // nothing taken
      // A new instance over the same storage, as after an eviction or a reset.
      const restarted = new KeyObject(state, env);
      await state.blockConcurrencyWhile(async () => {});
      expect(restarted.admitAt(req(0.01), now)).toEqual({ ok: false, reason: 'awaiting_ledger' });
    });
  });

  it('admits a key without a budget meanwhile: there is nothing to overspend', async () => {
    const object = stub('await-free-new');
    await object.awaitHandOver({ from: 'await-free-old', to: 'await-free-new', until: until() });
    await object.setPolicy(policy());
    expect(await object.admit(req(0))).toMatchObject({ ok: true });
  });

  it('leaves an old object that has not handed over alone: its rotation may still roll back', async () => {
    const [oldObject, newObject] = [stub('pending-old'), stub('pending-new')];
    await oldObject.setPolicy(policy({ budget }));
    await newObject.awaitHandOver({ from: 'pending-old', to: 'pending-new', until: until() });
    await newObject.setPolicy(policy({ budget }));
    expect(await newObject.admit(req(0.01))).toMatchObject({ ok: false, reason: 'awaiting_ledger' });
    expect(await oldObject.admit(req(0.01))).toMatchObject({ ok: true }); // not redirected
  });

  it('fetches a hand-over made for it itself, and counts it once when the rotation’s adopt comes too', async () => {
    const [oldObject, newObject] = [stub('fetch-old'), stub('fetch-new')];
    await oldObject.setPolicy(policy({ budget }));
    const spent = req(0.3);
    expect(await oldObject.admit(spent)).toMatchObject({ ok: true });
    await oldObject.settle({
      reservationId: spent.reservationId,
      reservedTokens: 0,
      usedTokens: 0,
      costUsd: 0.3,
    });
    await newObject.awaitHandOver({ from: 'fetch-old', to: 'fetch-new', until: until() });
    await newObject.setPolicy(policy({ budget }));
    const handed = await oldObject.handOver({ to: 'fetch-new', until: until() });
    // A request with the old secret, redirected here before the rotation's adopt.
    expect(await newObject.admit(req(0.8))).toMatchObject({
      ok: false,
      reason: 'budget_exceeded',
      spentUsd: 0.3,
    });
    await newObject.adopt(handed); // late: already here
    expect(await newObject.usage({})).toMatchObject({ spendUsd: 0.3, reservedUsd: 0 });
    expect(await newObject.admit(req(0.7))).toMatchObject({ ok: true });
    expect(await newObject.admit(req(0.01))).toMatchObject({ ok: false, reason: 'budget_exceeded' });
  });

  it('adopts a hand-over once however often it arrives', async () => {
    const [oldObject, newObject] = [stub('twice-old'), stub('twice-new')];
    await oldObject.setPolicy(policy({ budget }));
    const spent = req(0.3);
    expect(await oldObject.admit(spent)).toMatchObject({ ok: true });
    await newObject.awaitHandOver({ from: 'twice-old', to: 'twice-new', until: until() });
    await newObject.setPolicy(policy({ budget }));
    const handed = await oldObject.handOver({ to: 'twice-new', until: until() });
    await newObject.adopt(handed);
    await newObject.adopt(await oldObject.handOver({ to: 'twice-new', until: until() })); // a resend
    expect(await newObject.usage({})).toMatchObject({ spendUsd: 0, reservedUsd: 0.3 });
  });

  it('an adoption that fails takes back only its own mark: one completed meanwhile stays adopted', async () => {
    /** An old object that spent `usd` and handed over to `to`, its policy set at `revision`. */
    const handedBy = async (name: string, to: string, usd: number, revision?: number) => {
      const old = stub(name);
      await old.setPolicy(policy({ budget }), revision);
      const spent = req(usd);
      expect(await old.admit(spent)).toMatchObject({ ok: true });
      await old.settle({
        reservationId: spent.reservationId,
        reservedTokens: 0,
        usedTokens: 0,
        costUsd: usd,
      });
      return old.handOver({ to, until: until() });
    };
    // X was forwarded here from an object whose place this one took, with a newer policy to set;
    // Y is this object's own rotation, awaited.
    const handedX = await handedBy('undo-old-x', 'undo-mid', 0.1, 10);
    const handedY = await handedBy('undo-old-y', 'undo-new', 0.2);
    await runInDurableObject(stub('undo-new'), async (instance, state) => {
      const object = instance as unknown as KeyObject;
      await object.awaitHandOver({ from: 'undo-old-y', to: 'undo-new', until: until() });
      await object.setPolicy(policy({ budget }));
      // X's policy write hangs, then fails; Y is adopted meanwhile.
      const writable = object as unknown as { setHere?: () => Promise<unknown> };
      let fail!: () => void;
      const failed = new Promise<void>((resolve) => {
        fail = resolve;
      });
      writable.setHere = async () => {
        await failed;
        throw new Error('policy write failed (injected)');
      };
      const adoptingX = object.adopt(handedX);
      await object.adopt(handedY);
      fail();
      await expect(adoptingX).rejects.toThrow('injected');
      delete writable.setHere;
      // Y's adoption stored X's mark with its own: not after X's failed (a restart would skip X).
      expect(await state.storage.get<Adoption>(ADOPTION)).toEqual({ awaiting: [], adopted: ['undo-new'] });
      // Y neither fetched again (it is no longer awaited) nor merged again when re-delivered.
      expect(await object.usage({})).toMatchObject({ spendUsd: 0.2 });
      await object.adopt(handedY);
      expect(await object.usage({})).toMatchObject({ spendUsd: 0.2 });
      // X, not adopted, is when sent again.
      await object.adopt(handedX);
      expect(await object.usage({})).toMatchObject({ spendUsd: 0.3 });
    });
  });
});

describe('adoptedLedger', () => {
  const budget = { usd: 10, period: 'total' as const };
  const now = Date.parse('2026-12-07T12:00:00Z');
  const ledger = (exhaustedAt?: number) => ({
    ...emptyState(0),
    spentUsd: 10,
    ...(exhaustedAt === undefined ? {} : { exhaustedAt }),
  });

  it('keeps the budget.exhausted either side told, so the period does not tell it again', () => {
    const told = now - 1000;
    expect(adoptedLedger(ledger(told), ledger(), budget, now, () => false).exhaustedAt).toBe(told);
    expect(adoptedLedger(ledger(), ledger(told), budget, now, () => false).exhaustedAt).toBe(told);
    expect(adoptedLedger(ledger(), ledger(), budget, now, () => false).exhaustedAt).toBeUndefined();
  });

  it("keeps this period's budget.exhausted over the other side's of an earlier period", () => {
    const daily = { usd: 10, period: 'day' as const };
    const yesterday = now - 86_400_000;
    const today = Date.parse('2026-12-07T00:00:00Z');
    const mine = { ...ledger(now - 1000), periodStart: today };
    const handed = { ...ledger(yesterday), periodStart: today - 86_400_000 };
    expect(adoptedLedger(mine, handed, daily, now, () => false).exhaustedAt).toBe(now - 1000);
  });
});
