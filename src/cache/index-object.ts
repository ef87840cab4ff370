// The Durable Object vector index: one object per semantic partition (addressed by the partition
// hash), vectors in SQLite and in memory, brute-force cosine search, at most `maxEntries` vectors
// with the least recently used evicted first. Used wherever Vectorize is not bound.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import type { IndexedAnswer, SimilarAnswer, VectorIndex } from './vector-index';

interface Held {
  vector: Float32Array;
  norm: number;
  key: string;
  expiresAt: number;
  usedAt: number;
}

/**
 * The most vector components one partition's object holds (32 MiB of Float32): every vector is in
 * memory, and an object is a Worker with 128 MB: 10,922 vectors of 768 dimensions, 5,461 of 1,536.
 */
export const MAX_INDEX_FLOATS = 8 * 1024 * 1024;

/** `maxEntries`, lowered to what fits in MAX_INDEX_FLOATS at this many dimensions. */
export function entryLimit(maxEntries: number, dimensions: number): number {
  return Math.max(1, Math.min(maxEntries, Math.floor(MAX_INDEX_FLOATS / Math.max(1, dimensions))));
}

export class SemanticIndex extends DurableObject<Env> {
  private readonly held = new Map<string, Held>();
  /** Strictly increasing use stamps, so two uses in one millisecond still have an order. */
  private clock = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      id TEXT PRIMARY KEY, vector BLOB NOT NULL, key TEXT NOT NULL,
      expires_at INTEGER NOT NULL, used_at INTEGER NOT NULL)`);
    for (const row of sql.exec('SELECT id, vector, key, expires_at, used_at FROM entries')) {
      const { id, vector, key, expires_at, used_at } = row;
      if (typeof id !== 'string' || !(vector instanceof ArrayBuffer) || typeof key !== 'string') continue;
      const values = new Float32Array(vector);
      this.held.set(id, {
        vector: values,
        norm: normOf(values),
        key,
        expiresAt: Number(expires_at),
        usedAt: Number(used_at),
      });
      this.clock = Math.max(this.clock, Number(used_at));
    }
    // Stored before the memory bound (or under a larger maxEntries): the least recently used go.
    const dimensions = this.held.values().next().value?.vector.length ?? 1;
    this.trim(entryLimit(Number.MAX_SAFE_INTEGER, dimensions));
  }

  /** Drops the least recently used entries beyond `limit`. */
  private trim(limit: number): void {
    if (this.held.size <= limit) return;
    const byAge = [...this.held.entries()].sort(([, a], [, b]) => a.usedAt - b.usedAt);
    for (const [id] of byAge.slice(0, this.held.size - limit)) this.drop(id);
  }

  async nearest(vector: number[], threshold: number): Promise<SimilarAnswer | null> {
    const now = Date.now();
    const query = Float32Array.from(vector);
    const queryNorm = normOf(query);
    let best: SimilarAnswer | null = null;
    for (const [id, entry] of this.held) {
      if (entry.expiresAt <= now || entry.vector.length !== query.length) continue;
      const score = dot(query, entry.vector) / (queryNorm * entry.norm || 1);
      if (score >= threshold && (!best || score > best.score)) best = { id, key: entry.key, score };
    }
    if (best) this.touch(best.id);
    return best;
  }

  async put(answer: IndexedAnswer, maxEntries: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    for (const [id, entry] of this.held) if (entry.expiresAt <= now) this.drop(id);
    const vector = Float32Array.from(answer.vector);
    const usedAt = this.tick();
    this.held.set(answer.id, {
      vector,
      norm: normOf(vector),
      key: answer.key,
      expiresAt: answer.expiresAt,
      usedAt,
    });
    sql.exec(
      'INSERT OR REPLACE INTO entries (id, vector, key, expires_at, used_at) VALUES (?, ?, ?, ?, ?)',
      answer.id,
      vector.buffer,
      answer.key,
      answer.expiresAt,
      usedAt,
    );
    this.trim(entryLimit(maxEntries, vector.length));
  }

  /** Entry ids, least recently used first (for tests and inspection). */
  async ids(): Promise<string[]> {
    return [...this.held.entries()].sort(([, a], [, b]) => a.usedAt - b.usedAt).map(([id]) => id);
  }

  private touch(id: string): void {
    const entry = this.held.get(id);
    if (!entry) return;
    entry.usedAt = this.tick();
    this.ctx.storage.sql.exec('UPDATE entries SET used_at = ? WHERE id = ?', entry.usedAt, id);
  }

  private drop(id: string): void {
    this.held.delete(id);
    this.ctx.storage.sql.exec('DELETE FROM entries WHERE id = ?', id);
  }

  private tick(): number {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return this.clock;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function normOf(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}

export function durableObjectIndex(
  namespace: DurableObjectNamespace<SemanticIndex>,
  maxEntries: number,
): VectorIndex {
  const stub = (partition: string) => namespace.get(namespace.idFromName(partition));
  return {
    async nearest(partition, vector, threshold) {
      return (await stub(partition).nearest(vector, threshold)) ?? undefined;
    },
    async put(partition, answer) {
      await stub(partition).put(answer, maxEntries);
    },
  };
}
