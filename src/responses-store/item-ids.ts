// The ids of a stored response's items, and finding one by its id. Every output item id the gateway
// gives carries its response's (responseIds, src/openai/responses-answer.ts): a prefix (msg_, rs_,
// fc_, ctc_, ig_), the random part of the request id the response is named for, and `_n` for a later
// item of the kind. So an item id names the one response that can hold it: resolving a reference
// reads that row by its primary key, with no index of items and no scan of a key's responses.
import type { StoredResponse } from './store';

type Json = Record<string, unknown>;

/**
 * An item id of the gateway's: its prefix, then the request id's random part — randomId's 12 bytes,
 * always 16 base64url characters, which may themselves hold `_`, hence counted, not split on — then
 * the optional suffix.
 */
const ITEM_ID = /^[a-z]+_([\w-]{16})(?:_\w+)?$/;

/** The id of the response whose item `itemId` is; undefined for an id the gateway never gave. */
export function responseIdOfItem(itemId: string): string | undefined {
  const base = ITEM_ID.exec(itemId)?.[1];
  return base === undefined ? undefined : `resp_${base}`;
}

/**
 * The id input item `index` of response `responseId` is listed (input_items) and referenced by: its
 * own when it has one (an item a client sent with its id, an output item carried from an earlier
 * response), else one made of the id of the response whose request sent it and the item's place in
 * that response's own stored input (an earlier response's items are in its row, store.ts) — stable,
 * as that input never changes, the same in every later response's list, and naming its response as
 * output items' ids do (`in_` is no output item's prefix, so the two never meet).
 */
export function inputItemId(item: Json, responseId: string, index: number): string {
  if (typeof item.id === 'string' && item.id !== '') return item.id;
  return `in_${responseId.replace(/^resp_/, '')}_${index}`;
}

/**
 * The item `itemId` of stored response `responseId`: among its output items, else the input items
 * its own request sent.
 */
export function storedItem(stored: StoredResponse, responseId: string, itemId: string): Json | undefined {
  const output = stored.response.output as Json[];
  const own = output.find((item) => item.id === itemId);
  if (own) return own;
  const index = stored.input.findIndex((item, at) => inputItemId(item, responseId, at) === itemId);
  // Named by the id it was referenced by, so a response continuing with it lists it by that id.
  return index === -1 ? undefined : { ...stored.input[index], id: itemId };
}
