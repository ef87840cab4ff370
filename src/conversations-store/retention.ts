// The hourly cron's upkeep of conversations: those past their expiry (never read again) deleted with
// their items and the items' parts, a round of conversations at a time, each round one transaction
// that finds its children by their primary keys (no scan of the item tables for orphans: nothing
// else leaves any — DELETE of a conversation or an item takes its children in the same transaction).
// How many conversations went. What the round limit leaves, the next hour's run takes.
import { deleteInRounds } from '../delete-rounds';
import type { Env } from '../env';

export function sweepExpiredConversations(env: Pick<Env, 'DB'>, now: number, chunk = 200): Promise<number> {
  const db = env.DB;
  // The same rows in each statement of a round: none of the first two changes `conversations`.
  const expired = 'SELECT id FROM conversations WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2';
  const round = [
    db.prepare(`DELETE FROM conversation_item_parts WHERE conversation_id IN (${expired})`),
    db.prepare(`DELETE FROM conversation_items WHERE conversation_id IN (${expired})`),
    db.prepare(`DELETE FROM conversations WHERE id IN (${expired})`),
  ].map((statement) => statement.bind(now, chunk));
  return deleteInRounds(db, round, chunk);
}
