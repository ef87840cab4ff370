// An `item_reference` on POST /v1/responses naming an item a client added to one of its conversations by
// hand (POST /v1/conversations, …/items), which no stored response holds: resolved for the key whose
// conversation it is, and for any other key, or once expired or deleted, the one 404 of an unknown item.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { claudeAnswering } from '../helpers/claude-turns';
import { answeredJson, createKey, type Json, responses } from '../helpers/gateway';
import { expectItemNotFound } from '../helpers/item-not-found';
import { expectOpenAIShape } from '../helpers/openapi';
import { sdkClient } from '../helpers/responses-upstream';
import { recorded } from '../helpers/upstream';

const ref = (id: string) => ({ type: 'item_reference', id });
const say = (content: string, role: 'user' | 'assistant' = 'user') => ({
  type: 'message' as const,
  role,
  content,
});

describe("item references to a conversation's items", () => {
  it('resolves an item added to a conversation by hand, its own id or the one it was given', async () => {
    const key = await claudeAnswering(['Hello Ada.']);
    const client = sdkClient(key);
    const { id } = await client.conversations.create({ items: [say('My name is Ada.')] });
    await client.conversations.items.create(id, {
      items: [{ ...say('Noted.', 'assistant'), id: 'msg_own' }],
    });
    const given = (await client.conversations.items.list(id, { order: 'asc' })).data[0]!.id!;
    expect(given).toMatch(/^msg_/);

    const answer = await answeredJson(
      await responses(key, {
        model: 'claude',
        input: [ref(given), ref('msg_own'), { role: 'user', content: 'What is my name?' }],
      }),
    );
    expectOpenAIShape('Response', answer);
    expect((recorded[0]!.body as Json).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Noted.' }] },
      { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
    ]);
    // Stored with the ids they were referenced by, as the response's input lists them.
    const listed = await client.responses.inputItems.list(answer.id, { order: 'asc' });
    expect(listed.data.map((item) => item.id).slice(0, 2)).toEqual([given, 'msg_own']);
  });

  it("answers another key's, an expired or a deleted item as an unknown one, before any provider", async () => {
    const key = await claudeAnswering();
    const client = sdkClient(key);
    const { id } = await client.conversations.create({ items: [{ ...say('Secret.'), id: 'msg_mine' }] });
    const other = (await createKey()).key;
    await expectItemNotFound(
      await responses(other, { model: 'claude', input: [ref('msg_mine')] }),
      'msg_mine',
    );

    await client.conversations.items.delete('msg_mine', { conversation_id: id });
    await expectItemNotFound(await responses(key, { model: 'claude', input: [ref('msg_mine')] }), 'msg_mine');

    await client.conversations.items.create(id, { items: [{ ...say('Later.'), id: 'msg_later' }] });
    await env.DB.prepare('UPDATE conversations SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, id)
      .run();
    await expectItemNotFound(
      await responses(key, { model: 'claude', input: [ref('msg_later')] }),
      'msg_later',
    );
    expect(recorded).toHaveLength(0);
  });
});
