// Gemini's image models bill image tokens apart from text and thinking (Gemini 3 Pro Image: $120
// against $12 per million): the answer's candidatesTokensDetails tells them apart, and the usage
// carries the image count as completion_tokens_details.image_tokens. Reserved, and charged when
// the gateway has to estimate the output, at the image rate.
import { describe, expect, it } from 'vitest';
import { costOf, worstCaseCost } from '../../src/pricing/cost';
import { estimatedOutput } from '../../src/pricing/estimated-output';
import { responseSchema, toCompletion } from '../../src/providers/gemini-response';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { json, onUpstream, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { expectRates, price } from './rates';

const PRO_IMAGE = 'gemini-3-pro-image-preview';
const image = { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } };
/** 1,000 in; out: 220 text, 1,120 image (one 1K image), 300 thinking. */
const usageMetadata = {
  promptTokenCount: 1_000,
  candidatesTokenCount: 1_340,
  thoughtsTokenCount: 300,
  totalTokenCount: 2_640,
  candidatesTokensDetails: [
    { modality: 'TEXT', tokenCount: 220 },
    { modality: 'IMAGE', tokenCount: 1_120 },
  ],
};
const answer = (usage: object | undefined, parts: object[] = [{ text: 'Here it is.' }, image]) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  ...(usage ? { usageMetadata: usage } : {}),
});
/** Text and thinking at $12, images at $120, input at $2. */
const SPLIT_COST = (1_000 * 2 + (220 + 300) * 12 + 1_120 * 120) / 1e6;

describe("Gemini image models' prices", () => {
  it('charge Gemini 3 Pro Image text and thinking at $12 and image tokens at $120', () => {
    const pro = price('gemini', PRO_IMAGE);
    expectRates(pro, { input: 2, output: 12 }, PRO_IMAGE);
    const images = { prompt_tokens: 0, completion_tokens: 1e6, total_tokens: 1e6 };
    expect(costOf({ ...images, completion_tokens_details: { image_tokens: 1e6 } }, pro)).toBeCloseTo(120, 9);
  });

  it('price Gemini 2.5 Flash Image and 3.1 Flash Image, preview ids too, images at $30 and $60', () => {
    const images = { prompt_tokens: 0, completion_tokens: 1e6, total_tokens: 1e6 };
    const imageRate = (model: string) =>
      costOf({ ...images, completion_tokens_details: { image_tokens: 1e6 } }, price('gemini', model));
    for (const model of ['gemini-2.5-flash-image', 'gemini-2.5-flash-image-preview']) {
      expectRates(price('gemini', model), { input: 0.3, output: 2.5 }, model);
      expect(imageRate(model)).toBeCloseTo(30, 9);
    }
    expectRates(price('vertex', 'gemini-3.1-flash-image-preview'), { input: 0.5, output: 3 }, '3.1 image');
    expect(imageRate('gemini-3.1-flash-image-preview')).toBeCloseTo(60, 9);
  });

  it('reserve every output token at the image rate, since any prompt may ask for an image', () => {
    expect(worstCaseCost(0, 1_000_000, [price('gemini', PRO_IMAGE)])).toBeCloseTo(120, 9);
    expect(worstCaseCost(0, 1_000_000, [price('gemini', 'gemini-2.5-flash-image')])).toBeCloseTo(30, 9);
  });

  it('charge an estimated output at the image rate, and leave a text model’s estimate alone', () => {
    const estimate = { prompt_tokens: 0, completion_tokens: 1e6, total_tokens: 1e6 };
    const pro = price('gemini', PRO_IMAGE);
    expect(costOf(estimatedOutput(estimate, pro), pro)).toBeCloseTo(120, 9);
    expect(estimatedOutput(estimate, price('gemini', 'gemini-2.5-flash'))).toBe(estimate);
  });
});

describe('a Gemini answer with images', () => {
  const usageOf = (body: object) =>
    toCompletion('g', responseSchema.parse(body), { id: 'c', model: PRO_IMAGE }, false).usage;

  it('counts the IMAGE modality of candidatesTokensDetails as image tokens', () => {
    expect(usageOf(answer(usageMetadata))).toMatchObject({
      prompt_tokens: 1_000,
      completion_tokens: 1_640,
      completion_tokens_details: { reasoning_tokens: 300, image_tokens: 1_120 },
    });
  });

  it('without that breakdown, counts all candidate tokens as image tokens when it holds an image', () => {
    const { candidatesTokensDetails: _, ...unsplit } = usageMetadata;
    expect(usageOf(answer(unsplit))?.completion_tokens_details).toEqual({
      reasoning_tokens: 300,
      image_tokens: 1_340,
    });
    const written = usageOf(answer(unsplit, [{ text: 'No picture.' }]));
    expect(written?.completion_tokens_details).toEqual({ reasoning_tokens: 300 });
  });
});

describe('Gemini 3 Pro Image through the gateway', () => {
  const BASE = 'https://gemini.test/v1beta';
  const MODEL_URL = `${BASE}/models/${PRO_IMAGE}`;
  const setup = async () => {
    const config = {
      providers: { g: { type: 'gemini', baseUrl: BASE, apiKey: 'AIza-secret' } },
      models: { draw: { targets: [{ provider: 'g', model: PRO_IMAGE }] } },
      retry: { attempts: 0 },
    };
    expect((await putConfig(config)).status).toBe(200);
    return (await createKey()).key;
  };
  const ask = (key: string, stream: boolean) =>
    chat(key, {
      model: 'draw',
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      messages: [{ role: 'user', content: 'Draw a cat' }],
    });
  const rowOf = async (response: Response) =>
    (await waitForRows([response.headers.get('x-request-id')!], 8000, 'id')).get(
      response.headers.get('x-request-id')!,
    )!;
  const frame = (data: object) => `data: ${JSON.stringify(data)}\r\n\r\n`;

  it('charges a JSON answer text at $12 and images at $120, and tells the client its image tokens', async () => {
    const key = await setup();
    onUpstream(`${MODEL_URL}:generateContent`, () => json(answer(usageMetadata)));
    const response = await ask(key, false);
    expect(response.status).toBe(200);
    const body: Json = await response.json();
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body.usage.completion_tokens_details).toEqual({ reasoning_tokens: 300, image_tokens: 1_120 });
    const row = await rowOf(response);
    expect(row.costUsd).toBeCloseTo(SPLIT_COST, 12);
    expect(row.usageDetail).toEqual({ imageOutputTokens: 1_120 });
  });

  it('charges a stream so too, on its last usage report', async () => {
    const key = await setup();
    const { candidatesTokensDetails: _, ...early } = usageMetadata;
    onUpstream(`${MODEL_URL}:streamGenerateContent`, () =>
      sse([
        frame({
          candidates: [{ content: { role: 'model', parts: [{ text: 'Here it is.' }] }, index: 0 }],
          usageMetadata: { ...early, candidatesTokenCount: 5, thoughtsTokenCount: 300 },
        }),
        frame(answer(usageMetadata, [image])),
      ]),
    );
    const response = await ask(key, true);
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text()) as Json[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.at(-1).usage.completion_tokens_details).toEqual({
      reasoning_tokens: 300,
      image_tokens: 1_120,
    });
    const row = await rowOf(response);
    expect(row.costUsd).toBeCloseTo(SPLIT_COST, 12);
  });

  it('charges a stream cut short without usage at the image rate, its output being an estimate', async () => {
    const key = await setup();
    onUpstream(`${MODEL_URL}:streamGenerateContent`, () =>
      sse([frame({ candidates: [{ content: { role: 'model', parts: [{ text: 'Drawing…' }] }, index: 0 }] })]),
    );
    const response = await ask(key, true);
    await response.text();
    const row = await rowOf(response);
    expect(row.outputTokens).toBeGreaterThan(0);
    expect(row.usageDetail).toEqual({ imageOutputTokens: row.outputTokens, estimated: true });
    expect(row.costUsd).toBeCloseTo((row.inputTokens * 2 + row.outputTokens * 120) / 1e6, 12);
  });
});
