// Near the end of a budget, an admission refused only for what requests in flight hold waits for
// their settles (src/limits/settle-wait.ts) rather than answering a 402 the next settle would undo.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AdmitRequest } from '../../src/limits/admit-rpc';
import { SETTLE_WAIT_MS } from '../../src/limits/settle-wait';
import { keyPolicy } from '../helpers/key-policy';

let sequence = 0;
const req = (costUsd: number): AdmitRequest => ({
  model: 'm',
  tokens: 10,
  costUsd,
  reservationId: `settle-wait-${++sequence}`,
  reservationTtlMs: 60_000,
  defaults: {},
  lease: false,
});

async function dollarKey(name: string) {
  const stub = env.KEYS.get(env.KEYS.idFromName(name));
  await stub.setPolicy(keyPolicy({ budget: { usd: 1, period: 'total' } }));
  return stub;
}

describe('an admission near the end of a budget', () => {
  it("waits for the settle of the request before it, and is let in once that request's cost is known", async () => {
    const stub = await dollarKey('settle-wait-sequential');
    const first = req(0.6);
    expect((await stub.admit(first)).ok).toBe(true);
    const startedAt = Date.now();
    const second = stub.admit(req(0.6)); // $0.6 reserved + $0.6 > $1: only the reservation stands in the way
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stub.settle({ reservationId: first.reservationId, reservedTokens: 0, usedTokens: 0, costUsd: 0.1 });
    expect(await second).toMatchObject({ ok: true });
    expect(Date.now() - startedAt).toBeLessThan(SETTLE_WAIT_MS);
    expect(await stub.usage({})).toMatchObject({ spendUsd: 0.1, reservedUsd: 0.6 });
  });

  it('is refused at once when what is spent leaves no room, and after the wait when nothing settles', async () => {
    const spent = await dollarKey('settle-wait-spent');
    const done = req(0.5);
    await spent.admit(done);
    await spent.settle({ reservationId: done.reservationId, reservedTokens: 0, usedTokens: 0, costUsd: 0.5 });
    let startedAt = Date.now();
    expect(await spent.admit(req(0.6))).toMatchObject({ ok: false, reason: 'budget_exceeded' });
    expect(Date.now() - startedAt).toBeLessThan(SETTLE_WAIT_MS / 2);

    const stuck = await dollarKey('settle-wait-stuck');
    await stuck.admit(req(0.6)); // never settled
    startedAt = Date.now();
    expect(await stuck.admit(req(0.6))).toMatchObject({
      ok: false,
      reason: 'budget_exceeded',
      reservedUsd: 0.6,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SETTLE_WAIT_MS - 50);
  });

  it('gives back the shares it brings once, however often it looks again', async () => {
    const stub = await dollarKey('settle-wait-returned-once');
    const leased = await stub.admit({ ...req(0.001), lease: true });
    if (!leased.ok || !leased.lease) throw new Error('no lease');
    expect(leased.lease.usd).toBe(0.00999);
    expect((await stub.admit(req(0.9))).ok).toBe(true);
    // The isolate gives the lease back with $0.005 unused: $0.00499 is drawn by requests still running.
    const returned = [{ id: leased.lease.id, requests: 0, tokens: 0, usd: 0.005 }];
    const waiting = stub.admit({ ...req(0.095), returned });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Any settle wakes it to look again.
    await stub.settle({ reservationId: 'settle-wait-other', reservedTokens: 0, usedTokens: 0, costUsd: 0 });
    // $0.001 + $0.00499 + $0.9 + $0.095 > $1.
    expect(await waiting).toMatchObject({ ok: false, reason: 'budget_exceeded' });
    expect(await stub.usage({})).toMatchObject({ reservedUsd: 0.901, leasedUsd: 0.00499 });
  });

  it('does not wait for its own first reservation (a top-up under the same id), which cannot settle meanwhile', async () => {
    const stub = await dollarKey('settle-wait-top-up');
    const first = req(0.6);
    expect((await stub.admit(first)).ok).toBe(true);
    const startedAt = Date.now();
    const more = await stub.admit({ ...first, costUsd: 0.5, tokens: 0, prepaid: true });
    expect(more).toMatchObject({ ok: false, reason: 'budget_exceeded' });
    expect(Date.now() - startedAt).toBeLessThan(SETTLE_WAIT_MS / 2);
  });

  it('is let in when the budget is raised while it waits', async () => {
    const stub = await dollarKey('settle-wait-raised');
    await stub.admit(req(0.6));
    const waiting = stub.admit(req(0.6));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stub.setPolicy(keyPolicy({ budget: { usd: 2, period: 'total' } }));
    expect(await waiting).toMatchObject({ ok: true });
  });
});
