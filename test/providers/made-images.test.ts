// Images an image model makes reach the client as OpenRouter's `message.images` / `delta.images`
// (data: URLs, in order): Gemini's inlineData parts and Nova 2 Omni's Converse image blocks.
import { describe, expect, it } from 'vitest';
import { joinBase64 } from '../../src/base64';
import { toCompletion as converseCompletion } from '../../src/providers/bedrock-response';
import { translateConverseStream } from '../../src/providers/bedrock-stream';
import { toCompletion as geminiCompletion, responseSchema } from '../../src/providers/gemini-response';
import { encodeEvents } from '../fixtures/bedrock/event-stream-encoder';
import { geminiAdapter, relayed, sse } from '../helpers/adapter';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';

const png = (data: string) => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } });
const gemini = (parts: object[], finishReason?: string) => ({
  candidates: [{ content: { role: 'model', parts }, index: 0, ...(finishReason ? { finishReason } : {}) }],
});
const frame = (data: object) => `data: ${JSON.stringify(data)}\r\n\r\n`;

describe("Gemini image models' answers", () => {
  it('give each image part as message.images, in order, beside the text; thought drafts are not', () => {
    const answer = gemini(
      [
        { text: 'Drafting…', thought: true },
        { inlineData: { mimeType: 'image/png', data: 'RFJBRlQ=' }, thought: true },
        { text: 'Here they are.' },
        { inlineData: { mimeType: 'image/png', data: 'QUFBQQ==' } },
        { inlineData: { mimeType: 'image/jpeg', data: 'QkJCQg==' } },
      ],
      'STOP',
    );
    const completion = geminiCompletion('g', responseSchema.parse(answer), { id: 'c', model: 'm' }, false);
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    expect((completion.choices[0] as Json).message).toEqual({
      role: 'assistant',
      content: 'Here they are.',
      refusal: null,
      images: [png('QUFBQQ=='), { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,QkJCQg==' } }],
    });
  });

  it('give an answer of images alone with content null, and none to a text answer', () => {
    const only = geminiCompletion(
      'g',
      responseSchema.parse(gemini([{ inlineData: { mimeType: 'image/webp', data: 'V0VCUA==' } }], 'STOP')),
      { id: 'c', model: 'm' },
      false,
    );
    expect((only.choices[0] as Json).message).toMatchObject({
      content: null,
      images: [{ type: 'image_url', image_url: { url: 'data:image/webp;base64,V0VCUA==' } }],
    });
    const text = geminiCompletion(
      'g',
      responseSchema.parse(gemini([{ text: 'Hi' }], 'STOP')),
      {
        id: 'c',
        model: 'm',
      },
      false,
    );
    expect((text.choices[0] as Json).message).not.toHaveProperty('images');
  });

  it('stream each image as delta.images where it came, an image-only first chunk opening the answer', async () => {
    const { chat } = geminiAdapter(
      () =>
        new Response(
          [
            frame(gemini([{ inlineData: { mimeType: 'image/png', data: 'RFJBRlQ=' }, thought: true }])),
            frame(gemini([{ inlineData: { mimeType: 'image/png', data: 'QUFBQQ==' } }])),
            frame(
              gemini([
                { text: 'And a second:' },
                { inlineData: { mimeType: 'image/png', data: 'QkJCQg==' } },
              ]),
            ),
            frame({ ...gemini([], 'STOP'), usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9 } }),
          ].join(''),
          sse,
        ),
    );
    const result = await chat({ stream: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const { text } = await relayed(result.body);
    const events = sseEvents(text) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    const deltas = events.flatMap((event) => event.choices.map((choice: Json) => choice.delta));
    expect(deltas.filter((delta) => delta.images || delta.content)).toEqual([
      { images: [png('QUFBQQ==')] },
      { content: 'And a second:' },
      { images: [png('QkJCQg==')] },
    ]);
    expect(deltas[0]).toMatchObject({ role: 'assistant' });
  });
});

describe("Nova 2 Omni's answers", () => {
  const usage = { inputTokens: 10, outputTokens: 20 };
  const converse = (content: object[]) =>
    JSON.stringify({ output: { message: { role: 'assistant', content } }, stopReason: 'end_turn', usage });

  it('give each Converse image block as message.images with its format', () => {
    const completion = converseCompletion(
      'aws',
      converse([
        { text: 'Here:' },
        { image: { format: 'png', source: { bytes: 'QUFBQQ==' } } },
        { image: { format: 'jpeg', source: { bytes: 'QkJCQg==' } } },
      ]),
      'c',
      'amazon.nova-2-omni-v1:0',
    );
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    expect((completion.choices[0] as Json).message).toMatchObject({
      content: 'Here:',
      images: [png('QUFBQQ=='), { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,QkJCQg==' } }],
    });
  });

  it('stream an image block whole when it stops, its deltas joined as one image', async () => {
    // "hello world!" in two deltas, each padded base64 of its own bytes: joined through the bytes.
    const events = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Here:' } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
      { event: 'contentBlockStart', payload: { contentBlockIndex: 1, start: { image: { format: 'webp' } } } },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 1, delta: { image: { source: { bytes: 'aGVsbG8=' } } } },
      },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 1, delta: { image: { source: { bytes: 'IHdvcmxkIQ==' } } } },
      },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
      { event: 'messageStop', payload: { stopReason: 'end_turn' } },
      { event: 'metadata', payload: { usage } },
    ];
    const body = new Response(encodeEvents(events)).body!;
    const text = await new Response(
      translateConverseStream(body, 'aws', 'c', 'amazon.nova-2-omni-v1:0'),
    ).text();
    const chunks = sseEvents(text) as Json[];
    for (const chunk of chunks) expectOpenAIShape('CreateChatCompletionStreamResponse', chunk);
    const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice: Json) => choice.delta));
    expect(deltas.filter((delta) => delta.images || delta.content)).toEqual([
      { content: 'Here:' },
      { images: [{ type: 'image_url', image_url: { url: 'data:image/webp;base64,aGVsbG8gd29ybGQh' } }] },
    ]);
  });
});

describe('joinBase64', () => {
  it('joins whole groups as text and padded pieces through their bytes', () => {
    expect(joinBase64(['aGVs', 'bG8gd29ybGQh'])).toBe('aGVsbG8gd29ybGQh');
    expect(joinBase64(['aGVsbG8=', 'IHdvcmxkIQ=='])).toBe('aGVsbG8gd29ybGQh');
    expect(joinBase64(['aGVsbG8', 'gd29ybGQh'])).toBe('aGVsbG8gd29ybGQh');
  });
});
