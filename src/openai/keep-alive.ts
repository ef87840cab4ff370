// Keeps a quiet stream's connection in use: once nothing has been written to the client for
// `everyMs` (a reasoning model thinking, a slow provider queue), an SSE comment goes out. Proxies,
// load balancers and client read timeouts then do not drop the connection as idle, and a client that
// has left is found out by that write failing instead of at the upstream's next word. One timer per
// stream, armed for the earliest moment a comment could be due and re-armed only when it fires (or
// a comment is taken): a write only notes the time, nothing is set or cleared per chunk.

export class KeepAlive {
  /** ms since the epoch of the last write to the client (the stream's start before the first). */
  private lastWriteAt = Date.now();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /**
   * `write` hands the comment to the client (resolving once taken); `gone` is told when that write
   * fails, which means the client has left.
   */
  constructor(
    private readonly everyMs: number,
    private readonly write: () => Promise<void>,
    private readonly gone: (error: unknown) => void,
  ) {
    this.arm(everyMs);
  }

  /** Something was written to the client: the quiet period starts again. */
  wrote(): void {
    this.lastWriteAt = Date.now();
  }

  /** The client's stream is over (closed or gone): no more comments, and the timer goes. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, ms));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const wait = this.lastWriteAt + this.everyMs - Date.now();
    if (wait > 0) this.arm(wait);
    else this.comment();
  }

  /**
   * Writes a comment and arms the timer again only once the client has taken it: one the client has
   * not read yet (it stopped reading) needs no other queued behind it, nor a timer running meanwhile.
   */
  private comment(): void {
    this.lastWriteAt = Date.now();
    this.write().then(
      () => {
        if (!this.stopped) this.arm(this.lastWriteAt + this.everyMs - Date.now());
      },
      (error: unknown) => {
        if (!this.stopped) this.gone(error);
      },
    );
  }
}
