// The hourly cron's upkeep of conversations: those past their expiry (never read again) deleted in
// chunks, as stored responses are (src/responses-store/retention.ts); then the items of
// conversations gone, and the parts of items gone. How many conversations went. What a round limit
// leaves, the next hour's run takes.
import { deleteExpired, deleteInRounds } from '../delete-rounds';
import type { Env } from '../env';

export async function sweepExpiredConversations(
  env: Pick<Env, 'DB'>,
  now: number,
  chunk = 5000,
): Promise<number> {
  const expired = await deleteExpired(env.DB, 'conversations', now, chunk);
  await deleteInRounds(
    env.DB.prepare(
      `DELETE FROM conversation_items WHERE rowid IN (
         SELECT i.rowid FROM conversation_items i
          WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = i.conversation_id) LIMIT ?)`,
    ).bind(chunk),
    chunk,
  );
  await deleteInRounds(
    env.DB.prepare(
      `DELETE FROM conversation_item_parts WHERE rowid IN (
         SELECT p.rowid FROM conversation_item_parts p
          WHERE NOT EXISTS (SELECT 1 FROM conversation_items i
                             WHERE i.conversation_id = p.conversation_id AND i.item_id = p.item_id) LIMIT ?)`,
    ).bind(chunk),
    chunk,
  );
  return expired;
}
