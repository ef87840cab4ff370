import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import { GatewayError } from '../../src/errors';
import type { ChatRequest, EmbeddingsRequest } from '../../src/openai/schemas';
import { UpstreamError } from '../../src/providers/types';
import { createWorkersAI } from '../../src/providers/workers-ai';
import chatOpenAIShape from '../fixtures/workers-ai/chat-openai-shape.json';
import chatText from '../fixtures/workers-ai/chat-text.json';
import chatTools from '../fixtures/workers-ai/chat-tools.json';
import embeddingsFixture from '../fixtures/workers-ai/embeddings.json';
import streamTextFixture from '../fixtures/workers-ai/stream-text.workers-ai.sse?raw';
import streamToolsFixture from '../fixtures/workers-ai/stream-tools.workers-ai.sse?raw';
import { completion, rejection, streamed } from '../helpers/chat-result';
import { parsed } from '../helpers/embeddings';
import { call, chat, createKey, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { SCREENSHOT_TOOL_RESULT } from '../helpers/tool-turns';

interface RunCall {
  model: string;
  inputs: Record<string, unknown>;
  options?: { signal?: AbortSignal };
}

/** A stand-in for the `AI` binding: records each run and answers with `answer`. */
function fakeAI(answer: (call: RunCall) => unknown, config: { defaultMaxTokens?: number } = {}) {
  const calls: RunCall[] = [];
  const ai = {
    async run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }) {
      const entry = { model, inputs, options };
      calls.push(entry);
      return answer(entry);
    },
  };
  const adapter = createWorkersAI(
    'cf',
    { type: 'workers-ai', ...config },
    { env: { ...env, AI: ai } as unknown as Env, fetch: globalThis.fetch },
  );
  const signal = new AbortController().signal;
  const run = (body: Partial<ChatRequest>, model = '@cf/meta/llama-3.3-70b-instruct-fp8-fast') =>
    adapter.chat({
      body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body } as ChatRequest,
      model,
      signal,
      requestId: 'r1',
    });
  const embed = (body: Partial<EmbeddingsRequest>) =>
    adapter
      .embeddings({
        body: { model: 'alias', input: 'hello', ...body } as EmbeddingsRequest,
        model: '@cf/baai/bge-small-en-v1.5',
        signal,
        requestId: 'r1',
      })
      .then(parsed);
  return { calls, run, embed };
}

/** A binding stream delivering `text` in `size`-byte pieces (cutting UTF-8 characters and events). */
function sseBody(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

describe('workers-ai chat', () => {
  it('runs the model with translated inputs and answers with usage', async () => {
    const { calls, run } = fakeAI(() => chatText);
    const body = await completion(
      run({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hallo' },
          { role: 'assistant', content: 'Hoi!' },
          { role: 'developer', content: [{ type: 'text', text: 'Use Swiss German.' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Wie geht' },
              { type: 'text', text: "'s?" },
            ],
          },
        ],
        max_completion_tokens: 64,
        temperature: 0.2,
        top_p: 0.8,
        seed: 42,
        presence_penalty: 0.1,
        frequency_penalty: 0.3,
        user: 'u1',
      }),
    );
    expect(calls[0]!.model).toBe('@cf/meta/llama-3.3-70b-instruct-fp8-fast');
    expect(calls[0]!.options?.signal).toBeInstanceOf(AbortSignal);
    expect(calls[0]!.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hallo' },
        { role: 'assistant', content: 'Hoi!' },
        { role: 'system', content: 'Use Swiss German.' },
        { role: 'user', content: "Wie geht's?" },
      ],
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.8,
      seed: 42,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
    });
    expect(body).toMatchObject({
      id: 'chatcmpl-r1',
      model: '@cf/meta/llama-3.3-70b-instruct-fp8-fast',
      choices: [{ message: { role: 'assistant', content: "Grüezi! Wie geht's? ✓" }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 },
    });
  });

  it('round-trips parallel tool calls', async () => {
    const { calls, run } = fakeAI(() => chatTools);
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const history = {
      role: 'assistant' as const,
      content: null,
      tool_calls: [
        {
          id: 'c1',
          type: 'function' as const,
          function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
        },
      ],
    };
    const body = await completion(
      run({
        tools,
        tool_choice: 'auto',
        messages: [
          { role: 'user', content: 'Weather in Oslo?' },
          history,
          { role: 'tool', tool_call_id: 'c1', content: 'Snow' },
          { role: 'user', content: 'And Paris and Tokyo?' },
        ],
      }),
    );
    expect(calls[0]!.inputs).toEqual({
      tools,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: '', tool_calls: history.tool_calls },
        { role: 'tool', tool_call_id: 'c1', content: 'Snow' },
        { role: 'user', content: 'And Paris and Tokyo?' },
      ],
    });
    expect(body.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: 'call_r1_0',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          {
            id: 'call_r1_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          },
        ],
      },
    });
  });

  it("reports an answer cut at the model's default of 256 tokens as length, and sends a configured default", async () => {
    const cut = { response: 'long…', usage: { prompt_tokens: 5, completion_tokens: 256, total_tokens: 261 } };
    const { calls, run } = fakeAI(() => cut);
    const finish = async (answer: ReturnType<typeof run>) =>
      ((await completion(answer)).choices[0] as { finish_reason?: string }).finish_reason;
    expect(await finish(run({}))).toBe('length');
    expect(calls[0]!.inputs.max_tokens).toBeUndefined();

    const short = { ...cut, usage: { prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 } };
    const shorter = fakeAI(() => short);
    expect(await finish(shorter.run({ max_tokens: 50 }))).toBe('stop');
    expect(await finish(shorter.run({ max_tokens: 20 }))).toBe('length');

    const configured = fakeAI(() => short, { defaultMaxTokens: 2048 });
    await configured.run({});
    await configured.run({ max_tokens: 10 });
    expect(configured.calls.map((c) => c.inputs.max_tokens)).toEqual([2048, 10]);
  });

  it('leaves tools out for tool_choice none', async () => {
    const { calls, run } = fakeAI(() => chatText);
    await completion(run({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' }));
    expect(calls[0]!.inputs.tools).toBeUndefined();
  });

  it('passes image parts to vision models and keeps OpenAI-shaped answers', async () => {
    const { calls, run } = fakeAI(() => chatOpenAIShape);
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const body = await completion(
      run(
        { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, image] }] },
        '@cf/openai/gpt-oss-120b',
      ),
    );
    expect(calls[0]!.inputs.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is it?' }, image] },
    ]);
    expect(body).toMatchObject({
      id: 'chatcmpl-r1',
      choices: [{ message: { content: 'Hello from gpt-oss' } }],
      usage: { total_tokens: 14 },
    });
  });

  it('refuses an image in a tool result, which the model would not see, rather than send only its text', async () => {
    const { calls, run } = fakeAI(() => chatText);
    const error = await rejection(run(SCREENSHOT_TOOL_RESULT));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, param: 'messages.2.content.1' });
    expect(calls).toHaveLength(0);
  });

  it('maps JSON mode and stringifies a structured answer', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const { calls, run } = fakeAI(() => ({ response: { ok: true } }));
    const body = await completion(
      run({ response_format: { type: 'json_schema', json_schema: { name: 'r', schema } } }),
    );
    expect(calls[0]!.inputs.response_format).toEqual({ type: 'json_schema', json_schema: schema });
    expect(body.choices[0]).toMatchObject({ message: { content: '{"ok":true}' } });

    const plain = fakeAI(() => chatText);
    await completion(plain.run({ response_format: { type: 'json_object' } }));
    expect(plain.calls[0]!.inputs.response_format).toEqual({ type: 'json_object' });
  });

  it('refuses parameters it cannot honour, naming them, without running the model', async () => {
    for (const [body, param] of [
      [{ n: 2 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ stop: ['END'] }, 'stop'],
      [{ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' }, 'tool_choice'],
      [{ parallel_tool_calls: false }, 'parallel_tool_calls'],
      [{ audio: { voice: 'alloy' } }, 'audio'],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'mp3' } }] },
          ],
        },
        'messages.0.content.0',
      ],
    ] as const) {
      const { calls, run } = fakeAI(() => chatText);
      const error = await rejection(run(body as Partial<ChatRequest>));
      expect(error, JSON.stringify(body)).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ status: 400, param });
      expect(calls).toHaveLength(0);
    }
  });

  it('forwards model-native inputs', async () => {
    const { calls, run } = fakeAI(() => chatText);
    await completion(run({ top_k: 5, repetition_penalty: 1.1, verbosity: 'low' } as Partial<ChatRequest>));
    expect(calls[0]!.inputs).toMatchObject({ top_k: 5, repetition_penalty: 1.1 });
    expect(calls[0]!.inputs).not.toHaveProperty('verbosity');
  });

  it('classifies binding errors by their Workers AI code', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['3040: Out of capacity', { failure: 'overloaded', status: 0 }],
      // Used up for the day: fail over, do not retry.
      [
        'AiError: 3036: Account limited: daily free allocation used',
        { failure: 'auth', options: expect.objectContaining({ code: 'insufficient_quota' }) },
      ],
      [
        'AiError: 3006: Request is too large',
        { failure: 'caller', options: expect.objectContaining({ code: 'context_length_exceeded' }) },
      ],
      ['AiError: 3042: Invalid model ID', { failure: 'config' }],
      ['InferenceUpstreamError: 3007: Request timeout', { failure: 'timeout' }],
      ['5016: User has not agreed to Llama3.2 model terms', { failure: 'auth' }],
      // No such model: the route names one Workers AI does not have (the config's, failed over).
      ['5007: No such model @cf/nope or task', { failure: 'config' }],
      // Any other 5xxx is about the request: the caller's, with Workers AI's words.
      ['5006: Invalid input', { failure: 'caller', status: 400, message: '5006: Invalid input' }],
      [
        '5021: The estimated number of input and maximum output tokens exceeded this model context window limit.',
        { failure: 'caller', options: expect.objectContaining({ code: 'context_length_exceeded' }) },
      ],
      ['network connection lost', { failure: 'server' }],
    ];
    for (const [message, expected] of cases) {
      const { run } = fakeAI(() => {
        throw new Error(message);
      });
      const error = await rejection(run({}));
      expect(error, message).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject(expected);
      if ((error as UpstreamError).failure !== 'caller')
        expect((error as Error).message).not.toContain(message);
    }
  });

  it('fails as a config error, never a crash, when the binding is not bound', async () => {
    const adapter = createWorkersAI('cf', { type: 'workers-ai' }, { env, fetch: globalThis.fetch });
    const signal = new AbortController().signal;
    for (const attempt of [
      adapter.chat({
        body: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
        model: 'm',
        signal,
        requestId: 'r',
      }),
      adapter.embeddings({ body: { model: 'm', input: 'x' }, model: 'm', signal, requestId: 'r' }),
    ]) {
      const error = await rejection(attempt);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        failure: 'config',
        status: 0,
        message: expect.stringContaining('no local mode'),
      });
    }
  });
});

describe('workers-ai stream', () => {
  it('translates text tokens split mid-character and mid-event, with usage at the end', async () => {
    let reference: string | undefined;
    for (const size of [1, 3, 7, 1000]) {
      const { calls, run } = fakeAI(() => sseBody(streamTextFixture, size));
      const text = await streamed(run({ stream: true, max_tokens: 3 }));
      expect(calls[0]!.inputs.stream).toBe(true);
      const strip = (s: string) => s.replace(/"created":\d+/g, '');
      reference ??= text;
      expect(strip(text)).toBe(strip(reference));
    }
    const events = sseEvents(reference!) as {
      choices: { delta: { content?: string }; finish_reason: string | null }[];
      usage?: unknown;
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe('Grüezi mitenand ✓!');
    // completion_tokens reached max_tokens: the answer was cut, not finished.
    expect(events.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(events.at(-1)!.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expect(reference!.endsWith('data: [DONE]\n\n')).toBe(true);

    // Without max_tokens the model's own default (256) applies, and reaching it is `length` too.
    const long = streamTextFixture.replace('"completion_tokens":3', '"completion_tokens":256');
    expect(long).not.toBe(streamTextFixture);
    const unset = fakeAI(() => sseBody(long, 1000));
    const cut = sseEvents(await streamed(unset.run({ stream: true }))) as typeof events;
    expect(unset.calls[0]!.inputs.max_tokens).toBeUndefined();
    expect(cut.at(-2)!.choices[0]!.finish_reason).toBe('length');
  });

  it('translates streamed tool-call deltas', async () => {
    const { run } = fakeAI(() => sseBody(streamToolsFixture, 5));
    const events = sseEvents(await streamed(run({ stream: true }))) as {
      choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.filter((e) => e.choices.length).map((e) => e.choices[0]!.delta)).toEqual([
      { role: 'assistant', content: '' },
      {
        tool_calls: [
          {
            index: 0,
            id: 'chatcmpl-tool-a1',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": "Par' } }] },
      { tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: 'chatcmpl-tool-b2',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city": "Tōkyō"}' },
          },
        ],
      },
      {},
    ]);
    expect(events.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('makes no second call of the closing tool-call chunk (no index, id, name or arguments)', async () => {
    const closing =
      'data: {"response":"","tool_calls":[{"id":null,"type":null,"function":{"name":null}}]}\n\n';
    const withClosing = streamToolsFixture.replace('data: {"response":"","usage"', `${closing}$&`);
    expect(withClosing).not.toBe(streamToolsFixture);
    const { run } = fakeAI(() => sseBody(withClosing, 1000));
    const events = sseEvents(await streamed(run({ stream: true }))) as {
      choices: { delta: { tool_calls?: { index: number }[] } }[];
    }[];
    const indexes = events.flatMap((e) => e.choices[0]?.delta.tool_calls ?? []).map((call) => call.index);
    expect(new Set(indexes)).toEqual(new Set([0, 1]));
  });

  it('sends no "{}" for tool-call arguments that are null', async () => {
    const stream = [
      '{"response":"","tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":null}}]}',
      '{"response":"","tool_calls":[{"index":0,"function":{"arguments":"{\\"a\\":1}"}}]}',
      '{"response":"","tool_calls":[{"index":0,"function":{"arguments":null}}]}',
      '{"response":"","usage":{"prompt_tokens":9,"completion_tokens":3}}',
      '[DONE]',
    ];
    const { run } = fakeAI(() => sseBody(stream.map((data) => `data: ${data}\n\n`).join(''), 1000));
    const events = sseEvents(await streamed(run({ stream: true }))) as {
      choices: { delta: { tool_calls?: { function: { arguments: string } }[] } }[];
    }[];
    const calls = events.flatMap((e) => e.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((call) => call.function.arguments)).toEqual(['', '{"a":1}']);
  });

  it('streams reasoning that OpenAI-shaped models send as `reasoning`', async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const stream = `${chunk({ reasoning_content: '', reasoning: 'Let me think.' })}${chunk({ content: 'Hi' }, 'stop')}data: [DONE]\n\n`;
    const { run } = fakeAI(() => sseBody(stream, 1000));
    const events = sseEvents(await streamed(run({ stream: true }))) as {
      choices: { delta: { reasoning_content?: string } }[];
    }[];
    expect(events.map((e) => e.choices[0]?.delta.reasoning_content ?? '').join('')).toBe('Let me think.');
  });

  it('ends with an error event when the stream stops before [DONE] and usage', async () => {
    const cut = streamTextFixture.split('data: {"response":"","usage"')[0]!;
    const { run } = fakeAI(() => sseBody(cut, 4));
    const text = await streamed(run({ stream: true }));
    expect(text).toContain('"content":"!"');
    expect(text).toContain('"error":{"message":"cf ended the stream before it was complete."');
    expect(text).not.toContain('[DONE]');
  });

  it('ignores unknown and non-JSON events', async () => {
    const noisy = `event: ping\ndata: keep-alive\n\ndata: {"unknown":true}\n\n${streamTextFixture}`;
    const { run } = fakeAI(() => sseBody(noisy, 11));
    const events = sseEvents(await streamed(run({ stream: true })));
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
  });
});

describe('workers-ai embeddings', () => {
  it('embeds strings as floats or base64, leaving usage to the route to estimate', async () => {
    const { calls, embed } = fakeAI(() => embeddingsFixture);
    const floats = await embed({ input: ['first text', 'second'] });
    expect(calls[0]).toMatchObject({
      model: '@cf/baai/bge-small-en-v1.5',
      inputs: { text: ['first text', 'second'] },
    });
    expect(floats.data.map((d) => d.embedding)).toEqual(embeddingsFixture.data);
    expect(floats.usage).toBeUndefined(); // no count from the binding: the route answers its estimate

    const base64 = await fakeAI(() => embeddingsFixture).embed({
      input: ['a', 'b'],
      encoding_format: 'base64',
    });
    const decoded = Uint8Array.from(atob(base64.data[0]!.embedding as string), (c) => c.charCodeAt(0));
    expect(Array.from(new Float32Array(decoded.buffer))).toEqual([0.25, -0.5, 1]);
  });

  it('refuses token arrays and dimensions', async () => {
    expect(await rejection(fakeAI(() => embeddingsFixture).embed({ input: [1, 2, 3] }))).toMatchObject({
      param: 'input',
    });
    expect(await rejection(fakeAI(() => embeddingsFixture).embed({ dimensions: 256 }))).toMatchObject({
      param: 'dimensions',
    });
    // null is unset, as everywhere: not a size asked for.
    const unset = await fakeAI(() => embeddingsFixture).embed({ input: ['a', 'b'], dimensions: null });
    expect(unset).toMatchObject({ object: 'list' });
  });
});

describe('workers-ai through the gateway', () => {
  it('answers 502 naming the missing binding (tests, like wrangler dev, have no Workers AI)', async () => {
    const put = await putConfig({
      providers: { cf: { type: 'workers-ai' } },
      models: { llama: { targets: [{ provider: 'cf', model: '@cf/meta/llama-3.1-8b-instruct' }] } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const { key } = await createKey();
    const response = await chat(key, { model: 'llama', messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_error' } });

    const embeddings = await call('/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cf/@cf/baai/bge-small-en-v1.5', input: 'x' }),
    });
    expect(embeddings.status).toBe(502);
  });

  it('still refuses an unsupported parameter with a 400 before anything runs', async () => {
    await putConfig({
      providers: { cf: { type: 'workers-ai' } },
      models: { llama: { targets: [{ provider: 'cf', model: '@cf/meta/llama-3.1-8b-instruct' }] } },
    });
    const { key } = await createKey();
    const response = await chat(key, {
      model: 'llama',
      logprobs: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'logprobs' } });
  });
});
