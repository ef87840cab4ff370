// The hourly cron's upkeep of stored responses: rows past their expiry (never read again) deleted
// in chunks, as the logs' retention deletes (src/logs/store.ts deleteLogsBefore); then rows marked
// deleted (deletion.ts) that no row continues from any more, the last of a chain first, so a chain
// of them goes over rounds. How many went. What a round limit leaves, the next hour's run takes.
import type { Env } from '../env';

const MAX_ROUNDS = 1000;

export async function sweepExpiredResponses(
  env: Pick<Env, 'DB'>,
  now: number,
  chunk = 5000,
): Promise<number> {
  // A continuation expires no later than what it continues from (store.ts), so these go first.
  const expired = await deleteInRounds(
    env.DB.prepare(
      'DELETE FROM stored_responses WHERE id IN (SELECT id FROM stored_responses WHERE expires_at <= ? LIMIT ?)',
    ).bind(now, chunk),
    chunk,
  );
  // Continuations that expired went above; marked ones nothing continues from go a round before it.
  const orphaned = await deleteInRounds(
    env.DB.prepare(
      `DELETE FROM stored_responses WHERE id IN (
         SELECT m.id FROM stored_responses m WHERE m.deleted_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM stored_responses c WHERE c.previous_id = m.id)
          LIMIT ?)`,
    ).bind(chunk),
    1,
  );
  return expired + orphaned;
}

/**
 * Runs `statement` until a round deletes fewer than `full` rows (at most MAX_ROUNDS): with `full` 1,
 * until one deletes none — a round that deleted some may have left others without a continuation.
 */
async function deleteInRounds(statement: D1PreparedStatement, full: number): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const changes = (await statement.run()).meta.changes ?? 0;
    deleted += changes;
    if (changes < full) break;
  }
  return deleted;
}
