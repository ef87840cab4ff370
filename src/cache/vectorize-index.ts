// The Vectorize backend. One index for every partition: each vector carries its partition in
// metadata, and queries filter on it (which needs a metadata index on `partition`, see README).
// Vectorize applies writes asynchronously: a vector is queryable only a few seconds after upsert,
// so a paraphrase arriving right after the first answer may still miss.
import type { IndexedAnswer, SimilarAnswer, VectorIndex } from './vector-index';
import { noteVector } from './vector-sweep';

/** What this backend uses of the binding; both the current `Vectorize` and the beta `VectorizeIndex` fit. */
export interface VectorizeBinding {
  query(vector: number[], options: VectorizeQueryOptions): Promise<VectorizeMatches>;
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
}

/**
 * Candidates per query — Vectorize's most with metadata — so expired answers (skipped until the
 * hourly sweep deletes them) do not hide a live one behind them.
 */
const TOP_K = 20;

/**
 * `db`: where each stored vector's expiry is noted for the cron's sweep (vector-sweep.ts); noted
 * before the upsert, so a vector is never in the index without a row to delete it by.
 */
export function vectorizeIndex(
  binding: VectorizeBinding,
  now: () => number = Date.now,
  db?: D1Database,
): VectorIndex {
  return {
    async nearest(partition, vector, threshold) {
      const { matches } = await binding.query(vector, {
        topK: TOP_K,
        filter: { partition },
        returnMetadata: 'all',
      });
      const at = now();
      for (const match of matches) {
        if (match.score < threshold) break;
        const key = match.metadata?.key;
        const expiresAt = match.metadata?.expiresAt;
        if (typeof key === 'string' && typeof expiresAt === 'number' && expiresAt > at) {
          const found: SimilarAnswer = { id: match.id, key, score: match.score };
          return found;
        }
      }
      return undefined;
    },
    async put(partition, answer: IndexedAnswer) {
      if (db) await noteVector(db, answer.id, answer.expiresAt);
      await binding.upsert([
        {
          id: answer.id,
          values: answer.vector,
          metadata: { partition, key: answer.key, expiresAt: answer.expiresAt },
        },
      ]);
    },
  };
}
