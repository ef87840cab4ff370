// An image model's answer sent back with its `images`: each translation gives the model its image
// again, in the provider's own form — or, where a service does not define the field, leaves it out.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/openai/schemas';
import { toAnthropicRequest } from '../../src/providers/anthropic-request';
import { MOVED_IMAGES_NOTE } from '../../src/providers/assistant-images';
import { toConverseRequest } from '../../src/providers/bedrock-request';
import { toGeminiRequest } from '../../src/providers/gemini-request';
import { toCompletion } from '../../src/providers/gemini-response';
import { createOpenAICompatible, type OpenAIProviderConfig } from '../../src/providers/openai-compatible';

type Json = Record<string, unknown>;
const IMAGE = 'iVBORw0KGgoAAAANSUhEUg==';
const DATA_URL = `data:image/png;base64,${IMAGE}`;
const signed = (signature: string) => ({ google: { thought_signature: signature } });
const made = (extra?: object) => ({
  type: 'image_url',
  image_url: { url: DATA_URL },
  ...(extra ? { extra_content: extra } : {}),
});

/** Draw, the answer with its image, then an edit. */
const edit = (assistant: Json = {}): ChatRequest =>
  ({
    model: 'm',
    messages: [
      { role: 'user', content: 'Draw a cat' },
      { role: 'assistant', content: 'A cat:', images: [made(signed('sigImg'))], ...assistant },
      { role: 'user', content: 'Make the sky darker' },
    ],
  }) as ChatRequest;

describe('Gemini: an answer’s images sent back', () => {
  it('are inlineData parts of the model turn, after its text, with their thought signatures', () => {
    const { body } = toGeminiRequest(edit());
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Draw a cat' }] },
      {
        role: 'model',
        parts: [
          { text: 'A cat:' },
          { inlineData: { mimeType: 'image/png', data: IMAGE }, thoughtSignature: 'sigImg' },
        ],
      },
      { role: 'user', parts: [{ text: 'Make the sky darker' }] },
    ]);
  });

  it('go without a signature when the image came with none, and before the turn’s function calls', () => {
    const call = { id: 'c1', type: 'function', function: { name: 'save', arguments: '{}' } };
    const { body } = toGeminiRequest(edit({ content: null, images: [made()], tool_calls: [call] }));
    const model = (body.contents as Json[])[1] as { parts: Json[] };
    expect(model.parts[0]).toEqual({ inlineData: { mimeType: 'image/png', data: IMAGE } });
    expect(model.parts[1]).toMatchObject({ functionCall: { name: 'save' } });
  });

  it('come from an answer whose image part was signed: the signature rides on the image', () => {
    const completion = toCompletion(
      'g',
      {
        candidates: [
          {
            content: {
              parts: [
                { text: 'A cat:', thoughtSignature: 'sigText' },
                { inlineData: { mimeType: 'image/png', data: IMAGE }, thoughtSignature: 'sigImg' },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
      { id: 'c', model: 'm' },
      false,
    );
    expect((completion.choices[0] as Json).message).toMatchObject({ images: [made(signed('sigImg'))] });
  });
});

describe('Anthropic and Bedrock: an assistant turn holds no image', () => {
  const anthropic = (request: ChatRequest) =>
    toAnthropicRequest(request, 'claude-sonnet-4-5', { defaultMaxTokens: 100 }).body.messages as Json[];
  const bedrock = (request: ChatRequest) =>
    toConverseRequest(request, 'us.amazon.nova-2-omni-v1:0').messages as Json[];

  it('so Anthropic gets them at the head of the next user turn, behind a note', () => {
    expect(anthropic(edit())).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Draw a cat' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'A cat:' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: MOVED_IMAGES_NOTE },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: IMAGE } },
          { type: 'text', text: 'Make the sky darker' },
        ],
      },
    ]);
  });

  it('so Bedrock gets them there too, as image blocks', () => {
    expect(bedrock(edit())).toEqual([
      { role: 'user', content: [{ text: 'Draw a cat' }] },
      { role: 'assistant', content: [{ text: 'A cat:' }] },
      {
        role: 'user',
        content: [
          { text: MOVED_IMAGES_NOTE },
          { image: { format: 'png', source: { bytes: IMAGE } } },
          { text: 'Make the sky darker' },
        ],
      },
    ]);
  });

  it('after the answer’s tool results, which lead the user turn', () => {
    const call = { id: 'c1', type: 'function', function: { name: 'save', arguments: '{}' } };
    const request = edit({ tool_calls: [call] });
    request.messages.splice(2, 0, { role: 'tool', tool_call_id: 'c1', content: 'saved' });
    const tools = [{ type: 'function', function: { name: 'save' } }] as ChatRequest['tools'];
    const claude = anthropic({ ...request, tools }).at(-1) as { content: Json[] };
    expect(claude.content.map((block) => block.type)).toEqual(['tool_result', 'text', 'image', 'text']);
    const converse = bedrock({ ...request, tools }).at(-1) as { content: Json[] };
    expect(converse.content.map((block) => Object.keys(block)[0])).toEqual([
      'toolResult',
      'text',
      'image',
      'text',
    ]);
  });

  it('and none after a final assistant message, which stays the last turn', () => {
    const request = edit();
    request.messages.pop();
    expect(anthropic(request).at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'A cat:' }],
    });
    expect(JSON.stringify(bedrock(request))).not.toContain(IMAGE);
  });
});

describe('openai-compatible: an answer’s images', () => {
  const signal = new AbortController().signal;

  async function assistantSent(config: Partial<OpenAIProviderConfig>): Promise<Json> {
    const bodies: Json[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      bodies.push((await new Request(input, init).json()) as Json);
      return Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
    };
    const provider = { type: 'openai', apiKey: 'k', ...config } as OpenAIProviderConfig;
    const adapter = createOpenAICompatible('up', provider, { env, fetch: fetch as typeof globalThis.fetch });
    await adapter.chat({ body: edit(), model: 'm', signal, requestId: 'r1' });
    return (bodies[0]!.messages as Json[])[1]!;
  }

  it('go to OpenRouter, whose field it is', async () => {
    for (const config of [{ preset: 'openrouter' as const }, { baseUrl: 'https://openrouter.ai/api/v1' }])
      expect((await assistantSent(config)).images).toEqual([made(signed('sigImg'))]);
  });

  it('go to no other service: OpenAI and the strict ones refuse a field they do not define', async () => {
    for (const config of [
      {},
      { preset: 'groq' as const },
      { preset: 'mistral' as const },
      { baseUrl: 'https://vllm.internal.example/v1' },
    ]) {
      const assistant = await assistantSent(config);
      expect(assistant).not.toHaveProperty('images');
      expect(assistant.content).toBe('A cat:');
    }
  });

  it('leave out, for those services, an answer that was images alone (OpenAI refuses one without content)', async () => {
    const bodies: Json[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      bodies.push((await new Request(input, init).json()) as Json);
      return Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
    };
    const adapter = createOpenAICompatible('up', { type: 'openai', apiKey: 'k' } as OpenAIProviderConfig, {
      env,
      fetch: fetch as typeof globalThis.fetch,
    });
    await adapter.chat({ body: edit({ content: null }), model: 'm', signal, requestId: 'r1' });
    expect(bodies[0]!.messages).toEqual([
      { role: 'user', content: 'Draw a cat' },
      { role: 'user', content: 'Make the sky darker' },
    ]);
  });
});
