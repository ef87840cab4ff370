// The isolate's outbox of finished log rows: rows that finish while another append is on its way
// leave together in the next one, instead of one Durable Object call and one storage commit each.
// Nothing waits for company: a row that finds no append in flight goes at once (alone, or with
// whatever queued), so a quiet gateway adds no delay and a busy one batches by itself.
//
// Each row stays in its own request's ctx.waitUntil until the append that carried it has returned,
// so a row is as durable as before. Requests never share promises, streams or stubs
// (src/isolate/poll.ts): a batch is sent with the sending request's own `send`, and the other
// owners learn the outcome from a plain field they poll on their own timers. Should the sender
// vanish (its context cancelled mid-send), each owner sends its row itself after TAKEOVER_MS; the
// buffer and D1 dedupe by request id, so at-least-once here is exactly-once there.
import { poll } from '../isolate/poll';
import type { LogRow } from './row';

/** Rows per append (the buffer writes D1 batches of 100). */
export const MAX_ROWS = 100;
/** A row whose append has not reported back after this long is sent again by its own request. */
export const TAKEOVER_MS = 10_000;
/** Owners look at their row's state after 1 ms, then ever less often, at most every 20 ms. */
const MAX_POLL_MS = 20;

/** Delivers rows (to a buffer shard, else D1); true when they are stored. Must not throw. */
export type Send = (rows: LogRow[]) => Promise<boolean>;

interface Entry {
  row: LogRow;
  state: 'queued' | 'taken' | 'sent' | 'failed';
}

let queue: Entry[] = [];
/** When the append in flight left, or undefined when none is. */
let sendingSince: number | undefined;

/** Resolves once `row` is stored (or every way to store it has failed and been reported). */
export async function post(row: LogRow, send: Send, takeoverMs = TAKEOVER_MS): Promise<void> {
  const entry: Entry = { row, state: 'queued' };
  queue.push(entry);
  const giveUpAt = Date.now() + takeoverMs;
  const nobodySending = () => sendingSince === undefined || Date.now() - sendingSince > takeoverMs;
  await poll(
    async () => {
      while (entry.state === 'queued' && nobodySending() && (await sendQueued(send))) {}
      if (entry.state === 'sent') return true;
      if (entry.state === 'failed' || Date.now() > giveUpAt) {
        await send([row]);
        return true;
      }
      return undefined;
    },
    { firstMs: 1, maxMs: MAX_POLL_MS },
  );
}

/** Sends what is queued (up to MAX_ROWS) from the calling request's context; false: nothing was. */
async function sendQueued(send: Send): Promise<boolean> {
  const batch = queue.splice(0, MAX_ROWS);
  if (batch.length === 0) return false;
  const started = Date.now();
  sendingSince = started;
  for (const entry of batch) entry.state = 'taken';
  let stored = false;
  try {
    stored = await send(batch.map((entry) => entry.row));
  } finally {
    for (const entry of batch) entry.state = stored ? 'sent' : 'failed';
    // A later sender may have taken over after a stall; only the one in flight clears the mark.
    if (sendingSince === started) sendingSince = undefined;
  }
  return true;
}

/** Rows waiting for an append (tests). */
export function queuedRows(): number {
  return queue.length;
}

/** Forgets every queued row and any append in flight (tests only). */
export function resetOutbox(): void {
  queue = [];
  sendingSince = undefined;
}
