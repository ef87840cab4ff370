// DELETE /v1/responses/{id}. OpenAI keeps a deleted response's continuations continuable, and here a
// continuation's row holds only its own turn (chain.ts): a response that live stored responses
// continue from is marked deleted — never read, listed, referenced or continued from again by its
// id — and its items stay theirs until none does (the hourly cron removes it then, retention.ts).
// One no live response continues from is deleted at once.
import { MAX_RESPONSE_ID_LENGTH, queried, written } from './store';

/** Deletes (or marks) the unexpired, not deleted response `id` of the key `keyId`; false when none. */
export async function deleteResponseOfKey(
  db: D1Database,
  id: string,
  keyId: string,
  now: number,
): Promise<boolean> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return false;
  await written(id);
  const own = 'id = ?1 AND key_id = ?2 AND expires_at > ?3 AND deleted_at IS NULL';
  // One transaction: marked when a live row descends from it (through rows deleted already, which
  // hold items of that row's conversation too), else — still unmarked — deleted.
  const [marked, deleted] = await queried(() =>
    db.batch([
      db
        .prepare(
          `WITH RECURSIVE descendants(id) AS (
             SELECT id FROM stored_responses WHERE previous_id = ?1
             UNION
             SELECT r.id FROM stored_responses r JOIN descendants d ON r.previous_id = d.id
           )
           UPDATE stored_responses SET deleted_at = ?3
            WHERE ${own} AND EXISTS (
              SELECT 1 FROM stored_responses r JOIN descendants d ON r.id = d.id
               WHERE r.deleted_at IS NULL AND r.expires_at > ?3)`,
        )
        .bind(id, keyId, now),
      db.prepare(`DELETE FROM stored_responses WHERE ${own}`).bind(id, keyId, now),
      // Its parts (parts.ts) go with the row, not with a mark.
      db
        .prepare(
          `DELETE FROM stored_response_parts
            WHERE response_id = ?1 AND NOT EXISTS (SELECT 1 FROM stored_responses WHERE id = ?1)`,
        )
        .bind(id),
    ]),
  );
  return (marked?.meta.changes ?? 0) + (deleted?.meta.changes ?? 0) > 0;
}
