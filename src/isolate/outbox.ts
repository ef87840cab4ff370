// An isolate's outbox: items that finish close together leave in one call, instead of one call
// (and, at a Durable Object, one storage commit) each. An item that finds no call in flight waits
// `lingerMs` for company (in its own request's waitUntil; the response has gone), then goes with
// whatever queued; items finishing while a call is on its way go together in the next one, and a
// batch that fills (maxItems) leaves at once. So a quiet isolate batches a little and a busy one a
// lot, and none waits longer than a linger and a call for its batch to leave.
//
// Each item stays in its own request's ctx.waitUntil until the call that carried it has returned.
// Requests never share promises, streams or stubs (src/isolate/poll.ts): a batch is sent with the
// sending request's own `send`, and the other owners learn the outcome from a plain field they
// poll on their own timers. Should the sender vanish (its context cancelled mid-send), the others
// stop waiting for it `takeoverMs` after its last sign of life: a new sender takes what is queued,
// and the vanished batch's owners give up on it or, with `resend` (for idempotent sends only),
// each sends its item itself, as after a failed batch. A sender that is trying again (a send that
// retries) says so through `alive`, so that nobody takes over from it meanwhile.
import { poll } from './poll';

/**
 * Delivers items; true when they are stored. Must not throw. Calls `alive` now and then while it
 * keeps trying (between retries), to hold off takeovers.
 */
export type Send<T> = (items: T[], alive: () => void) => Promise<boolean>;

export interface OutboxOptions {
  /** Items per call. */
  maxItems: number;
  /** How long a sender waits for more items before its call leaves. */
  lingerMs: number;
  /** An item whose call has not reported back after this long is given up on (or resent). */
  takeoverMs: number;
  /** Each owner sends its item again after a failed or vanished call: only for idempotent sends. */
  resend: boolean;
}

interface Entry<T> {
  item: T;
  state: 'queued' | 'taken' | 'sent' | 'failed';
  /** The call carrying it, once taken: its sender's last sign of life is the item's too. */
  call?: Call;
}

/** The call in flight; `since` moves on with each sign of life. */
interface Call {
  since: number;
}

/**
 * How often owners look at their item's state: first after one and a half lingers (a batch that
 * was lingering when the item queued has left by then, and usually reported back), then once a
 * linger (no more often than every 20 ms). Each look is a timer and a turn of the isolate's event
 * loop, for every request: looking from a quarter of the linger on cost about four per item, and
 * in an interleaved A/B at c=32 (bench/) about 3 % of throughput against one or two.
 */
const pollFor = (lingerMs: number) => ({
  firstMs: Math.max(1, lingerMs + lingerMs / 2),
  maxMs: Math.max(20, lingerMs),
});

/**
 * Full batches on their way at once from one outbox, beside the lingering or in-flight call: past
 * this, items queue on (a slow target is not sent ever more calls at once).
 */
export const MAX_FULL_CALLS = 4;

export class Outbox<T> {
  private queue: Entry<T>[] = [];
  private sending: Call | undefined;
  /** Full batches on their way (MAX_FULL_CALLS). */
  private fullCalls = 0;

  constructor(private readonly options: OutboxOptions) {}

  /** Resolves once `item` is delivered, or every way to deliver it has failed or been given up. */
  async post(item: T, send: Send<T>, overrides: Partial<OutboxOptions> = {}): Promise<void> {
    const { takeoverMs, lingerMs, resend } = { ...this.options, ...overrides };
    const entry: Entry<T> = { item, state: 'queued' };
    this.queue.push(entry);
    const nobodySending = () => !this.sending || Date.now() - this.sending.since > takeoverMs;
    // Queued behind a busy sender, an item waits its turn (however long): sending it alone would
    // only add calls to an object that is already slow. A full batch is the exception: it leaves
    // at once, from the request whose item filled it, beside the call lingering or in flight.
    const mayStart = () =>
      nobodySending() || (this.queue.length >= this.options.maxItems && this.fullCalls < MAX_FULL_CALLS);
    await poll(async () => {
      while (entry.state === 'queued' && mayStart() && (await this.sendQueued(send, lingerMs))) {}
      if (entry.state === 'sent') return true;
      const vanished = entry.state === 'taken' && Date.now() - (entry.call?.since ?? 0) > takeoverMs;
      if (entry.state === 'failed' || vanished) {
        if (resend) await send([item], () => {});
        return true;
      }
      return undefined;
    }, pollFor(lingerMs));
  }

  /** Items waiting for a call. */
  get queued(): number {
    return this.queue.length;
  }

  /** Nothing queued and no call in flight (one silent past takeoverMs is given up on): the outbox can be dropped. */
  get idle(): boolean {
    const sending = this.sending !== undefined && Date.now() - this.sending.since <= this.options.takeoverMs;
    return this.queue.length === 0 && !sending && this.fullCalls === 0;
  }

  /** Forgets every queued item and any call in flight (tests only). */
  reset(): void {
    this.queue = [];
    this.sending = undefined;
    this.fullCalls = 0;
  }

  /**
   * Sends what is queued (up to maxItems) from the calling request's context, a full batch at once
   * and any other after the linger; false: nothing was. Without the exception a busy isolate's
   * items could leave no faster than maxItems a linger (2,000 log rows a second), and past that
   * rate the queue, and every waiting owner's timers, would grow without end.
   */
  private async sendQueued(send: Send<T>, lingerMs: number): Promise<boolean> {
    if (this.queue.length === 0) return false;
    const call: Call = { since: Date.now() };
    const full = this.queue.length >= this.options.maxItems;
    // A later sender may have taken over after a stall; only the call in flight clears the mark.
    const done = () => {
      if (full) this.fullCalls = Math.max(0, this.fullCalls - 1);
      else if (this.sending === call) this.sending = undefined;
    };
    if (full) this.fullCalls++;
    else {
      this.sending = call; // from now on the others wait for this call
      if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
    }
    const batch = this.queue.splice(0, this.options.maxItems);
    if (batch.length === 0) {
      done();
      return false;
    }
    for (const entry of batch) {
      entry.state = 'taken';
      entry.call = call;
    }
    call.since = Date.now();
    let stored = false;
    try {
      stored = await send(
        batch.map((entry) => entry.item),
        () => {
          call.since = Date.now();
        },
      );
    } finally {
      for (const entry of batch) entry.state = stored ? 'sent' : 'failed';
      done();
    }
    return true;
  }
}
