// The settles a key or team object applied lately, so that one delivered twice is applied once. An
// isolate that lost a call's answer (a dropped connection, an object reset mid-call) cannot tell
// whether its settles were applied, so it sends them again (src/limits/settle-send.ts), and the
// object skips the ids it has seen. Ids are known for SETTLED_MEMORY_MS, far longer than any resend
// waits. Where settles charge the persisted budget ledger, their ids are stored beside it, in the
// same commit, so that an object restarted between the two deliveries still knows them.
import * as z from 'zod';

export const SETTLED_MEMORY_MS = 120_000;
/** Ids kept in memory at most, about 10 MB (a key settling over 800 requests a second forgets sooner). */
const MAX_IDS = 100_000;
/** Stored ids older than SETTLED_MEMORY_MS are deleted at most this often. */
const PRUNE_EVERY_MS = 30_000;

const storedIds = z.array(z.string());

export class RecentSettles {
  /** Id -> when it was settled; oldest first. */
  private readonly ids = new Map<string, number>();
  private prunedAt = 0;
  /** The table exists: made by the first stored settle, so an object that never charges (any unknown key's) stays empty. */
  private table = false;

  constructor(private readonly sql: SqlStorage) {}

  /** Learns the ids stored in the last SETTLED_MEMORY_MS, and forgets older ones (at the object's start). */
  load(now: number): void {
    this.table =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settled'").toArray()
        .length > 0;
    if (!this.table) return;
    this.sql.exec('DELETE FROM settled WHERE at <= ?', now - SETTLED_MEMORY_MS);
    const rows = this.sql.exec<{ at: number; ids: string }>(
      'SELECT at, ids FROM settled WHERE at > ? ORDER BY at',
      now - SETTLED_MEMORY_MS,
    );
    for (const row of rows) this.remember(storedIds.parse(JSON.parse(row.ids)), row.at);
  }

  /** `id` was settled within SETTLED_MEMORY_MS of `now`. */
  has(id: string, now: number): boolean {
    const at = this.ids.get(id);
    return at !== undefined && at > now - SETTLED_MEMORY_MS;
  }

  /**
   * Remembers `ids` as settled at `now`. `persist` stores them too: call it in the same synchronous
   * stretch as the ledger write they go with, so that both are committed together or not at all.
   */
  add(ids: readonly string[], now: number, persist: boolean): void {
    if (ids.length === 0) return;
    this.remember(ids, now);
    if (persist) {
      if (!this.table) {
        this.sql.exec('CREATE TABLE IF NOT EXISTS settled (at INTEGER NOT NULL, ids TEXT NOT NULL)');
        this.table = true;
      }
      this.sql.exec('INSERT INTO settled (at, ids) VALUES (?, ?)', now, JSON.stringify(ids));
    }
    this.forget(now);
  }

  private remember(ids: readonly string[], at: number): void {
    for (const id of ids) {
      this.ids.delete(id); // re-inserted last, to keep the map oldest first
      this.ids.set(id, at);
    }
  }

  private forget(now: number): void {
    const before = now - SETTLED_MEMORY_MS;
    for (const [id, at] of this.ids) {
      if (at > before && this.ids.size <= MAX_IDS) break;
      this.ids.delete(id);
    }
    if (!this.table || now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    this.sql.exec('DELETE FROM settled WHERE at <= ?', before);
  }
}
