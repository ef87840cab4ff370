// The D1 rows of stored responses (migrations 0011–0013): written before the answer is final
// (keeping.ts: a JSON answer waits for its row, a stream's closing event does), read back by the
// key that stored them (a whole conversation by chain.ts), deleted by it or by the
// hourly cron once expired (retention.ts).
import * as z from 'zod';
import { describeFailure } from '../describe-error';
import { unavailableNow } from '../errors';
import { partStatements, type ReadRow, type RowJson, rowsJson, rowText } from './parts';

type Json = Record<string, unknown>;

const DAY_MS = 86_400_000;

/**
 * Longer than any response id this gateway makes (`resp_` and a request id's 16 characters) or
 * OpenAI does: one longer is none, and is never bound into a query (D1 refuses a value over 2 MB).
 */
export const MAX_RESPONSE_ID_LENGTH = 256;

/** An id as an error quotes it: one longer than any response's is cut short, not carried back whole. */
export const quotedId = (id: string): string =>
  id.length > MAX_RESPONSE_ID_LENGTH ? `${id.slice(0, MAX_RESPONSE_ID_LENGTH)}…` : id;

/**
 * A stored response: the input items its own request added (after item references were resolved;
 * not those of the response it continued from — a row stored before migration 0012, the whole
 * conversation its request sent), and the Response object answered.
 */
export interface StoredResponse {
  input: Json[];
  response: Json;
}

export interface NewStoredResponse extends StoredResponse {
  id: string;
  keyId: string;
  teamId: string | null;
  /** The response its request continued from (previous_response_id), whose conversation comes first. */
  previousId: string | null;
}

// Our own rows, but parsed JSON all the same: a row that is not what this code wrote reads as none.
const storedInput = z.array(z.record(z.string(), z.unknown()));
const storedResponse = z.looseObject({ id: z.string(), output: z.array(z.record(z.string(), z.unknown())) });

/**
 * This isolate's writes not done yet, by response id: an answer waits for its row only so long
 * (keeping.ts), and a client continuing from one answered past that, through the same isolate, waits
 * for the write instead of missing it. Each entry leaves when its write ends; a write is one D1
 * batch (one transaction).
 */
const pending = new Map<string, Promise<void>>();

/** The write of response `id` this isolate has not done yet, if any: a read of it waits for it. */
export function written(id: string): Promise<void> | undefined {
  return pending.get(id);
}

/**
 * Stores `row` for `days` (the config's responses.storeDays; OpenAI keeps one 30 days, the default).
 * A row continuing from another extends, in the same transaction, the expiry of every response it
 * continues from to its own at least: a conversation lives as long as its newest turn, which reads
 * them all. One already expired is not brought back (its conversation is gone; so is this one's).
 * A raise goes a day past the new expiry: the turns that follow within that day raise nothing, so
 * a conversation's turns rewrite its earlier rows about once a day, not each turn all of them. Every
 * row's ancestors expire no sooner than it does (each raise covers them all), so the walk stops at
 * the first that needs no raise.
 */
export function storeResponse(
  db: D1Database,
  row: NewStoredResponse,
  now: number,
  days: number,
): Promise<void> {
  // Never a throw, even from preparing (the answer it stores goes either way): a failure is logged.
  const write = Promise.resolve()
    .then(() => db.batch(statements(db, row, now, days)))
    .then(
      () => undefined,
      // D1 unavailable: the answer is served, only its continuation is lost.
      (error: unknown) => console.error('storing response failed', row.id, describeFailure(error)),
    )
    .finally(() => pending.delete(row.id));
  pending.set(row.id, write);
  return write;
}

/** The batch storing `row`: its insert, and the raise of its ancestors' expiry when it continues one. */
function statements(
  db: D1Database,
  row: NewStoredResponse,
  now: number,
  days: number,
): D1PreparedStatement[] {
  const expiresAt = now + days * DAY_MS;
  const input = JSON.stringify(row.input);
  const response = JSON.stringify(row.response);
  const text = rowText(input, response);
  const insert = db
    .prepare(
      `INSERT OR REPLACE INTO stored_responses
         (id, key_id, team_id, created_at, expires_at, input, response, previous_id, parts, size)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      row.id,
      row.keyId,
      row.teamId,
      now,
      expiresAt,
      text.input,
      text.response,
      row.previousId,
      text.parts.length,
      // What it adds to a conversation (its input and output items), not its Response's echo of
      // the request (tools, instructions): the measure a conversation is held to (ReadBound).
      input.length + JSON.stringify(row.response.output ?? []).length,
    );
  const batch = [insert, ...partStatements(db, row.id, text.parts)];
  if (row.previousId !== null)
    batch.push(
      db
        .prepare(
          `WITH RECURSIVE ancestors(id) AS (
             SELECT ?1
             UNION
             SELECT r.previous_id FROM stored_responses r JOIN ancestors a ON r.id = a.id
              WHERE r.previous_id IS NOT NULL AND r.expires_at < ?2
           )
           UPDATE stored_responses SET expires_at = ?5
            WHERE id IN (SELECT id FROM ancestors) AND key_id = ?3 AND expires_at > ?4 AND expires_at < ?2`,
        )
        .bind(row.previousId, expiresAt, row.keyId, now, expiresAt + DAY_MS),
    );
  return batch;
}

/**
 * How much stored JSON one read may bring into memory, in characters, and the error past it: the
 * rows of a conversation or of referenced items are summed (their `size`) before any is read.
 */
export interface ReadBound {
  chars: number;
  tooLarge: () => Error;
}

export const UNBOUNDED: ReadBound = {
  chars: Number.MAX_SAFE_INTEGER,
  tooLarge: () => new Error('unbounded'),
};

/**
 * A row's size in SQL: `size` (migration 0013: its input and output items' JSON), or its columns'
 * whole lengths for a row written before.
 */
export const ROW_SIZE = (row: string) =>
  `(CASE WHEN ${row}.size > 0 THEN ${row}.size ELSE length(${row}.input) + length(${row}.response) END)`;

/** Whose stored responses are read: the presented key's hash (before admission), or an admitted key's id. */
export type Owner = { keyHash: string } | { keyId: string };

/**
 * The SQL that keeps a query of `stored_responses r` to `owner`'s rows, for a statement binding the
 * time as ?2 and `who` as ?3: a hash matches the key's current secret, or its previous one during a
 * rotation's grace period (migration 0007); a key id matches the row's own.
 */
export function ownedBy(owner: Owner): { join: string; whose: string; who: string } {
  return 'keyHash' in owner
    ? {
        join: 'JOIN keys k ON k.id = r.key_id',
        whose: '(k.key_hash = ?3 OR (k.previous_key_hash = ?3 AND k.previous_until > ?2))',
        who: owner.keyHash,
      }
    : { join: '', whose: 'r.key_id = ?3', who: owner.keyId };
}

/**
 * The responses among `ids` stored by `owner`, unexpired and not deleted, by id: one query for them
 * all. Read by hash before the key's object admits the request (which still refuses a revoked or
 * expired key). Each row alone: its own input items and its Response.
 */
export async function responsesOf(
  db: D1Database,
  ids: readonly string[],
  owner: Owner,
  now: number,
  bound: ReadBound = UNBOUNDED,
): Promise<Map<string, StoredResponse>> {
  const asked = ids.filter((id) => id.length <= MAX_RESPONSE_ID_LENGTH);
  const found = new Map<string, StoredResponse>();
  if (asked.length === 0) return found;
  await Promise.all(asked.map(written));
  const { join, whose, who } = ownedBy(owner);
  // The ids as one JSON parameter: a request may reference items of more responses than D1 binds.
  // Their JSON is read only when the rows together fit the bound (summed first, in the same query).
  const { results } = await queried(() =>
    db
      .prepare(
        `WITH asked AS (
           SELECT r.id, ${ROW_SIZE('r')} AS size FROM stored_responses r ${join}
            WHERE r.id IN (SELECT value FROM json_each(?1)) AND r.expires_at > ?2 AND r.deleted_at IS NULL
              AND ${whose}
         ),
         whole(fits) AS (SELECT COALESCE(SUM(size), 0) <= ?4 FROM asked)
         SELECT r.id, r.parts, w.fits,
                CASE WHEN w.fits THEN r.input ELSE '' END AS input,
                CASE WHEN w.fits THEN r.response ELSE '' END AS response
           FROM asked a JOIN stored_responses r ON r.id = a.id, whole w`,
      )
      .bind(JSON.stringify(asked), now, who, bound.chars)
      .all<ReadRow & { fits: number }>(),
  );
  if (results.some((row) => !row.fits)) throw bound.tooLarge();
  const json = await queried(() => rowsJson(db, results));
  for (const row of results) {
    const stored = storedFrom(json.get(row.id));
    if (stored) found.set(row.id, stored);
  }
  return found;
}

/** A read or delete on the request path; D1 failing is a 503 to retry, not a gateway bug's 500. */
export async function queried<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    console.error('reading stored responses failed', describeFailure(error));
    throw unavailableNow(
      'storage_unavailable',
      'The gateway could not read its stored responses right now. Please retry shortly.',
    );
  }
}

/** A row's JSON (parts.ts) as a stored response, or null when it is not what this code writes. */
export function storedFrom(json: RowJson): StoredResponse | null {
  if (json === undefined) return null;
  const input = storedInput.safeParse(json.input);
  const response = storedResponse.safeParse(json.response);
  return input.success && response.success ? { input: input.data, response: response.data } : null;
}
