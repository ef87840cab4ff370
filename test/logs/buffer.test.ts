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
import { bufferFor, bufferShard, LOG_SHARDS } from '../../src/logs/sink';
import { insertLogs } from '../../src/logs/store';
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

  it('keeps its pending count and alarm in step with storage across duplicates, flushes and alarms', async () => {
    const rows = ['step-1', 'step-2', 'step-3'].map((id) => logRow({ id, time: Date.now() }));
    const stub = bufferFor(env, rows[0]!.id);
    const inStorage = () =>
      runInDurableObject(stub, (object) => {
        const state = (object as unknown as { ctx: DurableObjectState }).ctx;
        const n = state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n;
        return state.storage.getAlarm().then((alarm) => ({ n, alarm }));
      });
    await stub.flush();
    const before = (await stub.status()).pending;
    await stub.append([rows[0]!, rows[1]!]);
    await stub.append([rows[1]!, rows[2]!]); // rows[1] again: not counted twice
    let status = await stub.status();
    let stored = await inStorage();
    expect(status.pending).toBe(before + 3);
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
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: '7 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
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
