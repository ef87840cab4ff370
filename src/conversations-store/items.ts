// The items a conversation holds, as OpenAI lists them: each with an id unique in its conversation
// and the fields its resource shape requires (input-items.ts's listedItem; a message's status too,
// which OpenAI's conversation Message requires). Items a client adds (POST /v1/conversations, …/items)
// are checked as a Responses input item of their type is, up to 20 at a time as OpenAI takes them.
import * as z from 'zod';
import { randomId } from '../auth/gateway-key';
import { invalidRequest } from '../errors';
import { checked } from '../openai/read-body';
import { inputItems } from '../openai/responses-schema';
import { listedItem } from '../responses-store/input-items';
import { MAX_RESPONSE_ID_LENGTH } from '../responses-store/store';
import type { NewItem } from './store';

type Json = Record<string, unknown>;

/** OpenAI's bound on the items one request adds. */
export const MAX_ITEMS_AT_ONCE = 20;

/**
 * The item types a conversation takes: those a Responses request's input can carry to any provider
 * (responses-schema.ts), and an image the gateway made, which goes back to the model as its turn's
 * image (responses-request.ts). Another (a hosted tool's call) could never be sent on.
 */
const TAKEN = new Set([...Object.keys(inputItems), 'image_generation_call']);

export const itemList = z.array(z.looseObject({ type: z.string().optional() })).max(MAX_ITEMS_AT_ONCE);

/** The items of a request body's `items`, each checked against its type's schema; `at`: the param. */
export function requestItems(items: readonly Json[], at = 'items'): Json[] {
  const ids = new Set<unknown>();
  return items.map((item, index) => {
    const type = typeof item.type === 'string' ? item.type : 'message';
    if (!TAKEN.has(type))
      throw invalidRequest(
        `Invalid '${at}[${index}].type': '${type}' is not an item type a conversation holds (${[...TAKEN].join(', ')}).`,
        `${at}[${index}].type`,
      );
    const schema = inputItems[type as keyof typeof inputItems];
    if (schema) checked(schema, item, [at, index]);
    noteItemId(ids, item, `${at}[${index}].id`);
    return item;
  });
}

/**
 * Notes `item`'s own id, if it has one, among the `ids` its conversation will hold: one in `ids`
 * already is a 400 (as OpenAI's "Duplicate item found"), and so is one longer than a response id may
 * be (an item id a conversation holds is asked for again: …/items/{item_id}, `after`). `param`: its place.
 */
export function noteItemId(ids: Set<unknown>, item: Json, param: string): void {
  if (typeof item.id !== 'string' || item.id === '') return;
  if (item.id.length > MAX_RESPONSE_ID_LENGTH)
    throw invalidRequest(
      `Invalid '${param}': an item id a conversation holds is at most ${MAX_RESPONSE_ID_LENGTH} characters.`,
      param,
    );
  if (ids.has(item.id))
    throw invalidRequest(
      `Duplicate item found with id ${item.id}. Remove duplicate items and try again.`,
      param,
    );
  ids.add(item.id);
}

/** `item` as a conversation keeps it: its own id, else `id` (or a new one), in its listed shape. */
export function newItem(item: Json, id?: string): NewItem {
  const own = typeof item.id === 'string' && item.id !== '' ? item.id : undefined;
  const chosen = own ?? id ?? randomId((item.type ?? 'message') === 'message' ? 'msg' : 'item');
  const listed = listedItem(item, chosen);
  if (listed.type === 'message') listed.status ??= 'completed';
  return { id: chosen, item: listed };
}
