import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { backoffMs, type LogBuffer } from '../../src/logs/buffer';
import { MAX_CHUNK_CHARS } from '../../src/logs/json-chunks';
import { toColumns } from '../../src/logs/row';
import { bufferFor, bufferShard, LOG_SHARDS } from '../../src/logs/sink';
import { encodedRow, insertLogs } from '../../src/logs/store';
import { countRows, logRow, rowsById } from './helpers';

const DAY = 86_400_000;

describe('LogBuffer', () => {
  it('keeps every row through a failed D1 flush and writes it exactly once on the retry', async () => {
    const id = 'flaky-flush-1';
    const stub = bufferFor(env, id);
    await stub.append([logRow({ id, time: Date.now(), costUsd: 0.5 })]);

    // The next flush meets a D1 outage.
    let calls = 0;
    await runInDurableObject(stub, (object) => {
      // The test Env adds bindings, which upsets runInDurableObject's constraint: hence the cast.
      const instance = object as unknown as LogBuffer;
      const real = instance.write;
      instance.write = async (rows) => {
        calls++;
        if (calls === 1) throw new Error('D1_ERROR: Network connection lost.');
        return real(rows);
      };
    });
    const failed = await stub.flush();
    expect(failed).toMatchObject({ written: 0, pending: 1, retryInMs: backoffMs(1) });
    expect((await rowsById([id])).size).toBe(0);
    const status = await stub.status();
    expect(status).toMatchObject({ pending: 1, failures: 1 });
    expect(status.alarm).not.toBeNull();

    // The backoff alarm retries, and this time D1 answers.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(calls).toBe(2);
    expect((await rowsById([id])).get(id)).toMatchObject({ id, costUsd: 0.5 });
    expect(await stub.status()).toMatchObject({ pending: 0, failures: 0 });
  });

  it('never duplicates a row appended twice or written again after a partial success', async () => {
    const row = logRow({ id: 'dup-1', time: Date.now() });
    const stub = bufferFor(env, row.id);
    await stub.append([row]);
    await stub.append([row]);
    await stub.flush();
    await insertLogs(env.DB, [row]); // a flush retried after D1 had in fact committed
    await stub.append([row]);
    await stub.flush();
    expect(await countRows('id = ?', 'dup-1')).toBe(1);
  });

  it('arms an alarm when rows arrive, so they reach D1 without anyone flushing', async () => {
    const id = 'alarmed-1';
    const stub = bufferFor(env, id);
    await stub.append([logRow({ id, time: Date.now() })]);
    expect((await stub.status()).alarm).not.toBeNull();
    await runDurableObjectAlarm(stub);
    expect(await countRows('id = ?', id)).toBe(1);
  });

  it('keeps its pending count and alarm in step with storage across appends, flushes and alarms', async () => {
    const rows = ['step-1', 'step-2', 'step-3'].map((id) => logRow({ id, time: Date.now() }));
    const stub = bufferFor(env, rows[0]!.id);
    const inStorage = () =>
      runInDurableObject(stub, (object) => {
        const state = (object as unknown as { ctx: DurableObjectState }).ctx;
        const n = state.storage.sql
          .exec<{ n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM appends')
          .one().n;
        return state.storage.getAlarm().then((alarm) => ({ n, alarm }));
      });
    await stub.flush();
    const before = (await stub.status()).pending;
    await stub.append([rows[0]!, rows[1]!]);
    await stub.append([rows[1]!, rows[2]!]); // rows[1] again: waits twice, lands once
    let status = await stub.status();
    let stored = await inStorage();
    expect(status.pending).toBe(before + 4);
    expect(stored.n).toBe(status.pending);
    expect(status.alarm).not.toBeNull();
    expect(stored.alarm).toBe(status.alarm);

    // The alarm fires and empties the buffer; the next row must arm a new one.
    await runDurableObjectAlarm(stub);
    status = await stub.status();
    expect(status.pending).toBe(0);
    await stub.append([logRow({ id: 'step-4', time: Date.now() })]);
    status = await stub.status();
    stored = await inStorage();
    expect(status.pending).toBe(1);
    expect(stored.n).toBe(1);
    expect(stored.alarm).not.toBeNull();
    await runDurableObjectAlarm(stub);
    expect(await countRows("id LIKE 'step-%'")).toBe(4);
  });

  it('stores an append of large rows in several entries, each under the 2 MB value limit', async () => {
    const body = '漢字かな'.repeat(8192); // 32 K characters, 96 KB of UTF-8
    const rows = Array.from({ length: 30 }, (_, i) =>
      logRow({ id: `big-${i}`, time: Date.now(), requestBody: body, responseBody: body }),
    );
    const stub = bufferFor(env, rows[0]!.id);
    await stub.flush();
    await stub.append(rows);
    const entries = await runInDurableObject(stub, (object) => {
      const state = (object as unknown as { ctx: DurableObjectState }).ctx;
      return state.storage.sql
        .exec<{ n: number; bytes: number }>('SELECT n, length(CAST(rows AS BLOB)) AS bytes FROM appends')
        .toArray();
    });
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.reduce((sum, { n }) => sum + n, 0)).toBe(30);
    for (const { bytes } of entries) expect(bytes).toBeLessThan(2 * 1024 * 1024);
    await stub.flush();
    const stored = await rowsById(rows.map((row) => row.id));
    expect(stored.size).toBe(30);
    expect(stored.get('big-29')?.responseBody).toBe(body);
  });

  it('stores a row too large for one SQLite value fitted, so it never holds back the rows behind it', async () => {
    // Quotes grow when JSON-encoded, and twice in the D1 form of `attempts`: 2.4 MB from 300 K.
    const huge = `mock/${'"'.repeat(300_000)}`;
    const poison = logRow({
      id: 'poison-1',
      time: Date.now(),
      model: huge,
      attempts: [{ provider: 'mock', model: huge, status: 200, latencyMs: 1, retry: 0 }],
      requestBody: 'kept only if it fits',
    });
    const after = logRow({ id: 'poison-2', time: Date.now() });
    expect(encodedRow(poison).length).toBeLessThan(MAX_CHUNK_CHARS);
    expect(JSON.stringify(toColumns(poison)).length).toBeGreaterThan(MAX_CHUNK_CHARS); // unfitted: too big

    const stub = bufferFor(env, poison.id);
    await stub.flush();
    await stub.append([poison]);
    await stub.append([after]);
    expect(await stub.flush()).toMatchObject({ pending: 0 });
    const stored = await rowsById([poison.id, after.id]);
    expect(stored.get(after.id)).toMatchObject({ model: 'fast' });
    const fitted = stored.get(poison.id)!;
    expect(fitted.model).toBe(`${huge.slice(0, 512)}…`);
    expect(fitted.attempts).toEqual([
      { provider: 'mock', model: `${huge.slice(0, 512)}…`, status: 200, latencyMs: 1, retry: 0 },
    ]);
    expect(fitted.requestBody).toBeNull();

    // The direct path (no buffer) fits it the same way.
    await insertLogs(env.DB, [{ ...poison, id: 'poison-3' }]);
    expect((await rowsById(['poison-3'])).get('poison-3')?.model).toBe(fitted.model);
  });

  it('flushes the rows an earlier version left in its one-row-per-log-row table, 100 at a time, then drops it', async () => {
    const stub = bufferFor(env, 'legacy-0');
    const result = await runInDurableObject(stub, async (object, state) => {
      const sql = state.storage.sql;
      sql.exec('CREATE TABLE pending (id TEXT PRIMARY KEY, row TEXT NOT NULL, queued_at INTEGER NOT NULL)');
      for (let i = 0; i < 150; i++) {
        const row = logRow({ id: `legacy-${i}`, time: Date.now() });
        sql.exec(
          'INSERT INTO pending (id, row, queued_at) VALUES (?, ?, ?)',
          row.id,
          JSON.stringify(row),
          1000 + i,
        );
      }
      // What a restart after the deploy does: a new instance on the same storage.
      const Buffer = (
        object as unknown as { constructor: new (s: DurableObjectState, e: unknown) => LogBuffer }
      ).constructor;
      const fresh = new Buffer(state, env);
      const before = await fresh.status();
      const writes: number[] = [];
      const real = fresh.write;
      fresh.write = (rows) => {
        writes.push(rows.length);
        return real(rows);
      };
      await fresh.append([logRow({ id: 'legacy-new', time: Date.now() })]);
      const flushed = await fresh.flush();
      const tables = sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map(({ name }) => name);
      return { before: before.pending, writes, flushed, tables };
    });
    expect(result.before).toBe(150);
    expect(result.writes).toEqual([100, 50, 1]); // the old rows first, in bounded steps
    expect(result.flushed).toMatchObject({ written: 151, pending: 0 });
    expect(result.tables).not.toContain('pending');
    expect(await countRows("id LIKE 'legacy-%'")).toBe(151);
  });

  it('writes whole appends to D1, no more than 100 rows a write unless one append alone holds more', async () => {
    const stub = bufferFor(env, 'whole-0');
    const writes = await runInDurableObject(stub, async (object) => {
      const buffer = object as unknown as LogBuffer;
      await buffer.flush();
      const sizes: number[] = [];
      const real = buffer.write;
      buffer.write = (rows) => {
        sizes.push(rows.length);
        return real(rows);
      };
      const rows = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => logRow({ id: `whole-${from + i}`, time: Date.now() }));
      await buffer.append(rows(0, 60));
      await buffer.append(rows(60, 30));
      await buffer.append(rows(90, 60));
      await buffer.append(rows(150, 120));
      await buffer.flush();
      return sizes;
    });
    expect(writes).toEqual([90, 60, 120]);
    expect(await countRows("id LIKE 'whole-%'")).toBe(270);
  });

  it('flushes a large backlog in batches', async () => {
    const ids = Array.from({ length: 450 }, (_, i) => `bulk-${i}`);
    const byShard = new Map<number, string[]>();
    for (const id of ids) byShard.set(bufferShard(id), [...(byShard.get(bufferShard(id)) ?? []), id]);
    for (const [, shardIds] of byShard) {
      await bufferFor(env, shardIds[0]!).append(shardIds.map((id) => logRow({ id, time: Date.now() })));
    }
    for (const [, shardIds] of byShard) await bufferFor(env, shardIds[0]!).flush();
    expect(await countRows("id LIKE 'bulk-%'")).toBe(450);
  });

  it('spreads request ids over every shard', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => bufferShard(`req_${i}`)));
    expect(shards.size).toBe(LOG_SHARDS);
  });
});

describe('retention cron', () => {
  it('deletes rows older than LOG_RETENTION_DAYS and keeps the rest', async () => {
    const now = Date.parse('2031-03-01T00:00:00Z');
    await insertLogs(env.DB, [
      logRow({ id: 'ret-old', time: now - 31 * DAY }),
      logRow({ id: 'ret-edge', time: now - 29 * DAY }),
      logRow({ id: 'ret-new', time: now - 1000 }),
    ]);
    // Done when the handler's promise is: maintenance is awaited, not left to waitUntil (~30 s).
    await worker.scheduled(
      createScheduledController({ scheduledTime: now, cron: '7 * * * *' }),
      env,
      createExecutionContext(),
    );
    const left = await rowsById(['ret-old', 'ret-edge', 'ret-new']);
    expect([...left.keys()].sort()).toEqual(['ret-edge', 'ret-new']);

    const shorter = { ...env, LOG_RETENTION_DAYS: '7' };
    const ctx2 = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: now, cron: '7 * * * *' }),
      shorter,
      ctx2,
    );
    await waitOnExecutionContext(ctx2);
    expect([...(await rowsById(['ret-edge', 'ret-new'])).keys()]).toEqual(['ret-new']);
  });
});
