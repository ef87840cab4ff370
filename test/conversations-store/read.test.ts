// Items found by id across a key's conversations (src/conversations-store/read.ts heldItems), as an
// item reference on /v1/responses names them: only the key's, unexpired; one id in two conversations
// read from the one appended to last (not the first by id); an item in parts whole; the read bounded before any JSON is.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newItem } from '../../src/conversations-store/items';
import { heldItems } from '../../src/conversations-store/read';
import { createStatements } from '../../src/conversations-store/store';

const say = (id: string, content: string) => ({ type: 'message', role: 'user', id, content });

async function conversation(id: string, keyId: string, items: Record<string, unknown>[], expiresAt: number) {
  const row = { id, keyId, teamId: null, metadata: {} };
  await env.DB.batch(
    createStatements(
      env.DB,
      row,
      items.map((item) => newItem(item)),
      Date.now(),
      30,
    ),
  );
  await env.DB.prepare('UPDATE conversations SET expires_at = ? WHERE id = ?').bind(expiresAt, id).run();
}

const UNBOUND = { chars: 10_000_000, tooLarge: () => new Error('too large') };

describe('items held by id', () => {
  it("reads the key's own, unexpired, the conversation appended to last winning a shared id", async () => {
    const now = Date.now();
    await conversation('conv_old', 'key_a', [say('msg_shared', 'old'), say('msg_a', 'a')], now + 1_000);
    await conversation('conv_z_new', 'key_a', [say('msg_shared', 'new')], now + 2_000);
    await conversation('conv_gone', 'key_a', [say('msg_gone', 'gone')], now - 1);
    await conversation('conv_b', 'key_b', [say('msg_b', 'b')], now + 2_000);
    const ids = ['msg_shared', 'msg_a', 'msg_gone', 'msg_b', 'msg_none', 'x'.repeat(300)];
    const found = await heldItems(env.DB, ids, { keyId: 'key_a' }, now, UNBOUND);
    expect([...found.keys()].sort()).toEqual(['msg_a', 'msg_shared']);
    expect(found.get('msg_shared')).toMatchObject({
      id: 'msg_shared',
      status: 'completed',
      content: [{ type: 'input_text', text: 'new' }],
    });
  });

  it('reads an item in parts whole, and refuses past the bound before reading any', async () => {
    const long = 'y'.repeat(700_000);
    await conversation(
      'conv_long',
      'key_c',
      [say('msg_long', long), say('msg_short', 's')],
      Date.now() + 1_000,
    );
    const found = await heldItems(env.DB, ['msg_long', 'msg_short'], { keyId: 'key_c' }, Date.now(), UNBOUND);
    expect(found.get('msg_long')?.content).toEqual([{ type: 'input_text', text: long }]);
    expect(found.get('msg_short')?.content).toEqual([{ type: 'input_text', text: 's' }]);
    const bound = { chars: 600_000, tooLarge: () => new Error('too large') };
    await expect(heldItems(env.DB, ['msg_long'], { keyId: 'key_c' }, Date.now(), bound)).rejects.toThrow(
      'too large',
    );
    expect(await heldItems(env.DB, ['msg_short'], { keyId: 'key_c' }, Date.now(), bound)).toHaveProperty(
      'size',
      1,
    );
  });
});
