// The isolate outbox (src/logs/outbox.ts) with a fake `send`: a short linger for company, batching
// while an append is in flight, failed batches retried per row, and a vanished sender taken over.
import { beforeEach, describe, expect, it } from 'vitest';
import { post, queuedRows, resetOutbox, type Send } from '../../src/logs/outbox';
import type { LogRow } from '../../src/logs/row';
import { logRow } from './helpers';

const row = (id: string): LogRow => logRow({ id, time: 0 });

/** A send whose calls are recorded and each held until `release()`; `result` says if it stored. */
function gatedSend(result: (rows: LogRow[]) => boolean = () => true) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const send: Send = async (rows) => {
    calls.push(rows.map((r) => r.id));
    await new Promise<void>((resolve) => gates.push(resolve));
    return result(rows);
  };
  const release = () => {
    for (const open of gates.splice(0)) open();
  };
  return { send, calls, release };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('log outbox', () => {
  beforeEach(() => resetOutbox());

  it('sends a row at once when there is no linger and no append in flight', async () => {
    const { send, calls, release } = gatedSend();
    const done = post(row('quiet-1'), send, { lingerMs: 0 });
    expect(calls).toEqual([['quiet-1']]); // before any timer ran
    release();
    await done;
    expect(queuedRows()).toBe(0);
  });

  it('waits the linger for company, then sends the rows that came meanwhile in one append', async () => {
    const { send, calls, release } = gatedSend();
    const first = post(row('l-1'), send, { lingerMs: 20 });
    await tick(1);
    const second = post(row('l-2'), send, { lingerMs: 20 });
    expect(calls).toEqual([]); // still lingering
    while (calls.length < 1) await tick(1);
    expect(calls).toEqual([['l-1', 'l-2']]);
    release();
    await Promise.all([first, second]);
    expect(calls).toHaveLength(1);
    expect(queuedRows()).toBe(0);
  });

  it('sends the rows that finished during an append together, in the next one', async () => {
    const { send, calls, release } = gatedSend();
    const first = post(row('b-1'), send, { lingerMs: 0 });
    const rest = ['b-2', 'b-3', 'b-4'].map((id) => post(row(id), send, { lingerMs: 0 }));
    expect(calls).toEqual([['b-1']]);
    expect(queuedRows()).toBe(3);
    release();
    await first;
    while (calls.length < 2) await tick(1);
    expect(calls[1]).toEqual(['b-2', 'b-3', 'b-4']);
    release();
    await Promise.all(rest);
    expect(calls).toHaveLength(2);
  });

  it('has each owner send its own row again when a batch was not stored', async () => {
    const { send, calls, release } = gatedSend((rows) => rows.length === 1);
    const first = post(row('f-0'), send, { lingerMs: 0 });
    const posts = ['f-1', 'f-2'].map((id) => post(row(id), send, { lingerMs: 0 }));
    release();
    await first;
    for (let i = 0; i < 100 && calls.length < 4; i++) {
      release();
      await tick(2);
    }
    release();
    await Promise.all(posts);
    expect(calls).toEqual([['f-0'], ['f-1', 'f-2'], ['f-1'], ['f-2']]);
  });

  it('takes over from a sender that never reports back', async () => {
    const stuck: Send = () => new Promise<boolean>(() => {});
    void post(row('v-0'), stuck, { takeoverMs: 50 }); // its request vanished mid-send
    const sent: string[][] = [];
    await post(
      row('v-1'),
      async (rows) => {
        sent.push(rows.map((r) => r.id));
        return true;
      },
      { takeoverMs: 50 },
    );
    expect(sent).toEqual([['v-1']]);
  });
});
