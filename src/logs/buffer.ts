// The LogBuffer Durable Object: request log rows are appended here (durably, in the object's SQLite
// storage) off the response path, and an alarm flushes them to D1 in batches. A row leaves the
// buffer only after D1 has it; a failed flush keeps every row and retries with backoff, forever.
//
// Each append is stored as one SQLite row holding its whole batch (JSON), so an append writes one
// row and no index, and a flush deletes a range of sequence numbers: storage work (and the rows
// billed) per append, not per log row. Duplicates (a row sent again after a takeover) may sit in
// the buffer; flushes use INSERT OR IGNORE keyed by request id, so D1 never holds a row twice.
import { DurableObject } from 'cloudflare:workers';
import { describeFailure } from '../describe-error';
import type { Env } from '../env';
import { parsedJson } from '../json-record';
import { jsonChunks } from './json-chunks';
import { fittedRow, type LogRow, logRowSchema } from './row';
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
  /** Rows an earlier version left in its one-row-per-log-row table, flushed first (see nextBatch). */
  private legacy: boolean;

  /** Writes one batch to D1. A field so a test can make one flush fail. */
  write: (rows: LogRow[]) => Promise<void> = (rows) => insertLogs(this.env.DB, rows);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS appends (seq INTEGER PRIMARY KEY, rows TEXT NOT NULL, n INTEGER NOT NULL)',
    );
    this.legacy =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pending'").toArray()
        .length > 0;
    // The earlier version armed an alarm for its rows; should none stand, the next append arms one.
  }

  /** Durable once this returns; the alarm is armed so the rows reach D1 within about a second. */
  async append(rows: LogRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    const pending = this.pendingCount() + rows.length;
    // Several entries only when the rows' bodies are large: no await between them, so one commit.
    for (const { json, n } of jsonChunks(rows.map(storedRow))) {
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
      const next = this.nextBatch();
      if (!next) break;
      const { rows, forget } = next;
      try {
        if (rows.length > 0) await this.write(rows);
      } catch (error) {
        this.failures++;
        const retryInMs = backoffMs(this.failures);
        console.error(
          `log flush failed (${this.failures} in a row), retrying in ${retryInMs} ms`,
          describeFailure(error),
        );
        await this.arm(Date.now() + retryInMs);
        return { written, pending: this.pendingCount(), retryInMs };
      }
      this.failures = 0;
      forget();
      written += rows.length;
    }
    const pending = this.pendingCount();
    if (pending > 0) await this.arm(Date.now());
    return { written, pending };
  }

  /**
   * The next rows for D1 and how to forget them once written, or undefined when none wait. The
   * oldest appends, whole, up to BATCH_ROWS rows (at least one append); before them, any rows an
   * earlier version left, BATCH_ROWS at a time, so a backlog of any size moves in bounded steps.
   */
  private nextBatch(): { rows: LogRow[]; forget: () => void } | undefined {
    if (this.legacy) {
      const stored = this.sql
        .exec<{ id: string; row: string }>(
          'SELECT id, row FROM pending ORDER BY queued_at, id LIMIT ?',
          BATCH_ROWS,
        )
        .toArray();
      if (stored.length > 0) {
        const ids = JSON.stringify(stored.map(({ id }) => id));
        return {
          rows: stored.flatMap(({ row }) => readRows(row)),
          forget: () => {
            this.sql.exec('DELETE FROM pending WHERE id IN (SELECT value FROM json_each(?))', ids);
            if (this.pending !== undefined) this.pending -= stored.length;
          },
        };
      }
      this.sql.exec('DROP TABLE pending');
      this.legacy = false;
    }
    const rows: LogRow[] = [];
    let through: number | undefined;
    let taken = 0;
    const stored = this.sql.exec<{ seq: number; rows: string; n: number }>(
      'SELECT seq, rows, n FROM appends ORDER BY seq LIMIT ?',
      BATCH_ROWS,
    );
    for (const append of stored) {
      // Whole appends only; one that would take the batch past BATCH_ROWS waits for the next.
      if (through !== undefined && taken + append.n > BATCH_ROWS) break;
      through = append.seq;
      taken += append.n;
      for (const row of readRows(append.rows)) rows.push(row);
    }
    if (through === undefined) return undefined;
    const last = through;
    return { rows, forget: () => this.forget(last) };
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
    this.pending ??=
      this.sql.exec<{ n: number }>('SELECT COALESCE(SUM(n), 0) AS n FROM appends').one().n +
      (this.legacy ? this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n : 0);
    return this.pending;
  }
}

/**
 * A row as its buffer entry stores it. Past this size its D1 form (some fields JSON-encoded twice,
 * so up to about twice as long) could exceed one SQLite value: it is stored fitted (fittedRow).
 */
const MAX_ROW_CHARS = 250_000;

function storedRow(row: LogRow): string {
  const text = JSON.stringify(row);
  return text.length <= MAX_ROW_CHARS ? text : JSON.stringify(fittedRow(row));
}

/**
 * The rows of one stored append that still read as log rows. Only this code writes the buffer, but
 * a deploy may change the row's shape while rows wait: the schema fills what a newer version adds,
 * and a row it cannot read is reported and dropped rather than blocking every flush behind it.
 */
function readRows(text: string): LogRow[] {
  const stored = parsedJson(text);
  const rows: LogRow[] = [];
  for (const value of Array.isArray(stored) ? stored : [stored]) {
    const parsed = logRowSchema.safeParse(value);
    if (parsed.success) rows.push(parsed.data);
    else console.error('dropping an unreadable buffered log row', parsed.error.message);
  }
  return rows;
}
