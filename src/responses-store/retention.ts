// The hourly cron's upkeep of stored responses: rows past their expiry (never read again) deleted
// in chunks, as the logs' retention deletes (src/logs/store.ts deleteLogsBefore). How many went.
import type { Env } from '../env';

export async function sweepExpiredResponses(
  env: Pick<Env, 'DB'>,
  now: number,
  chunk = 5000,
): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < 1000; round++) {
    const result = await env.DB.prepare(
      'DELETE FROM stored_responses WHERE id IN (SELECT id FROM stored_responses WHERE expires_at <= ? LIMIT ?)',
    )
      .bind(now, chunk)
      .run();
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < chunk) break;
  }
  return deleted;
}
