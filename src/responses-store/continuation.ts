// `previous_response_id` on POST /v1/responses: the stored response's conversation — each response
// of its chain, first to last, its own input items then its output items (chain.ts) — goes before
// the request's own input, before the body is translated. So the estimate, budgets, TPM, guardrails,
// the cache and the provider all see the whole conversation, as OpenAI's model does. Its
// `instructions` are not carried over: OpenAI documents that "the instructions from a previous
// response will not be carried over to the next response"; the request's own, if any, apply. Item references in the
// input (references.ts) are resolved here too, for the same reason. A request with OpenAI's hosted
// tools, sent to OpenAI as it is, gets the items so read as OpenAI takes them (hosted-items.ts).
import type { Context } from 'hono';
import * as z from 'zod';
import type { GatewayConfig } from '../config/schema';
import { noteItemId } from '../conversations-store/items';
import { conversationItems } from '../conversations-store/read';
import { conversationNotFound, noConversationsKept } from '../conversations-store/store';
import type { AppEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import { isRecord } from '../json-record';
import { assertUsable, unavailable } from '../limits/refusal';
import { keyStub } from '../limits/stubs';
import { namesHostedTool } from '../openai/hosted-tools';
import { checked } from '../openai/read-body';
import { chainOf, conversation } from './chain';
import { hostedItem } from './hosted-items';
import { STORED } from './item-positions';
import { isItemReference, withReferencedItems } from './references';
import { quotedId, type ReadBound } from './store';

type Json = Record<string, unknown>;

/**
 * `body` with its item references (references.ts) and previous_response_id resolved into its input;
 * `body` itself when it has neither, or sends an input of a type the schema refuses (it will,
 * naming the field). Reads D1 only when the body names a previous response or references an item.
 */
export async function withStoredItems(
  c: Context<AppEnv>,
  body: unknown,
  config: GatewayConfig,
): Promise<unknown> {
  if (!isRecord(body)) return body;
  const own = inputItems(body.input);
  if (!own) return body;
  const id = body.previous_response_id;
  const continues = typeof id === 'string' && id !== '';
  const named = namedConversation(body, continues, config);
  const referenced = own.map(isItemReference);
  const references = referenced.includes(true);
  if (!continues && !references && named === undefined) return body;
  // A reference not found, like an id, first answers the key's own refusal if it has one.
  const limit = config.limits.maxBodyBytes;
  const input = references
    ? await withReferencedItems(c, own, readBound(limit)).catch(async (error: unknown) => {
        await assertKeyUsable(c);
        throw error;
      })
    : own;
  let earlier: Json[] = [];
  let rest: Json = body;
  if (continues) {
    const chain = await chainOf(c.env.DB, id, { keyHash: c.get('keyHash') }, Date.now(), readBound(limit));
    if (!chain) {
      await assertKeyUsable(c);
      throw previousResponseNotFound(id);
    }
    earlier = conversation(chain);
    // Stored, this request's row holds what follows these items (keeping.ts).
    c.set('continued', { id, items: earlier.length });
    const { previous_response_id: _resolved, ...others } = body;
    rest = others;
  }
  if (named !== undefined) {
    const read = await conversationItems(
      c.env.DB,
      named,
      { keyHash: c.get('keyHash') },
      Date.now(),
      readBound(limit),
    );
    if (!read) {
      await assertKeyUsable(c);
      throw conversationNotFound(named, 'conversation');
    }
    earlier = read.items;
    refuseDuplicates(earlier, input);
    // This request's own items (after these) and its output are appended once answered (keeping.ts).
    c.set('conversation', { id: named, items: earlier.length });
    rest = { ...body, conversation: { id: named } };
  }
  const resolved = checkedResolution({ ...rest, input: [...earlier, ...input] }, config);
  // To OpenAI as it is (hosted tools), the items read here go as OpenAI takes them (hosted-items.ts);
  // the client's own as it sent them. Its answer is not stored (the route keeps none of OpenAI's),
  // so nothing reads `continued` of it. Each item sent notes where it came from (item-positions.ts).
  const read = namesHostedTool(body.tools) ? hostedItem : (item: Json) => [item];
  const positions: number[] = [];
  const placed = (items: Json[], position: number) => {
    for (const _ of items) positions.push(position);
    return items;
  };
  const sent = [
    ...earlier.flatMap((item) => placed(read(item), STORED)),
    ...input.flatMap((item, index) => placed(referenced[index] ? read(item) : [item], index)),
  ];
  c.set('inputPositions', positions);
  return { ...resolved, input: sent };
}

/**
 * The id of the conversation `body` names (`conversation`: its id, or `{id}`), if it names one. Not
 * with previous_response_id (OpenAI refuses the two together), nor with OpenAI's hosted tools: such
 * a request goes to OpenAI as it is and its answer is not the gateway's to append; nor where the
 * config keeps no conversations.
 */
function namedConversation(body: Json, continues: boolean, config: GatewayConfig): string | undefined {
  const named = checked(conversationParam, body.conversation, ['conversation']);
  if (named == null) return undefined;
  if (config.responses.storeDays === 0) throw noConversationsKept('conversation');
  if (continues)
    throw invalidRequest(
      "Mutually exclusive parameters: send either 'previous_response_id' or 'conversation', not both.",
      'conversation',
    );
  if (namesHostedTool(body.tools))
    throw invalidRequest(
      "'conversation' is not supported with OpenAI's hosted tools: their answer is OpenAI's own, relayed, and not appended; send the conversation in 'input' or use 'previous_response_id'.",
      'conversation',
      'unsupported_parameter',
    );
  return typeof named === 'string' ? named : named.id;
}

/**
 * Refuses an input item whose id the conversation holds already, or another item of the input does,
 * as OpenAI does: appended after the answer, the unique id would refuse the whole turn, so the
 * conversation would silently miss it.
 */
function refuseDuplicates(held: readonly Json[], input: readonly Json[]): void {
  const ids = new Set(held.map((item) => item.id));
  for (const [index, item] of input.entries()) noteItemId(ids, item, `input[${index}].id`);
}

const conversationParam = z
  .union([z.string().min(1), z.looseObject({ id: z.string().min(1) })], {
    error: "expected a conversation's id, or an object with its 'id'",
  })
  .nullish();

/**
 * `resolved` once its items are known to fit: a request's stored items are read from D1, so a
 * short body could otherwise name far more than it may send — the same large item referenced
 * thousands of times, or a conversation grown past what fits in a Worker's memory — and is held
 * to the body limit, as JSON, as if it had sent them. And no item id twice: OpenAI refuses an input
 * repeating an item (one a reference or the previous response holds already), and a stored
 * conversation listing an id twice could not be paged by `after` (input-items.ts).
 */
function checkedResolution(resolved: Json & { input: Json[] }, config: GatewayConfig): Json {
  const seen = new Set<string>();
  for (const item of resolved.input) {
    // One not an object (`null`…) the translation refuses, naming it.
    if (!isRecord(item) || typeof item.id !== 'string' || item.id === '') continue;
    if (seen.has(item.id))
      throw invalidRequest(
        `Duplicate item found with id ${item.id}. Remove duplicate items from your input and try again.`,
        'input',
      );
    seen.add(item.id);
  }
  const limit = config.limits.maxBodyBytes;
  if (JSON.stringify(resolved).length > limit) throw tooLargeResolution(limit);
  return resolved;
}

const tooLargeResolution = (limit: number) =>
  new GatewayError(
    413,
    'invalid_request_error',
    'request_too_large',
    `The request, with the stored items it names (previous_response_id, conversation, item references), is larger than the limit of ${limit} bytes.`,
    'input',
  );

/**
 * What the stored rows a request names may hold together (their items: `size`, store.ts): more than
 * the request may send — a reference reads its response's row whole for one item of it (the AI SDK
 * references an item of each earlier turn), and a row written before migration 0013 counts its whole
 * JSON — yet bounded, so that no request brings more into memory than a Worker has. The resolved
 * request is then held to the limit itself (checkedResolution).
 */
export const readBound = (limit: number, tooLarge = () => tooLargeResolution(limit)): ReadBound => ({
  chars: STORED_READ_PER_LIMIT * limit,
  tooLarge,
});

/** The bound on a read of stored rows, in characters, per byte of limits.maxBodyBytes. */
export const STORED_READ_PER_LIMIT = 4;

/**
 * Stored items are read before admission: a key its object does not know (or revoked, expired, past
 * a rotation's grace) gets the 401 it gets without them, not a 400 or 404 for what it named.
 */
async function assertKeyUsable(c: Context<AppEnv>): Promise<void> {
  const read = await keyStub(c.env, c.get('keyHash'))
    .readPolicy()
    .catch((error: unknown) => {
      throw unavailable(error);
    });
  assertUsable(read, 'key', Date.now());
}

/** A request's input as a list of items: a string is one user message (as OpenAI takes it). */
export function inputItems(input: unknown): Json[] | undefined {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? (input as Json[]) : undefined;
}

/**
 * OpenAI's answer to an id it does not know (or keeps for another organization): 400, this code and
 * these words. A response of another key, expired, deleted or never stored answers the same, so
 * that an id tells nothing of whose it is; so does one whose conversation misses a response.
 */
export const previousResponseNotFound = (id: string) =>
  new GatewayError(
    400,
    'invalid_request_error',
    'previous_response_not_found',
    `Previous response with id '${quotedId(id)}' not found.`,
    'previous_response_id',
  );
