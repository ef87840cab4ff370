// The client's side of a relayed stream (stream-relay.ts): the native stream it reads, the writes
// into it (whole events, and keep-alive comments between them), and its closing.
import { KeepAlive } from './keep-alive';
import type { RelayEvents } from './relay-events';
import { SSE_KEEP_ALIVE } from './sse';

export class RelayClient {
  readonly readable: ReadableStream<Uint8Array>;
  /** The client's stream is closed: the answer ended (an error event) while the upstream is read on for usage. */
  closed = false;
  readonly keepAlive: KeepAlive;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly encoder = new TextEncoder();

  /** `gone` is told when a keep-alive comment cannot be written: the client has left. */
  constructor(
    private readonly events: RelayEvents,
    keepAliveMs: number,
    readonly now: () => number,
    gone: (error: unknown) => void,
  ) {
    // The client stream is the runtime's native IdentityTransformStream, written from here: one
    // layer between the upstream and the socket, and a write resolves once the client has taken it,
    // so the upstream is read no faster than the client reads. The runtime never cancels a response
    // stream when its client disconnects — it stops reading, and the request's pending work is
    // dropped — but a write into this native stream then fails: with the relay kept alive by
    // `waitUntil`, that failure is how a disconnect cancels the upstream and reaches onEnd (budget
    // settled, row logged as cancelled with the tokens seen so far). A JavaScript stream's readable
    // can instead be dropped without a cancel while the runtime waits on a read, and stall for good.
    const { readable, writable } = new IdentityTransformStream();
    this.readable = readable;
    this.writer = writable.getWriter();
    // Written only between sends, and every send is whole events, so a comment never splits one. It
    // is no output: not the first byte, not an event, never seen by onEvent, the mapper or the cache.
    this.keepAlive = new KeepAlive(
      keepAliveMs,
      () => this.writer.write(this.encoder.encode(SSE_KEEP_ALIVE)),
      gone,
    );
  }

  /** Hands what is pending to the client; resolves once the client has read it. */
  send(): Promise<void> | undefined {
    const { events } = this;
    if (this.closed) events.out = ''; // the answer has ended: what the upstream still sends is only read
    if (!events.out) return undefined;
    if (events.summary.firstByteAt === undefined) events.summary.firstByteAt = this.now();
    const bytes = this.encoder.encode(events.out);
    events.out = '';
    this.keepAlive.wrote();
    return this.writer.write(bytes);
  }

  /** Sends what is left (and a last frame) and closes the client's stream. */
  close(last = ''): void {
    if (this.closed) return;
    this.events.summary.lastByteAt = this.now();
    this.events.out += last;
    // Queued behind a write the client has not read yet, if any; a client that is gone fails them.
    this.send()?.catch(() => {});
    this.closed = true;
    this.keepAlive.stop();
    this.writer.close().catch(() => {});
  }

  /** Errors the client's stream: the client has left, or is let go with nothing more to come. */
  abort(reason: unknown): void {
    this.writer.abort(reason).catch(() => {});
  }
}
