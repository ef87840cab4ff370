// GET /v1/responses/{id} — a response the key stored (POST /v1/responses, store true or absent), as
// it was answered; DELETE /v1/responses/{id} — removes it (deletion.ts), answering OpenAI's deleted
// shape; GET /v1/responses/{id}/input_items — a page of the input it answered (input-items.ts);
// POST /v1/responses/{id}/cancel — refused as OpenAI refuses a response not run in the background.
// Only the key that stored a response sees it: another key's, expired, deleted or never stored is one 404.
import { type Context, Hono } from 'hono';
import { getRuntime } from '../config/store';
import type { AppEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import { usableKey } from '../limits/usable-key';
import { checkIncludeQuery, INCLUDE } from '../openai/includable';
import { checked } from '../openai/read-body';
import { chainOf } from '../responses-store/chain';
import { readBound, STORED_READ_PER_LIMIT } from '../responses-store/continuation';
import { deleteResponseOfKey } from '../responses-store/deletion';
import { inputItemsPage, type PageQuery, pageQuery } from '../responses-store/input-items';
import { quotedId, responsesOf, type StoredResponse } from '../responses-store/store';
import { flag, rejectRepeated, rejectUnknown } from './admin/query-params';

export const storedResponses = new Hono<AppEnv>()
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    // OpenAI streams again only a background response's events. Answered here as JSON, the SDK's
    // `retrieve(id, { stream: true })` would read it as an event stream holding no event at all.
    if (flag(c.req.query('stream'), 'stream'))
      throw invalidRequest(
        "'stream' is not supported: a stored response is read whole (the gateway runs no background responses); retrieve it without 'stream'.",
        'stream',
        'unsupported_parameter',
      );
    // Stored as answered, its items hold what `include` asks for where the answer had it.
    checkIncludeQuery(c.req.queries());
    return c.json((await storedOfKey(c, id)).response);
  })
  .delete('/:id', async (c) => {
    const id = c.req.param('id');
    const { policy } = await usableKey(c);
    if (!(await deleteResponseOfKey(c.env.DB, id, policy.id, Date.now()))) throw responseNotFound(id);
    return c.json({ id, object: 'response', deleted: true });
  })
  .get('/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const query = pageQueryOf(c.req.queries());
    const { policy } = await usableKey(c);
    // Its conversation whole, or not found (chain.ts): a list never silently misses earlier turns.
    const limit = (await getRuntime(c.env, c.executionCtx)).config.limits.maxBodyBytes;
    const bound = readBound(limit, () => conversationTooLarge(id, limit));
    const chain = await chainOf(c.env.DB, id, { keyId: policy.id }, Date.now(), bound);
    if (!chain) throw responseNotFound(id);
    return c.json(inputItemsPage(chain, query));
  })
  .post('/:id/cancel', async (c) => {
    await storedOfKey(c, c.req.param('id'));
    // OpenAI cancels only a response created with background: true; every answer here was whole
    // before its id could be named, so a stored one is never cancellable (a 400, not an unknown route).
    throw invalidRequest(
      'Only responses created with background: true can be cancelled; the gateway runs no background responses.',
    );
  });

/** Response `id` as the asking key stored it, else the one 404 of a response it may not read. */
async function storedOfKey(c: Context<AppEnv>, id: string): Promise<StoredResponse> {
  const { policy } = await usableKey(c);
  const stored = (await responsesOf(c.env.DB, [id], { keyId: policy.id }, Date.now())).get(id);
  if (!stored) throw responseNotFound(id);
  return stored;
}

/** A conversation past what one read takes (continuation.ts readBound): a turn in it is too large. */
const conversationTooLarge = (id: string, limit: number) =>
  new GatewayError(
    400,
    'invalid_request_error',
    'conversation_too_large',
    `The conversation of response '${quotedId(id)}' is larger than the gateway reads at once (${STORED_READ_PER_LIMIT} times limits.maxBodyBytes, ${limit} bytes).`,
  );

const responseNotFound = (id: string) =>
  new GatewayError(404, 'invalid_request_error', null, `Response with id '${quotedId(id)}' not found.`);

/** The page a list request asks for; a parameter unknown, repeated or out of range is a 400 naming it. */
export function pageQueryOf(queries: Record<string, string[]>): PageQuery {
  const first = Object.fromEntries(Object.entries(queries).map(([name, values]) => [name, values[0] ?? '']));
  rejectUnknown(first, ['limit', 'order', 'after', ...INCLUDE]);
  rejectRepeated(Object.fromEntries(Object.entries(queries).filter(([name]) => !INCLUDE.includes(name))));
  // Items are listed as stored: what `include` asks for is there where the answer had it.
  checkIncludeQuery(queries);
  return checked(pageQuery, first, []);
}
