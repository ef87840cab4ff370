// A stored response's conversation: the rows of the responses it continues from, walked by
// previous_id (migration 0012) to the one that continued from none, read in one recursive query.
// Each row holds only what its own request added, so the conversation is every row, first to last,
// its input items then its output items. All of them or none: a response whose chain misses a row
// (expired, another key's, removed) is not found, never a conversation with a hole in it.
import { type ReadRow, rowsJson } from './parts';
import {
  MAX_RESPONSE_ID_LENGTH,
  type Owner,
  ownedBy,
  queried,
  type ReadBound,
  ROW_SIZE,
  type StoredResponse,
  storedFrom,
  UNBOUNDED,
  written,
} from './store';

/** A row of a conversation, with its id: its input items' ids are made of it (item-ids.ts). */
export interface ChainRow extends StoredResponse {
  id: string;
}

/**
 * Far more turns than a conversation has: a walk that long (only a row naming itself through others
 * could make one) stops there and, its first row still continuing from another, is not found.
 */
const MAX_TURNS = 10_000;

/**
 * The rows of response `id`'s conversation, first to last (`id`'s own last), when `id` is unexpired,
 * not deleted and `owner`'s, and so is every row it continues from (unexpired and the same key's;
 * a deleted one is still its ancestor); else null. Throws `bound`'s error when their JSON together
 * is larger than it.
 */
export async function chainOf(
  db: D1Database,
  id: string,
  owner: Owner,
  now: number,
  bound: ReadBound = UNBOUNDED,
): Promise<ChainRow[] | null> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return null;
  await written(id);
  const { join, whose, who } = ownedBy(owner);
  // The walk sums the rows' sizes and stops past the bound; their JSON is read only when the whole
  // conversation fits it, so one too large to send is refused before any of it is in memory.
  const { results } = await queried(() =>
    db
      .prepare(
        `WITH RECURSIVE chain(id, previous_id, key_id, depth, total) AS (
           SELECT r.id, r.previous_id, r.key_id, 0, ${ROW_SIZE('r')} FROM stored_responses r ${join}
            WHERE r.id = ?1 AND r.expires_at > ?2 AND r.deleted_at IS NULL AND ${whose}
           UNION ALL
           SELECT p.id, p.previous_id, p.key_id, c.depth + 1, c.total + ${ROW_SIZE('p')}
             FROM chain c JOIN stored_responses p ON p.id = c.previous_id
            WHERE p.key_id = c.key_id AND p.expires_at > ?2 AND c.depth < ?4 AND c.total <= ?5
         ),
         whole(fits) AS (SELECT MAX(total) <= ?5 FROM chain)
         SELECT c.id, c.previous_id, r.parts, c.total,
                CASE WHEN w.fits THEN r.input ELSE '' END AS input,
                CASE WHEN w.fits THEN r.response ELSE '' END AS response
           FROM chain c JOIN stored_responses r ON r.id = c.id, whole w ORDER BY c.depth DESC`,
      )
      .bind(id, now, who, MAX_TURNS, bound.chars)
      .all<ReadRow & { previous_id: string | null; total: number }>(),
  );
  if (results.some((row) => row.total > bound.chars)) throw bound.tooLarge();
  // The walk ends where a row continues from none, or where the row it names is not there.
  if (results.length === 0 || results[0]?.previous_id !== null) return null;
  const json = await queried(() => rowsJson(db, results));
  const rows: ChainRow[] = [];
  for (const row of results) {
    const stored = storedFrom(json.get(row.id));
    if (!stored) return null;
    rows.push({ id: row.id, ...stored });
  }
  return rows;
}

/** A conversation's items as a continuation sends them: each row's input items, then its output's. */
export function conversation(rows: readonly ChainRow[]): Record<string, unknown>[] {
  return rows.flatMap((row) => [...row.input, ...(row.response.output as Record<string, unknown>[])]);
}
