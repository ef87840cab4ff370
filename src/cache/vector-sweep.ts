// Vectorize keeps a vector until it is deleted, and an index holds at most 10 M of them: a busy
// gateway's semantic cache, whose expired answers were only skipped, would fill it and then store
// nothing more (every upsert refused, only logged). So each stored vector's id and expiry go to
// D1 beside its upsert (`noteVector`), and the hourly cron deletes the expired ones from the index,
// then their rows (`sweepExpiredVectors`). The Durable Object index evicts on its own.
import type { Env } from '../env';

/** Ids per deleteByIds call, under the binding's 1,000 a call. */
const DELETE_BATCH = 500;
/**
 * Rows read per round, and rounds per cron run: at most 10,000 vectors an hour, in 30 calls (a
 * select, four deletes in Vectorize and one in D1 a round) — within a Free plan invocation's 50.
 */
const ROUND = 2_000;
const MAX_ROUNDS = 5;

/** Records a vector the index now holds, until `expiresAt` (a later store of the same id moves it). */
export async function noteVector(db: D1Database, id: string, expiresAt: number): Promise<void> {
  await db
    .prepare(
      'INSERT INTO semantic_vectors (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at',
    )
    .bind(id, expiresAt)
    .run();
}

/** Deletes the vectors expired by `now` from Vectorize, then their rows; how many. 0 without Vectorize. */
export async function sweepExpiredVectors(env: Pick<Env, 'DB' | 'VECTORIZE'>, now: number): Promise<number> {
  const index = env.VECTORIZE;
  if (!index) return 0;
  let swept = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { results } = await env.DB.prepare(
      'SELECT id FROM semantic_vectors WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
    )
      .bind(now, ROUND)
      .all<{ id: string }>();
    const ids = results.map((row) => row.id);
    for (let at = 0; at < ids.length; at += DELETE_BATCH)
      await index.deleteByIds(ids.slice(at, at + DELETE_BATCH));
    // Only rows still expired: an answer stored again meanwhile (the same id, a new expiry) keeps its
    // row — though its vector may just have been deleted, which costs a semantic miss, no more.
    await env.DB.prepare(
      'DELETE FROM semantic_vectors WHERE id IN (SELECT value FROM json_each(?)) AND expires_at <= ?',
    )
      .bind(JSON.stringify(ids), now)
      .run();
    swept += ids.length;
    if (ids.length < ROUND) break;
  }
  return swept;
}
