// The hourly cron's upkeep of stored responses: rows past their expiry (never read again) deleted
// in chunks, as the logs' retention deletes (src/delete-rounds.ts); then rows marked deleted
// (deletion.ts) that no row continues from any more, the last of a chain first, so a chain of them
// goes over rounds; then the parts (parts.ts) of rows gone. How many responses went. What a round
// limit leaves, the next hour's run takes.

import { deleteInRounds } from '../delete-rounds';
import type { Env } from '../env';

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
  // The parts (parts.ts) of every row gone, by this run or by a delete; not counted as responses.
  await deleteInRounds(
    env.DB.prepare(
      `DELETE FROM stored_response_parts WHERE response_id IN (
         SELECT DISTINCT p.response_id FROM stored_response_parts p
          WHERE NOT EXISTS (SELECT 1 FROM stored_responses r WHERE r.id = p.response_id)
          LIMIT ?)`,
    ).bind(chunk),
    1,
  );
  return expired + orphaned;
}
