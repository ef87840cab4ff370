// Zero-retention keys and OpenAI's extended prompt caching by default: on the models that offer
// both retentions, an organisation without ZDR defaults to 24h, so a zero-retention key's request
// that names no retention goes to OpenAI's own API with `in_memory` (openai-cache-retention.ts).
// Other keys, other models, other services and a client's own value go as sent.
import { describe, expect, it } from 'vitest';
import { completion } from '../cache/harness';
import { call, chat, createKey, type Json, openaiConfig, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';

const OPENAI_CHAT = 'https://api.openai.com/v1/chat/completions';
const OTHER_CHAT = 'https://upstream.test/v1/chat/completions';
const ASK = [{ role: 'user', content: 'Name a prime.' }];

async function setup() {
  const config = openaiConfig({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-test-secret' },
      other: { type: 'openai', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-other' },
    },
    models: {
      'g5.1': { targets: [{ provider: 'openai', model: 'gpt-5.1' }] },
      'g4.1-snapshot': { targets: [{ provider: 'openai', model: 'gpt-4.1-2025-04-14' }] },
      'g5.5': { targets: [{ provider: 'openai', model: 'gpt-5.5' }] },
      g4o: { targets: [{ provider: 'openai', model: 'gpt-4o' }] },
      'other-5.1': { targets: [{ provider: 'other', model: 'gpt-5.1' }] },
    },
    retry: { attempts: 0 },
  });
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  onUpstream(OPENAI_CHAT, () => json(completion('Seven.')));
  onUpstream(OTHER_CHAT, () => json(completion('Seven.')));
}

/** The retention each upstream call asked for, in order (absent: undefined). */
const retentions = () => recorded.map(({ body }) => (body as Json).prompt_cache_retention);

describe('zero-retention keys and the prompt cache retention OpenAI defaults to', () => {
  it("sends in_memory for a zero-retention key's request on a model that offers both retentions", async () => {
    await setup();
    const { key } = await createKey({ zdr: true });
    for (const body of [
      { model: 'g5.1', messages: ASK },
      { model: 'g4.1-snapshot', messages: ASK },
      // null asks for the default, which is what would be a day.
      { model: 'g5.1', messages: ASK, prompt_cache_retention: null },
    ]) {
      const response = await chat(key, { ...body, temperature: 0.5 });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    expect(recorded.map(({ url }) => url)).toEqual([OPENAI_CHAT, OPENAI_CHAT, OPENAI_CHAT]);
    expect(retentions()).toEqual(['in_memory', 'in_memory', 'in_memory']);
  });

  it('does the same for a Responses request', async () => {
    await setup();
    const { key } = await createKey({ zdr: true });
    const response = await call('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'g5.1', input: 'Name a prime.' }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(retentions()).toEqual(['in_memory']);
  });

  it('leaves every other request as sent', async () => {
    await setup();
    const { key: zdr } = await createKey({ zdr: true });
    const { key: plain } = await createKey({});
    const sent: [string, Json][] = [
      // Not zero-retention: the organisation's default is the deployment's business.
      [plain, { model: 'g5.1' }],
      // gpt-5.5 takes only 24h (in_memory is an error there); gpt-4o only in_memory, its default.
      [zdr, { model: 'g5.5' }],
      [zdr, { model: 'g4o' }],
      // Another service defines no such field.
      [zdr, { model: 'other-5.1' }],
      // The client's own value stands.
      [zdr, { model: 'g5.1', prompt_cache_retention: 'in_memory' }],
    ];
    for (const [key, body] of sent) {
      const response = await chat(key, { ...body, messages: ASK, temperature: 0.5 });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    expect(retentions()).toEqual([undefined, undefined, undefined, undefined, 'in_memory']);
  });
});
