// The isolate's outbox of finished log rows: rows that finish close together leave in one append,
// instead of one Durable Object call and one storage commit each. A row that finds no append in
// flight waits LINGER_MS for company (that much longer in its own waitUntil; the response has
// long gone), then goes with whatever queued; rows finishing while an append is on its way go
// together in the next one. So a quiet gateway batches a little and a busy one a lot.
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
/**
 * How long a sender waits for more rows before its append leaves. Nobody waits on it (the response
 * has gone, and the buffer holds rows for a second anyway), while every append is one RPC and one
 * storage commit: 50 ms rather than 5 cut the gateway process's CPU per request locally by about a
 * tenth at c=32 (interleaved A/B, bench/), and means fewer, larger writes on Cloudflare too.
 */
export const LINGER_MS = 50;
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
export async function post(
  row: LogRow,
  send: Send,
  { takeoverMs = TAKEOVER_MS, lingerMs = LINGER_MS }: { takeoverMs?: number; lingerMs?: number } = {},
): Promise<void> {
  const entry: Entry = { row, state: 'queued' };
  queue.push(entry);
  const giveUpAt = Date.now() + takeoverMs;
  const nobodySending = () => sendingSince === undefined || Date.now() - sendingSince > takeoverMs;
  await poll(
    async () => {
      while (entry.state === 'queued' && nobodySending() && (await sendQueued(send, lingerMs))) {}
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

/** After the linger, sends what is queued (up to MAX_ROWS) from the calling request's context; false: nothing was. */
async function sendQueued(send: Send, lingerMs: number): Promise<boolean> {
  if (queue.length === 0) return false;
  const started = Date.now();
  sendingSince = started; // from now on the others wait for this append
  if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
  const batch = queue.splice(0, MAX_ROWS);
  if (batch.length === 0) {
    if (sendingSince === started) sendingSince = undefined;
    return false;
  }
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
