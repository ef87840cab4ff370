import { env, exports } from 'cloudflare:workers';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import type { ChatRequest, EmbeddingsRequest } from '../../src/openai/schemas';
import { type CohereProviderConfig, createCohere } from '../../src/providers/cohere';
import { type ChatCompletion, UpstreamError } from '../../src/providers/types';
import chatText from '../fixtures/cohere/chat-text.json';
import chatTools from '../fixtures/cohere/chat-tools.json';
import embedFixture from '../fixtures/cohere/embed.json';
import streamTextFixture from '../fixtures/cohere/stream-text.cohere.sse?raw';
import streamToolsFixture from '../fixtures/cohere/stream-tools.cohere.sse?raw';
import { completion, rejection, streamed } from '../helpers/chat-result';
import { parsed } from '../helpers/embeddings';
import { call, chat, createKey, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { SCREENSHOT_TOOL_RESULT } from '../helpers/tool-turns';
import { json, onUpstream, recorded } from '../helpers/upstream';

const CONFIG: CohereProviderConfig = { type: 'cohere', apiKey: 'co-test-key' };

function adapter(respond: () => Response, config: Partial<CohereProviderConfig> = {}) {
  const requests: { request: Request; body: Record<string, unknown> }[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push({ request, body: (await request.clone().json()) as Record<string, unknown> });
    return respond();
  };
  const cohere = createCohere(
    'cohere',
    { ...CONFIG, ...config },
    { env, fetch: fetch as typeof globalThis.fetch },
  );
  const signal = new AbortController().signal;
  const run = (body: Partial<ChatRequest>) =>
    cohere.chat({
      body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body } as ChatRequest,
      model: 'command-a-03-2025',
      signal,
      requestId: 'r1',
    });
  const embed = (body: Partial<EmbeddingsRequest>) =>
    cohere
      .embeddings({
        body: { model: 'alias', input: 'hello', ...body } as EmbeddingsRequest,
        model: 'embed-v4.0',
        signal,
        requestId: 'r1',
      })
      .then(parsed);
  return { requests, run, embed };
}

function sseResponse(text: string, size = 1 << 20): Response {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

describe('cohere chat', () => {
  it('posts to /v2/chat with Bearer auth and translates the answer and billed usage', async () => {
    const { requests, run } = adapter(() => json(chatText));
    const body = await completion(
      run({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hola' },
          { role: 'assistant', content: 'Hola, ¿en qué puedo ayudar?' },
          { role: 'developer', content: 'Answer in Spanish.' },
          { role: 'user', content: [{ type: 'text', text: '¿Qué tal?' }] },
        ],
        max_tokens: 50,
        temperature: 0.4,
        top_p: 0.75,
        stop: 'FIN',
        seed: 9,
        frequency_penalty: 0.2,
        presence_penalty: 0.1,
        user: 'u1',
        stream_options: { include_usage: true },
      }),
    );
    const { request, body: sent } = requests[0]!;
    expect(request.url).toBe('https://api.cohere.com/v2/chat');
    expect(request.headers.get('authorization')).toBe('Bearer co-test-key');
    expect(sent).toEqual({
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hola' },
        { role: 'assistant', content: 'Hola, ¿en qué puedo ayudar?' },
        { role: 'system', content: 'Answer in Spanish.' },
        { role: 'user', content: '¿Qué tal?' },
      ],
      max_tokens: 50,
      stop_sequences: ['FIN'],
      temperature: 0.4,
      p: 0.75,
      seed: 9,
      frequency_penalty: 0.2,
      presence_penalty: 0.1,
    });
    expect(body).toMatchObject({
      id: 'chatcmpl-r1',
      model: 'command-a-03-2025',
      choices: [{ message: { role: 'assistant', content: '¡Hola! ¿Qué tal? ✓' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
  });

  it('round-trips parallel tool calls, with the tool plan as assistant content', async () => {
    const { requests, run } = adapter(() => json(chatTools));
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object' },
          strict: true,
        },
      },
      { type: 'function' as const, function: { name: 'get_time' } },
    ];
    const body = await completion(
      run({
        tools,
        tool_choice: 'required',
        messages: [
          { role: 'user', content: 'Weather in Oslo?' },
          {
            role: 'assistant',
            content: 'Looking it up.',
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'Snow' },
          { role: 'user', content: 'Paris and Tokyo?' },
        ],
      }),
    );
    expect(requests[0]!.body).toMatchObject({
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          tool_plan: 'Looking it up.',
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'Snow' },
        { role: 'user', content: 'Paris and Tokyo?' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
        },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
      ],
      strict_tools: true,
      tool_choice: 'REQUIRED',
    });
    expect(body.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'I will look up the weather in Paris and Tokyo.',
        tool_calls: [
          {
            id: 'get_weather_1byjy32y4hvq',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          {
            id: 'get_weather_2kdoh4w8t9cd',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          },
        ],
      },
    });
  });

  it('forces a named tool by offering only that tool, and maps none', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'a' } },
      { type: 'function' as const, function: { name: 'b' } },
    ];
    const named = adapter(() => json(chatText));
    await completion(named.run({ tools, tool_choice: { type: 'function', function: { name: 'b' } } }));
    expect(named.requests[0]!.body).toMatchObject({
      tool_choice: 'REQUIRED',
      tools: [{ function: { name: 'b' } }],
    });
    expect(named.requests[0]!.body.tools).toHaveLength(1);
    const none = adapter(() => json(chatText));
    await completion(none.run({ tools, tool_choice: 'none' }));
    expect(none.requests[0]!.body.tool_choice).toBe('NONE');
  });

  it('passes image parts and maps JSON mode', async () => {
    const { requests, run } = adapter(() => json(chatText));
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    await completion(
      run({
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe' }, image] }],
        response_format: { type: 'json_schema', json_schema: { name: 'r', schema } },
      }),
    );
    expect(requests[0]!.body).toMatchObject({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe' }, image] }],
      response_format: { type: 'json_object', json_schema: schema },
    });
    const plain = adapter(() => json(chatText));
    await completion(plain.run({ response_format: { type: 'json_object' } }));
    expect(plain.requests[0]!.body.response_format).toEqual({ type: 'json_object' });
  });

  it('refuses an image in a tool result, which Cohere would not see, rather than send only its text', async () => {
    const { requests, run } = adapter(() => json(chatText));
    const error = await rejection(run(SCREENSHOT_TOOL_RESULT));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, param: 'messages.2.content.1' });
    expect(requests).toHaveLength(0);
  });

  it('refuses parameters it cannot honour, naming them, before calling Cohere', async () => {
    for (const [body, param] of [
      [{ n: 2 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ parallel_tool_calls: false }, 'parallel_tool_calls'],
      [{ modalities: ['text', 'audio'] }, 'modalities'],
      [
        { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'f' } }] }] },
        'messages.0.content.0',
      ],
      [{ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages.0.role'],
      // Cohere's penalties run 0–1.
      [{ presence_penalty: -0.5 }, 'presence_penalty'],
      [{ frequency_penalty: 1.5 }, 'frequency_penalty'],
    ] as const) {
      const { requests, run } = adapter(() => json(chatText));
      const error = await rejection(run(body as Partial<ChatRequest>));
      expect(error, JSON.stringify(body)).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ status: 400, param });
      expect(requests).toHaveLength(0);
    }
  });

  it("keeps top_p within Cohere's p range (0.01–0.99)", async () => {
    const { requests, run } = adapter(() => json(chatText));
    for (const top_p of [1, 0.5, 0]) await completion(run({ top_p, frequency_penalty: 0.3 }));
    expect(requests.map((r) => r.body.p)).toEqual([0.99, 0.5, 0.01]);
    expect(requests[0]!.body.frequency_penalty).toBe(0.3);
  });

  it('forwards Cohere-native parameters and refuses ones that collide with translated fields', async () => {
    const { requests, run } = adapter(() => json(chatText));
    await completion(run({ k: 40, safety_mode: 'STRICT', verbosity: 'low' } as Partial<ChatRequest>));
    expect(requests[0]!.body).toMatchObject({ k: 40, safety_mode: 'STRICT' });
    expect(requests[0]!.body).not.toHaveProperty('verbosity');
    const clash = adapter(() => json(chatText));
    expect(await rejection(clash.run({ top_p: 0.5, p: 0.9 } as Partial<ChatRequest>))).toMatchObject({
      param: 'p',
    });
    expect(clash.requests).toHaveLength(0);
  });

  it('classifies errors', async () => {
    const cases: [Response, Record<string, unknown>][] = [
      [json({ id: 'e1', message: 'invalid api token' }, 401), { failure: 'auth' }],
      [json({ id: 'e2', message: 'invalid token' }, 498), { failure: 'auth' }],
      [json({ id: 'e3', message: 'Please add a payment method' }, 402), { failure: 'auth' }],
      [
        json({ id: 'e4', message: 'trial key limit' }, 429, { 'retry-after': '2' }),
        { failure: 'rate_limit', options: expect.objectContaining({ retryAfterMs: 2000 }) },
      ],
      [json({ id: 'e5', message: 'service unavailable' }, 503), { failure: 'overloaded' }],
      [json({ id: 'e6', message: 'internal' }, 500), { failure: 'server' }],
      [
        json({ id: 'e7', message: 'invalid request: temperature must be at most 1' }, 400),
        { failure: 'caller', status: 400, message: 'invalid request: temperature must be at most 1' },
      ],
      [
        json({ id: 'e8', message: 'too many tokens: size limit exceeded by 1200 tokens.' }, 400),
        { failure: 'caller', options: expect.objectContaining({ code: 'context_length_exceeded' }) },
      ],
      [json({ id: 'e9', message: "model 'nope' not found" }, 404), { failure: 'caller', status: 404 }],
      // An output cap above the model's: the caller's error as it is, not an overflow to route around.
      [
        json(
          {
            id: 'e10',
            message:
              'too many tokens: max tokens must be less than or equal to 4096, the maximum output for this model - received 8192.',
          },
          400,
        ),
        { failure: 'caller', status: 400, options: expect.objectContaining({ code: null }) },
      ],
    ];
    for (const [response, expected] of cases) {
      const { run } = adapter(() => response.clone());
      const error = await rejection(run({}));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject(expected);
    }
    const failed = adapter(() => json({ ...chatText, finish_reason: 'ERROR' }));
    expect(await rejection(failed.run({}))).toMatchObject({ failure: 'server' });
  });

  it('fails as a config error when the key secret is unset', async () => {
    const { requests, run } = adapter(() => json(chatText), { apiKey: 'env:COHERE_KEY_NOT_SET' });
    expect(await rejection(run({}))).toMatchObject({
      failure: 'config',
      message: expect.stringContaining('COHERE_KEY_NOT_SET'),
    });
    expect(requests).toHaveLength(0);
  });
});

describe('cohere stream', () => {
  it('translates text split mid-character and mid-event, with usage and [DONE]', async () => {
    let reference: string | undefined;
    for (const size of [1, 3, 7, 10000]) {
      const { requests, run } = adapter(() => sseResponse(streamTextFixture, size));
      const text = await streamed(run({ stream: true }));
      expect(requests[0]!.body.stream).toBe(true);
      const strip = (s: string) => s.replace(/"created":\d+/g, '');
      reference ??= text;
      expect(strip(text)).toBe(strip(reference));
    }
    const events = sseEvents(reference!) as {
      choices: { delta: { content?: string }; finish_reason: string | null }[];
      usage?: unknown;
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe('¡Hola! ¿Qué tal? ✓');
    expect(events.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(events.at(-1)!.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(reference!.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('translates tool plans and parallel tool-call deltas, ignoring unknown events', async () => {
    const { run } = adapter(() => sseResponse(streamToolsFixture, 13));
    const events = sseEvents(await streamed(run({ stream: true }))) as {
      choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.filter((e) => e.choices.length).map((e) => e.choices[0]!.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'I will check' },
      { content: ' both cities.' },
      {
        tool_calls: [
          {
            index: 0,
            id: 'get_weather_p1',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'Paris"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: 'get_weather_t2',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"city": "Tōkyō"}' } }] },
      {},
    ]);
    expect(events.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('gives a tool called without arguments "{}", streamed and not, never "" (which SDKs fail to parse)', async () => {
    const frame = (data: Record<string, unknown>) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
    const start = (index: number, id: string) =>
      frame({
        type: 'tool-call-start',
        index,
        delta: {
          message: { tool_calls: { id, type: 'function', function: { name: 'now', arguments: '' } } },
        },
      });
    const stream = [
      frame({ type: 'message-start', id: 'c', delta: { message: { role: 'assistant' } } }),
      start(0, 'now_1'),
      frame({ type: 'tool-call-end', index: 0 }),
      // The second call's tool-call-end never comes: message-end closes it.
      start(1, 'now_2'),
      frame({ type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } }),
    ].join('');
    const events = sseEvents(await streamed(adapter(() => sseResponse(stream)).run({ stream: true }))) as {
      choices: { delta: { tool_calls?: { index: number; function: { arguments: string } }[] } }[];
    }[];
    const args = ['', ''];
    for (const call of events.flatMap((e) => e.choices[0]?.delta.tool_calls ?? []))
      args[call.index] += call.function.arguments;
    expect(args).toEqual(['{}', '{}']);

    const answer = {
      ...chatTools,
      message: {
        role: 'assistant',
        tool_calls: [{ id: 'now_1', type: 'function', function: { name: 'now', arguments: '' } }],
      },
    };
    const body = await completion(adapter(() => json(answer)).run({}));
    expect(body.choices[0]).toMatchObject({
      message: { tool_calls: [{ id: 'now_1', function: { name: 'now', arguments: '{}' } }] },
    });
  });

  it('ends with an error event when the stream stops before message-end', async () => {
    const cut = streamTextFixture.split('event: message-end')[0]!;
    const { run } = adapter(() => sseResponse(cut, 5));
    const text = await streamed(run({ stream: true }));
    expect(text).toContain('¿Qué tal? ✓');
    expect(text).toContain('"error":{"message":"cohere ended the stream before it was complete."');
    expect(text).not.toContain('[DONE]');
  });

  it('turns a message-end with finish_reason ERROR into an error event', async () => {
    const failed = streamTextFixture.replace('"finish_reason":"MAX_TOKENS"', '"finish_reason":"ERROR"');
    const { run } = adapter(() => sseResponse(failed));
    const events = sseEvents(await streamed(run({ stream: true })));
    expect(events.at(-1)).toMatchObject({ error: { message: 'cohere failed while generating the answer.' } });
  });
});

describe('cohere embeddings', () => {
  it('embeds more than 96 texts in batches of 96, in input order, usage summed', async () => {
    const sizes: number[] = [];
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      const { texts } = JSON.parse(String(init?.body)) as { texts: string[] };
      sizes.push(texts.length);
      return json({
        embeddings: { float: texts.map((text) => [Number(text), 1]) },
        meta: { billed_units: { input_tokens: texts.length } },
      });
    }) as typeof globalThis.fetch;
    const cohere = createCohere('cohere', CONFIG, { env, fetch });
    const input = Array.from({ length: 200 }, (_, i) => String(i));
    const result = parsed(
      await cohere.embeddings({
        body: { model: 'alias', input } as EmbeddingsRequest,
        model: 'embed-v4.0',
        signal: new AbortController().signal,
        requestId: 'r',
      }),
    );
    expect(sizes).toEqual([96, 96, 8]);
    expect(result.data.map((d) => (d.embedding as number[])[0])).toEqual(input.map(Number));
    expect(result.usage?.prompt_tokens).toBe(200);
  });

  it('posts to /v2/embed and returns floats or base64 with billed usage', async () => {
    const { requests, embed } = adapter(() => json(embedFixture), { embeddingInputType: 'search_query' });
    const result = await embed({ input: ['first', 'second'], dimensions: 256 });
    expect(requests[0]!.request.url).toBe('https://api.cohere.com/v2/embed');
    expect(requests[0]!.body).toEqual({
      model: 'embed-v4.0',
      texts: ['first', 'second'],
      input_type: 'search_query',
      embedding_types: ['float'],
      truncate: 'NONE',
      output_dimension: 256,
    });
    expect(result.data.map((d) => d.embedding)).toEqual(embedFixture.embeddings.float);
    expect(result.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    expectOpenAIShape('CreateEmbeddingResponse', result);

    const base64 = await adapter(() => json(embedFixture)).embed({
      input: ['a', 'b'],
      encoding_format: 'base64',
    });
    const bytes = Uint8Array.from(atob(base64.data[0]!.embedding as string), (c) => c.charCodeAt(0));
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual([0.5, -0.25, 0.125]);
  });

  it('reports no usage, not 0 tokens, when an answer lacks billed_units (the route estimates it)', async () => {
    const { meta: _, ...unbilled } = embedFixture;
    const result = await adapter(() => json(unbilled)).embed({ input: ['first', 'second'] });
    expect(result.data).toHaveLength(2);
    expect(result.usage).toBeUndefined();
  });

  it('refuses token arrays', async () => {
    expect(await rejection(adapter(() => json(embedFixture)).embed({ input: [[1, 2]] }))).toMatchObject({
      param: 'input',
    });
  });
});

describe('cohere through the gateway', () => {
  const BASE = 'https://cohere.upstream.test';
  async function setup() {
    const put = await putConfig({
      providers: { co: { type: 'cohere', apiKey: 'co-test-key', baseUrl: BASE } },
      models: { command: { targets: [{ provider: 'co', model: 'command-a-03-2025' }] } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    return (await createKey()).key;
  }

  it('serves chat and embeddings', async () => {
    const key = await setup();
    onUpstream(`${BASE}/v2/chat`, () => json(chatText));
    onUpstream(`${BASE}/v2/embed`, () => json(embedFixture));
    const response = await chat(key, { model: 'command', messages: [{ role: 'user', content: 'Hola' }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as ChatCompletion).choices[0]).toMatchObject({
      message: { content: '¡Hola! ¿Qué tal? ✓' },
    });
    const embeddings = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'co/embed-v4.0', input: ['first', 'second'] }),
    });
    expect(embeddings.status).toBe(200);
    expect(recorded.map((r) => r.url)).toEqual([`${BASE}/v2/chat`, `${BASE}/v2/embed`]);
  });

  it('streams tool calls that the official OpenAI SDK assembles', async () => {
    const key = await setup();
    onUpstream(`${BASE}/v2/chat`, () => sseResponse(streamToolsFixture, 9));
    const client = new OpenAI({
      apiKey: key,
      baseURL: 'https://gateway.test/v1',
      fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    });
    const final = await client.chat.completions
      .stream({
        model: 'command',
        messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      })
      .finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('I will check both cities.');
    expect(
      final.choices[0]!.message.tool_calls?.map((c) => c.type === 'function' && c.function.arguments),
    ).toEqual(['{"city": "Paris"}', '{"city": "Tōkyō"}']);
  });
});
