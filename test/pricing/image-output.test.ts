// Image output priced apart from text: Nova 2 Omni on Bedrock writes text at $2.80 and images at
// $44.00 per million tokens, and Converse's usage does not split them. Charged at the text rate
// unless the answer holds an image; reserved at the image rate, since any prompt may ask for one,
// and an output the gateway estimates (a stream cut short) charged at it.
import { describe, expect, it } from 'vitest';
import { costOf, worstCaseCost } from '../../src/pricing/cost';
import { countedUsage } from '../../src/pricing/usage';
import { toCompletion } from '../../src/providers/bedrock-response';
import { translateConverseStream } from '../../src/providers/bedrock-stream';
import { encodeEvents, eventStreamResponse } from '../fixtures/bedrock/event-stream-encoder';
import { chat, createKey, putConfig } from '../helpers/gateway';
import { onUpstream } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';
import { expectRates, price } from './rates';

const OMNI = 'us.amazon.nova-2-omni-v1:0';
const usage = { inputTokens: 1_000, outputTokens: 2_000, totalTokens: 3_000 };
const image = { format: 'png', source: { bytes: 'iVBORw0KGgo=' } };
const answer = (content: object[]) => ({
  output: { message: { role: 'assistant', content } },
  stopReason: 'end_turn',
  usage,
});

describe("Nova 2 Omni's price", () => {
  it('charges text out at $2.80 and image tokens out at $44.00, input at $0.30', () => {
    const omni = price('bedrock', OMNI);
    expectRates(omni, { input: 0.3, output: 2.8, read: 0.3 }, 'nova-2-omni');
    const imageTokens = {
      prompt_tokens: 0,
      completion_tokens: 1_000_000,
      total_tokens: 1_000_000,
      completion_tokens_details: { image_tokens: 1_000_000 },
    };
    expect(costOf(imageTokens, omni)).toBeCloseTo(44, 9);
  });

  it('reserves every output token at the image rate', () => {
    expect(worstCaseCost(0, 1_000_000, [price('bedrock', OMNI)])).toBeCloseTo(44, 9);
  });
});

describe('image tokens in a usage report', () => {
  it('keeps them within the completion, never counted twice with audio', () => {
    const counted = countedUsage({
      prompt_tokens: 1,
      completion_tokens: 100,
      completion_tokens_details: { audio_tokens: 30, image_tokens: 500 },
    });
    expect(counted?.completion_tokens_details).toEqual({ audio_tokens: 30, image_tokens: 70 });
  });
});

describe('a Converse answer', () => {
  it('counts all its output as image tokens when it holds an image, and none when it does not', () => {
    const drawn = toCompletion('aws', JSON.stringify(answer([{ text: 'Here:' }, { image }])), 'c1', OMNI);
    expect(drawn.usage).toMatchObject({ completion_tokens: 2_000 });
    expect(drawn.usage?.completion_tokens_details).toEqual({ image_tokens: 2_000 });
    const written = toCompletion('aws', JSON.stringify(answer([{ text: 'Hello' }])), 'c2', OMNI);
    expect(written.usage).not.toHaveProperty('completion_tokens_details');
  });

  it('streamed, counts them so when an image block starts', async () => {
    const events = (withImage: boolean) => [
      { event: 'messageStart', payload: { role: 'assistant' } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Here:' } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
      ...(withImage
        ? [
            {
              event: 'contentBlockStart',
              payload: { contentBlockIndex: 1, start: { image: { format: 'png' } } },
            },
            { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
          ]
        : []),
      { event: 'messageStop', payload: { stopReason: 'end_turn' } },
      { event: 'metadata', payload: { usage } },
    ];
    const usageOf = async (withImage: boolean) => {
      const body = new Response(encodeEvents(events(withImage))).body!;
      const text = await new Response(translateConverseStream(body, 'aws', 'c', OMNI)).text();
      const chunk = text
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: {'))
        .map((frame) => JSON.parse(frame.slice(6)))
        .find((data) => data.usage);
      return chunk.usage;
    };
    expect((await usageOf(true)).completion_tokens_details).toEqual({ image_tokens: 2_000 });
    expect(await usageOf(false)).not.toHaveProperty('completion_tokens_details');
  });
});

describe('Nova 2 Omni through the gateway', () => {
  const BASE = 'https://bedrock.upstream.test';
  const setup = async () => {
    const config = {
      providers: {
        aws: {
          type: 'bedrock',
          region: 'us-east-1',
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
          baseUrl: BASE,
          models: [OMNI],
        },
      },
      models: { omni: { targets: [{ provider: 'aws', model: OMNI }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    return (await createKey()).key;
  };
  const costOfAnswer = async (key: string, stream: boolean) => {
    const response = await chat(key, {
      model: 'omni',
      stream,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get('x-request-id')!;
    return (await waitForRows([id], 8000, 'id')).get(id)!;
  };

  it('charges a text answer at the text rate, not the image rate (15× as much)', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () => Response.json(answer([{ text: 'Hello' }])));
    const row = await costOfAnswer(key, false);
    expect(row.costUsd).toBeCloseTo((1_000 * 0.3 + 2_000 * 2.8) / 1e6, 12);
    expect(row.usageDetail).toBeNull();
  });

  it('charges an answer with an image at the image rate, and its log row says so', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () => Response.json(answer([{ image }])));
    const row = await costOfAnswer(key, false);
    expect(row.costUsd).toBeCloseTo((1_000 * 0.3 + 2_000 * 44) / 1e6, 12);
    expect(row.usageDetail).toEqual({ imageOutputTokens: 2_000 });
  });

  it('charges a streamed text answer at the text rate', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () =>
      eventStreamResponse(
        encodeEvents([
          { event: 'messageStart', payload: { role: 'assistant' } },
          { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Hello' } } },
          { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
          { event: 'messageStop', payload: { stopReason: 'end_turn' } },
          { event: 'metadata', payload: { usage } },
        ]),
      ),
    );
    const row = await costOfAnswer(key, true);
    expect(row.costUsd).toBeCloseTo((1_000 * 0.3 + 2_000 * 2.8) / 1e6, 12);
  });

  it('charges a stream cut short without usage at the image rate: the estimate cannot see an image', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () =>
      eventStreamResponse(
        encodeEvents([
          { event: 'messageStart', payload: { role: 'assistant' } },
          { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Here:' } } },
        ]),
      ),
    );
    const row = await costOfAnswer(key, true);
    expect(row.outputTokens).toBeGreaterThan(0);
    expect(row.usageDetail).toEqual({ imageOutputTokens: row.outputTokens, estimated: true });
    expect(row.costUsd).toBeCloseTo((row.inputTokens * 0.3 + row.outputTokens * 44) / 1e6, 12);
  });
});
