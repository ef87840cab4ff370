// `item_reference` input items on POST /v1/responses: each becomes the stored item it names — an
// output item of a response this key stored, or an input item as input_items lists it — before the
// body is translated, as previous_response_id's conversation does (continuation.ts). The Vercel AI
// SDK's OpenAI provider sends earlier assistant turns so unless told not to store. OpenAI resolves a
// reference within the project; here within the key, as every stored response is the key's.
import type { Context } from 'hono';
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
 * `items` with each item reference replaced by the item it names: one D1 read for all of them, none
 * when there is none; the rows holding them at most `bound` together. An id no unexpired response
 * of this key holds is OpenAI's 404.
 */
export async function withReferencedItems(
  c: Context<AppEnv>,
  items: Json[],
  bound: ReadBound,
): Promise<Json[]> {
  const ids = items.map((item, index) => (isItemReference(item) ? referencedId(item, index) : undefined));
  const named = ids.filter((id) => id !== undefined);
  if (named.length === 0) return items;
  const responseIds = [...new Set(named.map(responseIdOfItem).filter((id) => id !== undefined))];
  const stored =
    responseIds.length > 0
      ? await responsesOf(c.env.DB, responseIds, { keyHash: c.get('keyHash') }, Date.now(), bound)
      : new Map();
  return items.map((item, index) => {
    const id = ids[index];
    if (id === undefined) return item;
    const responseId = responseIdOfItem(id);
    const response = responseId === undefined ? undefined : stored.get(responseId);
    const found = response && responseId !== undefined ? storedItem(response, responseId, id) : undefined;
    if (!found) throw itemNotFound(id);
    return found;
  });
}

function referencedId(item: Json, index: number): string {
  if (typeof item.id === 'string' && item.id !== '') return item.id;
  const param = `input[${index}].id`;
  throw invalidRequest(`Invalid '${param}': an item reference names the item by its id, a string.`, param);
}

/**
 * OpenAI's answer to a reference it holds no item for: 404, these words, about `input`. An item of
 * another key's response, an expired or deleted one, answers the same, telling nothing of whose it is.
 */
export const itemNotFound = (id: string) =>
  new GatewayError(404, 'invalid_request_error', null, `Item with id '${id}' not found.`, 'input');
