import { waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatDirect } from '../helpers/direct';
import {
  admin,
  call,
  chat,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  putConfig,
} from '../helpers/gateway';
import { answerOnTier, json, onUpstream, sse } from '../helpers/upstream';
import { rowsById, waitForRows } from './helpers';

// Mock answers cost something here, so cost and savings are visible in the rows.
const PRICE = { inputPerMTok: 1000, outputPerMTok: 2000 };
const config = openaiConfig({
  retry: { attempts: 0 },
  pricing: { 'mock/mock-1': PRICE },
});
const costOf = (usage: { prompt_tokens: number; completion_tokens: number }) =>
  (usage.prompt_tokens * PRICE.inputPerMTok + usage.completion_tokens * PRICE.outputPerMTok) / 1e6;

const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'fast',
  messages: [{ role: 'user', content: text }],
  ...extra,
});

describe('request logs', () => {
  it('leaves exactly one row per request under concurrency: served, failed upstream, refused', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const a = await createKey({ name: 'logs a' });
    const b = await createKey({ name: 'logs b', limits: { rpm: 1 } });
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json({ error: { message: 'boom' } }, 500));

    type Case = { id: string; send: () => Promise<Response> };
    const cases: Case[] = [];
    const add = (kind: string, send: (id: string) => Promise<Response>) => {
      const id = `conc-${kind}-${cases.length}`;
      cases.push({ id, send: () => send(id) });
    };
    const meta = { 'x-tollgate-metadata': '{"user":"u1","feature":"search"}' };
    for (let i = 0; i < 8; i++)
      add('ok', (id) => chat(a.key, ask(`hello number ${i}`), { 'x-request-id': id, ...meta }));
    for (let i = 0; i < 2; i++)
      add('stream', (id) =>
        chat(a.key, ask(`stream me ${i}`, { stream: true }), { 'x-request-id': id, ...meta }),
      );
    for (let i = 0; i < 4; i++)
      add('upstream', (id) => chat(a.key, { ...ask(`fail ${i}`), model: 'gpt' }, { 'x-request-id': id }));
    for (let i = 0; i < 4; i++) add('rpm', (id) => chat(b.key, ask(`limited ${i}`), { 'x-request-id': id }));
    for (let i = 0; i < 2; i++)
      add('unauth', (id) => chat('tg-not-a-real-key-000000000000', ask('x'), { 'x-request-id': id }));
    for (let i = 0; i < 2; i++)
      add('metadata', (id) =>
        chat(a.key, ask('x'), { 'x-request-id': id, 'x-tollgate-metadata': '{"n":1}' }),
      );
    for (let i = 0; i < 2; i++)
      add('model', (id) => chat(a.key, { ...ask('x'), model: 'nope' }, { 'x-request-id': id }));
    add('body', (id) => chat(a.key, '{"model":', { 'x-request-id': id }));
    add('models', (id) =>
      call('/v1/models', { headers: { authorization: `Bearer ${a.key}`, 'x-request-id': id } }),
    );

    const responses = await Promise.all(
      cases.map(async (c) => {
        const response = await c.send();
        return { id: c.id, response, text: await response.text() };
      }),
    );
    const ids = cases.map((c) => c.id);
    const rows = await waitForRows(ids);
    expect(rows.size).toBe(cases.length);
    // Nothing arrives twice or late: a second round of flushes changes nothing.
    await waitForRows(ids);
    const again = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM request_logs WHERE client_request_id LIKE 'conc-%'",
    ).first<{
      n: number;
    }>();
    expect(again?.n).toBe(cases.length);

    for (const { id, response, text } of responses) {
      const row = rows.get(id)!;
      expect(row.status, id).toBe(response.status);
      expect(row.path).toBe(id.includes('models') ? '/v1/models' : '/v1/chat/completions');
      expect(JSON.stringify(row)).not.toContain(a.key);
      if (id.includes('-ok-')) {
        const body = JSON.parse(text);
        expect(row).toMatchObject({
          keyId: a.id,
          teamId: null,
          model: 'fast',
          provider: 'mock',
          servedModel: 'mock-1',
          errorCode: null,
          stream: false,
          cancelled: false,
          zdr: false,
          inputTokens: body.usage.prompt_tokens,
          outputTokens: body.usage.completion_tokens,
          metadata: { user: 'u1', feature: 'search' },
          ttftMs: null,
          requestBody: null,
          responseBody: null,
        });
        expect(row.cache).toBe(response.headers.get('x-tollgate-cache') ?? 'miss');
        expect(row.costUsd).toBeCloseTo(costOf(body.usage), 12);
        expect(row.attempts).toHaveLength(1);
        expect(row.attempts[0]).toMatchObject({ provider: 'mock', model: 'mock-1', status: 200 });
      }
      if (id.includes('-stream-')) {
        expect(row).toMatchObject({ keyId: a.id, stream: true, cancelled: false, errorCode: null });
        expect(row.outputTokens).toBeGreaterThan(0);
        expect(row.ttftMs).not.toBeNull();
        expect(row.latencyMs).toBeGreaterThanOrEqual(row.ttftMs!);
      }
      if (id.includes('-upstream-')) {
        expect(row).toMatchObject({
          status: 502,
          errorCode: 'upstream_error',
          keyId: a.id,
          provider: 'openai',
        });
        expect(row.attempts.length).toBeGreaterThanOrEqual(1);
        expect(row.attempts[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', status: 500 });
        expect(row.costUsd).toBe(0);
      }
      if (id.includes('-unauth-'))
        expect(row).toMatchObject({ status: 401, errorCode: 'invalid_api_key', keyId: null });
      if (id.includes('-metadata-'))
        expect(row).toMatchObject({ status: 400, errorCode: 'invalid_metadata', keyId: a.id });
      if (id.includes('-model-'))
        expect(row).toMatchObject({ status: 404, errorCode: 'model_not_found', model: 'nope', keyId: a.id });
      if (id.includes('-body-'))
        expect(row).toMatchObject({ status: 400, errorCode: 'invalid_json', keyId: a.id });
      if (id.includes('-models')) expect(row).toMatchObject({ status: 200, method: 'GET', cache: 'skip' });
    }
    // The rpm=1 key: one request through, the rest refused with 429 — and all four logged under b.
    const limited = responses.filter((r) => r.id.includes('-rpm-'));
    expect(limited.map((r) => r.response.status).sort()).toEqual([200, 429, 429, 429]);
    for (const r of limited) {
      const row = rows.get(r.id)!;
      expect(row.keyId).toBe(b.id);
      if (row.status === 429) expect(row.errorCode).toBe('rate_limit_exceeded');
    }
  });

  it('answers a malformed x-tollgate-metadata header with a 400 naming it', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    for (const header of [
      'not json',
      '["a"]',
      '{"n":1}',
      JSON.stringify(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']))),
      '{"__proto__":"x"}', // an ordinary object would drop it without a word
    ]) {
      const response = await chat(key, ask('x'), { 'x-tollgate-metadata': header });
      expect(response.status).toBe(400);
      const body = await response.json<Json>();
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.param).toBe('x-tollgate-metadata');
      expect(body.error.message).toContain('x-tollgate-metadata');
    }
  });

  it('keeps request and response bodies only for keys with logBodies, and shows them in the detail', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const plain = await createKey({ name: 'no bodies' });
    const logged = await createKey({ name: 'bodies', logBodies: true });
    await (await chat(plain.key, ask('secret-free text'), { 'x-request-id': 'bodies-off' })).text();
    await (await chat(logged.key, ask('please log me'), { 'x-request-id': 'bodies-on' })).text();
    const stream = await chat(logged.key, ask('stream and log me', { stream: true }), {
      'x-request-id': 'bodies-stream',
    });
    await stream.text();
    const rows = await waitForRows(['bodies-off', 'bodies-on', 'bodies-stream']);
    expect(rows.get('bodies-off')).toMatchObject({ requestBody: null, responseBody: null });
    const on = rows.get('bodies-on')!;
    expect(JSON.parse(on.requestBody!).messages[0].content).toBe('please log me');
    expect(JSON.parse(on.responseBody!).object).toBe('chat.completion');
    expect(rows.get('bodies-stream')!.responseBody).toContain('chat.completion.chunk');

    const detail = await (await admin(`/admin/logs/${on.id}`)).json<Json>();
    expect(detail).toMatchObject({
      id: on.id,
      clientRequestId: 'bodies-on',
      key: logged.id,
      status: 200,
      object: 'gateway.log',
    });
    expect(JSON.parse(detail.requestBody).model).toBe('fast');
    for (const row of rows.values()) {
      expect(JSON.stringify(row)).not.toContain(logged.key);
      expect(JSON.stringify(row)).not.toContain('Bearer');
    }
  });

  it('caps a logged body at 32 KiB of UTF-8, cut at a whole character, and filters by a long model name', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const logged = await createKey({ name: 'wide bodies', logBodies: true });
    await (await chat(logged.key, ask('中'.repeat(20_000)), { 'x-request-id': 'bodies-wide' })).text();
    const row = (await waitForRows(['bodies-wide'])).get('bodies-wide')!;
    const bytes = new TextEncoder().encode(row.requestBody!).length;
    expect(bytes).toBeLessThanOrEqual(32 * 1024 + '…[truncated]'.length * 3);
    expect(bytes).toBeGreaterThan(32 * 1024 - 3);
    expect(row.requestBody!.endsWith('中…[truncated]')).toBe(true);
    // Any model name the gateway takes (up to 256 characters) can be filtered on.
    const model = 'm'.repeat(230);
    const response = await admin(`/admin/logs?model=${model}`);
    expect(response.status).toBe(200);
  });

  it('logs a stream the client cancels as cancelled, with the tokens seen so far', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { id: keyId, key } = await createKey();
    const encoder = new TextEncoder();
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    let upstreamCancelled = false;
    onUpstream(`${OPENAI_URL}/chat/completions`, () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          // A slow provider: a chunk every 20 ms, for as long as anyone listens.
          if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 20));
          controller.enqueue(encoder.encode(chunk(`part ${sent++} `)));
        },
        cancel() {
          upstreamCancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    // The Worker is called directly so that the client's cancel reaches the response stream itself,
    // as the runtime does when a client disconnects (a service binding in between only stops reading).
    const story = { ...ask('tell me a long story', { stream: true }), model: 'gpt' };
    const { response, ctx } = await chatDirect(key, story, 'cancelled-stream');
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while ((text.match(/data: /g) ?? []).length < 2)
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await waitOnExecutionContext(ctx);

    const row = (await waitForRows(['cancelled-stream'])).get('cancelled-stream')!;
    expect(row).toMatchObject({
      keyId,
      status: 200,
      stream: true,
      cancelled: true,
      errorCode: null,
      provider: 'openai',
      servedModel: 'gpt-4o-mini',
    });
    expect(row.outputTokens).toBeGreaterThanOrEqual(2);
    expect(row.inputTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeGreaterThan(0);
    expect(row.ttftMs).not.toBeNull();
    expect(upstreamCancelled).toBe(true);
  });

  it('logs a client that disconnects mid-stream as cancelled too', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    endlessUpstream((sent) => `w${sent} `);
    const row = await leaveAfterFirstChunk(key, 'a story', 'gone-client');
    expect(row).toMatchObject({ status: 200, stream: true, cancelled: true, provider: 'openai' });
    expect(row.outputTokens).toBeGreaterThanOrEqual(1);
  });

  it('charges a stream cut short by the text it relayed when its events carry many tokens', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    // A provider that sends its answer in large pieces (as Gemini does): 400 characters an event.
    endlessUpstream(() => 'x'.repeat(400));
    const row = await leaveAfterFirstChunk(key, 'a long story', 'gone-big-events');
    expect(row).toMatchObject({ status: 200, stream: true, cancelled: true });
    // A hundred tokens (400 characters at ~4 a token) for each event relayed, not one.
    expect(row.outputTokens).toBeGreaterThanOrEqual(100);
    expect(row.outputTokens % 100).toBe(0);
  });

  it('records what the response said about the cache, and the saving of a hit', async () => {
    const cached = { ...config, cache: { exact: { enabled: true, ttlSeconds: 600 } } };
    expect((await putConfig(cached)).status).toBe(200);
    const { key } = await createKey();
    const question = ask('the same question twice, please', { temperature: 0 });
    const first = await chat(key, question, { 'x-request-id': 'cache-first' });
    const firstBody = await first.json<Json>();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the answer is stored after the response
    const second = await chat(key, question, { 'x-request-id': 'cache-second' });
    await second.text();
    const skipped = await chat(key, question, { 'x-request-id': 'cache-skip', 'x-tollgate-cache': 'skip' });
    await skipped.text();
    const rows = await waitForRows(['cache-first', 'cache-second', 'cache-skip']);
    expect(rows.get('cache-first')!.cache).toBe(first.headers.get('x-tollgate-cache') ?? 'miss');
    expect(rows.get('cache-skip')!.cache).toBe('skip');
    const hit = rows.get('cache-second')!;
    const status = second.headers.get('x-tollgate-cache');
    expect(status).toBe('hit-exact');
    expect(hit.cache).toBe('hit-exact');
    // A hit costs nothing, saves what the first answer cost, and names what produced the answer.
    expect(hit.costUsd).toBe(0);
    expect(hit.savedUsd).toBeCloseTo(costOf(firstBody.usage), 12);
    expect(hit).toMatchObject({ provider: 'mock', servedModel: 'mock-1', attempts: [] });
  });

  it('saves, on a hit of an answer served on the priority tier, what that answer cost', async () => {
    const cached = openaiConfig({
      retry: { attempts: 0 },
      cache: { exact: { enabled: true, ttlSeconds: 600 } },
    });
    expect((await putConfig(cached)).status).toBe(200);
    const { key } = await createKey();
    const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({
        id: 'c',
        object: 'chat.completion',
        service_tier: 'priority',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage,
      }),
    );
    const question = {
      model: 'gpt',
      temperature: 0,
      messages: [{ role: 'user', content: 'a priority question' }],
    };
    await (await chat(key, question, { 'x-request-id': 'tier-cache-first' })).text();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the answer is stored after the response
    const second = await chat(key, question, { 'x-request-id': 'tier-cache-second' });
    await second.text();
    expect(second.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const rows = await waitForRows(['tier-cache-first', 'tier-cache-second']);
    const priority = (2 * (1_000 * 0.15 + 100 * 0.6)) / 1e6; // gpt-4o-mini at twice its rates
    expect(rows.get('tier-cache-first')?.costUsd).toBeCloseTo(priority, 12);
    expect(rows.get('tier-cache-second')?.savedUsd).toBeCloseTo(priority, 12);
  });

  it('saves, on a hit, what the stored answer was charged when its stream reported no usage', async () => {
    const cached = { ...config, cache: { exact: { enabled: true, ttlSeconds: 600 } } };
    expect((await putConfig(cached)).status).toBe(200);
    const { key } = await createKey();
    const frames = ['Paris ', 'it is'].map(
      (content, index) =>
        `data: ${JSON.stringify({
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, delta: { content }, finish_reason: index === 1 ? 'stop' : null }],
        })}\n\n`,
    );
    // A provider that sends no usage chunk, whatever stream_options says.
    onUpstream(
      `${OPENAI_URL}/chat/completions`,
      () =>
        new Response([...frames, 'data: [DONE]\n\n'].join(''), {
          headers: { 'content-type': 'text/event-stream' },
        }),
    );
    const question = { ...ask('the capital of France?', { stream: true, temperature: 0 }), model: 'gpt' };
    await (await chat(key, question, { 'x-request-id': 'unreported-first' })).text();
    await new Promise((resolve) => setTimeout(resolve, 100)); // stored after the response
    const second = await chat(key, question, { 'x-request-id': 'unreported-hit' });
    await second.text();
    expect(second.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const rows = await waitForRows(['unreported-first', 'unreported-hit']);
    const charged = rows.get('unreported-first')!.costUsd;
    expect(charged).toBeGreaterThan(0);
    expect(rows.get('unreported-hit')!.savedUsd).toBeCloseTo(charged, 12);
  });

  it('saves, on a hit of an unreported answer of a model with a dearer image rate, what it was charged', async () => {
    // The estimate is charged at the image rate (estimated-output.ts): so is what a hit saves.
    const imagePrice = { inputPerMTok: 1000, outputPerMTok: 2000, imageOutputPerMTok: 50_000 };
    const cached = {
      ...config,
      pricing: { 'mock/mock-1': PRICE, 'openai/gpt-4o-mini': imagePrice },
      cache: { exact: { enabled: true, ttlSeconds: 600 } },
    };
    expect((await putConfig(cached)).status).toBe(200);
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'A red square.' }, finish_reason: 'stop' },
        ],
      }),
    );
    const question = { ...ask('draw a red square', { temperature: 0 }), model: 'gpt' };
    await (await chat(key, question, { 'x-request-id': 'image-rate-first' })).text();
    await new Promise((resolve) => setTimeout(resolve, 100)); // stored after the response
    const second = await chat(key, question, { 'x-request-id': 'image-rate-hit' });
    await second.text();
    expect(second.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const rows = await waitForRows(['image-rate-first', 'image-rate-hit']);
    const first = rows.get('image-rate-first')!;
    expect(first.outputTokens).toBeGreaterThan(0);
    const atImageRate =
      (first.inputTokens * imagePrice.inputPerMTok + first.outputTokens * imagePrice.imageOutputPerMTok) /
      1e6;
    expect(first.costUsd).toBeCloseTo(atImageRate, 12);
    expect(rows.get('image-rate-hit')!.savedUsd).toBeCloseTo(first.costUsd, 12);
  });

  it("measures a stream's latency to its last byte, not to when the upstream closed after [DONE]", async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const frame = (content: string, finish: string | null) =>
      `data: ${JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, delta: { content }, finish_reason: finish }],
      })}\n\n`;
    // Everything, then the connection stays open (the relay lets it go after a short drain).
    onUpstream(`${OPENAI_URL}/chat/completions`, () => {
      const bytes = new TextEncoder().encode(`${frame('Hi', null)}${frame('!', 'stop')}data: [DONE]\n\n`);
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return new Promise<void>(() => {});
          sent = true;
          controller.enqueue(bytes);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const started = Date.now();
    const response = await chat(
      key,
      { ...ask('hi', { stream: true }), model: 'gpt' },
      { 'x-request-id': 'drained' },
    );
    expect(await response.text()).toContain('[DONE]');
    const clientMs = Date.now() - started;
    const row = (await waitForRows(['drained'])).get('drained')!;
    expect(row.status).toBe(200);
    expect(row.latencyMs).toBeLessThan(clientMs + 200);
  });

  it('charges audio at the audio model’s audio rates, in a JSON answer and a stream', async () => {
    const audioConfig = openaiConfig({
      retry: { attempts: 0 },
      models: { voice: { targets: [{ provider: 'openai', model: 'gpt-4o-audio-preview' }] } },
    });
    expect((await putConfig(audioConfig)).status).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = {
      prompt_tokens: 1_000,
      completion_tokens: 500,
      total_tokens: 1_500,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 800 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 400 },
    };
    const message = { role: 'assistant', content: null, audio: { id: 'audio_1', transcript: 'hi' } };
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      const body = (await request.json()) as { stream?: boolean };
      if (!body.stream)
        return json({
          id: 'c',
          object: 'chat.completion',
          model: 'gpt-4o-audio-preview',
          choices: [{ index: 0, message, finish_reason: 'stop' }],
          usage,
        });
      const chunk = (rest: object) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', ...rest })}\n\n`;
      return sse([
        chunk({
          choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        }),
        chunk({ choices: [], usage }),
        'data: [DONE]\n\n',
      ]);
    });
    const say = {
      model: 'voice',
      modalities: ['text', 'audio'],
      messages: [{ role: 'user', content: 'hi' }],
    };
    expect((await chat(key, say, { 'x-request-id': 'audio-json' })).status).toBe(200);
    const streamed = await chat(key, { ...say, stream: true }, { 'x-request-id': 'audio-stream' });
    expect(streamed.status).toBe(200);
    await streamed.text();
    const rows = await waitForRows(['audio-json', 'audio-stream']);
    // 200 text in × $2.50 + 800 audio in × $40 + 100 text out × $10 + 400 audio out × $80 (per million)
    const expected = (200 * 2.5 + 800 * 40 + 100 * 10 + 400 * 80) / 1e6;
    expect(rows.get('audio-json')?.costUsd).toBeCloseTo(expected, 12);
    expect(rows.get('audio-stream')?.costUsd).toBeCloseTo(expected, 12);
  });

  it('charges an answer served on the priority tier at twice the standard rates', async () => {
    expect(
      (await putConfig(openaiConfig({ retry: { attempts: 0 }, pricing: { 'mock/mock-1': PRICE } }))).status,
    ).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      const { stream, service_tier } = (await request.json()) as { stream?: boolean; service_tier?: string };
      return answerOnTier(stream, service_tier ?? 'default', usage);
    });
    const ask = (id: string, extra: object) =>
      chat(
        key,
        { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], ...extra },
        { 'x-request-id': id },
      );
    for (const [id, extra] of [
      ['tier-default', {}],
      ['tier-priority', { service_tier: 'priority' }],
      ['tier-priority-stream', { service_tier: 'priority', stream: true }],
    ] as const)
      await (await ask(id, extra)).text();
    // Asked of a provider that has no such tier (its answer names none): the standard rates.
    const mocked = await ask('tier-priority-mock', { model: 'fast', service_tier: 'priority' });
    const mockUsage = (await mocked.json<Json>()).usage;
    const rows = await waitForRows([
      'tier-default',
      'tier-priority',
      'tier-priority-stream',
      'tier-priority-mock',
    ]);
    expect(rows.get('tier-priority-mock')?.costUsd).toBeCloseTo(costOf(mockUsage), 12);
    // gpt-4o-mini: $0.15 in, $0.60 out per million
    const standard = (1_000 * 0.15 + 100 * 0.6) / 1e6;
    expect(rows.get('tier-default')?.costUsd).toBeCloseTo(standard, 12);
    expect(rows.get('tier-priority')?.costUsd).toBeCloseTo(2 * standard, 12);
    expect(rows.get('tier-priority-stream')?.costUsd).toBeCloseTo(2 * standard, 12);
  });

  it("charges a flex answer at half the standard rates from OpenAI's own API, at the standard ones elsewhere", async () => {
    const OWN = 'https://api.openai.com/v1';
    expect(
      (
        await putConfig(
          openaiConfig({
            retry: { attempts: 0 },
            providers: {
              own: { type: 'openai', apiKey: 'sk-test-secret' },
              other: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
            },
            models: {
              own: { targets: [{ provider: 'own', model: 'gpt-4o-mini' }] },
              other: { targets: [{ provider: 'other', model: 'gpt-4o-mini' }] },
            },
          }),
        )
      ).status,
    ).toBe(200);
    const { key } = await createKey({ cache: { enabled: false } });
    const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };
    const answer = async (request: Request) => {
      const { stream } = (await request.json()) as { stream?: boolean };
      const chunk = (rest: object) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', service_tier: 'flex', ...rest })}\n\n`;
      if (stream)
        return sse([
          chunk({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] }),
          chunk({ choices: [], usage }),
          'data: [DONE]\n\n',
        ]);
      return json({
        id: 'c',
        object: 'chat.completion',
        service_tier: 'flex',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage,
      });
    };
    onUpstream(`${OWN}/chat/completions`, answer);
    onUpstream(`${OPENAI_URL}/chat/completions`, answer);
    const ask = (id: string, model: string, stream = false) =>
      chat(
        key,
        { model, service_tier: 'flex', stream, messages: [{ role: 'user', content: 'hi' }] },
        { 'x-request-id': id },
      );
    for (const [id, model, stream] of [
      ['flex-own', 'own', false],
      ['flex-own-stream', 'own', true],
      ['flex-other', 'other', false],
    ] as const) {
      const response = await ask(id, model, stream);
      expect(response.status).toBe(200);
      await response.text();
    }
    const rows = await waitForRows(['flex-own', 'flex-own-stream', 'flex-other']);
    const standard = (1_000 * 0.15 + 100 * 0.6) / 1e6; // gpt-4o-mini
    expect(rows.get('flex-own')?.costUsd).toBeCloseTo(standard / 2, 12);
    expect(rows.get('flex-own-stream')?.costUsd).toBeCloseTo(standard / 2, 12);
    expect(rows.get('flex-other')?.costUsd).toBeCloseTo(standard, 12);
  });

  it('writes an unknown route under /v1 with its 404', async () => {
    const { key } = await createKey();
    const response = await call('/v1/nothing-here', {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'unknown-route' },
    });
    expect(response.status).toBe(404);
    const row = (await waitForRows(['unknown-route'])).get('unknown-route')!;
    expect(row).toMatchObject({
      status: 404,
      errorCode: 'not_found',
      method: 'GET',
      path: '/v1/nothing-here',
    });
    expect((await rowsById(['no-such-id'])).size).toBe(0);
  });

  it('logs the model a body refused for its shape asked for, on every endpoint, bounded', async () => {
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const post = (path: string, id: string, body: unknown) =>
      call(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify(body),
      });
    const tools = { type: 'function', function: { name: 'f', parameters: {} } };
    const refused: [string, string, unknown, unknown][] = [
      // [id, path, body, the row's model]
      ['asked-chat', '/v1/chat/completions', ask('x', { tool_choice: 'required' }), 'fast'],
      ['asked-chat-tools', '/v1/chat/completions', ask('x', { tools: [{ ...tools, type: 'nope' }] }), 'fast'],
      ['asked-embeddings', '/v1/embeddings', { model: 'embed', input: 5 }, 'embed'],
      ['asked-responses', '/v1/responses', { model: 'fast', input: [{ type: 'nope' }] }, 'fast'],
      ['asked-messages', '/v1/messages', { model: 'claude', messages: [] }, 'claude'],
      ['asked-count', '/v1/messages/count_tokens', { model: 'claude', messages: 'x' }, 'claude'],
      ['asked-long', '/v1/chat/completions', { ...ask('x'), model: 'm'.repeat(300) }, `${'m'.repeat(256)}…`],
      ['asked-number', '/v1/chat/completions', { ...ask('x'), model: 5 }, null],
      ['asked-array', '/v1/chat/completions', [{ model: 'fast' }], null],
    ];
    for (const [id, path, body] of refused)
      expect({ id, status: (await post(path, id, body)).status }).toEqual({ id, status: 400 });
    const rows = await waitForRows(refused.map(([id]) => id));
    for (const [id, , , model] of refused) expect({ id, model: rows.get(id)?.model }).toEqual({ id, model });
  });

  it("names a refused request's key and its team as the key's object sees them, at once", async () => {
    expect((await putConfig(config)).status).toBe(200);
    const teamOf = async (name: string) =>
      (await (await admin('/admin/teams', 'POST', { name })).json<Json>()).id as string;
    const [first, second] = [await teamOf('before'), await teamOf('after')];
    const { id, key } = await createKey({ limits: { rpm: 1 }, team: first });
    const send = (name: string) => chat(key, ask('x'), { 'x-request-id': name });
    expect((await send('team-ok')).status).toBe(200);
    expect((await send('team-limited-1')).status).toBe(429);
    expect((await admin(`/admin/keys/${id}`, 'PATCH', { team: second })).status).toBe(200);
    expect((await send('team-limited-2')).status).toBe(429);
    const rows = await waitForRows(['team-limited-1', 'team-limited-2']);
    expect(rows.get('team-limited-1')).toMatchObject({ keyId: id, teamId: first });
    expect(rows.get('team-limited-2')).toMatchObject({ keyId: id, teamId: second });
  });
});

/** An OpenAI upstream that streams `content(n)` as its nth event, one every 20 ms, for as long as it is read. */
function endlessUpstream(content: (sent: number) => string): void {
  const encoder = new TextEncoder();
  onUpstream(`${OPENAI_URL}/chat/completions`, () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        const chunk = {
          id: 'c',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'm',
          choices: [{ index: 0, delta: { content: content(sent++) }, finish_reason: null }],
        };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
}

/**
 * Asks `gpt` for a stream through the Worker's fetch, as a client (the runtime only stops reading
 * when it goes away), reads one chunk and leaves; resolves with the request's log row.
 */
async function leaveAfterFirstChunk(key: string, prompt: string, id: string) {
  const response = await chat(
    key,
    { ...ask(prompt, { stream: true }), model: 'gpt' },
    { 'x-request-id': id },
  );
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  return (await waitForRows([id])).get(id)!;
}
