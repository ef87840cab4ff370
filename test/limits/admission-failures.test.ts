import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { KeyObject } from '../../src/limits/key-object';
import { LEASE_MS } from '../../src/limits/lease-grant';
import { completion, upstream } from '../cache/harness';
import { admin, chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { settled } from '../helpers/settled';
import { json, onUpstream } from '../helpers/upstream';

const priced = { model: 'gpt', messages: [{ role: 'user', content: 'x' }] };

const bindings = env.KEYS as unknown as { get: unknown };
const realGet = bindings.get;
afterEach(() => {
  bindings.get = realGet;
});

/** The team's object is overloaded; every other object answers. */
function teamOverloaded(teamId: string) {
  const teamObjectId = env.KEYS.idFromName(`team:${teamId}`).toString();
  const failing = () =>
    Promise.reject(Object.assign(new Error('Durable Object is overloaded.'), { overloaded: true }));
  bindings.get = (id: DurableObjectId) => {
    const real = (realGet as (id: DurableObjectId) => DurableObjectStub<KeyObject>).call(env.KEYS, id);
    if (id.toString() !== teamObjectId) return real;
    return {
      id: real.id,
      admit: failing,
      settle: failing,
      settleMany: failing,
      returnLease: failing,
      drawLease: failing,
      readPolicy: failing,
    };
  };
}

type KeyStub = DurableObjectStub<KeyObject>;
/** The KeyObject methods the gateway calls on a stub. */
const STUB_METHODS = [
  'admit',
  'settle',
  'settleMany',
  'returnLease',
  'drawLease',
  'usage',
  'readPolicy',
] as const;

/**
 * Stubs of `objectId`'s object changed by `change` (its methods in, the methods to use out); every
 * other object's, and the methods not changed, as they are.
 */
function changeStubs(
  objectId: DurableObjectId,
  change: (
    real: KeyStub,
  ) => Partial<Record<(typeof STUB_METHODS)[number], (...args: never[]) => Promise<unknown>>>,
) {
  const inner = bindings.get as (id: DurableObjectId) => KeyStub;
  bindings.get = (id: DurableObjectId) => {
    const real = inner.call(env.KEYS, id);
    if (id.toString() !== objectId.toString()) return real;
    const stub: Record<string, unknown> = { id: real.id };
    for (const name of STUB_METHODS)
      stub[name] = (...args: unknown[]) => (real[name] as (...a: unknown[]) => unknown)(...args);
    return Object.assign(stub, change(real));
  };
}

const lost = () => Promise.reject(new Error('Network connection lost.'));

/** The team's object fails its first admission (unreachable for a moment); every other call answers. */
function teamFailsOnce(teamId: string) {
  let failed = false;
  changeStubs(env.KEYS.idFromName(`team:${teamId}`), (real) => ({
    admit: (request: Parameters<KeyStub['admit']>[0]) => {
      if (failed) return real.admit(request);
      failed = true;
      return lost();
    },
  }));
}

/**
 * The key's object fails its first settle call, as a dropped connection would: before it reaches
 * the object, or (`applied`) after the object applied it, the answer lost.
 */
function keyObjectDropsFirstSettle(keyHash: string, applied = false) {
  let calls = 0;
  const firstLost = async (call: () => Promise<unknown>) => {
    if (calls++ > 0) return call();
    if (applied) await call();
    return lost();
  };
  changeStubs(env.KEYS.idFromName(keyHash), (real) => ({
    settle: (one: Parameters<KeyStub['settle']>[0]) => firstLost(() => real.settle(one)),
    settleMany: (settles: Parameters<KeyStub['settleMany']>[0]) => firstLost(() => real.settleMany(settles)),
  }));
  return { calls: () => calls };
}

/** The OpenAI config, a new team, and a key in it with an RPM limit and a $10 monthly budget. */
async function keyInTeam(name: string) {
  expect((await putConfig(openaiConfig())).status).toBe(200);
  const team = (await (await admin('/admin/teams', 'POST', { name })).json<Json>()).id as string;
  const key = await createKey({ team, limits: { rpm: 1000 }, budget: { usd: 10, period: 'month' } });
  return { team, ...key };
}

const usageOf = async (id: string): Promise<Json> =>
  (await (await admin(`/admin/keys/${id}`)).json<Json>()).usage;

describe('a key and team admission that one side cannot answer', () => {
  it("gives the key back its slot and budget reservation when its team's object cannot answer", async () => {
    const { team, id, key } = await keyInTeam('hot team');
    teamOverloaded(team);
    const refused = await chat(key, priced);
    expect(refused.status).toBe(503); // fails closed, as documented
    await refused.text();
    bindings.get = realGet;
    await settled();
    const usage = await usageOf(id);
    // Nothing was served: nothing should stay reserved (it stays for limits.reservationTtlMs, 15 min).
    expect(usage.reservedUsd).toBe(0);
  });

  it("gives the key back its slot and reservation when the answer to the release's first try is lost", async () => {
    const { team, id, key } = await keyInTeam('hot team 4');
    teamOverloaded(team);
    const flaky = keyObjectDropsFirstSettle(await sha256Hex(key), true);
    const refused = await chat(key, priced);
    expect(refused.status).toBe(503);
    await refused.text();
    let usage = await usageOf(id);
    for (let i = 0; i < 100 && (usage.reservedUsd !== 0 || flaky.calls() < 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 30)); // tried again ~0.1 s later
      usage = await usageOf(id);
    }
    bindings.get = realGet;
    expect(flaky.calls()).toBe(2); // lost, then tried again on a fresh stub
    // Given back: the slot too (its refused request was never made). The retry found the release
    // applied and changed nothing (a bucket is capped at its limit, so a second refund would not
    // show here: recent-settles.test.ts counts them).
    expect(usage).toMatchObject({ reservedUsd: 0, rpm: { limit: 1000, remaining: 1000 } });
  });

  it('keeps the reservation of a request its lease served after its team failed the renewal, whatever the release does', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    let calls = 0;
    onUpstream(`${OPENAI_URL}/chat/completions`, async () => {
      // The third call, the one under test, stays with the provider while the release is retried.
      if (++calls === 3) await new Promise((resolve) => setTimeout(resolve, 1_500));
      return json(completion('Paris'));
    });
    const team = (await (await admin('/admin/teams', 'POST', { name: 'hot team 5' })).json<Json>()).id;
    // $0.20: too little for a budget share, so a leased request reserves at the key's object.
    const { id, key } = await createKey({
      team,
      limits: { rpm: 1000 },
      budget: { usd: 0.2, period: 'month' },
    });
    for (let i = 0; i < 2; i++) await (await chat(key, priced)).text(); // the second takes the leases
    await settled();
    // A quarter of the lease left: the next request asks for the next one, and its team's object
    // fails that ask once; the key's object admitted it, so that admission is released (its first
    // try lost, so the release arrives again a moment later), and the lease serves the request,
    // reserving at the key's object.
    await new Promise((resolve) => setTimeout(resolve, (LEASE_MS * 4) / 5));
    teamFailsOnce(team);
    const keyObject = keyObjectDropsFirstSettle(await sha256Hex(key));
    const pending = chat(key, priced);
    await new Promise((resolve) => setTimeout(resolve, 900)); // the release's second try has landed
    const during = await usageOf(id);
    expect(keyObject.calls()).toBe(2); // the release, lost, then again
    bindings.get = realGet;
    const answered = await pending;
    expect(answered.status).toBe(200);
    await answered.text();
    expect(calls).toBe(3);
    expect(during.reservedUsd).toBeGreaterThan(0); // still reserved while the provider works
  });

  it('locks a budgeted key out (402) for reservationTtlMs after its team was overloaded for a moment', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    upstream(() => 'Paris');
    const team = (await (await admin('/admin/teams', 'POST', { name: 'hot team 2' })).json<Json>()).id;
    // gpt-4o-mini's worst case without max_tokens is about $0.0025: four of them fill $0.01.
    const { key } = await createKey({ team, budget: { usd: 0.01, period: 'month' } });
    teamOverloaded(team);
    for (let i = 0; i < 4; i++) {
      const refused = await chat(key, priced);
      expect(refused.status).toBe(503);
      await refused.text();
    }
    bindings.get = realGet; // the team's object is back
    await settled();
    const after = await chat(key, priced);
    // Nothing was ever spent; a client that retried its 503s is now refused for 15 minutes.
    expect(after.status).toBe(200);
  });

  it("gives the key back the budget reservation a leased request made there when its team's object cannot answer", async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    upstream(() => 'Paris');
    const team = (
      await (
        await admin('/admin/teams', 'POST', { name: 'hot team 3', limits: { rpm: 10_000 } })
      ).json<Json>()
    ).id;
    // $0.20 is too little for a budget share: a leased request reserves at both objects (reserveAt).
    const { id, key } = await createKey({
      team,
      limits: { rpm: 1000 },
      budget: { usd: 0.2, period: 'month' },
    });
    for (let i = 0; i < 2; i++) {
      const warm = await chat(key, priced); // the second takes the key's and the team's leases
      expect(warm.status).toBe(200);
      await warm.text();
    }
    await settled();
    teamOverloaded(team);
    const refused = await chat(key, priced);
    expect(refused.status).toBe(503);
    await refused.text();
    bindings.get = realGet;
    await settled();
    expect((await usageOf(id)).reservedUsd).toBe(0);
  });
});
