// An isolate's outbox: items that finish close together leave in one call, instead of one call
// (and, at a Durable Object, one storage commit) each. An item that finds no call in flight waits
// `lingerMs` for company (in its own request's waitUntil; the response has gone), then goes with
// whatever queued; items finishing while a call is on its way go together in the next one. So a
// quiet isolate batches a little and a busy one a lot.
//
// Each item stays in its own request's ctx.waitUntil until the call that carried it has returned.
// Requests never share promises, streams or stubs (src/isolate/poll.ts): a batch is sent with the
// sending request's own `send`, and the other owners learn the outcome from a plain field they
// poll on their own timers. Should the sender vanish (its context cancelled mid-send), its batch's
// owners stop waiting after `takeoverMs`; with `resend` (for idempotent sends only) each then sends
// its item itself, as it does after a failed batch.
import { poll } from './poll';

/** Delivers items; true when they are stored. Must not throw. */
export type Send<T> = (items: T[]) => Promise<boolean>;

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
}

/**
 * How often owners look at their item's state: first after a quarter of the linger (no batch leaves
 * sooner), then ever less often, at most every 20 ms (or half the linger). Each look is a timer and
 * a turn of the isolate's event loop, for every request: looking from 1 ms on cost several per item.
 */
const pollFor = (lingerMs: number) => ({
  firstMs: Math.max(1, lingerMs / 4),
  maxMs: Math.max(20, lingerMs / 2),
});

export class Outbox<T> {
  private queue: Entry<T>[] = [];
  /** When the call in flight left, or undefined when none is. */
  private sendingSince: number | undefined;

  constructor(private readonly options: OutboxOptions) {}

  /** Resolves once `item` is delivered, or every way to deliver it has failed or been given up. */
  async post(item: T, send: Send<T>, overrides: Partial<OutboxOptions> = {}): Promise<void> {
    const { takeoverMs, lingerMs, resend } = { ...this.options, ...overrides };
    const entry: Entry<T> = { item, state: 'queued' };
    this.queue.push(entry);
    const giveUpAt = Date.now() + takeoverMs;
    const nobodySending = () =>
      this.sendingSince === undefined || Date.now() - this.sendingSince > takeoverMs;
    await poll(async () => {
      while (entry.state === 'queued' && nobodySending() && (await this.sendQueued(send, lingerMs))) {}
      if (entry.state === 'sent') return true;
      const late = Date.now() > giveUpAt;
      if (entry.state === 'queued' && late) {
        // Out of the queue first, so that no later batch carries it as well.
        this.queue = this.queue.filter((other) => other !== entry);
        await send([item]);
        return true;
      }
      if (entry.state === 'failed' || (entry.state === 'taken' && late)) {
        if (resend) await send([item]);
        return true;
      }
      return undefined;
    }, pollFor(lingerMs));
  }

  /** Items waiting for a call. */
  get queued(): number {
    return this.queue.length;
  }

  /** Nothing queued and no call in flight (one past takeoverMs is given up on): the outbox can be dropped. */
  get idle(): boolean {
    const sending =
      this.sendingSince !== undefined && Date.now() - this.sendingSince <= this.options.takeoverMs;
    return this.queue.length === 0 && !sending;
  }

  /** Forgets every queued item and any call in flight (tests only). */
  reset(): void {
    this.queue = [];
    this.sendingSince = undefined;
  }

  /** After the linger, sends what is queued (up to maxItems) from the calling request's context; false: nothing was. */
  private async sendQueued(send: Send<T>, lingerMs: number): Promise<boolean> {
    if (this.queue.length === 0) return false;
    const started = Date.now();
    this.sendingSince = started; // from now on the others wait for this call
    if (lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, lingerMs));
    const batch = this.queue.splice(0, this.options.maxItems);
    if (batch.length === 0) {
      if (this.sendingSince === started) this.sendingSince = undefined;
      return false;
    }
    for (const entry of batch) entry.state = 'taken';
    let stored = false;
    try {
      stored = await send(batch.map((entry) => entry.item));
    } finally {
      for (const entry of batch) entry.state = stored ? 'sent' : 'failed';
      // A later sender may have taken over after a stall; only the one in flight clears the mark.
      if (this.sendingSince === started) this.sendingSince = undefined;
    }
    return true;
  }
}
