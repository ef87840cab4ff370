// The D1 rows of conversations (migration 0014): a conversation of one key, and its items in one
// total order. Ownership, expiry and bounded reads follow the stored responses' (src/responses-store/
// store.ts, whose `ownedBy`, `queried` and ReadBound these reuse); items too large for one D1 value go
// in parts (parts.ts's splitText). Every append allocates its items' places inside SQL (MAX(seq) + 1,
// one batch, one transaction), so appends racing on one conversation never share or swap a place.
import { describeFailure } from '../describe-error';
import { GatewayError, invalidRequest } from '../errors';
import { PART_CHARS, splitText } from '../responses-store/parts';
import { MAX_RESPONSE_ID_LENGTH, type Owner, ownedBy, queried, quotedId } from '../responses-store/store';

type Json = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** A conversation as OpenAI returns it. */
export interface Conversation {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

/** An item to append: its id (unique in its conversation) and its JSON, as it will be listed. */
export interface NewItem {
  id: string;
  item: Json;
}

export interface ConversationRow {
  id: string;
  created_at: number;
  metadata: string;
}

/** A row as OpenAI's conversation object (created_at in seconds); its metadata as stored. */
export function conversationObject(row: ConversationRow): Conversation {
  const metadata = JSON.parse(row.metadata) as Record<string, string>;
  return { id: row.id, object: 'conversation', created_at: Math.floor(row.created_at / 1000), metadata };
}

/**
 * This isolate's appends not done yet, by conversation: a read of a conversation waits for them, so
 * a client naming it again at once through the same isolate sees what its last response added (the
 * answer waits for them only so long: src/responses-store/keeping.ts).
 */
const pending = new Map<string, Promise<unknown>>();

/** The appends to conversation `id` this isolate has not done yet; resolves once they are. */
export function appended(id: string): Promise<unknown> {
  return pending.get(id) ?? Promise.resolve();
}

/** `write` noted as an append to `id` until it ends. */
export function noteAppend<T>(id: string, write: Promise<T>): Promise<T> {
  const before = pending.get(id) ?? Promise.resolve();
  const done = Promise.allSettled([before, write]);
  pending.set(id, done);
  void done.then(() => {
    if (pending.get(id) === done) pending.delete(id);
  });
  return write;
}

/** The batch creating conversation `id` of `keyId` with `items` (none or more). */
export function createStatements(
  db: D1Database,
  row: { id: string; keyId: string; teamId: string | null; metadata: Record<string, string> },
  items: readonly NewItem[],
  now: number,
  days: number,
): D1PreparedStatement[] {
  const insert = db
    .prepare(
      `INSERT INTO conversations (id, key_id, team_id, created_at, expires_at, metadata)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .bind(row.id, row.keyId, row.teamId, now, now + days * DAY_MS, JSON.stringify(row.metadata));
  return [insert, ...appendStatements(db, row.id, row.keyId, items, now, days)];
}

/**
 * The batch appending `items` to conversation `id`, in order, when it is `keyId`'s and unexpired (else
 * it changes nothing: the first statement's changes say which). Each item takes the place after the
 * conversation's last, read in the insert itself. An append extends the conversation to `days` from
 * now (never shortens it): a conversation lives as long as its newest turn, as a chain of stored
 * responses does.
 */
export function appendStatements(
  db: D1Database,
  id: string,
  keyId: string,
  items: readonly NewItem[],
  now: number,
  days: number,
): D1PreparedStatement[] {
  const live = 'SELECT 1 FROM conversations WHERE id = ?1 AND key_id = ?2 AND expires_at > ?3';
  const batch = items.flatMap(({ id: itemId, item }) => {
    const json = JSON.stringify(item);
    const parts = json.length > PART_CHARS ? splitText(json, PART_CHARS) : [];
    return [
      db
        .prepare(
          `INSERT INTO conversation_items (conversation_id, seq, item_id, item, parts, size)
           SELECT ?1, next, ?4, ?5, ?6, ?7 FROM (
             SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM conversation_items WHERE conversation_id = ?1
           ) WHERE EXISTS (${live})`,
        )
        .bind(id, keyId, now, itemId, parts.length > 0 ? '' : json, parts.length, json.length),
      // Only beside the item just written: not for an item of the same id in a conversation the key
      // may not write to (its parts would be another's, and a clash with them would tell it is there).
      ...parts.map((data, seq) =>
        db
          .prepare(
            `INSERT INTO conversation_item_parts (conversation_id, item_id, seq, data)
             SELECT ?1, ?4, ?5, ?6 WHERE EXISTS (${live}) AND EXISTS (
               SELECT 1 FROM conversation_items WHERE conversation_id = ?1 AND item_id = ?4)`,
          )
          .bind(id, keyId, now, itemId, seq, data),
      ),
    ];
  });
  if (items.length > 0)
    batch.push(
      db
        .prepare(
          'UPDATE conversations SET expires_at = MAX(expires_at, ?4) WHERE id = ?1 AND key_id = ?2 AND expires_at > ?3',
        )
        .bind(id, keyId, now, now + days * DAY_MS),
    );
  return batch;
}

/**
 * Appends `items` to conversation `id` of `keyId`: `appended` once written, `missing` when the
 * conversation is not there (not `keyId`'s, expired, deleted), `duplicate` when it holds an item of
 * one of their ids already (the unique index refuses the whole batch). Throws when D1 fails.
 */
export async function appendItems(
  db: D1Database,
  id: string,
  keyId: string,
  items: readonly NewItem[],
  now: number,
  days: number,
): Promise<'appended' | 'missing' | 'duplicate'> {
  if (items.length === 0) return 'appended';
  try {
    const [first] = await noteAppend(id, db.batch(appendStatements(db, id, keyId, items, now, days)));
    return (first?.meta.changes ?? 0) > 0 ? 'appended' : 'missing';
  } catch (error) {
    if (/UNIQUE constraint failed/.test(String(error))) return 'duplicate';
    throw error;
  }
}

/**
 * The one answer to a conversation id the key may not use: another key's, expired, deleted or never
 * made (so an id tells nothing of whose it is). `param`: where the request named it.
 */
export const conversationNotFound = (id: string, param: string | null = null) =>
  new GatewayError(
    404,
    'invalid_request_error',
    'conversation_not_found',
    `Conversation with id '${quotedId(id)}' not found.`,
    param,
  );

/**
 * Where the config's responses.storeDays is 0 the gateway keeps no conversation: none is made, added
 * to, or named on /v1/responses (one made before keeps its expiry, and may still be read or deleted).
 */
export const noConversationsKept = (param: string | null = null) =>
  invalidRequest(
    "This gateway keeps no conversations (its config's responses.storeDays is 0): send each turn's whole input.",
    param,
  );

/**
 * The query of conversation ?1 as `owner` may read it — unexpired at ?2, `owner`'s (`who`, bound as
 * ?3) — answering its row as conversationObject reads it: every read of a conversation goes by it.
 */
export function ownConversation(owner: Owner): { sql: string; who: string } {
  const { join, whose, who } = ownedBy(owner);
  return {
    sql: `SELECT r.id, r.created_at, r.metadata FROM conversations r ${join}
     WHERE r.id = ?1 AND r.expires_at > ?2 AND ${whose}`,
    who,
  };
}

/** Conversation `id` when it is `owner`'s and unexpired, else null. */
export async function conversationOf(
  db: D1Database,
  id: string,
  owner: Owner,
  now: number,
): Promise<Conversation | null> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return null;
  const { sql, who } = ownConversation(owner);
  const row = await queried(() => db.prepare(sql).bind(id, now, who).first<ConversationRow>());
  return row ? conversationObject(row) : null;
}

/** Replaces the metadata of conversation `id` of `keyId`; the conversation so updated, or null. */
export async function updateMetadata(
  db: D1Database,
  id: string,
  keyId: string,
  metadata: Record<string, string>,
  now: number,
): Promise<Conversation | null> {
  if (id.length > MAX_RESPONSE_ID_LENGTH) return null;
  const row = await queried(() =>
    db
      .prepare(
        `UPDATE conversations SET metadata = ?4 WHERE id = ?1 AND key_id = ?2 AND expires_at > ?3
         RETURNING id, created_at, metadata`,
      )
      .bind(id, keyId, now, JSON.stringify(metadata))
      .first<ConversationRow>(),
  );
  return row ? conversationObject(row) : null;
}

/** An append that failed, logged by conversation and the response whose items it held (never the items). */
export function logAppendFailure(conversationId: string, responseId: string, error: unknown): void {
  console.error('appending to conversation failed', conversationId, responseId, describeFailure(error));
}
