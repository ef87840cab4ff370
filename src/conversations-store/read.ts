// Reading a conversation's items: all of them in order (to go before a response's input; page.ts
// reads a page of them), bounded as a stored response's conversation is — their sizes summed in the
// query, their JSON read only when together they fit — or by id, in one conversation or (item
// references) in any of a key's. An item in parts is reassembled; one whose parts are not all there
// (or that no longer parses) makes its conversation read as not found, never as a conversation with
// a hole in it.
import { isRecord, parsedJson } from '../json-record';
import {
  MAX_RESPONSE_ID_LENGTH,
  type Owner,
  ownedBy,
  queried,
  type ReadBound,
} from '../responses-store/store';
import {
  appended,
  type Conversation,
  type ConversationRow,
  conversationObject,
  ownConversation,
} from './store';

type Json = Record<string, unknown>;

export interface ItemRow {
  item_id: string;
  item: string;
  parts: number;
}

/**
 * Conversation `id` and its items, first to last, when it is `owner`'s and unexpired; else null.
 * Throws `bound`'s error when its items' JSON together is larger than it.
 */
export async function conversationItems(
  db: D1Database,
  id: string,
  owner: Owner,
  now: number,
  bound: ReadBound,
): Promise<{ conversation: Conversation; items: Json[] } | null> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return null;
  await appended(id);
  const { sql: conversation, who } = ownConversation(owner);
  // One batch, one snapshot: the conversation and exactly the items it had then.
  const [found, listed] = await queried(() =>
    db.batch<unknown>([
      db.prepare(conversation).bind(id, now, who),
      db
        .prepare(
          `WITH asked AS (SELECT id FROM (${conversation})),
           whole(fits) AS (
             SELECT COALESCE(SUM(size), 0) <= ?4 FROM conversation_items
              WHERE conversation_id IN (SELECT id FROM asked))
           SELECT i.item_id, i.parts, w.fits, CASE WHEN w.fits THEN i.item ELSE '' END AS item
             FROM conversation_items i, whole w
            WHERE i.conversation_id IN (SELECT id FROM asked) ORDER BY i.seq`,
        )
        .bind(id, now, who, bound.chars),
    ]),
  );
  const row = found?.results[0] as ConversationRow | undefined;
  if (!row) return null;
  const rows = (listed?.results ?? []) as (ItemRow & { fits: number })[];
  if (rows.some((item) => !item.fits)) throw bound.tooLarge();
  const items = await itemsJson(db, id, rows);
  return items && { conversation: conversationObject(row), items };
}

/** Item `itemId` of conversation `id` when both are there and the conversation `owner`'s; else null. */
export async function conversationItem(
  db: D1Database,
  id: string,
  itemId: string,
  owner: Owner,
  now: number,
): Promise<Json | null> {
  if (id.length > MAX_RESPONSE_ID_LENGTH || itemId.length > MAX_RESPONSE_ID_LENGTH) return null;
  await appended(id);
  const { join, whose, who } = ownedBy(owner);
  const row = await queried(() =>
    db
      .prepare(
        `SELECT i.item_id, i.item, i.parts FROM conversation_items i
           JOIN conversations r ON r.id = i.conversation_id ${join}
          WHERE i.conversation_id = ?1 AND i.item_id = ?4 AND r.expires_at > ?2 AND ${whose}`,
      )
      .bind(id, now, who, itemId)
      .first<ItemRow>(),
  );
  if (!row) return null;
  return (await itemsJson(db, id, [row]))?.[0] ?? null;
}

/**
 * The items among `ids` that unexpired conversations of `owner` hold, by id: one query for them all,
 * by the index on item ids (migration 0015), their JSON read only when together within `bound`. An id
 * in more than one (a client's own, added to each) is the item of the conversation appended to last.
 */
export async function heldItems(
  db: D1Database,
  ids: readonly string[],
  owner: Owner,
  now: number,
  bound: ReadBound,
): Promise<Map<string, Json>> {
  const asked = ids.filter((id) => id.length <= MAX_RESPONSE_ID_LENGTH);
  const found = new Map<string, Json>();
  if (asked.length === 0) return found;
  const { join, whose, who } = ownedBy(owner);
  const { results } = await queried(() =>
    db
      .prepare(
        `WITH held AS (
           SELECT i.conversation_id, i.seq, i.size,
                  ROW_NUMBER() OVER (PARTITION BY i.item_id ORDER BY r.expires_at DESC, r.id) AS n
             FROM conversation_items i JOIN conversations r ON r.id = i.conversation_id ${join}
            WHERE i.item_id IN (SELECT value FROM json_each(?1)) AND r.expires_at > ?2 AND ${whose}
         ),
         whole(fits) AS (SELECT COALESCE(SUM(size), 0) <= ?4 FROM held WHERE n = 1)
         SELECT i.conversation_id, i.item_id, i.parts, w.fits, CASE WHEN w.fits THEN i.item ELSE '' END AS item
           FROM held h JOIN conversation_items i ON i.conversation_id = h.conversation_id AND i.seq = h.seq,
                whole w
          WHERE h.n = 1`,
      )
      .bind(JSON.stringify(asked), now, who, bound.chars)
      .all<ItemRow & { conversation_id: string; fits: number }>(),
  );
  if (results.some((row) => !row.fits)) throw bound.tooLarge();
  // Parts are read per conversation; where one's are not all there, its items read as not found.
  for (const id of new Set(results.map((row) => row.conversation_id))) {
    const rows = results.filter((row) => row.conversation_id === id);
    const items = await itemsJson(db, id, rows);
    for (const [index, row] of rows.entries()) if (items?.[index]) found.set(row.item_id, items[index]);
  }
  return found;
}

/** The items of `rows` parsed, those in parts reassembled (one query for them all); null if one fails. */
export async function itemsJson(
  db: D1Database,
  id: string,
  rows: readonly ItemRow[],
): Promise<Json[] | null> {
  const parted = rows.filter((row) => row.parts > 0).map((row) => row.item_id);
  const pieces = new Map<string, string[]>();
  if (parted.length > 0) {
    const { results } = await queried(() =>
      db
        .prepare(
          `SELECT item_id, data FROM conversation_item_parts
            WHERE conversation_id = ?1 AND item_id IN (SELECT value FROM json_each(?2)) ORDER BY item_id, seq`,
        )
        .bind(id, JSON.stringify(parted))
        .all<{ item_id: string; data: string }>(),
    );
    for (const part of results) pieces.set(part.item_id, [...(pieces.get(part.item_id) ?? []), part.data]);
  }
  const items: Json[] = [];
  for (const row of rows) {
    const list = pieces.get(row.item_id);
    const text = row.parts === 0 ? row.item : list?.length === row.parts ? list.join('') : undefined;
    const item = text === undefined ? undefined : parsedJson(text);
    if (!isRecord(item)) return null;
    items.push(item);
  }
  return items;
}
