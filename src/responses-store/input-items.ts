// GET /v1/responses/{id}/input_items: a stored response's input — the whole conversation its request
// sent, previous_response_id's and item references resolved, as OpenAI lists it — one page of it,
// as OpenAI's list (`ResponseItemList`). Each item in the shape OpenAI returns items in: with an id
// (item-ids.ts: an input item's names the response whose request sent it, so an item keeps its id
// in every later response's list), a message's text content as its parts, a status where the shape
// requires one.
import * as z from 'zod';
import { invalidRequest } from '../errors';
import { isRecord } from '../json-record';
import type { ChainRow } from './chain';
import { inputItemId } from './item-ids';

type Json = Record<string, unknown>;

/** The page a request asks for: `limit` 1–100 (20), `order` asc or desc (desc), `after` an item id. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z.string().min(1).optional(),
});

export type PageQuery = z.infer<typeof pageQuery>;

/** One page of the input of the last response of `chain`, its conversation's rows (chain.ts). */
export function inputItemsPage(chain: readonly ChainRow[], query: PageQuery): Json {
  const all = chain.flatMap((row, at) => {
    const input = row.input.map((item, index) => listedItem(item, inputItemId(item, row.id, index)));
    if (at === chain.length - 1) return input;
    // An earlier response's output items, as they were answered: each has its id already.
    const output = (row.response.output as Json[]).map((item) => listedItem(item, String(item.id)));
    return [...input, ...output];
  });
  if (query.order === 'desc') all.reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = all.findIndex((item) => item.id === query.after);
    if (at === -1)
      throw invalidRequest(
        `Invalid 'after': no input item of this response has the id '${query.after}'.`,
        'after',
      );
    start = at + 1;
  }
  const data = all.slice(start, start + query.limit);
  return {
    object: 'list',
    data,
    // Strings in OpenAI's schema even for an empty page (past the last item): empty then.
    first_id: String(data[0]?.id ?? ''),
    last_id: String(data.at(-1)?.id ?? ''),
    has_more: start + query.limit < all.length,
  };
}

/** `item` as OpenAI lists an item it keeps: with its id and the fields its resource shape requires. */
export function listedItem(item: Json, id: string): Json {
  const type = item.type ?? 'message';
  if (type === 'message') return listedMessage(item, id);
  if (type === 'reasoning') return { summary: [], ...item, id };
  // Calls and their outputs say how they ended; one sent back without a status had ended.
  if (typeof type === 'string' && /_call(_output)?$/.test(type))
    return { ...item, id, status: item.status ?? 'completed' };
  return { ...item, id };
}

/**
 * A message as listed: an assistant's is an output message (its text parts `output_text` with their
 * annotations and logprobs), any other an input message; text content given as a string is its one
 * part, and an image part says its detail (`auto` unless the client said).
 */
function listedMessage(item: Json, id: string): Json {
  const assistant = item.role === 'assistant';
  const text = assistant ? 'output_text' : 'input_text';
  const parts = typeof item.content === 'string' ? [{ type: text, text: item.content }] : item.content;
  const content = Array.isArray(parts)
    ? parts.map((part: unknown) => {
        if (!isRecord(part)) return part;
        if (part.type === 'input_text' || part.type === 'output_text')
          return assistant ? { annotations: [], logprobs: [], ...part, type: text } : { ...part, type: text };
        if (part.type === 'input_image') return { detail: 'auto', ...part };
        return part;
      })
    : parts;
  const message: Json = { ...item, type: 'message', id, content };
  if (assistant) message.status = item.status ?? 'completed';
  return message;
}
