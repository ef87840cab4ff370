// POST /v1/responses from the official `openai` SDK (its event accumulation, finalResponse()) when
// the route's provider is not OpenAI: OpenAI-compatible services whose answers bend chat's shape.
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import { createKey, putConfig } from '../helpers/gateway';
import { sdkClient } from '../helpers/responses-upstream';
import { json, onUpstream, sse } from '../helpers/upstream';

const OLLAMA_URL = 'https://ollama.test/v1';
const MISTRAL_URL = 'https://api.mistral.ai/v1';

async function client(): Promise<OpenAI> {
  const config = {
    providers: {
      ollama: { type: 'openai', baseUrl: OLLAMA_URL },
      mistral: { type: 'openai', preset: 'mistral', apiKey: 'mistral-key' },
    },
    models: {
      qwen: { targets: [{ provider: 'ollama', model: 'qwen3' }] },
      mistral: { targets: [{ provider: 'mistral', model: 'mistral-small-latest' }] },
    },
    retry: { attempts: 0 },
  };
  const put = await putConfig(config);
  expect(put.status, await put.clone().text()).toBe(200);
  return sdkClient((await createKey()).key);
}

const tools: OpenAI.Responses.Tool[] = [
  { type: 'function', name: 'read', parameters: { type: 'object' }, strict: false },
  { type: 'function', name: 'list', parameters: { type: 'object' }, strict: false },
];

describe('POST /v1/responses through the openai SDK, to chat providers', () => {
  it('keeps apart the calls of a stream that numbers every call 0, or numbers none', async () => {
    const sdk = await client();
    // Ollama numbers each call 0, Gemini's OpenAI-compatible API leaves the index out: each call
    // comes whole, told apart only by its id.
    const numbering = [{ index: 0 }, {}];
    let calls = 0;
    onUpstream(`${OLLAMA_URL}/chat/completions`, () => {
      const index = numbering[calls++];
      return sse([
        chunk({
          role: 'assistant',
          tool_calls: [
            { ...index, id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"p":"a"}' } },
          ],
        }),
        chunk({
          tool_calls: [
            { ...index, id: 'call_2', type: 'function', function: { name: 'list', arguments: '{"d":"."}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        usageChunk,
      ]);
    });
    for (const _ of numbering) {
      const final = await sdk.responses.stream({ model: 'qwen', input: 'look', tools }).finalResponse();
      expect(final.status).toBe('completed');
      expect(
        final.output.map(
          (item) => item.type === 'function_call' && [item.call_id, item.name, item.arguments],
        ),
      ).toEqual([
        ['call_1', 'read', '{"p":"a"}'],
        ['call_2', 'list', '{"d":"."}'],
      ]);
    }
    expect(calls).toBe(2);
  });

  it("reads the answer and reasoning of Mistral's reasoning models, which come as content parts", async () => {
    const sdk = await client();
    const thinking = (text: string) => [{ type: 'thinking', thinking: [{ type: 'text', text }] }];
    onUpstream(`${MISTRAL_URL}/chat/completions`, async (request) => {
      const body = (await request.json()) as { stream?: boolean };
      if (!body.stream)
        return json({
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: 'mistral-small-2603',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: [...thinking('Two.'), { type: 'text', text: '2' }] },
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        });
      return sse([
        chunk({ role: 'assistant', content: thinking('One plus ') }),
        chunk({ content: thinking('one.') }),
        chunk({ content: [{ type: 'text', text: 'It is ' }] }),
        chunk({ content: '2.' }),
        chunk({}, 'stop'),
        usageChunk,
      ]);
    });
    const ask = { model: 'mistral', input: '1+1?', reasoning: { effort: 'high' as const } };
    const streamed = await sdk.responses.stream(ask).finalResponse();
    expect(streamed.output_text).toBe('It is 2.');
    expect(streamed.output[0]).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'One plus one.' }],
    });
    const answered = await sdk.responses.create(ask);
    expect(answered.output_text).toBe('2');
    expect(answered.output[0]).toMatchObject({ type: 'reasoning', summary: [{ text: 'Two.' }] });
  });
});
