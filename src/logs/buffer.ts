// The LogBuffer Durable Object: request log rows are appended here (durably, in the object's SQLite
// storage) off the response path, and an alarm flushes them to D1 in batches. A row leaves the
// buffer only after D1 has it; a failed flush keeps every row and retries with backoff, forever.
// Flushes use INSERT OR IGNORE keyed by request id, so a flush retried after a partial success (or
// a row appended twice) can never duplicate a row.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { type LogRow, logRowSchema } from './row';
import { insertLogs } from './store';

/** How long the first row of a batch waits for company before the flush. */
export const FLUSH_DELAY_MS = 1000;
/** Rows per D1 batch (one transaction; 26 bound values per row, each statement under D1's 100). */
export const BATCH_ROWS = 100;
/** A buffer this full flushes at once rather than after the delay. */
const FLUSH_NOW_AT = 2 * BATCH_ROWS;
/** Batches per flush, so one alarm stays short; more pending rows re-arm the alarm immediately. */
const MAX_BATCHES = 10;
const MAX_BACKOFF_MS = 60_000;

export interface FlushResult {
  written: number;
  pending: number;
  /** Set when D1 failed: the alarm retries after this long. */
  retryInMs?: number;
}

export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, failures));
}

export class LogBuffer extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private failures = 0;
  private flushing: Promise<FlushResult> | undefined;
  // In-memory mirrors of the pending row count and the armed alarm, so an append costs one INSERT
  // and no reads. Only this object writes either (an alarm that fires is cleared by the runtime, as
  // alarm() records); undefined means "not read yet" after a restart.
  private pending: number | undefined;
  private armedAt: number | null | undefined;

  /** Writes one batch to D1. A field so a test can make one flush fail. */
  write: (rows: LogRow[]) => Promise<void> = (rows) => insertLogs(this.env.DB, rows);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, row TEXT NOT NULL, queued_at INTEGER NOT NULL)',
    );
  }

  /** Durable once this returns; the alarm is armed so the rows reach D1 within about a second. */
  async append(rows: LogRow[]): Promise<void> {
    const now = Date.now();
    let pending = this.pendingCount();
    for (const row of rows) {
      // RETURNING counts the rows really added (rowsWritten also counts index writes).
      pending += this.sql
        .exec(
          'INSERT OR IGNORE INTO pending (id, row, queued_at) VALUES (?, ?, ?) RETURNING id',
          row.id,
          JSON.stringify(row),
          now,
        )
        .toArray().length;
    }
    this.pending = pending;
    const due = pending >= FLUSH_NOW_AT ? now : now + FLUSH_DELAY_MS;
    this.armedAt ??= await this.ctx.storage.getAlarm();
    // While D1 is failing the backoff alarm stands: new rows must not turn it into a tight loop.
    if (this.armedAt === null || (this.failures === 0 && this.armedAt > due)) await this.arm(due);
  }

  override async alarm(): Promise<void> {
    // The runtime has consumed the alarm that woke us.
    this.armedAt = null;
    await this.flush();
  }

  private async arm(at: number): Promise<void> {
    this.armedAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** Writes everything pending (up to a bound) to D1. Concurrent calls share one flush. */
  flush(): Promise<FlushResult> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async status(): Promise<{ pending: number; failures: number; alarm: number | null }> {
    return {
      pending: this.pendingCount(),
      failures: this.failures,
      alarm: await this.ctx.storage.getAlarm(),
    };
  }

  private async flushOnce(): Promise<FlushResult> {
    let written = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const rows = this.nextBatch();
      if (rows.length === 0) break;
      try {
        await this.write(rows);
      } catch (error) {
        this.failures++;
        const retryInMs = backoffMs(this.failures);
        console.error(
          `log flush failed (${this.failures} in a row), retrying in ${retryInMs} ms`,
          String(error),
        );
        await this.arm(Date.now() + retryInMs);
        return { written, pending: this.pendingCount(), retryInMs };
      }
      this.failures = 0;
      this.forget(rows.map((row) => row.id));
      written += rows.length;
    }
    const pending = this.pendingCount();
    if (pending > 0) await this.arm(Date.now());
    return { written, pending };
  }

  private nextBatch(): LogRow[] {
    const rows: LogRow[] = [];
    const stored = this.sql
      .exec<{ id: string; row: string }>(
        'SELECT id, row FROM pending ORDER BY queued_at, id LIMIT ?',
        BATCH_ROWS,
      )
      .toArray();
    for (const { id, row } of stored) {
      const parsed = logRowSchema.safeParse(safeJson(row));
      if (parsed.success) rows.push(parsed.data);
      else {
        // Only this code writes the buffer, so this is a bug; keeping the row would block every flush.
        console.error('dropping an unreadable buffered log row', id, parsed.error.message);
        this.forget([id]);
      }
    }
    return rows;
  }

  /** One statement for a whole batch. */
  private forget(ids: string[]): void {
    const removed = this.sql
      .exec(
        'DELETE FROM pending WHERE id IN (SELECT value FROM json_each(?)) RETURNING id',
        JSON.stringify(ids),
      )
      .toArray().length;
    if (this.pending !== undefined) this.pending -= removed;
  }

  private pendingCount(): number {
    this.pending ??= this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n;
    return this.pending;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
