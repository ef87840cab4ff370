// Admission leases of keys with a budget: the share of what is left that a lease holds, drawn from
// by the isolate's requests going upstream without waiting for the object (src/limits/lease.ts,
// key-object.ts, budget.ts).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import { hotForget } from '../../src/cache/hot';
import type { KeyPolicy } from '../../src/keys/policy';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import { type BudgetState, periodBounds } from '../../src/limits/budget';
import type { KeyObject } from '../../src/limits/key-object';
import { admitLocally } from '../../src/limits/lease';
import { beginAsk, recordAdmission } from '../../src/limits/lease-book';
import { BOOK_AFTER_MS } from '../../src/limits/lease-draw';
import { LEASE_MS, type LeaseDraw } from '../../src/limits/lease-grant';
import { RETURN_GRACE_MS } from '../../src/limits/lease-ledger';
import type { SettleRequest } from '../../src/limits/settle-batch';
import { CHAT_URL, cachedConfig, completion, sleep, stored, upstream } from '../cache/harness';
import { admin, chat, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { keyPolicy } from '../helpers/key-policy';
import { settled } from '../helpers/settled';
import { json, onUpstream } from '../helpers/upstream';

let sequence = 0;
const req = (extra: Partial<AdmitRequest> = {}): AdmitRequest => ({
  model: 'm',
  tokens: 10,
  costUsd: 0.001,
  reservationId: `budget-lease-${++sequence}`,
  reservationTtlMs: 60_000,
  defaults: {},
  lease: true,
  ...extra,
});
const dollar = (overrides: Partial<KeyPolicy> = {}) =>
  keyPolicy({ budget: { usd: 1, period: 'total' }, ...overrides });
const draw = (leaseId: number, reservationId: string, usd: number): LeaseDraw => ({
  leaseId,
  reservationId,
  usd,
  reservationTtlMs: 60_000,
});

async function inObject(name: string, run: (object: KeyObject) => Promise<void> | void) {
  await runInDurableObject(env.KEYS.get(env.KEYS.idFromName(name)), (instance) =>
    run(instance as unknown as KeyObject),
  );
}

function leaseOf(result: ReturnType<KeyObject['admitAt']>) {
  if (!result.ok || !result.lease) throw new Error('no lease');
  return result.lease;
}

describe('KeyObject budget shares of leases', () => {
  it('holds a hundredth of what is left for a lease, reserved like a request, so no admission can take it', async () => {
    await inObject('budget-share', async (object) => {
      await object.setPolicy(dollar());
      // $1 - $0.001 for the asking request = $0.999 left: a share of $0.00999.
      const lease = leaseOf(object.admitAt(req(), 0));
      expect(lease).toMatchObject({ reserves: true, usd: 0.00999 });
      expect(object.usageAt({}, 0)).toMatchObject({ reservedUsd: 0.001, leasedUsd: 0.00999 });
      expect(object.admitAt(req({ lease: false, costUsd: 0.989 }), 0).ok).toBe(true);
      // $0.00001 is left beside the share.
      expect(object.admitAt(req({ lease: false, costUsd: 0.00002 }), 0)).toMatchObject({
        ok: false,
        reason: 'budget_exceeded',
        reservedUsd: 0.99999,
        leasedUsd: 0.00999,
      });
    });
  });

  it('spares no share that would not cover the asking request (the end of a budget goes one by one)', async () => {
    await inObject('budget-share-none', async (object) => {
      await object.setPolicy(dollar());
      // $0.99 left after it: a hundredth is $0.0099, less than the $0.01 this request may cost.
      expect(leaseOf(object.admitAt(req({ costUsd: 0.01 }), 0))).toMatchObject({ reserves: true, usd: null });
      expect(object.usageAt({}, 0)).toMatchObject({ reservedUsd: 0.01, leasedUsd: 0 });
    });
  });

  it('holds the same share in a lease asked by a request that calls no model (a conversation write), which reserves nothing', async () => {
    await inObject('budget-share-no-model', async (object) => {
      await object.setPolicy(dollar());
      // $1 left, none of it reserved by the write: a share of $0.01 for the key's model requests.
      const lease = leaseOf(object.admitAt(req({ model: null, costUsd: 0 }), 0));
      expect(lease).toMatchObject({ reserves: true, usd: 0.01 });
      expect(object.usageAt({}, 0)).toMatchObject({ reservedUsd: 0, leasedUsd: 0.01 });
    });
  });

  it("moves a request's draw into its own reservation for settle, and lets the unused rest go when given back", async () => {
    await inObject('budget-share-draw', async (object) => {
      await object.setPolicy(dollar());
      const lease = leaseOf(object.admitAt(req(), 0));
      object.drawLeaseAt(draw(lease.id, 'drawn', 0.004), 10);
      expect(object.usageAt({}, 10)).toMatchObject({ reservedUsd: 0.005, leasedUsd: 0.00599 }); // moved, not added
      object.settleAt({ reservationId: 'drawn', reservedTokens: 0, usedTokens: 0, costUsd: 0.0005 }, 20);
      expect(object.usageAt({}, 20)).toMatchObject({
        spendUsd: 0.0005,
        reservedUsd: 0.001,
        leasedUsd: 0.00599,
      });
      const returned = [{ id: lease.id, requests: 0, tokens: 0, usd: 0.00599 }];
      object.admitAt(req({ lease: false, costUsd: 0, returned }), 30);
      expect(object.usageAt({}, 30)).toMatchObject({ reservedUsd: 0.001, leasedUsd: 0 }); // the first request's own
      // Given back twice: nothing more goes.
      object.admitAt(req({ lease: false, costUsd: 0, returned }), 40);
      expect(object.usageAt({}, 40)).toMatchObject({ reservedUsd: 0.001, leasedUsd: 0 });
    });
  });

  it('releases the rest of a share given back without an admission (a lease ended or granted on one side only)', async () => {
    await inObject('budget-share-returned', async (object) => {
      await object.setPolicy(dollar());
      const lease = leaseOf(object.admitAt(req(), 0));
      object.drawLeaseAt(draw(lease.id, 'running', 0.004), 10);
      await object.returnLease({ id: lease.id, requests: 0, tokens: 0, usd: 0.00599 }, {});
      expect(object.usageAt({}, 20)).toMatchObject({ reservedUsd: 0.005, leasedUsd: 0 });
    });
  });

  it("lets a share never given back go after the lease's time and the grace, keeping its draws reserved", async () => {
    await inObject('budget-share-expiry', async (object) => {
      await object.setPolicy(dollar());
      const lease = leaseOf(object.admitAt(req(), 0));
      object.drawLeaseAt(draw(lease.id, 'running', 0.004), 10);
      const end = LEASE_MS + RETURN_GRACE_MS;
      expect(object.usageAt({}, end - 1)).toMatchObject({ reservedUsd: 0.005, leasedUsd: 0.00599 });
      // The asking request's $0.001 and the running request's $0.004 stay reserved.
      expect(object.usageAt({}, end)).toMatchObject({ reservedUsd: 0.005, leasedUsd: 0 });
    });
  });

  it("follows a rotation: a draw told to the old key's object is booked at the new one's", async () => {
    const [oldHash, newHash] = ['budget-share-old', 'budget-share-new'];
    const oldObject = env.KEYS.get(env.KEYS.idFromName(oldHash));
    const newObject = env.KEYS.get(env.KEYS.idFromName(newHash));
    await oldObject.setPolicy(dollar());
    const admitted = await oldObject.admit(req());
    if (!admitted.ok || !admitted.lease) throw new Error('no lease');
    const handed = await oldObject.handOver({ to: newHash, until: Date.now() + 60_000 });
    await newObject.setPolicy(handed.policy as KeyPolicy);
    await newObject.adopt(handed);
    await oldObject.drawLease(draw(admitted.lease.id, 'after-rotation', 0.004));
    await newObject.settle({ reservationId: 'after-rotation', reservedTokens: 0, usedTokens: 0, costUsd: 0 });
    // Booked there, the draw was settled there: $0.004 fewer reserved.
    expect(await newObject.usage({})).toMatchObject({ reservedUsd: 0.001, leasedUsd: 0.00599 });
  });

  it("forwards a batch of settles that reach the old key's object after a rotation to the new one", async () => {
    const [oldHash, newHash] = ['batch-old', 'batch-new'];
    const oldObject = env.KEYS.get(env.KEYS.idFromName(oldHash));
    const newObject = env.KEYS.get(env.KEYS.idFromName(newHash));
    await oldObject.setPolicy(dollar());
    for (const id of ['r1', 'r2']) {
      expect(await oldObject.admit(req({ costUsd: 0.1, reservationId: id }))).toMatchObject({ ok: true });
    }
    const handed = await oldObject.handOver({ to: newHash, until: Date.now() + 60_000 });
    await newObject.setPolicy(handed.policy as KeyPolicy);
    await newObject.adopt(handed);
    // Admitted before the rotation, settled after it, together.
    await oldObject.settleMany([
      { reservationId: 'r1', reservedTokens: 0, usedTokens: 5, costUsd: 0.03 },
      { reservationId: 'r2', reservedTokens: 0, usedTokens: 5, costUsd: 0.02 },
    ]);
    let usage = await newObject.usage({});
    for (let i = 0; i < 50 && usage.spendUsd < 0.05; i++) {
      await sleep(10); // forwarded in the old object's waitUntil
      usage = await newObject.usage({});
    }
    expect(usage).toMatchObject({ spendUsd: 0.05 });
    expect(usage.reservedUsd).toBeCloseTo(0, 10);
  });

  it('keeps a draw the new object booked before adopting the old ledger, even one of an earlier period', async () => {
    await inObject('budget-share-adopt', async (object) => {
      const now = Date.now();
      await object.setPolicy(keyPolicy({ budget: { usd: 1, period: 'day' } }));
      object.drawLeaseAt(draw(42, 'booked-first', 0.004), now); // forwarded from the old secret's object
      const handed: BudgetState = {
        periodStart: periodBounds({ period: 'day' }, now - 86_400_000).start, // not used since yesterday
        spentUsd: 0.5,
        reservations: [
          { id: 'lease:42', usd: 0.01, expiresAt: now + 5000 },
          { id: 'running', usd: 0.002, expiresAt: now + 60_000 },
        ],
        alertedAt: null,
      };
      object.adoptLedger(handed, now);
      // Yesterday's spend stays yesterday's; both running requests stay reserved. The share, handed
      // over whole, still counts what was drawn from it until it is released (conservative).
      expect(object.usageAt({}, now)).toMatchObject({ spendUsd: 0, reservedUsd: 0.006, leasedUsd: 0.01 });
    });
  });
});

describe("the isolate's draws from budget shares", () => {
  const granted = (id: number, usd: number | null, teamId: string | null) => ({
    ok: true as const,
    key: { id: `key_${id}`, name: 'k', teamId, logBodies: false, routing: null },
    rate: {},
    reservedTokens: 0,
    reservedUsd: 0,
    lease: { id, requests: 100, tokens: null, ms: LEASE_MS, models: null, reserves: true, usd },
  });

  it("draws from the key's and its team's shares together or not at all, renews running low, and gives back the rest", () => {
    const hash = `budget-book-${crypto.randomUUID()}`;
    const t = 1_000_000;
    recordAdmission(hash, false, granted(0, null, 'team'), granted(0, null, null), t);
    beginAsk(hash, t);
    recordAdmission(hash, true, granted(1, 0.01, 'team'), granted(2, 0.05, null), t);
    const local = admitLocally(hash, 'm', 0, t);
    if (!local) throw new Error('not leased');
    expect(local.reserves).toBe(true);
    expect(local.draw(0.004, t)).toEqual({ key: 1, team: 2 });
    expect(local.draw(0.004, t)).toEqual({ key: 1, team: 2 });
    expect(local.draw(0.004, t)).toBeUndefined(); // the key's share has $0.002 left
    expect(local.draw(0.001, t + LEASE_MS)).toBeUndefined(); // the lease is over
    // A quarter or less of the key's share left: the next admission asks for the following lease.
    expect(admitLocally(hash, 'm', 0, t + 1)).toBeUndefined();
    expect(beginAsk(hash, t + 1)).toEqual({ key: [], team: [], teamId: null });
    recordAdmission(hash, true, granted(3, 0.01, 'team'), granted(4, 0.05, null), t + 2);
    // The replaced lease goes back with the next ask, its shares' rests included ($0.008 was drawn from the team's).
    const ask = beginAsk(hash, t + 3);
    expect(ask?.key).toEqual([{ id: 1, requests: 99, tokens: 0, usd: expect.closeTo(0.002, 12) }]);
    expect(ask?.team).toEqual([{ id: 2, requests: 99, tokens: 0, usd: expect.closeTo(0.042, 12) }]);
  });

  it('needs no share for a side without a budget, and cannot draw beside a budgeted side without one', () => {
    const hash = `budget-book-${crypto.randomUUID()}`;
    const t = 2_000_000;
    const unbudgeted = {
      ...granted(2, null, null),
      lease: { ...granted(2, null, null).lease, reserves: false },
    };
    recordAdmission(hash, false, granted(0, null, 'team'), unbudgeted, t);
    beginAsk(hash, t);
    recordAdmission(hash, true, granted(1, 0.01, 'team'), unbudgeted, t);
    expect(admitLocally(hash, 'm', 0, t)?.draw(0.001, t)).toEqual({ key: 1 });

    const other = `budget-book-${crypto.randomUUID()}`;
    recordAdmission(other, false, granted(0, null, null), undefined, t);
    beginAsk(other, t);
    recordAdmission(other, true, granted(5, null, null), undefined, t);
    expect(admitLocally(other, 'm', 0, t)?.draw(0.001, t)).toBeUndefined(); // reserve at the object
  });
});

describe('a budgeted key going upstream on a lease', () => {
  const bindings = env.KEYS as unknown as { get: (id: DurableObjectId) => unknown };
  const realGet = bindings.get;
  afterEach(() => {
    bindings.get = realGet;
  });
  /** Records the key objects' methods called from now on (until afterEach restores the binding). */
  function countCalls(observe?: (method: string, args: unknown[]) => void): string[] {
    const calls: string[] = [];
    bindings.get = (id) => {
      const real = realGet.call(env.KEYS, id) as Record<string, (...args: unknown[]) => unknown>;
      return new Proxy(real, {
        get: (target, method: string) =>
          method === 'id'
            ? target.id
            : (...args: unknown[]) => {
                calls.push(method);
                observe?.(method, args);
                return target[method]?.(...args);
              },
      });
    };
    return calls;
  }
  /** The upstream answers after `slowUpstream` ms (0: at once); 1,000 + 500 tokens of gpt-4o-mini, $0.00045. */
  let slowUpstream = 0;
  function answerSlowly() {
    slowUpstream = 0;
    onUpstream(CHAT_URL, async () => {
      if (slowUpstream) await sleep(slowUpstream);
      return json(completion('Paris'));
    });
  }
  const question = (n: number) => ({ model: 'gpt', messages: [{ role: 'user', content: `question ${n}` }] });

  async function leasedKey(budget: number) {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    answerSlowly();
    const { key } = await createKey({ limits: { rpm: 1000 }, budget: { usd: budget, period: 'month' } });
    for (let i = 0; i < 2; i++) await (await chat(key, question(i))).text(); // the second takes a lease
    await settled();
    return key;
  }

  it('does not wait for the object, and settles a quick request with its draw: one message in all', async () => {
    const key = await leasedKey(10);
    const before = await ledgerOf(key);
    const settles: SettleRequest[] = [];
    const calls = countCalls((method, args) => {
      if (method === 'settleMany') settles.push(...(args[0] as SettleRequest[]));
    });
    const response = await chat(key, question(9));
    expect(response.status).toBe(200);
    await response.text();
    await settled();
    expect(calls).toEqual(['settleMany']);
    const drawn = settles[0]?.drawn;
    expect(drawn).toEqual({ leaseId: expect.any(Number), usd: expect.any(Number) });
    // Charged what it cost; the draw left the share; no reservation of the request's own.
    const after = await ledgerOf(key);
    expect(after.spentUsd).toBeCloseTo(before.spentUsd + 0.00045, 10);
    const share = (ledger: BudgetState) =>
      ledger.reservations.find((r) => r.id === `lease:${drawn?.leaseId}`)?.usd ?? 0;
    expect(share(after)).toBeCloseTo(share(before) - (drawn?.usd ?? 0), 10);
    expect(after.reservations.map((r) => r.id.split(':')[0])).toEqual(['lease']);
  });

  it('settles requests that end together in fewer calls, and charges each exactly once', async () => {
    const key = await leasedKey(10);
    const settles: SettleRequest[] = [];
    const calls = countCalls((method, args) => {
      if (method === 'settleMany') settles.push(...(args[0] as SettleRequest[]));
    });
    slowUpstream = 20;
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(key, question(10 + i))));
    for (const response of responses) {
      expect(response.status).toBe(200);
      await response.text();
    }
    await settled();
    expect(settles).toHaveLength(8);
    expect(new Set(settles.map((settle) => settle.reservationId)).size).toBe(8);
    expect(calls.filter((method) => method === 'settleMany').length).toBeLessThan(8);
    const after = await ledgerOf(key);
    expect(after.spentUsd).toBeCloseTo(10 * 0.00045, 10);
    expect(after.reservations.map((r) => r.id.split(':')[0])).toEqual(['lease']);
  });

  it(`books a request still running after ${BOOK_AFTER_MS} ms as its own reservation, then settles it`, async () => {
    const key = await leasedKey(10);
    slowUpstream = BOOK_AFTER_MS + 300;
    const calls = countCalls();
    const pending = chat(key, question(9));
    await sleep(BOOK_AFTER_MS + 100);
    expect(calls).toEqual(['drawLease']);
    const running = await ledgerOf(key);
    expect(running.reservations.filter((r) => !r.id.startsWith('lease:'))).toHaveLength(1); // its own
    const response = await pending;
    expect(response.status).toBe(200);
    await response.text();
    await settled();
    expect(calls).toEqual(['drawLease', 'settleMany']); // after its booking, on the same stub, alone
    const after = await ledgerOf(key);
    expect(after.reservations.map((r) => r.id.split(':')[0])).toEqual(['lease']);
    expect(after.spentUsd).toBeCloseTo(3 * 0.00045, 10);
  });

  it("draws a team's share with the key's, and settles each at its own object", async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    answerSlowly();
    const budget = { usd: 10, period: 'month' };
    const created = await admin('/admin/teams', 'POST', { name: 'budgeted', limits: { rpm: 1000 }, budget });
    const team = (await created.json<Json>()).id;
    const { key } = await createKey({ limits: { rpm: 1000 }, budget, team });
    for (let i = 0; i < 2; i++) await (await chat(key, question(i))).text(); // the second takes both leases
    await settled();
    const settles: SettleRequest[] = [];
    const calls = countCalls((method, args) => {
      if (method === 'settleMany') settles.push(...(args[0] as SettleRequest[]));
    });
    await (await chat(key, question(3))).text();
    await settled();
    expect(calls).toEqual(['settleMany', 'settleMany']);
    const [keyLease, teamLease] = settles.map((settle) => settle.drawn?.leaseId);
    expect(keyLease).toEqual(expect.any(Number));
    expect(teamLease).toEqual(expect.any(Number));
    const teamLedger = await ledgerAt(`team:${team}`);
    expect(teamLedger.spentUsd).toBeCloseTo(3 * 0.00045, 10);
    expect(teamLedger.reservations.map((r) => r.id)).toEqual([`lease:${teamLease}`]);
  });

  it('draws nothing for a KV hit: the share is drawn from only once the request goes upstream', async () => {
    expect((await putConfig(cachedConfig())).status).toBe(200);
    upstream(() => 'Paris');
    const { id, key } = await createKey({ limits: { rpm: 1000 }, budget: { usd: 10, period: 'month' } });
    for (let i = 0; i < 2; i++) await (await chat(key, question(1))).text(); // stored, then a leased hit
    await settled();
    const [kvKey = ''] = await stored(`key:${id}`);
    hotForget(kvKey); // the next lookup reads KV
    const calls = countCalls();
    const hit = await chat(key, question(1));
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    await hit.text();
    const miss = await chat(key, question(2));
    expect(miss.headers.get('x-tollgate-cache')).toBe('miss');
    await miss.text();
    await settled();
    expect(calls).toEqual(['settleMany']); // the miss's, with its draw; nothing for the hit
  });

  it('stays within a budget lowered behind its back: the share drawn from, then the object once the lease ends', async () => {
    const key = await leasedKey(10);
    await lowerBudgetBehindItsBack(key);
    const drawn = await chat(key, question(10)); // from the share the object holds reserved
    expect(drawn.status).toBe(200);
    await drawn.text();
    await sleep(LEASE_MS + 50);
    const refused = await chat(key, question(11));
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.code).toBe('budget_exceeded');
  });

  it('refuses a request too large for its share at the object, after the cache lookup, with the same headers as an answer', async () => {
    const key = await leasedKey(10);
    await lowerBudgetBehindItsBack(key);
    // Admitted from the lease; its worst case is past the share, so the object is asked, and refuses.
    const refused = await chat(key, { ...question(12), max_tokens: 1_000_000 });
    expect(refused.status).toBe(402);
    expect((await refused.json<Json>()).error.code).toBe('budget_exceeded');
    // The log row says what the lookup found; so does the answer (and it carries the rate limits).
    expect(refused.headers.get('x-tollgate-cache')).not.toBeNull();
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('1000');
  });
});

/** Lowers a key's budget to almost nothing at its object, as an admin change the isolate has not seen. */
async function lowerBudgetBehindItsBack(key: string): Promise<void> {
  const hash = await sha256Hex(key);
  await runInDurableObject(env.KEYS.get(env.KEYS.idFromName(hash)), async (instance) => {
    const object = instance as unknown as KeyObject;
    await object.setPolicy({
      ...((await object.getPolicy()) as KeyPolicy),
      budget: { usd: 0.000_001, period: 'month' },
    });
  });
}

/** The binding's own stubs, even while a test wraps them. */
const realStub = env.KEYS.get.bind(env.KEYS);

async function ledgerOf(key: string): Promise<BudgetState> {
  return ledgerAt(await sha256Hex(key));
}

async function ledgerAt(name: string): Promise<BudgetState> {
  let ledger: BudgetState | undefined;
  await runInDurableObject(realStub(env.KEYS.idFromName(name)), async (_, state) => {
    ledger = await state.storage.get<BudgetState>('budget');
  });
  if (!ledger) throw new Error('no ledger');
  return ledger;
}
