// Prompt rules on the parameters a provider gets as its own (src/guardrails/native-params.ts):
// Anthropic's `system`, Gemini's `systemInstruction`, Cohere's `documents` reach the model as the
// messages do, so block, flag and redact rules read them too.
import { describe, expect, it } from 'vitest';
import { anthropicMessage } from '../helpers/anthropic-sse';
import { call, chat, type Json, OPENAI_URL } from '../helpers/gateway';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { CHAT_URL, completion, guardedKey } from './helpers';

const EMAIL = { name: 'emails', detect: ['email'], action: 'redact' };
const FALCON = { name: 'no-falcon', keywords: ['falcon'], action: 'block' };
const hi = [{ role: 'user', content: 'hi' }];

const ANTHROPIC_URL = 'https://anthropic.test';
const withAnthropic = {
  providers: {
    openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
    anth: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
  },
  models: { gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
};

describe('prompt rules on provider-native parameters', () => {
  it("blocks a keyword in an Anthropic-style `system` and in Gemini's systemInstruction parts", async () => {
    const key = await guardedKey([FALCON]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    for (const native of [
      { system: 'Tell me all about project falcon' },
      { systemInstruction: { parts: [{ text: 'be brief' }, { text: 'the Falcon plan' }] } },
    ]) {
      const response = await chat(key, { model: 'gpt', messages: hi, ...native });
      expect(response.status).toBe(403);
      expect((await response.json<Json>()).error).toMatchObject({
        code: 'guardrail_blocked',
        message: expect.stringContaining('no-falcon'),
      });
    }
    expect(recorded).toHaveLength(0);
    // The same words in a parameter's key are no text, and other native values pass.
    const passed = await chat(key, { model: 'gpt', messages: hi, metadata: { falcon: 'x' } });
    expect(passed.status).toBe(200);
  });

  it('sends Anthropic the redacted `system`, with the placeholder the messages use for the same value', async () => {
    const key = await guardedKey([EMAIL, FALCON], {}, withAnthropic);
    onUpstream(`${ANTHROPIC_URL}/v1/messages`, () => json(anthropicMessage('ok')));
    const response = await chat(key, {
      model: 'anth/claude-x',
      system: 'Contact bob@corp.example, or ann@corp.example',
      messages: [{ role: 'user', content: 'hi ann@corp.example' }],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.system).toBe('Contact [EMAIL_2], or [EMAIL_1]');
    expect(sent.messages[0].content).toEqual([{ type: 'text', text: 'hi [EMAIL_1]' }]);
    const blocked = await chat(key, { model: 'anth/claude-x', system: 'falcon', messages: hi });
    expect(blocked.status).toBe(403);
    expect(recorded).toHaveLength(1);
  });

  it('redacts a value deep in a native field in place, leaves the rest as sent, and restores the answer', async () => {
    const key = await guardedKey([{ ...EMAIL, restore: true }]);
    onUpstream(CHAT_URL, async (request) => {
      const body = (await request.json()) as Json;
      return json(completion(`Write to ${body.documents[1].data.owners[0]}`));
    });
    const documents = [
      { id: 'a', data: { text: 'no address here', pages: 3 } },
      { id: 'b', data: { owners: ['bob@corp.example', 'Bob'], weight: 0.5, draft: false, note: null } },
    ];
    const response = await chat(key, { model: 'gpt', messages: hi, documents });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.documents).toEqual([
      documents[0],
      { id: 'b', data: { owners: ['[EMAIL_1]', 'Bob'], weight: 0.5, draft: false, note: null } },
    ]);
    expect((await response.json<Json>()).choices[0].message.content).toBe('Write to bob@corp.example');
  });

  it('reads numbers as text, as in tool-call arguments: a card number becomes its placeholder', async () => {
    const key = await guardedKey([{ name: 'cards', detect: ['credit_card'], action: 'redact' }]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    await chat(key, { model: 'gpt', messages: hi, extra: { card: 4111111111111111, n: 3 } });
    expect((recorded[0]!.body as Json).extra).toEqual({ card: '[CREDIT_CARD_1]', n: 3 });
  });

  it("leaves the gateway's own parameters to their rules: `user` and `stop` are not rewritten", async () => {
    const key = await guardedKey([EMAIL]);
    onUpstream(CHAT_URL, () => json(completion('ok')));
    const ask = { model: 'gpt', messages: hi, user: 'bob@corp.example', stop: ['bob@corp.example'] };
    expect((await chat(key, ask)).status).toBe(200);
    expect(recorded[0]!.body).toMatchObject({ user: ask.user, stop: ask.stop });
  });

  it('sends a request byte for byte when no prompt rule applies', async () => {
    const key = await guardedKey([{ name: 'out', keywords: ['falcon'], action: 'block', scope: 'output' }]);
    let raw = '';
    onUpstream(CHAT_URL, async (request) => {
      raw = await request.text();
      return json(completion('ok'));
    });
    const ask = {
      model: 'gpt',
      messages: hi,
      system: 'project falcon, bob@corp.example',
      documents: [{ data: { text: 'falcon', n: 4111111111111111 } }],
    };
    expect((await chat(key, ask)).status).toBe(200);
    expect(raw).toBe(JSON.stringify({ ...ask, model: 'gpt-4o-mini' })); // the target's model name
  });

  it('redacts and blocks native embeddings parameters as it does string inputs', async () => {
    const key = await guardedKey([EMAIL, FALCON]);
    onUpstream(`${OPENAI_URL}/embeddings`, () =>
      json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    );
    const embed = (body: Record<string, unknown>) =>
      call('/v1/embeddings', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/text-embedding-3-small', input: 'plain', ...body }),
      });
    expect((await embed({ title: 'From bob@corp.example', user: 'bob@corp.example' })).status).toBe(200);
    expect(recorded[0]!.body).toMatchObject({
      input: 'plain',
      title: 'From [EMAIL_1]',
      user: 'bob@corp.example',
    });
    // Token-id inputs cannot be read, and stay as sent when a native field is redacted.
    expect((await embed({ input: [[1, 2]], title: 'bob@corp.example' })).status).toBe(200);
    expect(recorded[1]!.body).toMatchObject({ input: [[1, 2]], title: '[EMAIL_1]' });
    const blocked = await embed({ task: { hint: ['falcon notes'] } });
    expect(blocked.status).toBe(403);
    expect(recorded).toHaveLength(2);
  });
});
