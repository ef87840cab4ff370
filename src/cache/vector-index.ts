// The semantic cache's vector index: one interface, two backends. Vectorize when the VECTORIZE
// binding exists (production); otherwise a SQLite-backed Durable Object per partition (local dev,
// tests, or deployments without Vectorize).
import type { Env } from '../env';
import { durableObjectIndex } from './index-object';
import { vectorizeIndex } from './vectorize-index';

/** A stored answer's vector: `key` is the KV key of the exact entry that holds the answer. */
export interface IndexedAnswer {
  id: string;
  vector: number[];
  key: string;
  expiresAt: number;
}

export interface SimilarAnswer {
  id: string;
  key: string;
  /** Cosine similarity to the query, in [-1, 1]. */
  score: number;
}

export interface VectorIndex {
  /** The most similar live answer of the partition scoring at least `threshold`. */
  nearest(partition: string, vector: number[], threshold: number): Promise<SimilarAnswer | undefined>;
  put(partition: string, answer: IndexedAnswer): Promise<void>;
}

export function vectorIndex(env: Env, maxEntries: number): VectorIndex {
  if (env.VECTORIZE) return vectorizeIndex(env.VECTORIZE, Date.now, env.DB);
  return durableObjectIndex(env.SEMANTIC_INDEX, maxEntries);
}
