// Rows refused before admission are named after their key by a D1 lookup, remembered per hash in
// the isolate, so a client refused over and over costs D1 one read, not one per refusal.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import type { Env } from '../../src/env';
import {
  appendRows,
  DIRECT_ROWS,
  DIRECT_TIMEOUT_MS,
  deliverLog,
  flushAllBuffers,
  forgetKeyNames,
  resetUnauthenticatedRows,
} from '../../src/logs/sink';
import { admin, createKey } from '../helpers/gateway';
import { logRow, rowsById } from './helpers';

/** The test Env with a D1 that counts its lookups of keys. */
function countingEnv() {
  let lookups = 0;
  const DB = {
    prepare: (sql: string) => {
      if (/FROM keys/.test(sql)) lookups++;
      return env.DB.prepare(sql);
    },
    batch: (statements: D1PreparedStatement[]) => env.DB.batch(statements),
  } as unknown as D1Database;
  return { env: { ...(env as unknown as Env), DB }, lookups: () => lookups };
}

describe('naming the key of a row refused before admission', () => {
  beforeEach(() => forgetKeyNames());

  it('looks a key up once, however many of its requests are refused', async () => {
    const { id, key } = await createKey();
    const hash = await sha256Hex(key);
    const counted = countingEnv();
    const rows = [1, 2, 3].map((n) =>
      logRow({ id: `refused-${n}`, time: Date.now(), keyId: null, status: 429 }),
    );
    for (const row of rows) await deliverLog(counted.env, row, hash, false);
    expect(rows.map((row) => row.keyId)).toEqual([id, id, id]);
    expect(counted.lookups()).toBe(1);
  });

  it("names the key by its previous secret during a rotation's grace period, not after it", async () => {
    const refusedWith = async (secret: string, id: string) => {
      const row = logRow({ id, time: Date.now(), keyId: null, status: 400 });
      await deliverLog(env as unknown as Env, row, await sha256Hex(secret), false);
      return row.keyId;
    };
    const graced = await createKey();
    const rotate = (id: string, graceSeconds: number) =>
      admin(`/admin/keys/${id}/rotate`, 'POST', { graceSeconds });
    expect((await rotate(graced.id, 3600)).status).toBe(200);
    expect(await refusedWith(graced.key, 'rotated-graced')).toBe(graced.id);

    const ended = await createKey();
    expect((await rotate(ended.id, 0)).status).toBe(200);
    expect(await refusedWith(ended.key, 'rotated-ended')).toBeNull();
  });

  it('reads D1 for at most a quota of new hashes a minute: a flood of made-up keys costs a bounded number', async () => {
    resetUnauthenticatedRows(100, 2);
    try {
      const counted = countingEnv();
      const rows = [1, 2, 3, 4].map((n) =>
        logRow({ id: `made-up-${n}`, time: Date.now(), keyId: null, status: 400 }),
      );
      for (const [n, row] of rows.entries())
        await deliverLog(counted.env, row, await sha256Hex(`tg-${String(n).repeat(32)}`), false);
      expect(counted.lookups()).toBe(2);
    } finally {
      resetUnauthenticatedRows();
    }
  });

  it('names a key admitted lately without a lookup, even once a flood has spent the lookups', async () => {
    const { id, key } = await createKey();
    const hash = await sha256Hex(key);
    resetUnauthenticatedRows(1, 1);
    try {
      const counted = countingEnv();
      // Its admitted request, then a flood of made-up keys, then its own refusal (a bad body).
      await deliverLog(counted.env, logRow({ id: 'lately-ok', time: Date.now(), keyId: id }), hash, true);
      for (const n of [1, 2])
        await deliverLog(
          counted.env,
          logRow({ id: `lately-flood-${n}`, time: Date.now(), keyId: null, status: 400 }),
          await sha256Hex(`tg-${String(n).repeat(32)}`),
          false,
        );
      const refused = logRow({ id: 'lately-refused', time: Date.now(), keyId: null, status: 400 });
      await deliverLog(counted.env, refused, hash, false);
      expect(refused.keyId).toBe(id);
      expect(counted.lookups()).toBe(1); // the flood's first made-up key only
    } finally {
      resetUnauthenticatedRows();
    }
  });

  it("carries the key's zero-retention flag to its refused rows, read with its name or remembered", async () => {
    const counted = countingEnv();
    const zdr = await createKey({ zdr: true });
    const looked = logRow({ id: 'zdr-looked-up', time: Date.now(), keyId: null, status: 400 });
    await deliverLog(counted.env, looked, await sha256Hex(zdr.key), false);
    expect(looked).toMatchObject({ keyId: zdr.id, zdr: true });
    // An admitted row's flag (its team's, say) is remembered with the key's name: no lookup then.
    const other = await createKey();
    const hash = await sha256Hex(other.key);
    const admitted = logRow({ id: 'zdr-admitted', time: Date.now(), keyId: other.id, zdr: true });
    await deliverLog(counted.env, admitted, hash, true);
    const refused = logRow({ id: 'zdr-refused-later', time: Date.now(), keyId: null, status: 400 });
    await deliverLog(counted.env, refused, hash, false);
    expect(refused).toMatchObject({ keyId: other.id, zdr: true });
    expect(counted.lookups()).toBe(1);
  });

  it('remembers that a hash names no key as well', async () => {
    const hash = await sha256Hex(`tg-${'Q'.repeat(32)}`);
    const counted = countingEnv();
    const rows = [1, 2].map((n) =>
      logRow({ id: `unknown-${n}`, time: Date.now(), keyId: null, status: 401 }),
    );
    for (const row of rows) await deliverLog(counted.env, row, hash, false);
    expect(rows.map((row) => row.keyId)).toEqual([null, null]);
    expect(counted.lookups()).toBe(1);
  });
});

describe('appending rows to a buffer shard', () => {
  /** The test Env whose LOGS stubs fail their first `failures` appends (each stub asked for counted). */
  function flakyLogs(failures: number, error: () => Error) {
    let appends = 0;
    let stubs = 0;
    const LOGS = {
      idFromName: (name: string) => env.LOGS.idFromName(name),
      get: (id: DurableObjectId) => {
        stubs++;
        const real = env.LOGS.get(id);
        return {
          append: async (rows: Parameters<typeof real.append>[0]) => {
            appends++;
            if (appends <= failures) throw error();
            return real.append(rows);
          },
        };
      },
    };
    return {
      env: { ...(env as unknown as Env), LOGS } as unknown as Env,
      appends: () => appends,
      stubs: () => stubs,
    };
  }

  it('tries again on a fresh stub, calling alive before each new try', async () => {
    const flaky = flakyLogs(1, () => new Error('Network connection lost.'));
    let alive = 0;
    const row = logRow({ id: 'append-retry-1', time: Date.now() });
    expect(await appendRows(flaky.env, [row], () => alive++)).toBe(true);
    expect([flaky.appends(), flaky.stubs(), alive]).toEqual([2, 2, 1]);
    await flushAllBuffers(env);
    expect((await rowsById([row.id])).size).toBe(1);
  });

  it('writes straight to D1 when every try at the buffer fails (an overloaded one waited for longer)', async () => {
    const overloaded = () => Object.assign(new Error('Durable Object is overloaded.'), { overloaded: true });
    const flaky = flakyLogs(3, overloaded);
    const row = logRow({ id: 'append-fallback-1', time: Date.now() });
    const started = Date.now();
    expect(await appendRows(flaky.env, [row])).toBe(true);
    expect(flaky.appends()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // 1 s and 3 s, each ±50 %
    expect((await rowsById([row.id])).size).toBe(1);
  });
});

describe('a batch already as large as DIRECT_ROWS', () => {
  /** The test Env counting its buffer appends, with a D1 whose batch writes `d1` decides. */
  function countedEnv(d1: 'real' | 'failing' | 'hanging') {
    let appends = 0;
    const LOGS = {
      idFromName: (name: string) => env.LOGS.idFromName(name),
      get: (id: DurableObjectId) => {
        const real = env.LOGS.get(id);
        return {
          append: (rows: Parameters<typeof real.append>[0]) => {
            appends++;
            return real.append(rows);
          },
        };
      },
    };
    const DB =
      d1 === 'real'
        ? env.DB
        : ({
            prepare: (sql: string) => env.DB.prepare(sql),
            batch: () =>
              d1 === 'failing' ? Promise.reject(new Error('D1_ERROR: overloaded')) : new Promise(() => {}),
          } as unknown as D1Database);
    return { env: { ...(env as unknown as Env), LOGS, DB } as unknown as Env, appends: () => appends };
  }
  const batch = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => logRow({ id: `${prefix}-${i}`, time: Date.now() }));
  const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

  it('goes straight to D1, not through a buffer', async () => {
    const counted = countedEnv('real');
    const rows = batch('direct', DIRECT_ROWS);
    expect(await appendRows(counted.env, rows)).toBe(true);
    expect(counted.appends()).toBe(0);
    expect((await rowsById(ids(rows))).size).toBe(DIRECT_ROWS); // no flush needed
  });

  it('a smaller one goes to a buffer, and reaches D1 with its flush', async () => {
    const counted = countedEnv('real');
    const rows = batch('buffered', DIRECT_ROWS - 1);
    expect(await appendRows(counted.env, rows)).toBe(true);
    expect(counted.appends()).toBe(1);
    await flushAllBuffers(env);
    expect((await rowsById(ids(rows))).size).toBe(DIRECT_ROWS - 1);
  });

  it('goes to a buffer when D1 refuses it, and is stored once D1 takes the flush', async () => {
    const counted = countedEnv('failing');
    const rows = batch('direct-refused', DIRECT_ROWS);
    expect(await appendRows(counted.env, rows)).toBe(true);
    expect(counted.appends()).toBe(1);
    await flushAllBuffers(env);
    expect((await rowsById(ids(rows))).size).toBe(DIRECT_ROWS);
  });

  it('goes to a buffer when D1 does not answer in time', async () => {
    const counted = countedEnv('hanging');
    const rows = batch('direct-hung', DIRECT_ROWS);
    const started = Date.now();
    let alive = 0;
    expect(await appendRows(counted.env, rows, () => alive++)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DIRECT_TIMEOUT_MS - 100);
    expect(alive).toBe(1); // said before going on, so the outbox does not take over meanwhile
    expect(counted.appends()).toBe(1);
    await flushAllBuffers(env);
    expect((await rowsById(ids(rows))).size).toBe(DIRECT_ROWS);
  }, 20_000);
});

describe('rows of unauthenticated requests', () => {
  it('keep no metadata, and only a bounded number a minute reach the log', async () => {
    resetUnauthenticatedRows(2);
    try {
      const ids = ['unauth-cap-1', 'unauth-cap-2', 'unauth-cap-3'];
      for (const id of ids) {
        const row = logRow({
          id,
          time: Date.now(),
          status: 401,
          keyId: null,
          metadata: { user: 'x'.repeat(500) },
        });
        await deliverLog(env, row, undefined, false);
      }
      await flushAllBuffers(env);
      const stored = await rowsById(ids);
      expect([...stored.keys()].sort()).toEqual(['unauth-cap-1', 'unauth-cap-2']);
      expect(stored.get('unauth-cap-1')?.metadata).toBeNull();
      // Refused before its key was asked (a bad body, a bad header) and naming no key: capped too.
      const early = logRow({
        id: 'unauth-cap-early',
        time: Date.now(),
        status: 400,
        keyId: null,
        metadata: { a: 'b' },
      });
      await deliverLog(env, early, await sha256Hex(`tg-${'E'.repeat(32)}`), false);
      await flushAllBuffers(env);
      expect((await rowsById([early.id])).size).toBe(0);
      expect(early.metadata).toBeNull();
      // A key's own refusals are not capped.
      const named = logRow({
        id: 'unauth-cap-named',
        time: Date.now(),
        status: 401,
        keyId: 'key_x',
        metadata: { a: 'b' },
      });
      await deliverLog(env, named, undefined, false);
      await flushAllBuffers(env);
      expect((await rowsById([named.id])).get(named.id)?.metadata).toEqual({ a: 'b' });
    } finally {
      resetUnauthenticatedRows();
    }
  });
});
