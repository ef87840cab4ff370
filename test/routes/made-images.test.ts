// An image model's images through the gateway: on /v1/chat/completions as message.images and
// delta.images, kept and replayed by the exact cache, as image_generation_call items on
// /v1/responses, and left out of /v1/messages.
import { describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/logs/request-log';
import { entries, sleep } from '../cache/harness';
import { call, chat, createKey, type Json, messages, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, expectResponseEvent, responseEvents, sseEvents } from '../helpers/openapi';
import { json, onUpstream, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const BASE = 'https://gemini.test/v1beta';
const MODEL = 'gemini-2.5-flash-image';
const MODEL_URL = `${BASE}/models/${MODEL}`;
const IMAGE = 'iVBORw0KGgoAAAANSUhEUg==';
const DATA_URL = `data:image/png;base64,${IMAGE}`;
const usageMetadata = { promptTokenCount: 10, candidatesTokenCount: 1_300 };
const answer = (parts: object[]) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata,
});
const drawn = answer([{ text: 'A cat:' }, { inlineData: { mimeType: 'image/png', data: IMAGE } }]);
const frame = (data: object) => `data: ${JSON.stringify(data)}\r\n\r\n`;

async function setup(keyOptions: Record<string, unknown> = {}) {
  const config = {
    providers: { g: { type: 'gemini', baseUrl: BASE, apiKey: 'AIza-secret' } },
    models: { draw: { targets: [{ provider: 'g', model: MODEL }] } },
    retry: { attempts: 0 },
    cache: { exact: { enabled: true } },
  };
  expect((await putConfig(config)).status).toBe(200);
  const { key, id } = await createKey(keyOptions);
  return { key, namespace: `key:${id}` };
}

/** Counts the upstream's calls, each answered by `respond`. */
function upstream(action: string, respond: () => Response) {
  const state = { calls: 0 };
  onUpstream(`${MODEL_URL}:${action}`, () => {
    state.calls++;
    return respond();
  });
  return state;
}

async function storedOne(namespace: string) {
  for (let i = 0; i < 200 && (await entries(namespace)) === 0; i++) await sleep(10);
  expect(await entries(namespace)).toBe(1);
}

const ask = (key: string, stream: boolean, content = 'Draw a cat') =>
  chat(key, { model: 'draw', stream, messages: [{ role: 'user', content }] });

/** A stream's deltas that carry text or images. */
async function saidIn(response: Response): Promise<Json[]> {
  const events = sseEvents(await response.text()) as Json[];
  for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
  return events
    .flatMap((event) => event.choices.map((choice: Json) => choice.delta))
    .filter((delta: Json) => delta.images || delta.content)
    .map(({ content, images }: Json) => ({ ...(content ? { content } : {}), ...(images ? { images } : {}) }));
}

describe('images a model made, on /v1/chat/completions', () => {
  it('come as message.images, and a cache hit gives them back as JSON and as a stream', async () => {
    const { key, namespace } = await setup();
    const model = upstream('generateContent', () => json(drawn));
    const first = await ask(key, false);
    expect(first.status).toBe(200);
    const body: Json = await first.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message).toMatchObject({
      content: 'A cat:',
      images: [{ type: 'image_url', image_url: { url: DATA_URL } }],
    });
    await storedOne(namespace);

    const again = await ask(key, false);
    expect(again.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(((await again.json()) as Json).choices[0].message.images).toEqual(body.choices[0].message.images);
    const streamed = await ask(key, true);
    expect(streamed.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(await saidIn(streamed)).toEqual([
      { content: 'A cat:', images: [{ type: 'image_url', image_url: { url: DATA_URL } }] },
    ]);
    expect(model.calls).toBe(1);
  });

  it('stream as delta.images, and the stream stored gives them back to a JSON hit', async () => {
    const { key, namespace } = await setup();
    const model = upstream('streamGenerateContent', () =>
      sse([
        frame({ candidates: [{ content: { role: 'model', parts: [{ text: 'A cat:' }] }, index: 0 }] }),
        frame(answer([{ inlineData: { mimeType: 'image/png', data: IMAGE } }])),
      ]),
    );
    const first = await ask(key, true);
    expect(first.status).toBe(200);
    expect(await saidIn(first)).toEqual([
      { content: 'A cat:' },
      { images: [{ type: 'image_url', image_url: { url: DATA_URL } }] },
    ]);
    await storedOne(namespace);
    const hit = await ask(key, false);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const body: Json = await hit.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.choices[0].message).toMatchObject({
      content: 'A cat:',
      images: [{ type: 'image_url', image_url: { url: DATA_URL } }],
    });
    expect(model.calls).toBe(1);
  });

  it('keeps an answer of images alone in the cache: it is an answer', async () => {
    const { key, namespace } = await setup();
    const model = upstream('generateContent', () =>
      json(answer([{ inlineData: { mimeType: 'image/png', data: IMAGE } }])),
    );
    const first: Json = await (await ask(key, false)).json();
    expect(first.choices[0].message).toMatchObject({
      content: null,
      images: [{ image_url: { url: DATA_URL } }],
    });
    await storedOne(namespace);
    const hit = await ask(key, false);
    expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(((await hit.json()) as Json).choices[0].message.images).toEqual(first.choices[0].message.images);
    expect(model.calls).toBe(1);
  });
});

describe('an image a model made, sent back to edit it', () => {
  it('reaches Gemini in the model turn, signed as it came, when the client sends the answer back', async () => {
    const { key } = await setup();
    const sent: Json[] = [];
    const signedImage = { inlineData: { mimeType: 'image/png', data: IMAGE }, thoughtSignature: 'sigImg' };
    onUpstream(`${MODEL_URL}:generateContent`, async (request) => {
      sent.push(await request.json());
      return json(answer(sent.length === 1 ? [{ text: 'A cat:' }, signedImage] : [signedImage]));
    });
    const first = await chat(key, { model: 'draw', messages: [{ role: 'user', content: 'Draw a cat' }] });
    expect(first.status).toBe(200);
    const answered: Json = ((await first.json()) as Json).choices[0].message;
    expect(answered.images).toEqual([
      {
        type: 'image_url',
        image_url: { url: DATA_URL },
        extra_content: { google: { thought_signature: 'sigImg' } },
      },
    ]);

    const second = await chat(key, {
      model: 'draw',
      messages: [
        { role: 'user', content: 'Draw a cat' },
        answered,
        { role: 'user', content: 'Make the sky darker' },
      ],
    });
    expect(second.status).toBe(200);
    expect(sent[1]!.contents).toEqual([
      { role: 'user', parts: [{ text: 'Draw a cat' }] },
      { role: 'model', parts: [{ text: 'A cat:' }, signedImage] },
      { role: 'user', parts: [{ text: 'Make the sky darker' }] },
    ]);
  });

  it('is refused with a 400 naming it when it is no image', async () => {
    const { key } = await setup();
    const response = await chat(key, {
      model: 'draw',
      messages: [
        { role: 'user', content: 'Draw a cat' },
        { role: 'assistant', content: 'A cat:', images: [{ type: 'image_url', image_url: {} }] },
        { role: 'user', content: 'Darker' },
      ],
    });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.param).toMatch(/^messages\[1\]\.images\[0\]\.image_url/);
  });
});

describe('a large image a model made', () => {
  it('is in the answer whole, but not in the log row, whose bodies stay capped', async () => {
    const { key } = await setup({ logBodies: true });
    const big = 'A'.repeat(200_000);
    for (const [action, respond] of [
      ['generateContent', () => json(answer([{ inlineData: { mimeType: 'image/png', data: big } }]))],
      [
        'streamGenerateContent',
        () => sse([frame(answer([{ inlineData: { mimeType: 'image/png', data: big } }]))]),
      ],
    ] as const) {
      upstream(action, respond);
      const response = await ask(key, action !== 'generateContent', `Draw ${action}`);
      expect(await response.text()).toContain(`data:image/png;base64,${big}`);
      const id = response.headers.get('x-request-id')!;
      const row = (await waitForRows([id], 8000, 'id')).get(id)!;
      expect(row.responseBody!.length).toBeLessThanOrEqual(BODY_LIMIT + 20);
      expect(row.responseBody).toMatch(/…\[truncated\]$/);
    }
  });
});

describe('images a model made, on the other APIs', () => {
  const responses = (key: string, body: unknown) =>
    call('/v1/responses', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('are image_generation_call items of a Response, JSON and streamed', async () => {
    const { key } = await setup();
    upstream('generateContent', () => json(drawn));
    const response = await responses(key, { model: 'draw', input: 'Draw a cat', store: false });
    expect(response.status).toBe(200);
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.output.map((item: Json) => item.type)).toEqual(['message', 'image_generation_call']);
    expect(body.output[1]).toEqual({
      type: 'image_generation_call',
      id: expect.stringMatching(/^ig_/),
      status: 'completed',
      result: IMAGE,
    });

    upstream('streamGenerateContent', () => sse([frame(drawn)]));
    const streamed = await responses(key, { model: 'draw', input: 'Draw a dog', stream: true });
    const events = responseEvents(await streamed.text());
    for (const event of events) expectResponseEvent(event);
    const done = events.find(
      (e) => e.type === 'response.output_item.done' && (e.item as Json).type !== 'message',
    );
    expect(done?.item).toMatchObject({ type: 'image_generation_call', status: 'completed', result: IMAGE });
    const completed = events.at(-1) as Json;
    expect(completed.type).toBe('response.completed');
    expect(completed.response.output.map((item: Json) => item.type)).toEqual([
      'message',
      'image_generation_call',
    ]);
  });

  it('sent back as an image_generation_call item, are the model turn’s image again', async () => {
    const { key } = await setup();
    const sent: Json[] = [];
    onUpstream(`${MODEL_URL}:generateContent`, async (request) => {
      sent.push(await request.json());
      return json(answer([{ text: 'Blue now.' }]));
    });
    const response = await responses(key, {
      model: 'draw',
      input: [
        { role: 'user', content: 'Draw a cat' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A cat:' }] },
        { type: 'image_generation_call', id: 'ig_1', status: 'completed', result: IMAGE },
        { role: 'user', content: 'Make it blue' },
      ],
    });
    expect(response.status).toBe(200);
    expect(sent[0].contents).toEqual([
      { role: 'user', parts: [{ text: 'Draw a cat' }] },
      { role: 'model', parts: [{ text: 'A cat:' }, { inlineData: { mimeType: 'image/png', data: IMAGE } }] },
      { role: 'user', parts: [{ text: 'Make it blue' }] },
    ]);
  });

  it('are left out of a /v1/messages answer, which has no image blocks', async () => {
    const { key } = await setup();
    upstream('generateContent', () => json(drawn));
    const response = await messages(key, {
      model: 'draw',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Draw a cat' }],
    });
    expect(response.status).toBe(200);
    const body: Json = await response.json();
    expect(body.content).toEqual([{ type: 'text', text: 'A cat:' }]);
  });
});
