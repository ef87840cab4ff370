// A log row's usageDetail: what its cost was computed from beyond input/output/cached tokens, so
// that every row's costUsd can be recomputed from the row and a price.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { fittedRow, type LogRow, logRowSchema } from '../../src/logs/row';
import { encodedRow, insertLogs } from '../../src/logs/store';
import { usageDetailOf } from '../../src/logs/usage-detail';
import {
  admin,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
  timeoutFailoverConfig,
} from '../helpers/gateway';
import { answerOnTier, json, onUpstream } from '../helpers/upstream';
import { logRow, rowsById, waitForRows } from './helpers';

interface Rates {
  input: number;
  output: number;
  cached?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
  audioInput?: number;
  audioOutput?: number;
  imageOutput?: number;
}

/** costUsd from the row alone and the target's price (per million tokens), as a money review would. */
function recomputed(row: LogRow, rates: Rates): number {
  const d = row.usageDetail ?? {};
  const timedOut = d.timedOutInputTokens ?? 0;
  const written5m = d.cacheWrite5mTokens ?? 0;
  const written1h = d.cacheWrite1hTokens ?? 0;
  const audioIn = d.audioInputTokens ?? 0;
  const audioOut = d.audioOutputTokens ?? 0;
  const imageOut = d.imageOutputTokens ?? 0;
  const plain = row.inputTokens - timedOut - row.cachedTokens - written5m - written1h - audioIn;
  const micro =
    plain * rates.input +
    row.cachedTokens * (rates.cached ?? rates.input) +
    written5m * (rates.cacheWrite ?? rates.input) +
    written1h * (rates.cacheWrite1h ?? 2 * rates.input) +
    audioIn * (rates.audioInput ?? rates.input) +
    (row.outputTokens - audioOut - imageOut) * rates.output +
    audioOut * (rates.audioOutput ?? rates.output) +
    imageOut * (rates.imageOutput ?? rates.output);
  const factor = d.serviceTier === 'priority' ? 2 : d.serviceTier === 'flex' ? 0.5 : 1;
  return (micro * factor) / 1e6 + (d.timedOutCostUsd ?? 0);
}

const GPT_4O_MINI: Rates = { input: 0.15, output: 0.6, cached: 0.075 };
const hi = [{ role: 'user', content: 'hi' }];

interface Asked {
  stream?: boolean;
  service_tier?: string;
  user?: string;
}

/** An OpenAI answer naming the tier `tier` picks, as JSON or a stream with its usage chunk. */
function openaiAnswer(usage: object, tier: (asked: Asked) => string) {
  return async (request: Request) => {
    const asked = (await request.json()) as Asked;
    const { stream } = asked;
    return answerOnTier(stream, tier(asked), usage);
  };
}

async function send(key: string, id: string, body: object): Promise<void> {
  const response = await chat(key, body, { 'x-request-id': id });
  expect(response.status, id).toBe(200);
  await response.text();
}

describe('usageDetail on log rows', () => {
  it('records the priority tier an answer was charged at, its cost twice its tokens at the standard rates', async () => {
    expect((await putConfig(openaiConfig({ retry: { attempts: 0 } }))).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = {
      prompt_tokens: 100,
      completion_tokens: 10,
      total_tokens: 110,
      prompt_tokens_details: { cached_tokens: 0 },
    };
    // The provider serves `downgraded` on its default tier whatever was asked; the answer says so.
    const tier = (asked: Asked) =>
      asked.user === 'downgraded' ? 'default' : (asked.service_tier ?? 'default');
    onUpstream(`${OPENAI_URL}/chat/completions`, openaiAnswer(usage, tier));
    await send(key, 'detail-default', { model: 'gpt', messages: hi });
    await send(key, 'detail-priority', { model: 'gpt', messages: hi, service_tier: 'priority' });
    await send(key, 'detail-priority-stream', {
      model: 'gpt',
      messages: hi,
      service_tier: 'priority',
      stream: true,
    });
    await send(key, 'detail-downgraded', {
      model: 'gpt',
      messages: hi,
      service_tier: 'priority',
      user: 'downgraded',
    });
    const rows = await waitForRows([
      'detail-default',
      'detail-priority',
      'detail-priority-stream',
      'detail-downgraded',
    ]);
    const standard = (100 * 0.15 + 10 * 0.6) / 1e6;
    // Asked for priority or not, an answer served on the default tier is charged the standard rates.
    for (const id of ['detail-default', 'detail-downgraded']) {
      expect(rows.get(id)).toMatchObject({ usageDetail: null });
      expect(rows.get(id)!.costUsd).toBeCloseTo(standard, 12);
    }
    for (const id of ['detail-priority', 'detail-priority-stream']) {
      const row = rows.get(id)!;
      expect(row).toMatchObject({ inputTokens: 100, outputTokens: 10, cachedTokens: 0 });
      expect(row.usageDetail).toEqual({ serviceTier: 'priority' });
      expect(row.costUsd).toBeCloseTo(2 * standard, 12);
      expect(row.costUsd).toBeCloseTo(recomputed(row, GPT_4O_MINI), 12);
    }
  });

  it("records flex only where it was charged at half (OpenAI's own API), not where it was not", async () => {
    const OWN = 'https://api.openai.com/v1';
    const config = openaiConfig({
      retry: { attempts: 0 },
      providers: {
        own: { type: 'openai', apiKey: 'sk-test-secret' },
        other: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
      },
      models: {
        own: { targets: [{ provider: 'own', model: 'gpt-4o-mini' }] },
        other: { targets: [{ provider: 'other', model: 'gpt-4o-mini' }] },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };
    onUpstream(
      `${OWN}/chat/completions`,
      openaiAnswer(usage, () => 'flex'),
    );
    onUpstream(
      `${OPENAI_URL}/chat/completions`,
      openaiAnswer(usage, () => 'flex'),
    );
    await send(key, 'detail-flex-own', { model: 'own', messages: hi, service_tier: 'flex' });
    await send(key, 'detail-flex-other', { model: 'other', messages: hi, service_tier: 'flex' });
    const rows = await waitForRows(['detail-flex-own', 'detail-flex-other']);
    const own = rows.get('detail-flex-own')!;
    expect(own.usageDetail).toEqual({ serviceTier: 'flex' });
    expect(own.costUsd).toBeCloseTo(recomputed(own, GPT_4O_MINI), 12);
    const other = rows.get('detail-flex-other')!;
    expect(other.usageDetail).toBeNull();
    expect(other.costUsd).toBeCloseTo(recomputed(other, GPT_4O_MINI), 12);
  });

  it("records an Anthropic answer's 5-minute and 1-hour cache writes", async () => {
    const ANTHROPIC_URL = 'https://anthropic.test';
    const config = {
      providers: { anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' } },
      models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
      retry: { attempts: 0 },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    onUpstream(`${ANTHROPIC_URL}/v1/messages`, () =>
      json({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'Bonjour' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: 100,
          cache_read_input_tokens: 200,
          cache_creation_input_tokens: 300,
          cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
          output_tokens: 50,
        },
      }),
    );
    await send(key, 'detail-anthropic', { model: 'claude', messages: hi });
    const row = (await waitForRows(['detail-anthropic'])).get('detail-anthropic')!;
    expect(row).toMatchObject({ inputTokens: 600, outputTokens: 50, cachedTokens: 200 });
    expect(row.usageDetail).toEqual({ cacheWrite5mTokens: 100, cacheWrite1hTokens: 200 });
    // claude-sonnet-4-5: $3 in, $0.30 cache read, $3.75 cache write (5 min), $6 for an hour, $15 out
    const expected = (100 * 3 + 200 * 0.3 + 100 * 3.75 + 200 * 6 + 50 * 15) / 1e6;
    expect(row.costUsd).toBeCloseTo(expected, 12);
    const claude = { input: 3, output: 15, cached: 0.3, cacheWrite: 3.75 };
    expect(row.costUsd).toBeCloseTo(recomputed(row, claude), 12);
  });

  it('records the audio tokens of an answer in and out', async () => {
    const config = openaiConfig({
      retry: { attempts: 0 },
      models: { voice: { targets: [{ provider: 'openai', model: 'gpt-4o-audio-preview' }] } },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = {
      prompt_tokens: 1_000,
      completion_tokens: 500,
      total_tokens: 1_500,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 800 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 400 },
    };
    onUpstream(
      `${OPENAI_URL}/chat/completions`,
      openaiAnswer(usage, () => 'default'),
    );
    const say = { model: 'voice', modalities: ['text', 'audio'], messages: hi };
    await send(key, 'detail-audio', say);
    await send(key, 'detail-audio-stream', { ...say, stream: true });
    const rows = await waitForRows(['detail-audio', 'detail-audio-stream']);
    const audioRates = { input: 2.5, output: 10, audioInput: 40, audioOutput: 80 };
    for (const row of rows.values()) {
      expect(row.usageDetail).toEqual({ audioInputTokens: 800, audioOutputTokens: 400 });
      expect(row.costUsd).toBeCloseTo((200 * 2.5 + 800 * 40 + 100 * 10 + 400 * 80) / 1e6, 12);
      expect(row.costUsd).toBeCloseTo(recomputed(row, audioRates), 12);
    }
  });

  it('records the prompt of an attempt the gateway timed out, and what it cost, beside the answer', async () => {
    const config = timeoutFailoverConfig({
      pricing: {
        'openai/gpt-4o-mini': { inputPerMTok: 1000, outputPerMTok: 1000 },
        'mock/mock-1': { inputPerMTok: 10, outputPerMTok: 20 },
      },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (request.signal.aborted) throw request.signal.reason;
      return json({});
    });
    const response = await chat(
      key,
      { model: 'gpt', messages: [{ role: 'user', content: 'a prompt of some length' }] },
      { 'x-request-id': 'detail-timed-out' },
    );
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    const served = (await response.json<Json>()).usage;
    const row = (await waitForRows(['detail-timed-out'])).get('detail-timed-out')!;
    const timedOut = row.inputTokens - served.prompt_tokens;
    expect(timedOut).toBeGreaterThan(0);
    expect(row.usageDetail).toEqual({
      timedOutInputTokens: timedOut,
      timedOutCostUsd: expect.closeTo((timedOut * 1000) / 1e6, 12),
    });
    expect(row.costUsd).toBeCloseTo(recomputed(row, { input: 10, output: 20 }), 12);
  });

  it('leaves a plain answer without one, and returns it from GET /admin/logs and /admin/logs/:id', async () => {
    const config = openaiConfig({
      retry: { attempts: 0 },
      pricing: { 'mock/mock-1': { inputPerMTok: 1, outputPerMTok: 2 } },
    });
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
    onUpstream(
      `${OPENAI_URL}/chat/completions`,
      openaiAnswer(usage, (asked) => asked.service_tier ?? 'default'),
    );
    await send(key, 'detail-plain', { model: 'fast', messages: hi });
    await send(key, 'detail-listed', { model: 'gpt', messages: hi, service_tier: 'priority' });
    const rows = await waitForRows(['detail-plain', 'detail-listed']);
    const plain = rows.get('detail-plain')!;
    expect(plain.usageDetail).toBeNull();
    expect(plain.costUsd).toBeCloseTo(recomputed(plain, { input: 1, output: 2 }), 12);

    const listed = await (await admin('/admin/logs?requestId=detail-listed')).json<Json>();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].usageDetail).toEqual({ serviceTier: 'priority' });
    const one = await (await admin(`/admin/logs/${listed.data[0].id}`)).json<Json>();
    expect(one.usageDetail).toEqual({ serviceTier: 'priority' });
    const none = await (await admin('/admin/logs?requestId=detail-plain')).json<Json>();
    expect(none.data[0]).toHaveProperty('usageDetail', null);
  });
});

describe('usageDetail storage', () => {
  it('holds only what is not the default, and null when nothing is', () => {
    const usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 };
    expect(usageDetailOf(usage, {})).toBeNull();
    expect(usageDetailOf(undefined, {})).toBeNull();
    expect(usageDetailOf(usage, { timedOut: { tokens: 0, costUsd: 0 } })).toBeNull();
    expect(
      usageDetailOf(
        { ...usage, prompt_tokens_details: { cached_tokens: 3, cache_creation_tokens: 0 } },
        { tier: 'priority' },
      ),
    ).toEqual({ serviceTier: 'priority' });
  });

  it('reads a row buffered before it existed as null, and keeps it in a row fitted to the size cap', async () => {
    const { usageDetail: _, ...before } = logRow({ id: 'detail-old', time: 1 });
    expect(logRowSchema.parse(before).usageDetail).toBeNull();

    const detail = { serviceTier: 'priority', cacheWrite1hTokens: 5, timedOutCostUsd: 0.25 } as const;
    const huge = `mock/${'"'.repeat(300_000)}`;
    const row = logRow({ id: 'detail-fitted', time: Date.now(), model: huge, usageDetail: detail });
    expect(fittedRow(row).usageDetail).toEqual(detail);
    expect(JSON.parse(encodedRow(row)).at(-1)).toBe(JSON.stringify(detail));
    await insertLogs(env.DB, [row, logRow({ id: 'detail-none', time: Date.now() })]);
    const stored = await rowsById(['detail-fitted', 'detail-none']);
    expect(stored.get('detail-fitted')?.usageDetail).toEqual(detail);
    expect(stored.get('detail-none')?.usageDetail).toBeNull();
  });
});
