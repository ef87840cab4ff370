// `item_reference` input items on POST /v1/responses: each becomes the stored item it names — an
// output item of a response this key stored, an input item as input_items lists it, else an item of
// one of the key's conversations (one added by hand: POST /v1/conversations, …/items) — before the
// body is translated, as previous_response_id's conversation does (continuation.ts). The Vercel AI
// SDK's OpenAI provider sends earlier assistant turns so unless told not to store. OpenAI resolves a
// reference within the project; here within the key, as every stored response and conversation is the key's.
import type { Context } from 'hono';
import { heldItems } from '../conversations-store/read';
import type { AppEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import { isRecord } from '../json-record';
import { responseIdOfItem, storedItem } from './item-ids';
import { type ReadBound, responsesOf } from './store';

type Json = Record<string, unknown>;

export function isItemReference(item: unknown): boolean {
  return isRecord(item) && item.type === 'item_reference';
}

/**
 * `items` with each item reference replaced by the item it names: one D1 read for those of stored
 * responses, one more for ids none holds (conversations' items), none when there is no reference;
 * each read's rows at most `bound` together. An id no unexpired response or conversation of this
 * key holds is OpenAI's 404.
 */
export async function withReferencedItems(
  c: Context<AppEnv>,
  items: Json[],
  bound: ReadBound,
): Promise<Json[]> {
  const ids = items.map((item, index) => (isItemReference(item) ? referencedId(item, index) : undefined));
  const named = [...new Set(ids.filter((id) => id !== undefined))];
  if (named.length === 0) return items;
  const owner = { keyHash: c.get('keyHash') };
  const responseIds = [...new Set(named.map(responseIdOfItem).filter((id) => id !== undefined))];
  const stored =
    responseIds.length > 0 ? await responsesOf(c.env.DB, responseIds, owner, Date.now(), bound) : new Map();
  const found = new Map<string, Json>();
  for (const id of named) {
    const responseId = responseIdOfItem(id);
    const response = responseId === undefined ? undefined : stored.get(responseId);
    const item = response && responseId !== undefined ? storedItem(response, responseId, id) : undefined;
    if (item) found.set(id, item);
  }
  const missing = named.filter((id) => !found.has(id));
  if (missing.length > 0)
    for (const [id, item] of await heldItems(c.env.DB, missing, owner, Date.now(), bound))
      found.set(id, item);
  return items.map((item, index) => {
    const id = ids[index];
    if (id === undefined) return item;
    const resolved = found.get(id);
    if (!resolved) throw itemNotFound(id);
    return resolved;
  });
}

function referencedId(item: Json, index: number): string {
  if (typeof item.id === 'string' && item.id !== '') return item.id;
  const param = `input[${index}].id`;
  throw invalidRequest(`Invalid '${param}': an item reference names the item by its id, a string.`, param);
}

/**
 * OpenAI's answer to a reference it holds no item for: 404, these words, about `input`. An item of
 * another key's response or conversation, an expired or deleted one, answers the same, telling
 * nothing of whose it is.
 */
export const itemNotFound = (id: string) =>
  new GatewayError(404, 'invalid_request_error', null, `Item with id '${id}' not found.`, 'input');
