import { describe, expect, it } from 'vitest';
import { admin, chat, createKey, type Json, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const completion = {
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'from openai', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
};
const ask = (model: string) => ({ model, messages: [{ role: 'user', content: 'where am I served?' }] });

describe('per-key routing overrides', () => {
  it('pins an alias to other targets for one key only', async () => {
    await putConfig(openaiConfig());
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const plain = await createKey();
    const pinned = await createKey({
      routing: { pin: { gpt: { targets: [{ provider: 'mock', model: 'mock-1' }] } } },
    });
    expect((await chat(plain.key, ask('gpt'))).headers.get('x-tollgate-provider')).toBe('openai');
    const response = await chat(pinned.key, ask('gpt'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    expect(recorded).toHaveLength(1);
  });

  it('never leaves the allowed providers (data residency), failing rather than spilling over', async () => {
    const config = openaiConfig();
    config.models.gpt.targets.push({ provider: 'mock', model: 'mock-1' });
    await putConfig(config);
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json({ error: { message: 'down' } }, 503));
    const { key } = await createKey({ routing: { allowProviders: ['openai'] } });
    const response = await chat(key, ask('gpt'));
    expect(response.status).toBe(502);
    expect(recorded.length).toBeGreaterThan(0);
    const { key: free } = await createKey();
    expect((await chat(free, ask('gpt'))).headers.get('x-tollgate-provider')).toBe('mock');
  });

  it("applies a team's deny list to its keys, and the key's own pins on top", async () => {
    await putConfig(openaiConfig());
    const team = await (
      await admin('/admin/teams', 'POST', { name: 'eu', routing: { denyProviders: ['openai'] } })
    ).json<Json>();
    expect(team.routing).toEqual({ denyProviders: ['openai'] });
    const { key } = await createKey({ team: team.id });
    const denied = await chat(key, ask('gpt'));
    expect(denied.status).toBe(403);
    expect(recorded).toHaveLength(0);
  });

  it('serves an alias named like an Object.prototype member, pins or not (no 500)', async () => {
    const config = openaiConfig({
      models: {
        toString: { targets: [{ provider: 'mock', model: 'mock-1' }] },
        fast: { targets: [{ alias: 'toString' }] },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const pinned = await createKey({
      routing: { pin: { other: { targets: [{ provider: 'mock', model: 'mock-1' }] } } },
    });
    const response = await chat(pinned.key, ask('fast'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
  });

  it('rejects a malformed override', async () => {
    const response = await admin('/admin/keys', 'POST', { name: 'x', routing: { allowProviders: [] } });
    expect(response.status).toBe(400);
    expect((await response.json<Json>()).error.param).toBe('routing.allowProviders');
  });
});
