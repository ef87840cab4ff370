// OpenAI's Conversations API: POST /v1/conversations creates one (with up to 20 items), GET / POST /
// DELETE /v1/conversations/{id} read, update (metadata) and delete it; …/items adds items (POST) or
// lists a page of them (GET, input-items.ts's paging), …/items/{item_id} reads or deletes one. A
// conversation is its key's alone: another key's, expired, deleted or never made is one 404
// (`conversation_not_found`). Kept as stored responses are (src/conversations-store/): for
// `responses.storeDays`, never for a zero-retention key. POST /v1/responses with `conversation`
// reads and extends it (src/responses-store/continuation.ts, keeping.ts). Writes (POST) are admitted
// as model requests are, counting against the key's RPM and TPM (conversation-writes.ts); reads and
// deletions are not, as GET /v1/models is not: they check the key only (limits/usable-key.ts).
import { type Context, Hono } from 'hono';
import * as z from 'zod';
import { randomId } from '../auth/gateway-key';
import type { GatewayConfig } from '../config/schema';
import { getRuntime } from '../config/store';
import { deleteConversation, deleteItem } from '../conversations-store/deletion';
import { itemsTokens } from '../conversations-store/item-tokens';
import { itemList, newItem, requestItems } from '../conversations-store/items';
import { conversationPage } from '../conversations-store/page';
import { conversationItem } from '../conversations-store/read';
import {
  appendItems,
  conversationNotFound,
  conversationOf,
  createStatements,
  noConversationsKept,
  updateMetadata,
} from '../conversations-store/store';
import type { AppEnv } from '../env';
import { GatewayError, invalidRequest, zdrStoreRefused } from '../errors';
import type { Admission } from '../limits/admission';
import { usableKey } from '../limits/usable-key';
import { checkIncludeQuery, INCLUDE } from '../openai/includable';
import { readJsonBody, validateBody } from '../openai/read-body';
import { metadataSchema } from '../openai/responses-schema';
import { readBound, STORED_READ_PER_LIMIT } from '../responses-store/continuation';
import { queried, quotedId } from '../responses-store/store';
import { rejectUnknown } from './admin/query-params';
import { admittedWrite } from './conversation-writes';
import { pageQueryOf } from './responses-stored';

const created = z.strictObject({ items: itemList.nullish(), metadata: metadataSchema.nullish() });
const updated = z.strictObject({ metadata: metadataSchema });
const added = z.strictObject({ items: itemList.min(1) });

export const conversations = new Hono<AppEnv>()
  .post('/', async (c) => {
    noQuery(c);
    const { config } = await getRuntime(c.env, c.executionCtx);
    const body = validateBody(created, await readJsonBody(c.req.raw, config.limits.maxBodyBytes, {}));
    const asked = requestItems(body.items ?? []);
    const items = asked.map((item) => newItem(item));
    const tokens = itemsTokens(asked, config.limits.fileIdTokens);
    return admittedWrite(c, config.limits, tokens, async (admitted) => {
      const { key } = keeping(admitted, config);
      const now = Date.now();
      const row = { id: randomId('conv'), keyId: key.id, teamId: key.teamId, metadata: body.metadata ?? {} };
      await queried(() =>
        c.env.DB.batch(createStatements(c.env.DB, row, items, now, config.responses.storeDays)),
      );
      return c.json({
        id: row.id,
        object: 'conversation',
        created_at: Math.floor(now / 1000),
        metadata: row.metadata,
      });
    });
  })
  .get('/:id', async (c) => {
    noQuery(c);
    const id = c.req.param('id');
    const { policy } = await usableKey(c);
    const conversation = await conversationOf(c.env.DB, id, { keyId: policy.id }, Date.now());
    if (!conversation) throw conversationNotFound(id);
    return c.json(conversation);
  })
  .post('/:id', async (c) => {
    noQuery(c);
    const id = c.req.param('id');
    const { config } = await getRuntime(c.env, c.executionCtx);
    const body = validateBody(updated, await readJsonBody(c.req.raw, config.limits.maxBodyBytes));
    // Metadata (16 short pairs at most) is never a model's input: a request, no tokens.
    return admittedWrite(c, config.limits, 0, async ({ key }) => {
      const conversation = await updateMetadata(c.env.DB, id, key.id, body.metadata, Date.now());
      if (!conversation) throw conversationNotFound(id);
      return c.json(conversation);
    });
  })
  .delete('/:id', async (c) => {
    noQuery(c);
    const id = c.req.param('id');
    const { policy } = await usableKey(c);
    if (!(await deleteConversation(c.env.DB, id, policy.id, Date.now()))) throw conversationNotFound(id);
    return c.json({ id, object: 'conversation.deleted', deleted: true });
  })
  .post('/:id/items', async (c) => {
    onlyInclude(c);
    const id = c.req.param('id');
    const { config } = await getRuntime(c.env, c.executionCtx);
    const body = validateBody(added, await readJsonBody(c.req.raw, config.limits.maxBodyBytes));
    const asked = requestItems(body.items);
    const items = asked.map((item) => newItem(item));
    const tokens = itemsTokens(asked, config.limits.fileIdTokens);
    return admittedWrite(c, config.limits, tokens, async (admitted) => {
      const { key } = keeping(admitted, config);
      const db = c.env.DB;
      const outcome = await queried(() =>
        appendItems(db, id, key.id, items, Date.now(), config.responses.storeDays),
      );
      if (outcome === 'missing') throw conversationNotFound(id);
      if (outcome === 'duplicate')
        throw invalidRequest(
          "An item of 'items' has an id the conversation holds already. Remove duplicate items and try again.",
          'items',
        );
      const data = items.map(({ item }) => item);
      return c.json({
        object: 'list',
        data,
        first_id: items[0]?.id,
        last_id: items.at(-1)?.id,
        has_more: false,
      });
    });
  })
  .get('/:id/items', async (c) => {
    const id = c.req.param('id');
    const query = pageQueryOf(c.req.queries());
    const { policy } = await usableKey(c);
    const limit = (await getRuntime(c.env, c.executionCtx)).config.limits.maxBodyBytes;
    const bound = readBound(limit, () => conversationTooLarge(id, limit));
    const page = await conversationPage(c.env.DB, id, { keyId: policy.id }, Date.now(), query, bound);
    if (!page) throw conversationNotFound(id);
    return c.json(page);
  })
  .get('/:id/items/:itemId', async (c) => {
    onlyInclude(c);
    const { id, itemId } = c.req.param();
    const { policy } = await usableKey(c);
    const now = Date.now();
    const item = await conversationItem(c.env.DB, id, itemId, { keyId: policy.id }, now);
    if (item) return c.json(item);
    if (!(await conversationOf(c.env.DB, id, { keyId: policy.id }, now))) throw conversationNotFound(id);
    throw itemNotFound(itemId);
  })
  .delete('/:id/items/:itemId', async (c) => {
    noQuery(c);
    const { id, itemId } = c.req.param();
    const { policy } = await usableKey(c);
    const now = Date.now();
    const deleted = await deleteItem(c.env.DB, id, itemId, policy.id, now);
    const conversation = await conversationOf(c.env.DB, id, { keyId: policy.id }, now);
    if (!conversation) throw conversationNotFound(id);
    if (!deleted) throw itemNotFound(itemId);
    return c.json(conversation);
  });

/**
 * The admission of a request that adds to a conversation, refused when the key or its team is
 * zero-retention (it keeps nothing, as it stores no response), or the deployment keeps none.
 */
function keeping(admitted: Admission, config: GatewayConfig): Admission {
  if (admitted.zdr) throw zdrStoreRefused('conversation');
  if (config.responses.storeDays === 0) throw noConversationsKept();
  return admitted;
}

function noQuery(c: Context<AppEnv>): void {
  rejectUnknown(c.req.query(), []);
}

/** Only `include`, of OpenAI's values: items are listed as stored, holding what their answers had. */
function onlyInclude(c: Context<AppEnv>): void {
  rejectUnknown(c.req.query(), INCLUDE);
  checkIncludeQuery(c.req.queries());
}

const itemNotFound = (id: string) =>
  new GatewayError(404, 'invalid_request_error', null, `Item with id '${quotedId(id)}' not found.`);

/** An item past what one read takes (continuation.ts readBound), alone on its page. */
const conversationTooLarge = (id: string, limit: number) =>
  new GatewayError(
    400,
    'invalid_request_error',
    'conversation_too_large',
    `An item of the conversation '${quotedId(id)}' is larger than the gateway reads at once (${STORED_READ_PER_LIMIT} times limits.maxBodyBytes, ${limit} bytes).`,
  );
