// Reads a stream with an idle limit: read() answers IDLE when the deadline passes while it waits
// on the source. One timer serves the whole stream — armed by the first read, re-armed only when
// it fires before a deadline that has since moved on — instead of a timer set and cleared around
// every read of every chunk.
import type { ChunkSource } from './relay-options';

export const IDLE = Symbol('idle');
export type IdleRead = ReadableStreamReadResult<Uint8Array> | typeof IDLE;

export class IdleReader {
  /** ms since the epoch: a read still waiting then answers IDLE. */
  private deadline: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves the read in progress with IDLE; unset while no read waits. */
  private waiting: ((idle: typeof IDLE) => void) | undefined;

  constructor(
    private readonly source: ChunkSource,
    private readonly idleMs: number,
  ) {
    this.deadline = Date.now() + idleMs;
  }

  /** Starts the idle clock afresh (an event arrived, or the client took its time to read). */
  restart(): void {
    this.deadline = Date.now() + this.idleMs;
  }

  read(): Promise<IdleRead> {
    const read = this.source.read();
    return new Promise<IdleRead>((resolve, reject) => {
      this.waiting = resolve;
      if (this.timer === undefined) this.arm();
      read.then(
        (result) => {
          this.waiting = undefined;
          resolve(result);
        },
        (error: unknown) => {
          this.waiting = undefined;
          reject(error); // ignored by then if IDLE came first
        },
      );
    });
  }

  /** No more reads: the timer goes. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.deadline - Date.now()));
  }

  private fire(): void {
    this.timer = undefined;
    // No read waiting (the relay is handing a chunk to the client): the clock is not running, and
    // the next read arms the timer again.
    if (!this.waiting) return;
    if (Date.now() < this.deadline) {
      this.arm();
      return;
    }
    const idle = this.waiting;
    this.waiting = undefined;
    idle(IDLE);
  }
}
