// The LogBuffer Durable Object: request log rows are appended here (durably, in the object's SQLite
// storage) off the response path, and an alarm flushes them to D1 in batches. A row leaves the
// buffer only after D1 has it; a failed flush keeps every row and retries with backoff, forever.
//
// Each append is stored as one SQLite row holding its whole batch (JSON), so an append writes one
// row and no index, and a flush deletes a range of sequence numbers: storage work (and the rows
// billed) per append, not per log row. Duplicates (a row sent again after a takeover) may sit in
// the buffer; flushes use INSERT OR IGNORE keyed by request id, so D1 never holds a row twice.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { jsonChunks } from './json-chunks';
import { type LogRow, logRowSchema } from './row';
import { insertLogs } from './store';

/** How long the first row of a batch waits for company before the flush. */
export const FLUSH_DELAY_MS = 1000;
/** Rows per D1 write: appends are taken whole, oldest first, until at least this many. */
export const BATCH_ROWS = 100;
/** A buffer this full flushes at once rather than after the delay. */
const FLUSH_NOW_AT = 2 * BATCH_ROWS;
/** D1 writes per flush, so one alarm stays short; more pending rows re-arm the alarm immediately. */
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
    ctx.storage.transactionSync(() => {
      this.sql.exec(
        'CREATE TABLE IF NOT EXISTS appends (seq INTEGER PRIMARY KEY, rows TEXT NOT NULL, n INTEGER NOT NULL)',
      );
      adoptRowTable(this.sql);
    });
  }

  /** Durable once this returns; the alarm is armed so the rows reach D1 within about a second. */
  async append(rows: LogRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    const pending = this.pendingCount() + rows.length;
    // Several entries only when the rows' bodies are large: no await between them, so one commit.
    for (const { json, n } of jsonChunks(rows.map((row) => JSON.stringify(row)))) {
      this.sql.exec('INSERT INTO appends (rows, n) VALUES (?, ?)', json, n);
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
      const { rows, through } = this.nextBatch();
      if (through === undefined) break;
      try {
        if (rows.length > 0) await this.write(rows);
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
      this.forget(through);
      written += rows.length;
    }
    const pending = this.pendingCount();
    if (pending > 0) await this.arm(Date.now());
    return { written, pending };
  }

  /** The oldest appends, whole, up to BATCH_ROWS rows (at least one append), and the last one's seq. */
  private nextBatch(): { rows: LogRow[]; through: number | undefined } {
    const rows: LogRow[] = [];
    let through: number | undefined;
    const stored = this.sql.exec<{ seq: number; rows: string; n: number }>(
      'SELECT seq, rows, n FROM appends ORDER BY seq LIMIT ?',
      BATCH_ROWS,
    );
    let taken = 0;
    for (const append of stored) {
      through = append.seq;
      taken += append.n;
      for (const row of readRows(append.rows)) rows.push(row);
      if (taken >= BATCH_ROWS) break;
    }
    return { rows, through };
  }

  /** One statement for everything up to and including `through`. */
  private forget(through: number): void {
    const removed = this.sql
      .exec<{ n: number }>('DELETE FROM appends WHERE seq <= ? RETURNING n', through)
      .toArray()
      .reduce((sum, { n }) => sum + n, 0);
    if (this.pending !== undefined) this.pending -= removed;
  }

  private pendingCount(): number {
    this.pending ??= this.sql.exec<{ n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM appends').one().n;
    return this.pending;
  }
}

/**
 * The rows of one stored append that still read as log rows. Only this code writes the buffer, but
 * a deploy may change the row's shape while rows wait: the schema fills what a newer version adds,
 * and a row it cannot read is reported and dropped rather than blocking every flush behind it.
 */
function readRows(text: string): LogRow[] {
  const stored = safeJson(text);
  const rows: LogRow[] = [];
  for (const value of Array.isArray(stored) ? stored : [stored]) {
    const parsed = logRowSchema.safeParse(value);
    if (parsed.success) rows.push(parsed.data);
    else console.error('dropping an unreadable buffered log row', parsed.error.message);
  }
  return rows;
}

/**
 * Buffers written by an earlier version kept one row per log row in `pending`: move those into
 * appends of up to BATCH_ROWS rows (each under the value limit), oldest first, and drop the old
 * table (inside the constructor's transaction).
 */
function adoptRowTable(sql: SqlStorage): void {
  const old = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pending'").toArray();
  if (old.length === 0) return;
  let group: string[] = [];
  const store = () => {
    for (const { json, n } of jsonChunks(group)) {
      sql.exec('INSERT INTO appends (rows, n) VALUES (?, ?)', json, n);
    }
    group = [];
  };
  for (const { row } of sql.exec<{ row: string }>('SELECT row FROM pending ORDER BY queued_at, id')) {
    group.push(row);
    if (group.length === BATCH_ROWS) store();
  }
  store();
  sql.exec('DROP TABLE pending');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
