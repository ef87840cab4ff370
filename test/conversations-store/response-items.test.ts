// A response's turn appended to its conversation (src/conversations-store/response-items.ts): kept
// whole even when an input item's own id was taken meanwhile by a response racing it.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { appendResponse } from '../../src/conversations-store/response-items';
import { createKey, type Json, putConfig } from '../helpers/gateway';
import { sdkClient } from '../helpers/responses-upstream';

describe('appending a response to its conversation', () => {
  it("keeps the turn whole when an input item's id was taken meanwhile, under its stored-response id", async () => {
    expect((await putConfig({ providers: { mock: { type: 'mock' } } })).status).toBe(200);
    const { key, id: keyId } = await createKey();
    const client = sdkClient(key);
    const taken = { type: 'message', id: 'msg_taken', role: 'user', content: 'First.' };
    const { id } = await client.conversations.create({ items: [taken as never] });
    const answer = {
      id: 'resp_race',
      output: [
        {
          type: 'message',
          id: 'msg_out',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Answered.', annotations: [] }],
        },
      ],
    };
    await appendResponse(env.DB, id, keyId, [{ ...taken, content: 'Again.' }], answer, Date.now(), 30);
    const items = (await client.conversations.items.list(id, { order: 'asc' })).data as Json[];
    expect(items.map((item) => item.id)).toEqual(['msg_taken', 'in_race_0', 'msg_out']);
    expect(items[1]!.content).toEqual([{ type: 'input_text', text: 'Again.' }]);
  });
});
