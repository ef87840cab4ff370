// Every response body and stream chunk Tollgate builds validates against OpenAI's own schemas.
import { describe, expect, it } from 'vitest';
import { call, chat, createKey, type Json } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';

const user = (content: string) => [{ role: 'user', content }];

describe('OpenAI response shapes', () => {
  it('chat completion, plain, n=2 and tool call', async () => {
    const { key } = await createKey();
    for (const body of [
      { model: 'fast', messages: user('hello') },
      { model: 'fast', messages: user('two please'), n: 2, max_tokens: 2 },
      {
        model: 'fast',
        messages: user('weather in Paris'),
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      },
    ]) {
      const response = await chat(key, body);
      expect(response.status).toBe(200);
      expectOpenAIShape('CreateChatCompletionResponse', await response.json());
    }
  });

  it('every stream chunk, including the usage chunk and tool-call deltas', async () => {
    const { key } = await createKey();
    const response = await chat(key, {
      model: 'fast',
      stream: true,
      stream_options: { include_usage: true },
      messages: user('stream me'),
      tools: [{ type: 'function', function: { name: 'lookup' } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
    });
    const events = sseEvents(await response.text());
    expect(events.length).toBeGreaterThan(2);
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
  });

  it('embeddings; base64 (which the schema does not model) decodes to the float vector', async () => {
    const { key } = await createKey();
    const embed = async (encoding_format: string) => {
      const response = await call('/v1/embeddings', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'embeddings', input: ['one', 'two'], encoding_format }),
      });
      expect(response.status).toBe(200);
      return response.json<Json>();
    };
    const floats = await embed('float');
    expectOpenAIShape('CreateEmbeddingResponse', floats);
    const packed = await embed('base64');
    const bytes = Uint8Array.from(atob(packed.data[0].embedding), (c) => c.charCodeAt(0));
    const decoded = Array.from(new Float32Array(bytes.buffer));
    expect(decoded).toHaveLength(floats.data[0].embedding.length);
    for (const [i, value] of decoded.entries()) {
      expect(value).toBeCloseTo(floats.data[0].embedding[i], 6);
    }
  });

  it('model list', async () => {
    const { key } = await createKey();
    const response = await call('/v1/models', { headers: { authorization: `Bearer ${key}` } });
    expectOpenAIShape('ListModelsResponse', await response.json());
  });

  it('errors of every kind', async () => {
    const { key } = await createKey({ models: ['fast'] });
    const bodies: Json[] = [
      await (await chat(key, '{bad')).json(),
      await (await chat(key, { model: 'smart', messages: user('x') })).json(),
      await (await chat(key, { model: 'nope', messages: user('x') })).json(),
      await (await chat('tg-nope', { model: 'fast', messages: user('x') })).json(),
      await (await call('/nowhere')).json(),
      await (await call('/admin/keys')).json(),
    ];
    for (const body of bodies) expectOpenAIShape('ErrorResponse', body);
  });
});
