import { describe, expect, it } from 'vitest';
import { chat, createKey } from '../helpers/gateway';

describe('smoke', () => {
  it('serves a mock completion with a new key', async () => {
    const { key } = await createKey();
    const response = await chat(key, { model: 'fast', messages: [{ role: 'user', content: 'hello there' }] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe('Mock reply to: hello there');
  });
});
