// The hourly cron's upkeep of stored responses: rows past their expiry (never read again) deleted
// in chunks, as the logs' retention deletes (src/delete-rounds.ts); then rows marked deleted
// (deletion.ts) that no row continues from any more, the last of a chain first, so a chain of them
// goes over rounds. Each round is one transaction that deletes its rows' parts (parts.ts) by their
// primary key before the rows (no scan of the parts for orphans: nothing else leaves any — a DELETE
// takes a row's parts with it, a mark keeps them). How many responses went. What a round limit
// leaves, the next hour's run takes.
import { deleteInRounds } from '../delete-rounds';
import type { Env } from '../env';

export async function sweepExpiredResponses(
  env: Pick<Env, 'DB'>,
  now: number,
  chunk = 5000,
): Promise<number> {
  const db = env.DB;
  // The same rows in both statements of a round: deleting parts changes no stored_responses row.
  const round = (selection: string, binds: unknown[]) =>
    [
      db.prepare(`DELETE FROM stored_response_parts WHERE response_id IN (${selection})`),
      db.prepare(`DELETE FROM stored_responses WHERE id IN (${selection})`),
    ].map((statement) => statement.bind(...binds));
  // A continuation expires no later than what it continues from (store.ts), so these go first.
  const expired = await deleteInRounds(
    db,
    round('SELECT id FROM stored_responses WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2', [
      now,
      chunk,
    ]),
    chunk,
  );
  // Continuations that expired went above; marked ones nothing continues from go a round before it.
  const orphaned = await deleteInRounds(
    db,
    round(
      `SELECT m.id FROM stored_responses m WHERE m.deleted_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM stored_responses c WHERE c.previous_id = m.id)
        ORDER BY m.id LIMIT ?1`,
      [chunk],
    ),
    1,
  );
  return expired + orphaned;
}
