// `conversation` on POST /v1/responses: the conversation's items go before the request's input (the
// provider sees them all), and once answered the request's own items and the output are appended to
// it, in order, for JSON and streamed answers alike; never with previous_response_id, nor for another key.
import { describe, expect, it } from 'vitest';
import { claudeAnswering } from '../helpers/claude-turns';
import { answeredJson, createKey, type Json, responses } from '../helpers/gateway';
import { expectOpenAIShape, responseEvents } from '../helpers/openapi';
import { sdkClient } from '../helpers/responses-upstream';
import { recorded } from '../helpers/upstream';

/** The texts the provider was last sent, in order. */
function sentTexts(): string[] {
  const body = recorded.at(-1)?.body as Json;
  return body.messages.flatMap((message: Json) =>
    typeof message.content === 'string'
      ? [message.content]
      : message.content.filter((part: Json) => part.type === 'text').map((part: Json) => part.text),
  );
}

const textOf = (item: Json): string => item.content[0].text;

describe('responses in a conversation', () => {
  it('sends the conversation before the input and appends the turn, for JSON answers', async () => {
    const key = await claudeAnswering();
    const client = sdkClient(key);
    const { id } = await client.conversations.create({
      items: [{ type: 'message', role: 'user', content: 'My name is Ada.' }],
    });
    const first = await answeredJson(
      await responses(key, { model: 'claude', conversation: id, input: 'Remember it.' }),
    );
    expectOpenAIShape('Response', first);
    expect(first).toMatchObject({ conversation: { id }, store: true, previous_response_id: null });
    expect(sentTexts()).toEqual(['My name is Ada.', 'Remember it.']);

    // The object form, through the SDK; the whole conversation goes first.
    const second = await client.responses.create({ model: 'claude', conversation: { id }, input: 'Name?' });
    expect(second.conversation).toEqual({ id });
    expect(sentTexts()).toEqual(['My name is Ada.', 'Remember it.', 'Hello Ada.', 'Name?']);

    const items = await client.conversations.items.list(id, { order: 'asc' });
    expectOpenAIShape(
      'ConversationItemList',
      await (await client.conversations.items.list(id, { order: 'asc' }).asResponse()).json(),
    );
    expect(items.data.map((item) => textOf(item as Json))).toEqual([
      'My name is Ada.',
      'Remember it.',
      'Hello Ada.',
      'Name?',
      'Your name is Ada.',
    ]);
    // Output items keep the ids the answers gave them; an input item the one input_items lists it by.
    expect(items.data[2]?.id).toBe(first.output[0].id);
    const listed = await client.responses.inputItems.list(first.id);
    expect(items.data[1]?.id).toBe(listed.data[0]?.id);
  });

  it('appends a streamed answer once it ends, in order', async () => {
    const key = await claudeAnswering(['Streamed reply.']);
    const client = sdkClient(key);
    const { id } = await client.conversations.create({});
    const answer = await responses(key, {
      model: 'claude',
      conversation: id,
      stream: true,
      input: [{ type: 'message', role: 'user', content: 'Stream please.' }],
    });
    expect(answer.status).toBe(200);
    const events = responseEvents(await answer.text());
    const completed = events.find((event) => event.type === 'response.completed') as Json;
    expect(completed.response.conversation).toEqual({ id });
    expect(events[0]).toMatchObject({ type: 'response.created', response: { conversation: { id } } });
    const items = await client.conversations.items.list(id, { order: 'asc' });
    expect(items.data.map((item) => textOf(item as Json))).toEqual(['Stream please.', 'Streamed reply.']);
    expect(items.data[1]?.id).toBe(completed.response.output[0].id);
  });

  it('refuses conversation with previous_response_id, and one the key may not use', async () => {
    const key = await claudeAnswering();
    const client = sdkClient(key);
    const { id } = await client.conversations.create({});
    const first = await answeredJson(await responses(key, { model: 'claude', input: 'Hi' }));
    const calls = recorded.length;
    const both = await responses(key, {
      model: 'claude',
      conversation: id,
      previous_response_id: first.id,
      input: 'Again',
    });
    expect(both.status).toBe(400);
    expect(((await both.json()) as Json).error).toMatchObject({ param: 'conversation' });

    const other = (await createKey()).key;
    for (const [who, conversation] of [
      [other, id],
      [key, 'conv_nothere'],
      [key, { id: 'conv_nothere' }],
    ] as const) {
      const refused = await responses(who, { model: 'claude', conversation, input: 'Hi' });
      expect(refused.status).toBe(404);
      expect(((await refused.json()) as Json).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'conversation_not_found',
        param: 'conversation',
      });
    }
    const malformed = await responses(key, { model: 'claude', conversation: { name: 'x' }, input: 'Hi' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json).error.param).toMatch(/^conversation/);
    expect(recorded.length).toBe(calls);
  });

  // Appended after the answer, an item whose id the conversation held would have refused the whole
  // turn: the conversation would have silently missed it.
  it('refuses an input item whose id the conversation or the input holds already, before answering', async () => {
    const key = await claudeAnswering();
    const client = sdkClient(key);
    const again = { type: 'message', id: 'msg_held', role: 'user', content: 'Earlier.' };
    // An item with its own id (the SDK's types give an input message none).
    const { id } = await client.conversations.create({ items: [again as never] });
    const calls = recorded.length;
    const fresh = { type: 'message', id: 'msg_new', role: 'user', content: 'Now.' };
    for (const [input, param] of [
      [[fresh, again], 'input[1].id'],
      [[fresh, fresh], 'input[1].id'],
      [[{ ...fresh, id: 'm'.repeat(257) }], 'input[0].id'],
    ] as const) {
      const refused = await responses(key, { model: 'claude', conversation: id, input });
      expect(refused.status).toBe(400);
      const { error } = (await refused.json()) as Json;
      expectOpenAIShape('ErrorResponse', { error });
      expect(error).toMatchObject({ type: 'invalid_request_error', param });
      expect(error.message).toMatch(/Duplicate item found with id msg_(held|new)|at most 256 characters/);
    }
    expect(recorded.length).toBe(calls);
    expect((await client.conversations.items.list(id)).data).toHaveLength(1);
  });

  it('reads but does not extend a conversation with store: false', async () => {
    const key = await claudeAnswering();
    const client = sdkClient(key);
    const { id } = await client.conversations.create({ items: [{ role: 'user', content: 'Earlier.' }] });
    const answer = await answeredJson(
      await responses(key, { model: 'claude', conversation: id, store: false, input: 'Now.' }),
    );
    expect(sentTexts()).toEqual(['Earlier.', 'Now.']);
    expect(answer.store).toBe(false);
    expect(answer.conversation).toBeUndefined();
    expect((await client.conversations.items.list(id)).data).toHaveLength(1);
  });

  it('refuses a zero-retention key naming a conversation', async () => {
    await claudeAnswering();
    const { key, id: keyId } = await createKey({ zdr: true });
    // Made before the key was zero-retention (one cannot make one now).
    const now = Date.now();
    const { env } = await import('cloudflare:workers');
    await env.DB.prepare(
      `INSERT INTO conversations (id, key_id, team_id, created_at, expires_at, metadata) VALUES (?, ?, NULL, ?, ?, '{}')`,
    )
      .bind('conv_zdr', keyId, now, now + 86_400_000)
      .run();
    const refused = await responses(key, { model: 'claude', conversation: 'conv_zdr', input: 'Hi' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json).error).toMatchObject({
      code: 'zdr_store_refused',
      param: 'conversation',
    });
  });
});
