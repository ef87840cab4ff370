// DELETE /v1/conversations/{id} (with its items and their parts) and DELETE …/items/{item_id}: each
// one transaction, only for the key whose conversation it is and only while it is unexpired; each
// first waits for this isolate's appends to it (store.ts), so a delete never races one it follows.
import { MAX_RESPONSE_ID_LENGTH, queried } from '../responses-store/store';
import { appended } from './store';

/** Deletes conversation `id` of `keyId` with its items, in one transaction; false when none. */
export async function deleteConversation(
  db: D1Database,
  id: string,
  keyId: string,
  now: number,
): Promise<boolean> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return false;
  await appended(id);
  const own = 'SELECT 1 FROM conversations WHERE id = ?1 AND key_id = ?2 AND expires_at > ?3';
  const results = await queried(() =>
    db.batch([
      db
        .prepare(`DELETE FROM conversation_item_parts WHERE conversation_id = ?1 AND EXISTS (${own})`)
        .bind(id, keyId, now),
      db
        .prepare(`DELETE FROM conversation_items WHERE conversation_id = ?1 AND EXISTS (${own})`)
        .bind(id, keyId, now),
      db
        .prepare('DELETE FROM conversations WHERE id = ?1 AND key_id = ?2 AND expires_at > ?3')
        .bind(id, keyId, now),
    ]),
  );
  return (results[2]?.meta.changes ?? 0) > 0;
}

/** Deletes item `itemId` of conversation `id` of `keyId`; false when either is not there. */
export async function deleteItem(
  db: D1Database,
  id: string,
  itemId: string,
  keyId: string,
  now: number,
): Promise<boolean> {
  if (id.length > MAX_RESPONSE_ID_LENGTH || itemId.length > MAX_RESPONSE_ID_LENGTH) return false;
  await appended(id);
  const own = 'SELECT 1 FROM conversations WHERE id = ?1 AND key_id = ?3 AND expires_at > ?4';
  const [deleted] = await queried(() =>
    db.batch([
      db
        .prepare(
          `DELETE FROM conversation_items WHERE conversation_id = ?1 AND item_id = ?2 AND EXISTS (${own})`,
        )
        .bind(id, itemId, keyId, now),
      db
        .prepare(
          `DELETE FROM conversation_item_parts WHERE conversation_id = ?1 AND item_id = ?2
             AND NOT EXISTS (SELECT 1 FROM conversation_items WHERE conversation_id = ?1 AND item_id = ?2)`,
        )
        .bind(id, itemId),
    ]),
  );
  return (deleted?.meta.changes ?? 0) > 0;
}
