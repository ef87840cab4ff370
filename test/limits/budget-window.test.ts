// A budget's period or start changed by an admin: the spend already booked is recomputed for the
// new window, not reset (src/limits/budget.ts `current`, key-object.ts `applyPolicy`).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { KeyPolicy } from '../../src/keys/policy';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import { type BudgetState, periodBounds } from '../../src/limits/budget';
import type { KeyObject } from '../../src/limits/key-object';
import { admin, chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { keyPolicy } from '../helpers/key-policy';
import { settled } from '../helpers/settled';

// The mock answers "Mock reply to: <prompt>"; at $30,000 per million output tokens and max_tokens
// 10, a request reserves $0.30, and one whose answer is cut at max_tokens costs exactly that.
const pricedMock = {
  providers: { mock: { type: 'mock' } },
  models: { fast: { targets: [{ provider: 'mock', model: 'mock-1' }] } },
  pricing: { 'mock/mock-1': { inputPerMTok: 0, outputPerMTok: 30_000 } },
};
const askFull = {
  model: 'fast',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'one two three four five six seven eight' }],
};

/** The admin read of a key or team once its settles are in. */
async function read(path: string): Promise<Json> {
  await settled();
  for (let i = 0; i < 50; i++) {
    const body = await (await admin(path)).json<Json>();
    if (body.usage.reservedUsd === 0) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} still has reservations`);
}

async function patch(path: string, body: unknown): Promise<Json> {
  const response = await admin(path, 'PATCH', body);
  expect(response.status).toBe(200);
  return response.json<Json>();
}

describe("a budget's period or start changed through the admin API", () => {
  it('keeps a spent total budget spent through a change to day and back: still 402, spend unchanged', async () => {
    await putConfig(pricedMock);
    const { id, key } = await createKey({ budget: { usd: 0.6, period: 'total' } });
    for (let i = 0; i < 2; i++) {
      expect((await chat(key, askFull)).status).toBe(200);
      await read(`/admin/keys/${id}`);
    }
    expect((await chat(key, askFull)).status).toBe(402);
    const spent = (await read(`/admin/keys/${id}`)).usage.spendUsd;
    expect(spent).toBeCloseTo(0.6, 10);

    // Spent today: the day's window holds all of it, shown at once.
    const daily = await patch(`/admin/keys/${id}`, { budget: { usd: 0.6, period: 'day' } });
    expect(daily.usage.spendUsd).toBe(spent);
    expect((await chat(key, askFull)).status).toBe(402);
    const total = await patch(`/admin/keys/${id}`, { budget: { usd: 0.6, period: 'total' } });
    expect(total.usage).toMatchObject({ spendUsd: spent, periodStart: null, periodEnd: null });
    const refused = await chat(key, askFull);
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.code).toBe('budget_exceeded');
    expect((await read(`/admin/keys/${id}`)).usage.spendUsd).toBe(spent);
  });

  it("keeps a team's spend when a start that includes today is added, and when it is removed", async () => {
    await putConfig(pricedMock);
    const created = await admin('/admin/teams', 'POST', {
      name: 'window',
      budget: { usd: 0.3, period: 'month' },
    });
    const team = await created.json<Json>();
    const { key } = await createKey({ team: team.id });
    expect((await chat(key, askFull)).status).toBe(200);
    expect((await read(`/admin/teams/${team.id}`)).usage.spendUsd).toBeCloseTo(0.3, 10);

    const startsAt = new Date(periodBounds({ period: 'day' }, Date.now()).start).toISOString();
    const anchored = await patch(`/admin/teams/${team.id}`, {
      budget: { usd: 0.3, period: 'month', startsAt },
    });
    expect(anchored.usage).toMatchObject({ spendUsd: 0.3, periodStart: startsAt });
    expect((await chat(key, askFull)).status).toBe(402);
    const calendar = await patch(`/admin/teams/${team.id}`, { budget: { usd: 0.3, period: 'month' } });
    expect(calendar.usage.spendUsd).toBe(0.3);
    expect((await chat(key, askFull)).status).toBe(402);
  });
});

let sequence = 0;
const req = (costUsd: number, extra: Partial<AdmitRequest> = {}): AdmitRequest => ({
  model: 'm',
  tokens: 10,
  costUsd,
  reservationId: `window-${++sequence}`,
  reservationTtlMs: 60_000,
  defaults: {},
  ...extra,
});
const budgeted = (budget: KeyPolicy['budget']) => keyPolicy({ budget });
const DAY = 86_400_000;

async function inObject(name: string, run: (object: KeyObject) => Promise<void> | void) {
  await runInDurableObject(env.KEYS.get(env.KEYS.idFromName(name)), (instance) =>
    run(instance as unknown as KeyObject),
  );
}

describe("KeyObject: a budget's window changed", () => {
  it('recomputes at the change, and counts a share granted before it until it is given back', async () => {
    await inObject('window-lease', async (object) => {
      const now = Date.now();
      await object.setPolicy(budgeted({ usd: 1, period: 'total' }));
      const spend = req(0.9);
      expect(object.admitAt(spend, now - 2 * DAY)).toMatchObject({ ok: true });
      object.settleAt(
        { reservationId: spend.reservationId, reservedTokens: 0, usedTokens: 1, costUsd: 0.9 },
        now - 2 * DAY,
      );

      await object.setPolicy(budgeted({ usd: 1, period: 'day' }));
      expect(object.usageAt({}, now)).toMatchObject({ spendUsd: 0 }); // nothing spent today
      // A lease granted under the day's budget holds a hundredth of its dollar.
      expect(object.admitAt(req(0.001, { lease: true }), now)).toMatchObject({
        ok: true,
        lease: { usd: 0.00999 },
      });

      await object.setPolicy(budgeted({ usd: 1, period: 'total' }));
      const usage = object.usageAt({}, now);
      expect(usage).toMatchObject({ spendUsd: 0.9, leasedUsd: 0.00999 });
      // 1 - 0.9 spent - 0.001 reserved - 0.00999 the share still holds: 0.08901 left.
      expect(object.admitAt(req(0.0891), now)).toMatchObject({ ok: false, reason: 'budget_exceeded' });
      expect(object.admitAt(req(0.089), now)).toMatchObject({ ok: true });
    });
  });

  it('counts, over a change, the spend of a ledger stored before the history was kept', async () => {
    await inObject('window-legacy', async (object) => {
      const now = Date.now();
      await object.setPolicy(budgeted({ usd: 10, period: 'month' }));
      const legacy: BudgetState = {
        periodStart: periodBounds({ period: 'month' }, now).start,
        spentUsd: 5,
        reservations: [],
        alertedAt: null,
      };
      // As stored before this change (the object reads it so after a restart).
      (Reflect.get(object, 'state') as { ledger?: BudgetState }).ledger = legacy;
      await object.setPolicy(budgeted({ usd: 10, period: 'day' }));
      // When this month it was spent is unknown: today's period counts all of it.
      expect(object.usageAt({}, now).spendUsd).toBe(5);
    });
  });
});
