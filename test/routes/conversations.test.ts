// OpenAI's Conversations API (/v1/conversations): created, read, updated, deleted, its items added,
// listed by page, read and deleted, through the OpenAI SDK and by hand; a conversation is its key's
// alone, refused to a zero-retention key, validated as OpenAI's is, and swept once expired.
import { createExecutionContext, createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sweepExpiredConversations } from '../../src/conversations-store/retention';
import worker from '../../src/index';
import { call, createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { sdkClient } from '../helpers/responses-upstream';

async function setup(extra: Json = {}) {
  const response = await putConfig({ providers: { mock: { type: 'mock' } }, ...extra });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

function conversations(key: string, path: string, method = 'GET', body?: unknown): Promise<Response> {
  return call(`/v1/conversations${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const say = (content: string) => ({ type: 'message' as const, role: 'user' as const, content });

describe('conversations', () => {
  it('creates, reads, updates and deletes a conversation through the OpenAI SDK', async () => {
    const client = sdkClient(await setup());
    const made = await client.conversations.create({ metadata: { topic: 'demo' }, items: [say('Hi')] });
    expect(made).toMatchObject({ object: 'conversation', metadata: { topic: 'demo' } });
    expect(made.id).toMatch(/^conv_/);
    expect(Math.abs(made.created_at - Date.now() / 1000)).toBeLessThan(5);
    expectOpenAIShape('ConversationResource', made);

    expect(await client.conversations.retrieve(made.id)).toEqual(made);
    const updated = await client.conversations.update(made.id, { metadata: { topic: 'other' } });
    expect(updated).toEqual({ ...made, metadata: { topic: 'other' } });

    const items = await client.conversations.items.list(made.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_text', text: 'Hi' }],
    });
    expectOpenAIShape('ConversationItem', items.data[0]);

    const deleted = await client.conversations.delete(made.id);
    expectOpenAIShape('DeletedConversationResource', deleted);
    expect(deleted).toEqual({
      id: made.id,
      object: 'conversation.deleted',
      deleted: true,
    });
    await expect(client.conversations.retrieve(made.id)).rejects.toMatchObject({ status: 404 });
    const rows = await env.DB.prepare(
      'SELECT COUNT(*) AS n FROM conversation_items WHERE conversation_id = ?',
    )
      .bind(made.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('adds items in order, lists them by page both ways, reads and deletes one', async () => {
    const client = sdkClient(await setup());
    const { id } = await client.conversations.create({});
    const added = await client.conversations.items.create(id, {
      items: [
        say('one'),
        say('two'),
        { type: 'message' as const, role: 'assistant' as const, content: 'three' },
      ],
    });
    expect(added).toMatchObject({ object: 'list', has_more: false });
    expect(added.data).toHaveLength(3);
    expect(added.first_id).toBe(added.data[0]?.id);
    expect(added.last_id).toBe(added.data[2]?.id);
    await client.conversations.items.create(id, { items: [{ ...say('four'), id: 'msg_mine' } as never] });

    const texts = (page: { data: Json[] }) => page.data.map((item) => item.content[0].text);
    const newest = await client.conversations.items.list(id, { limit: 2 });
    expect(texts(newest)).toEqual(['four', 'three']);
    expect(newest.has_more).toBe(true);
    const rest = await client.conversations.items.list(id, { limit: 2, after: newest.data[1]!.id });
    expect(texts(rest)).toEqual(['two', 'one']);
    expect(rest.has_more).toBe(false);
    const all: string[] = [];
    for await (const item of client.conversations.items.list(id, { order: 'asc', limit: 1 }))
      all.push((item as Json).content[0].text);
    expect(all).toEqual(['one', 'two', 'three', 'four']);

    const mine = await client.conversations.items.retrieve('msg_mine', { conversation_id: id });
    expect(mine).toMatchObject({ id: 'msg_mine', content: [{ text: 'four' }] });
    const after = await client.conversations.items.delete('msg_mine', { conversation_id: id });
    expect(after).toMatchObject({ id, object: 'conversation' });
    await expect(
      client.conversations.items.retrieve('msg_mine', { conversation_id: id }),
    ).rejects.toMatchObject({ status: 404 });
    // An item added after a deletion still goes last.
    await client.conversations.items.create(id, { items: [say('five')] });
    const listed = await client.conversations.items.list(id, { order: 'asc' });
    expect(texts(listed)).toEqual(['one', 'two', 'three', 'five']);
  });

  it("answers another key's conversation as one that does not exist", async () => {
    const owner = await setup();
    const other = (await createKey()).key;
    const { id } = await sdkClient(owner).conversations.create({ items: [say('secret')] });
    const item = (await sdkClient(owner).conversations.items.list(id)).data[0]!.id;
    const missing = await conversations(other, '/conv_nothere');
    const missingBody = (await missing.json()) as Json;
    for (const [path, method, body] of [
      [`/${id}`, 'GET'],
      [`/${id}`, 'POST', { metadata: {} }],
      [`/${id}`, 'DELETE'],
      [`/${id}/items`, 'GET'],
      [`/${id}/items`, 'POST', { items: [say('x')] }],
      [`/${id}/items/${item}`, 'GET'],
      [`/${id}/items/${item}`, 'DELETE'],
    ] as const) {
      const answer = await conversations(other, path, method, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      const error = ((await answer.json()) as Json).error;
      expect(error).toMatchObject({
        type: 'invalid_request_error',
        code: 'conversation_not_found',
        param: null,
      });
      expect(error.message).toBe(missingBody.error.message.replace('conv_nothere', id));
    }
    // Still the owner's, untouched.
    expect((await sdkClient(owner).conversations.items.list(id)).data).toHaveLength(1);
  });

  it("never writes parts into another key's conversation, nor says which of its item ids are there", async () => {
    const owner = await setup();
    const other = (await createKey()).key;
    const big = 'x'.repeat(400_000);
    const { id } = await sdkClient(owner).conversations.create({
      items: [
        { ...say(big), id: 'msg_big' },
        { ...say('small'), id: 'msg_small' },
      ] as never,
    });
    const parts = async () =>
      (
        await env.DB.prepare('SELECT COUNT(*) AS n FROM conversation_item_parts WHERE conversation_id = ?')
          .bind(id)
          .first<{ n: number }>()
      )?.n;
    const before = await parts();
    for (const itemId of ['msg_big', 'msg_small']) {
      const answer = await conversations(other, `/${id}/items`, 'POST', {
        items: [{ ...say(big), id: itemId }],
      });
      expect(answer.status, itemId).toBe(404);
      expect(((await answer.json()) as Json).error).toMatchObject({ code: 'conversation_not_found' });
    }
    expect(await parts()).toBe(before);
  });

  it('refuses bad bodies and queries with a 400 naming the parameter', async () => {
    const key = await setup();
    const { id } = await sdkClient(key).conversations.create({});
    const tooMany = Array.from({ length: 21 }, (_, index) => say(`m${index}`));
    const metadata17 = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    for (const [path, method, body, param] of [
      ['', 'POST', { items: tooMany }, 'items'],
      ['', 'POST', { metadata: metadata17 }, 'metadata'],
      ['', 'POST', { metadata: { a: 1 } }, 'metadata'],
      ['', 'POST', { metadata: { ['k'.repeat(65)]: 'v' } }, 'metadata'],
      ['', 'POST', { title: 'x' }, null],
      ['', 'POST', { items: [{ type: 'web_search_call', id: 'ws_1' }] }, 'items[0].type'],
      ['', 'POST', { items: [{ type: 'message', role: 'user', content: 5 }] }, 'items[0].content'],
      [
        '',
        'POST',
        {
          items: [
            { ...say('a'), id: 'x' },
            { ...say('b'), id: 'x' },
          ],
        },
        'items[1].id',
      ],
      ['', 'POST', { items: [{ ...say('a'), id: 'm'.repeat(257) }] }, 'items[0].id'],
      [`/${id}`, 'POST', {}, 'metadata'],
      [`/${id}/items`, 'POST', { items: [] }, 'items'],
      [`/${id}/items?limit=0`, 'GET', undefined, 'limit'],
      [`/${id}/items?order=up`, 'GET', undefined, 'order'],
      [`/${id}/items?after=nope`, 'GET', undefined, 'after'],
      [`/${id}/items?colour=red`, 'GET', undefined, 'colour'],
      [`/${id}?x=1`, 'GET', undefined, 'x'],
    ] as const) {
      const answer = await conversations(key, path, method, body);
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      const error = ((await answer.json()) as Json).error;
      expect(error.type).toBe('invalid_request_error');
      if (param !== null) expect(error.param, JSON.stringify(body)).toBe(param);
    }
    const dup = await conversations(key, `/${id}/items`, 'POST', { items: [{ ...say('a'), id: 'msg_a' }] });
    expect(dup.status).toBe(200);
    const again = await conversations(key, `/${id}/items`, 'POST', { items: [{ ...say('b'), id: 'msg_a' }] });
    expect(again.status).toBe(400);
    expect(((await again.json()) as Json).error.param).toBe('items');
  });

  it('creates none for a zero-retention key, nor where responses.storeDays is 0', async () => {
    await setup();
    const { key } = await createKey({ zdr: true });
    const refused = await conversations(key, '', 'POST', {});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json).error).toMatchObject({
      code: 'zdr_store_refused',
      param: 'conversation',
    });
    // One made before the config kept none: read still, never added to, by hand or by a response.
    const before = await setup();
    const { id } = await sdkClient(before).conversations.create({ items: [say('kept')] });
    await setup({ responses: { storeDays: 0 } });
    expect((await conversations(before, '', 'POST', {})).status).toBe(400);
    expect((await conversations(before, `/${id}/items`, 'POST', { items: [say('more')] })).status).toBe(400);
    const named = await call('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${before}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/m', conversation: id, input: 'Hi' }),
    });
    expect(named.status).toBe(400);
    expect(((await named.json()) as Json).error).toMatchObject({
      type: 'invalid_request_error',
      param: 'conversation',
    });
    const items = await conversations(before, `/${id}/items`);
    expect(((await items.json()) as Json).data).toHaveLength(1);
  });

  it('sweeps expired conversations with their items and parts', async () => {
    const key = await setup();
    const big = 'x'.repeat(700_000);
    const client = sdkClient(key);
    const kept = await client.conversations.create({ items: [say('keep')] });
    const gone = await client.conversations.create({ items: [say(big), say('small')] });
    const count = async (table: string, id: string) =>
      (
        await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE conversation_id = ?`)
          .bind(id)
          .first<{ n: number }>()
      )?.n;
    expect(await count('conversation_item_parts', gone.id)).toBe(3);
    // A large item is stored in parts and read back whole.
    const read = await client.conversations.items.list(gone.id, { order: 'asc' });
    expect((read.data[0] as Json).content[0].text).toBe(big);

    await env.DB.prepare('UPDATE conversations SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, gone.id)
      .run();
    await expect(client.conversations.retrieve(gone.id)).rejects.toMatchObject({ status: 404 });
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: '7 * * * *' }),
      env,
      createExecutionContext(),
    );
    expect(await count('conversation_items', gone.id)).toBe(0);
    expect(await count('conversation_item_parts', gone.id)).toBe(0);
    expect(await count('conversation_items', kept.id)).toBe(1);
    expect((await client.conversations.retrieve(kept.id)).id).toBe(kept.id);
  });

  it('sweeps round after round, each expired conversation with its items, none live', async () => {
    const key = await setup();
    const client = sdkClient(key);
    const live = await client.conversations.create({ items: [say('live')] });
    const ids: string[] = [];
    for (const text of ['a', 'b', 'c'])
      ids.push((await client.conversations.create({ items: [say(text)] })).id);
    const now = Date.now();
    for (const id of ids)
      await env.DB.prepare('UPDATE conversations SET expires_at = ? WHERE id = ?')
        .bind(now - 1, id)
        .run();
    // One conversation a round: three rounds, and a fourth that finds none.
    expect(await sweepExpiredConversations(env, now, 1)).toBe(3);
    const left = await env.DB.prepare(
      'SELECT COUNT(*) AS n FROM conversation_items WHERE conversation_id IN (SELECT value FROM json_each(?))',
    )
      .bind(JSON.stringify(ids))
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect((await client.conversations.items.list(live.id)).data).toHaveLength(1);
  });

  it('lists a conversation larger than four times maxBodyBytes page by page, each page within it', async () => {
    const key = await setup({ limits: { maxBodyBytes: 1024 } });
    const { id } = await sdkClient(key).conversations.create({});
    const texts: string[] = [];
    for (let index = 0; index < 12; index++) {
      texts.push(`${index}`.padEnd(600, '.'));
      const added = await conversations(key, `/${id}/items`, 'POST', { items: [say(texts[index]!)] });
      expect(added.status, await added.clone().text()).toBe(200);
    }
    // 12 items of 600 characters and more: past the 4,096 one read holds, yet every page fits it.
    const listed: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 12; page++) {
      const query = after === undefined ? '?order=asc' : `?order=asc&after=${after}`;
      const answer = await conversations(key, `/${id}/items${query}`);
      expect(answer.status, await answer.clone().text()).toBe(200);
      const body = (await answer.json()) as Json;
      expectOpenAIShape('ConversationItemList', body);
      expect(body.data.length).toBeLessThanOrEqual(6);
      listed.push(...body.data.map((item: Json) => item.content[0].text));
      if (!body.has_more) break;
      after = body.last_id;
    }
    expect(listed).toEqual(texts);
    const newest = (await (await conversations(key, `/${id}/items?limit=2`)).json()) as Json;
    expect(newest.data.map((item: Json) => item.content[0].text)).toEqual([texts[11], texts[10]]);
    expect(newest.has_more).toBe(true);

    // An item larger than one read holds is refused, not read.
    await env.DB.prepare('UPDATE conversation_items SET size = ? WHERE conversation_id = ? AND seq = 1')
      .bind(4 * 1024 + 1, id)
      .run();
    const refused = await conversations(key, `/${id}/items?order=asc`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error).toMatchObject({ code: 'conversation_too_large' });
  });
});
