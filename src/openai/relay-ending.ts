// How a relayed stream (stream-relay.ts) ends: the upstream read to its end, failing, idle or past
// its time limit, and the client gone. Each ending closes the client's stream in the gateway's
// words, lets the upstream go (or reads it on, bounded, for its usage) and calls onEnd once.
import type { IdleReader } from './idle-reader';
import type { RelayClient } from './relay-client';
import type { RelayEvents } from './relay-events';
import type { ChunkSource, RelayOptions } from './relay-options';
import { SSE_DONE } from './sse';
import {
  streamFailedFrame,
  streamIdleFrame,
  streamTimeLimitFrame,
  streamTruncatedFrame,
} from './stream-errors';

/** How long, at most, the upstream is read on for usage after the gateway ended the answer. */
export const DRAIN_MS = 20_000;
/** How long, at most, an upstream that sent `[DONE]` may take to close before it is let go. */
export const DONE_DRAIN_MS = 1_000;

export class RelayEnding {
  /** The relay is over (the client stream closed or gone, the upstream let go or read to its end). */
  closed = false;
  private ended = false;
  private limitTimer: ReturnType<typeof setTimeout> | undefined;
  /** After the gateway ended the answer: the most the upstream is still read for its usage. */
  private drainTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: RelayOptions,
    private readonly reader: ChunkSource,
    private readonly idle: IdleReader,
    private readonly idleMs: number,
    private readonly endsAt: number,
    private readonly events: RelayEvents,
    private readonly client: RelayClient,
  ) {}

  /** Arms timeouts.streamMaxMs, when set. */
  limit(maxMs: number | undefined): void {
    if (maxMs !== undefined) this.limitTimer = setTimeout(() => this.timeUp(), maxMs);
  }

  /** Sends what is left (and a last frame), closes the client stream, and lets the upstream go. */
  finish(last = '', release = false): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close(last);
    // The upstream goes before onEnd runs: whatever onEnd does, it cannot keep the upstream open.
    if (release) this.reader.cancel(this.events.summary.error).catch(() => {});
    this.end();
  }

  /**
   * The upstream is read on (nothing more reaches the client) for at most `cap`, its idle limit and
   * what is left of streamMaxMs, then let go: the runtime ends a request's background work ~30 s
   * after its response.
   */
  drainFor(cap: number): void {
    this.drainTimer = setTimeout(
      () => this.finish('', true),
      Math.min(this.idleMs, cap, Math.max(0, this.endsAt - Date.now())),
    );
  }

  /** The client went away (or cancelled the stream): nothing more is sent, the upstream is let go. */
  clientGone(reason: unknown): void {
    const { client, events } = this;
    const { summary } = events;
    // Its stream was already closed (the answer over, the upstream read on for the usage, bounded):
    // leaving then cancels nothing.
    if (this.closed || client.closed) return;
    client.closed = true;
    client.keepAlive.stop();
    summary.lastByteAt = client.now();
    // Gone after every choice finished but before the usage: the client has its whole answer, and
    // what it cost (hidden reasoning can be most of it) is in the usage chunk still to come. The
    // upstream is read on for it, bounded as after a gateway end, with nothing more sent.
    if (summary.completed && !summary.usage && !events.failed) {
      client.abort(reason);
      this.drainFor(DRAIN_MS);
      return;
    }
    this.closed = true;
    summary.cancelled = true;
    this.reader.cancel(reason).catch(() => {});
    client.abort(reason);
    this.end();
  }

  /** timeouts.streamMaxMs has passed: on a timer of its own, so a client that stopped reading cannot hold the upstream open. */
  timeUp() {
    const { events } = this;
    // An upstream that keeps the connection open after [DONE] has answered in full, and an answer
    // the gateway ended is over for the client: end cleanly.
    if (events.sawDone || events.answerEnded) return this.finish('', true);
    const { maxMs } = this.options;
    events.summary.error = `the stream ran for its limit of ${maxMs} ms`;
    events.summary.errorCode = 'stream_time_limit';
    this.finish(streamTimeLimitFrame(maxMs ?? 0, this.options.maxMsSetting), true);
  }

  /** Reading the upstream failed. */
  readFailed(error: unknown) {
    const { events } = this;
    if (this.closed) return;
    if (events.answerEnded) return this.finish('', true); // the answer was over: keep the code the client got
    events.summary.error = `upstream stream failed: ${errorName(error)}`;
    events.summary.errorCode = 'upstream_error';
    this.finish(streamFailedFrame());
  }

  /** The upstream sent no event for the idle limit. */
  idled() {
    const { events } = this;
    if (events.sawDone || events.answerEnded) return this.finish('', true); // nothing more is owed to the client
    // Every choice finished, then silence instead of the usage and `[DONE]`: the answer is
    // whole, so it ends as one (not as an idle failure), without the usage; a client gone with
    // it (its stream closed) gets nothing more.
    if (events.summary.completed) return this.finish(SSE_DONE, true);
    events.summary.error = `no event from the upstream for ${this.idleMs} ms`;
    events.summary.errorCode = 'stream_idle_timeout';
    this.finish(streamIdleFrame(this.idleMs), true);
  }

  /** The upstream closed its stream (its last bytes parsed). */
  upstreamClosed() {
    const { events } = this;
    if (events.failed || events.sawDone || events.answerEnded) return this.finish();
    // Some providers close without the terminator once the answer is finished; OpenAI clients
    // expect it. Closed before any finish_reason, the answer was cut short: say so.
    if (events.summary.completed) return this.finish(SSE_DONE);
    events.summary.error = 'the upstream closed the stream before its answer was complete';
    events.summary.errorCode = 'upstream_error';
    this.finish(streamTruncatedFrame());
  }

  /** The relay itself threw (stream-relay.ts): the client still gets an ending. */
  relayFailed(error: unknown): void {
    this.events.summary.error = `relay failed: ${errorName(error)}`;
    this.events.summary.errorCode = 'upstream_error';
    this.finish(streamFailedFrame(), true);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.limitTimer !== undefined) clearTimeout(this.limitTimer);
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.idle.stop();
    this.client.keepAlive.stop();
    this.options.onEnd(this.events.summary);
  }
}

/**
 * An error as StreamSummary.error names it: its name only. Its message may be a provider's in other
 * framing (Bedrock's exception frame fails the read with the provider's words) or quote the text
 * being parsed (a JSON SyntaxError does).
 */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
