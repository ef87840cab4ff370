// GET /v1/conversations/{id}/items: one page of a conversation's items, chosen in SQL (by seq, from
// the item `after` names) so that a conversation of any size can be listed — appends are not
// bounded, and one grown past what a read may hold is still its key's to page through. A page is
// held to the read bound too: its items' sizes are summed in order in the query, and it ends before
// the first item that would take it past the bound (has_more then true), its JSON never read.
import { invalidRequest } from '../errors';
import type { PageQuery } from '../responses-store/input-items';
import {
  MAX_RESPONSE_ID_LENGTH,
  type Owner,
  queried,
  quotedId,
  type ReadBound,
} from '../responses-store/store';
import { type ItemRow, itemsJson } from './read';
import { appended, ownConversation } from './store';

type Json = Record<string, unknown>;

/** A page as OpenAI lists it (ConversationItemList); null when the conversation is not `owner`'s or not there. */
export async function conversationPage(
  db: D1Database,
  id: string,
  owner: Owner,
  now: number,
  query: PageQuery,
  bound: ReadBound,
): Promise<Json | null> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return null;
  await appended(id);
  const { sql: conversation, who } = ownConversation(owner);
  const asked = `SELECT id FROM (${conversation})`;
  const after =
    query.after !== undefined && query.after.length <= MAX_RESPONSE_ID_LENGTH ? query.after : null;
  const [direction, beyond] = query.order === 'asc' ? ['ASC', '>'] : ['DESC', '<'];
  // One batch, one snapshot: the conversation, the place `after` names, and the page after it (one
  // item more than asked, to tell whether there are more).
  const [found, mark, listed] = await queried(() =>
    db.batch<unknown>([
      db.prepare(conversation).bind(id, now, who),
      db
        .prepare(`SELECT seq FROM conversation_items WHERE conversation_id IN (${asked}) AND item_id = ?4`)
        .bind(id, now, who, after),
      db
        .prepare(
          `SELECT item_id, parts, total <= ?4 AS fits, CASE WHEN total <= ?4 THEN item ELSE '' END AS item FROM (
             SELECT item_id, item, parts, seq, SUM(size) OVER (ORDER BY seq ${direction} ROWS UNBOUNDED PRECEDING) AS total
               FROM conversation_items
              WHERE conversation_id IN (${asked})
                AND (?5 IS NULL OR seq ${beyond} (SELECT seq FROM conversation_items WHERE conversation_id = ?1 AND item_id = ?5))
              ORDER BY seq ${direction} LIMIT ?6)
           ORDER BY seq ${direction}`,
        )
        .bind(id, now, who, bound.chars, after, query.limit + 1),
    ]),
  );
  if (!found?.results[0]) return null;
  if (query.after !== undefined && !mark?.results[0])
    throw invalidRequest(
      `Invalid 'after': no item of this conversation has the id '${quotedId(query.after)}'.`,
      'after',
    );
  const rows = (listed?.results ?? []) as (ItemRow & { fits: number })[];
  const fitting = rows.slice(0, query.limit).filter((row) => row.fits);
  if (rows.length > 0 && fitting.length === 0) throw bound.tooLarge();
  const items = await itemsJson(db, id, fitting);
  if (!items) return null;
  return {
    object: 'list',
    data: items,
    // Strings in OpenAI's schema even for an empty page (past the last item): empty then.
    first_id: String(items[0]?.id ?? ''),
    last_id: String(items.at(-1)?.id ?? ''),
    has_more: rows.length > fitting.length,
  };
}
