// Requests with the old secret between a rotation's hand-over and the new object's adoption of the
// old ledger: the new object never checks a budget against a ledger without the old secret's spend.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { rotateKey } from '../../src/governance/key-rotation';
import { getKey } from '../../src/keys/store';
import { admin, chat, createKey, type Json } from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { handOverHooked, methodHooked, pricedMock, spendOf as spend } from './helpers';

const small = { model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 };

/** A key whose $0.05 `total` budget is spent: requests until the cap refuses one. */
async function spentKey() {
  await pricedMock();
  const key = await createKey({ budget: { usd: 0.05, period: 'total' } });
  let refused = false;
  for (let i = 0; i < 20 && !refused; i++) {
    refused = (await chat(key.key, small)).status === 402;
    await settled();
  }
  expect(refused).toBe(true);
  return key;
}

/** An env whose key object `name` runs `meanwhile` right after its first hand-over, before the rotation goes on. */
const afterHandOver = (name: string, meanwhile: () => Promise<void>) =>
  handOverHooked(name, async (real, call, args) => {
    const handed = await real(...args);
    if (call === 0) await meanwhile();
    return handed;
  });

/** Statuses of `n` requests with `secret`, one after another, each settled. */
async function statuses(secret: string, n: number, into: number[]) {
  for (let i = 0; i < n; i++) {
    into.push((await chat(secret, small)).status);
    await settled();
  }
}

describe('requests with the old secret between the hand-over and the adoption', () => {
  it('admits none of them once the budget is spent, and the spend stays what it was', async () => {
    const key = await spentKey();
    const before = await spend(key.id);
    const stored = await getKey(env.DB, key.id);
    const inWindow: number[] = [];
    const hooked = afterHandOver(stored!.hash, () => statuses(key.key, 5, inWindow));
    const rotated = await rotateKey(hooked, stored!, 60, Date.now());
    // The new object fetched the old ledger itself, and refused them as the old object would have.
    expect(inWindow).toEqual([402, 402, 402, 402, 402]);
    expect(await spend(key.id)).toBeCloseTo(before, 10);
    const refused = await chat(rotated!.secret, small);
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.code).toBe('budget_exceeded');
    expect((await chat(key.key, small)).status).toBe(402);
    expect(await spend(key.id)).toBeCloseTo(before, 10);
  });

  it('admits them under a budget with room, and charges each once, through the rotation', async () => {
    await pricedMock();
    const key = await createKey({ budget: { usd: 100, period: 'month' } });
    expect((await chat(key.key, small)).status).toBe(200);
    const one = await spend(key.id);
    expect(one).toBeGreaterThan(0);
    const stored = await getKey(env.DB, key.id);
    const inWindow: number[] = [];
    const hooked = afterHandOver(stored!.hash, () => statuses(key.key, 2, inWindow));
    const rotated = await rotateKey(hooked, stored!, 60, Date.now());
    expect(inWindow).toEqual([200, 200]);
    expect(await spend(key.id)).toBeCloseTo(3 * one, 10);
    expect((await chat(rotated!.secret, small)).status).toBe(200);
    expect((await chat(key.key, small)).status).toBe(200);
    expect(await spend(key.id)).toBeCloseTo(5 * one, 10);
  });
});

describe('a rotation whose adoption never comes', () => {
  /** An env in which every adopt a rotation sends fails (it tries twice). */
  const adoptFails = () =>
    methodHooked('adopt', null, async () => {
      throw new Error('adopt failed (injected)');
    });

  it('still succeeds (it is done), and the new object fetches the ledger itself: the spent budget still refuses', async () => {
    const key = await spentKey();
    const before = await spend(key.id);
    const stored = await getKey(env.DB, key.id);
    const rotated = await rotateKey(adoptFails(), stored!, 60, Date.now());
    // The new secret is shown; neither it nor the old one is admitted on an empty ledger.
    expect(rotated!.secret).not.toBe(key.key);
    expect((await chat(rotated!.secret, small)).status).toBe(402);
    expect((await chat(key.key, small)).status).toBe(402);
    expect(await spend(key.id)).toBeCloseTo(before, 10);
  });

  it('…and under a budget with room, the new secret works and the spend so far counts once', async () => {
    await pricedMock();
    const key = await createKey({ budget: { usd: 100, period: 'month' } });
    expect((await chat(key.key, small)).status).toBe(200);
    const one = await spend(key.id);
    const stored = await getKey(env.DB, key.id);
    const rotated = await rotateKey(adoptFails(), stored!, 60, Date.now());
    expect((await chat(rotated!.secret, small)).status).toBe(200);
    expect((await chat(key.key, small)).status).toBe(200);
    expect(await spend(key.id)).toBeCloseTo(3 * one, 10);
  });

  it('is completed by a later rotation when it stopped before its hand-over, spend and all, counted once', async () => {
    const key = await spentKey();
    const before = await spend(key.id);
    const stored = await getKey(env.DB, key.id); // the first rotation's read
    // The first rotation moves the row, then stalls before its hand-over (its Worker stopped, say).
    let resume = () => {};
    const stalled = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const hooked = handOverHooked(stored!.hash, async (real, _call, args) => {
      await stalled;
      return real(...args);
    });
    const first = rotateKey(hooked, stored!, 60, Date.now());
    let row = await getKey(env.DB, key.id);
    for (let i = 0; i < 100 && row!.hash === stored!.hash; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      row = await getKey(env.DB, key.id);
    }
    expect(row!.hash).not.toBe(stored!.hash);
    // An admin rotates again: the newest object awaits the first hand-over, which the row has
    // moved past, so it completes it — not refusing for ever, nor admitting from $0.
    const response = await admin(`/admin/keys/${key.id}/rotate`, 'POST', { graceSeconds: 60 });
    expect(response.status).toBe(200);
    const second = await response.json<Json>();
    expect(second.usage.spendUsd).toBeCloseTo(before, 10);
    expect((await chat(second.key, small)).status).toBe(402);
    expect((await chat(key.key, small)).status).toBe(402); // the old secret, in its grace period
    // The first rotation goes on: its hand-over (already made) reaches the newest object once.
    resume();
    await first;
    expect(await spend(key.id)).toBeCloseTo(before, 10);
    expect((await chat(second.key, small)).status).toBe(402);
  });
});
