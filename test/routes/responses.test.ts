// POST /v1/responses: the Responses API as a translation around the chat pipeline.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { responsesParam } from '../../src/openai/responses-request';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import {
  call,
  createKey,
  type Json,
  OPENAI_URL,
  openaiConfig,
  openaiKey,
  putConfig,
  responses,
  storedResponse,
} from '../helpers/gateway';
import { expectOpenAIShape, expectResponseEvent, responseEvents } from '../helpers/openapi';
import { expectItemsInSequence } from '../helpers/responses-order';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const setup = openaiKey;

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hi!', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 5,
    completion_tokens: 2,
    total_tokens: 7,
    prompt_tokens_details: { cached_tokens: 3 },
    completion_tokens_details: { reasoning_tokens: 1 },
  },
};

describe('POST /v1/responses', () => {
  it('answers a string input from the mock provider as a Response object', async () => {
    const key = await setup();
    const response = await responses(key, { model: 'fast', input: 'Say hi', instructions: 'Be brief.' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('x-tollgate-provider')).toBe('mock');
    const serverId = response.headers.get('x-tollgate-request-id')!;
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.id).toBe(`resp_${serverId.replace(/^req_/, '')}`);
    expect(body.status).toBe('completed');
    expect(body.instructions).toBe('Be brief.');
    expect(body.output).toHaveLength(1);
    expect(body.output[0].type).toBe('message');
    expect(body.output[0].content[0]).toMatchObject({ type: 'output_text', text: 'Mock reply to: Say hi' });
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it('translates the request for an OpenAI-compatible upstream, and its answer back', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await responses(key, {
      model: 'gpt',
      instructions: 'system words',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'look' },
            { type: 'input_image', image_url: 'https://x.test/a.png', detail: 'low' },
          ],
        },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'calling', annotations: [] }],
        },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":1}' },
        { type: 'function_call', call_id: 'call_2', name: 'lookup', arguments: '{"q":2}' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call_output', call_id: 'call_1', output: 'one' },
        { type: 'function_call_output', call_id: 'call_2', output: 'two' },
      ],
      tools: [
        {
          type: 'function',
          name: 'lookup',
          description: 'Looks up',
          parameters: { type: 'object' },
          strict: true,
        },
      ],
      tool_choice: { type: 'function', name: 'lookup' },
      parallel_tool_calls: false,
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low' },
      metadata: { a: 'b' },
      user: 'u1',
      safety_identifier: 's1',
      prompt_cache_key: 'k1',
      store: true,
      include: ['reasoning.encrypted_content'],
      truncation: 'disabled',
      seed: 7,
    });
    expect(response.status).toBe(200);
    expect(recorded[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      seed: 7,
      messages: [
        { role: 'system', content: 'system words' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: 'calling',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } },
            { id: 'call_2', type: 'function', function: { name: 'lookup', arguments: '{"q":2}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'one' },
        { role: 'tool', tool_call_id: 'call_2', content: 'two' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object' }, strict: true },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      temperature: 0.5,
      top_p: 0.9,
      metadata: { a: 'b' },
      user: 'u1',
      safety_identifier: 's1',
      prompt_cache_key: 'k1',
      max_completion_tokens: 100,
      reasoning_effort: 'low',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'out', schema: { type: 'object' }, strict: true },
      },
    });
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.model).toBe('gpt-4o-mini-2024-07-18');
    expect(body.output[0].content[0].text).toBe('Hi!');
    expect(body.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 3, cache_write_tokens: 0 },
      output_tokens: 2,
      output_tokens_details: { reasoning_tokens: 1 },
      total_tokens: 7,
    });
    expect(body.tools[0]).toMatchObject({ type: 'function', name: 'lookup', strict: true });
    expect(body.tool_choice).toEqual({ type: 'function', name: 'lookup' });
    // Asked for: stored by the gateway (never sent on), as the answer says.
    expect(body.store).toBe(true);
  });

  it('maps tool calls and a length stop to function_call items and an incomplete response', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({
        ...completion,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{"a"' } }],
            },
            logprobs: null,
            finish_reason: 'length',
          },
        ],
      }),
    );
    const response = await responses(key, {
      model: 'gpt',
      input: 'go',
      tools: [{ type: 'function', name: 'f' }],
    });
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.status).toBe('incomplete');
    expect(body.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(body.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_9',
        name: 'f',
        arguments: '{"a"',
        status: 'completed',
      }),
    ]);
    expect(body.output[0].id).toMatch(/^fc_/);
  });

  it('streams text as Responses events, ending with response.completed and its usage', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'stop'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const response = await responses(key, { model: 'gpt', input: 'hi', stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    // The inner chat stream is asked for usage, whatever the client sent.
    expect((recorded[0]!.body as Json).stream_options).toEqual({ include_usage: true });
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const events = responseEvents(text);
    for (const event of events) expectResponseEvent(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const done = events.at(-1)!.response as Json;
    expect(done.output[0].content[0].text).toBe('Hello');
    expect(done.usage.total_tokens).toBe(7);
  });

  it('streams tool calls as function_call items with argument deltas', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({
          tool_calls: [
            { index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const response = await responses(key, {
      model: 'gpt',
      input: 'hi',
      stream: true,
      tools: [
        { type: 'function', name: 'f' },
        { type: 'function', name: 'g' },
      ],
    });
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    expectItemsInSequence(events);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      // Each call whole before the next is added, as OpenAI streams parallel calls.
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const done = events.at(-1)!.response as Json;
    expect(done.output.map((item: Json) => [item.call_id, item.name, item.arguments])).toEqual([
      ['call_a', 'f', '{"x":1}'],
      ['call_b', 'g', '{}'],
    ]);
  });

  it("answers a custom tool's call as a custom_tool_call item, and leaves Codex's client_metadata out", async () => {
    const key = await setup();
    const input = '*** Begin Patch\n*** End Patch\n';
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json({
        ...completion,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [{ id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
      }),
    );
    const tool = { type: 'custom', name: 'apply_patch', format: { type: 'text' } };
    const response = await responses(key, {
      model: 'gpt',
      input: 'patch it',
      tools: [tool],
      tool_choice: { type: 'custom', name: 'apply_patch' },
      client_metadata: { 'x-codex-installation-id': 'abc' },
    });
    expect(response.status).toBe(200);
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.output).toEqual([
      {
        type: 'custom_tool_call',
        id: expect.stringMatching(/^ctc_/),
        call_id: 'call_p',
        name: 'apply_patch',
        input,
        status: 'completed',
      },
    ]);
    expect(body.tools).toEqual([tool]);
    const sent = recorded[0]!.body as Json;
    expect(sent).not.toHaveProperty('client_metadata');
    expect(sent.tools).toEqual([
      { type: 'custom', custom: { name: 'apply_patch', format: { type: 'text' } } },
    ]);
    expect(sent.tool_choice).toEqual({ type: 'custom', custom: { name: 'apply_patch' } });
  });

  it('turns a mid-stream failure into response.failed', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: 'Hel' }),
        `data: ${JSON.stringify({ error: { message: 'boom', type: 'server_error' } })}\n\n`,
      ]),
    );
    const response = await responses(key, { model: 'gpt', input: 'hi', stream: true });
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    const last = events.at(-1)!;
    expect(last.type).toBe('response.failed');
    expect((last.response as Json).status).toBe('failed');
    expect((last.response as Json).error.code).toBe('server_error');
    expect(events.some((e) => e.type === 'response.completed')).toBe(false);
    // Stored it is not (response.created said it would be, not knowing yet), so the end says so.
    expect((events[0]!.response as Json).store).toBe(true);
    expect((last.response as Json).store).toBe(false);
    expect((await storedResponse(key, String((last.response as Json).id))).status).toBe(404);
  });

  it('streams from the mock provider', async () => {
    const key = await setup();
    const response = await responses(key, { model: 'fast', input: 'Count to three', stream: true });
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    const done = events.at(-1)!;
    expect(done.type).toBe('response.completed');
    expect((done.response as Json).output[0].content[0].text).toBe('Mock reply to: Count to three');
    expect((done.response as Json).usage.output_tokens).toBeGreaterThan(0);
  });

  it.each([
    ['background', { background: true }],
    ['prompt', { prompt: { id: 'pmpt_1' } }],
  ])('refuses the stateful parameter %s with a 400 naming it', async (param, extra) => {
    const key = await setup();
    const response = await responses(key, { model: 'fast', input: 'hi', ...extra });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.param).toBe(param);
    expect(body.error.message).toContain('no background responses or prompts');
  });

  it.each([
    ['tools[1].type', { tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }] }],
    [
      'input[0].content[0].type',
      { input: [{ role: 'user', content: [{ type: 'input_audio', data: 'x' }] }] },
    ],
    ['input[0].call_id', { input: [{ type: 'function_call_output', output: 'x' }] }],
    ['model', { model: 7 }],
    ['input', { input: undefined }],
    ['max_output_tokens', { max_output_tokens: -1 }],
    ['truncation', { truncation: 'auto' }],
    // Served for OpenAI upstreams only: the mock, like the translating adapters, cannot call one.
    ['tools', { tools: [{ type: 'custom', name: 'apply_patch' }] }],
  ])('refuses bad input with a 400 naming %s', async (param, extra) => {
    const key = await setup();
    const response = await responses(key, { model: 'fast', input: 'hi', ...extra });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.param).toBe(param);
  });

  it.each([
    ['prompt', { prompt: { id: 'pmpt_1' } }],
    ['background', { background: true }],
    ['truncation', { truncation: 'auto' }],
  ])(
    'refuses %s, which needs state the gateway does not keep, as an unsupported_parameter',
    async (param, extra) => {
      const key = await setup();
      const response = await responses(key, { model: 'fast', input: 'hi', ...extra });
      expect(response.status).toBe(400);
      const body: Json = await response.json();
      expectOpenAIShape('ErrorResponse', body);
      expect(body.error).toMatchObject({
        param,
        code: 'unsupported_parameter',
        type: 'invalid_request_error',
      });
    },
  );

  it('asks to lower max_output_tokens, its own output cap, in a budget or TPM refusal', async () => {
    await setup();
    const { key: poor } = await createKey({ budget: { usd: 0.000001, period: 'month' } });
    const overBudget = await responses(poor, { model: 'gpt', input: 'hi', max_output_tokens: 100_000 });
    expect(overBudget.status).toBe(402);
    const budget: Json = await overBudget.json();
    expectOpenAIShape('ErrorResponse', budget);
    expect(budget.error.message).toContain('Lower max_output_tokens or raise the budget.');
    expect(budget.error.message).not.toContain('max_tokens');
    const { key: slow } = await createKey({ limits: { tpm: 1000 } });
    const tooLarge = await responses(slow, { model: 'fast', input: 'hi', max_output_tokens: 5000 });
    expect(tooLarge.status).toBe(429);
    const rate: Json = await tooLarge.json();
    expect(rate.error.param).toBe('max_output_tokens');
    expect(rate.error.message).toContain('Set a lower max_output_tokens');
    expect(rate.error.message).not.toContain('max_tokens');
    expect(recorded).toHaveLength(0);
  });

  it("names the request's own field in an error about the chat field it became", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json(
        {
          error: {
            message: 'max_completion_tokens is too large: 999999. This model supports at most 16384.',
            type: 'invalid_request_error',
            param: 'max_completion_tokens',
            code: 'invalid_value',
          },
        },
        400,
      ),
    );
    const response = await responses(key, { model: 'gpt', input: 'hi', max_output_tokens: 999_999 });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ param: 'max_output_tokens', code: 'invalid_value' });
    expect(body.error.message).toContain('16384');
  });

  it.each([
    ['max_completion_tokens', 'max_output_tokens'],
    ['max_tokens', 'max_output_tokens'],
    ['reasoning_effort', 'reasoning.effort'],
    ['logprobs', 'include'],
    ['verbosity', 'text.verbosity'],
    ['response_format', 'text.format'],
    ['response_format.json_schema.schema', 'text.format.schema'],
    ['response_format.type', 'text.format.type'],
    ['messages[3].content[0].image_url', 'input'],
    ['tools[2].function.parameters', 'tools[2].parameters'],
    ['tools[0].custom.format', 'tools[0].format'],
    ['tools[1].type', 'tools[1].type'],
    ['tool_choice.function.name', 'tool_choice.name'],
    ['temperature', 'temperature'],
    ['top_logprobs', 'top_logprobs'],
    ['max_completion_tokens_extra', 'max_completion_tokens_extra'],
  ])('maps the chat field %s of an error to %s', (chatParam, param) => {
    expect(responsesParam(chatParam)).toBe(param);
  });

  it('passes a refused key through, OpenAI-shaped', async () => {
    await setup();
    const response = await responses('tg-not-a-real-key-000000000000000000000000', {
      model: 'fast',
      input: 'hi',
    });
    expect(response.status).toBe(401);
    expectOpenAIShape('ErrorResponse', await response.json());
  });

  it('leaves exactly one log row per request, under the path it was sent to', async () => {
    const key = await setup();
    const ok = await responses(key, { model: 'fast', input: 'hi' }, { 'x-request-id': 'resp-log-ok' });
    const bad = await responses(
      key,
      { model: 'fast', input: 'hi', background: true },
      { 'x-request-id': 'resp-log-bad' },
    );
    const streamed = await responses(
      key,
      { model: 'fast', input: 'hi', stream: true },
      { 'x-request-id': 'resp-log-stream' },
    );
    await Promise.all([ok.text(), bad.text(), streamed.text()]);
    expect(ok.headers.get('x-request-id')).toBe('resp-log-ok');
    const rows = await waitForRows(['resp-log-ok', 'resp-log-bad', 'resp-log-stream']);
    expect(rows.get('resp-log-ok')).toMatchObject({ path: '/v1/responses', status: 200 });
    expect(rows.get('resp-log-ok')!.id).toBe(ok.headers.get('x-tollgate-request-id'));
    expect(rows.get('resp-log-bad')).toMatchObject({ path: '/v1/responses', status: 400 });
    expect(rows.get('resp-log-stream')).toMatchObject({ path: '/v1/responses', status: 200, stream: true });
  });

  it('serves the second identical request from the cache', async () => {
    const key = await setup({ cache: { exact: { enabled: true } } });
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const first = await responses(key, { model: 'gpt', input: 'cache me' });
    expect(first.headers.get('x-tollgate-cache')).toBe('miss');
    await first.text();
    const second = await responses(key, { model: 'gpt', input: 'cache me' });
    expect(second.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const body: Json = await second.json();
    expectOpenAIShape('Response', body);
    expect(body.output[0].content[0].text).toBe('Hi!');
    expect(recorded).toHaveLength(1);
  });

  it("gives DeepSeek-style reasoning back as reasoning_content in a tool loop (its thinking mode's rule)", async () => {
    const key = await setup();
    const answers = [
      {
        ...completion,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              reasoning_content: 'I should look it up.',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
      },
      completion,
    ];
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(answers.shift()));
    const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }];
    const input: Json[] = [{ role: 'user', content: 'find it' }];
    const first: Json = await (await responses(key, { model: 'gpt', input, tools })).json();
    expect(first.output.map((item: Json) => item.type)).toEqual(['reasoning', 'function_call']);
    input.push(...first.output, { type: 'function_call_output', call_id: 'call_1', output: 'found' });
    expect((await responses(key, { model: 'gpt', input, tools })).status).toBe(200);
    expect((recorded[1]!.body as Json).messages[1]).toEqual({
      role: 'assistant',
      content: null,
      reasoning_content: 'I should look it up.',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
    });
  });

  it("keeps a Responses-only OpenAI model's encrypted reasoning across a stateless tool loop (Codex's)", async () => {
    const key = await setup({
      models: { codex: { targets: [{ provider: 'openai', model: 'gpt-5.1-codex' }] } },
      providers: {
        openai: {
          type: 'openai',
          baseUrl: OPENAI_URL,
          apiKey: 'sk-test-secret',
          responsesApi: ['gpt-5.1-codex'],
        },
      },
    });
    const upstream = (output: Json[]) => ({
      id: 'resp_up',
      object: 'response',
      created_at: 1_760_000_000,
      status: 'completed',
      model: 'gpt-5.1-codex',
      output,
      usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
    });
    const answers = [
      upstream([
        { type: 'reasoning', id: 'rs_up', summary: [], encrypted_content: 'gAAAA-openai-opaque' },
        { type: 'function_call', id: 'fc_up', call_id: 'call_1', name: 'lookup', arguments: '{}' },
      ]),
      upstream([
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Found it.' }] },
      ]),
    ];
    onUpstream(`${OPENAI_URL}/responses`, () => json(answers.shift()));
    const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }];
    const input: Json[] = [{ role: 'user', content: 'find it' }];
    const request = { model: 'codex', store: false, include: ['reasoning.encrypted_content'], tools };
    const first: Json = await (await responses(key, { ...request, input })).json();
    expect(first.output.map((item: Json) => item.type)).toEqual(['reasoning', 'function_call']);
    // OpenAI's blob is inside the gateway's packing, never shown as it came.
    expect(first.output[0].encrypted_content).toMatch(/^tollgate\.thinking\.v1\./);
    expect((recorded[0]!.body as Json).include).toEqual(['reasoning.encrypted_content']);
    input.push(...first.output, { type: 'function_call_output', call_id: 'call_1', output: 'found' });
    const second = await responses(key, { ...request, input });
    expect(second.status).toBe(200);
    expect((recorded[1]!.body as Json).input).toEqual([
      { role: 'user', content: 'find it' },
      // Without its id, as Codex sends it: the call after it has none either.
      { type: 'reasoning', encrypted_content: 'gAAAA-openai-opaque', summary: [] },
      { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'found' },
    ]);
  });

  it("streams a Responses-only OpenAI model's reasoning as one item, summary and encrypted reasoning, before its answer", async () => {
    const key = await setup({
      models: { codex: { targets: [{ provider: 'openai', model: 'gpt-5.1-codex' }] } },
      providers: {
        openai: {
          type: 'openai',
          baseUrl: OPENAI_URL,
          apiKey: 'sk-test-secret',
          responsesApi: ['gpt-5.1-codex'],
        },
      },
    });
    const reasoning = { type: 'reasoning', id: 'rs_up', summary: [] as Json[] };
    const frames = [
      {
        type: 'response.created',
        response: { id: 'resp_up', object: 'response', status: 'in_progress', output: [] },
      },
      { type: 'response.output_item.added', output_index: 0, item: reasoning },
      {
        type: 'response.reasoning_summary_text.delta',
        output_index: 0,
        summary_index: 0,
        delta: 'Look it up.',
      },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: {
          ...reasoning,
          summary: [{ type: 'summary_text', text: 'Look it up.' }],
          encrypted_content: 'gAAAA-x',
        },
      },
      { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Checking.' },
      {
        type: 'response.output_item.added',
        output_index: 2,
        item: { type: 'function_call', id: 'fc_up', call_id: 'call_1', name: 'lookup', arguments: '' },
      },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{}' },
      {
        type: 'response.completed',
        response: {
          id: 'resp_up',
          object: 'response',
          status: 'completed',
          output: [],
          usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
        },
      },
    ].map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    onUpstream(`${OPENAI_URL}/responses`, () => sse(frames));
    const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }];
    const response = await responses(key, {
      model: 'codex',
      input: 'find it',
      tools,
      store: false,
      stream: true,
    });
    const events = responseEvents(await response.text());
    const done = events.at(-1) as Json;
    expect(done.type).toBe('response.completed');
    expect(done.response.output.map((item: Json) => item.type)).toEqual([
      'reasoning',
      'message',
      'function_call',
    ]);
    expect(done.response.output[0].summary).toEqual([{ type: 'summary_text', text: 'Look it up.' }]);
    expect(done.response.output[0].encrypted_content).toMatch(/^tollgate\.thinking\.v1\./);
  });

  it("gives a Responses-only OpenAI model the request's reasoning.summary, which keys the cache; chat upstreams never see it", async () => {
    const key = await setup({
      cache: { exact: { enabled: true } },
      models: {
        codex: { targets: [{ provider: 'openai', model: 'gpt-5.1-codex' }] },
        gpt: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
      },
      providers: {
        openai: {
          type: 'openai',
          baseUrl: OPENAI_URL,
          apiKey: 'sk-test-secret',
          responsesApi: ['gpt-5.1-codex'],
        },
      },
    });
    onUpstream(`${OPENAI_URL}/responses`, () =>
      json({
        id: 'resp_up',
        object: 'response',
        created_at: 1_760_000_000,
        status: 'completed',
        model: 'gpt-5.1-codex',
        output: [
          { type: 'reasoning', id: 'rs_up', summary: [{ type: 'summary_text', text: 'Short plan.' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
        ],
        usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
      }),
    );
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const ask = (model: string, reasoning: Json) => responses(key, { model, input: 'Plan it', reasoning });
    const first = await ask('codex', { effort: 'low', summary: 'auto' });
    const body: Json = await first.json();
    expect((recorded[0]!.body as Json).reasoning).toEqual({ effort: 'low', summary: 'auto' });
    expect(body.output[0].summary).toEqual([{ type: 'summary_text', text: 'Short plan.' }]);
    // The same request without a summary is another answer: not the cached one.
    const second = await ask('codex', { effort: 'low' });
    expect(second.headers.get('x-tollgate-cache')).toBe('miss');
    expect((recorded[1]!.body as Json).reasoning).toEqual({ effort: 'low' });
    expect((await ask('codex', { effort: 'low', summary: 'auto' })).headers.get('x-tollgate-cache')).toBe(
      'hit-exact',
    );
    // A chat-completions upstream has no such field: nothing of it is sent.
    await ask('gpt', { summary: 'auto' });
    expect(JSON.stringify(recorded[2]!.body)).not.toContain('summary');
  });

  it('answers GET with a 405 naming POST', async () => {
    const key = await setup();
    const response = await call('/v1/responses', { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
  it('lets the upstream go when the client leaves, and logs the 499 once', async () => {
    const key = await setup();
    let abandoned = 0;
    let calls = 0;
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      calls++;
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve()));
      abandoned++;
      throw request.signal.reason;
    });
    const client = new AbortController();
    const ctx = createExecutionContext();
    // Straight to the worker's fetch, so the test's signal is the request's own.
    const pending = worker.fetch(
      new Request('https://gateway.test/v1/responses', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'x-request-id': 'resp-abort',
        },
        body: JSON.stringify({ model: 'gpt', input: 'wait' }),
        signal: client.signal,
      }),
      env,
      ctx,
    );
    for (let i = 0; i < 200 && calls === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    client.abort();
    const response = await pending;
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(499);
    expect(abandoned).toBe(1);
    const row = (await waitForRows(['resp-abort'])).get('resp-abort');
    expect(row).toMatchObject({ path: '/v1/responses', status: 499, cancelled: true });
  });
  it('applies output guardrails to the answer, JSON and streamed, with the rate headers kept', async () => {
    await setup({ guardrails: [{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }] });
    const { key } = await createKey({ limits: { rpm: 2, tpm: 100_000 } });
    const json = await responses(key, { model: 'fast', input: 'mail bob@example.com' });
    expect(json.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(json.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const body: Json = await json.json();
    expect(body.output[0].content[0].text).toBe('Mock reply to: mail [EMAIL_1]');
    const streamed = await responses(key, { model: 'fast', input: 'mail bob@example.com', stream: true });
    const events = responseEvents(await streamed.text());
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe('Mock reply to: mail [EMAIL_1]');
    expect((events.at(-1)!.response as Json).output[0].content[0].text).toBe('Mock reply to: mail [EMAIL_1]');
    // The key's limit binds Responses requests as chat ones: the third in the minute is refused.
    const limited = await responses(key, { model: 'fast', input: 'again' });
    expect(limited.status).toBe(429);
    expectOpenAIShape('ErrorResponse', await limited.json());
  });
});

describe('POST /v1/responses near the body limit', () => {
  it('serves a body under maxBodyBytes whose chat translation is larger (it is not read twice)', async () => {
    expect((await putConfig(openaiConfig({ limits: { maxBodyBytes: 1024 } }))).status).toBe(200);
    const { key } = await createKey();
    // Each flat tool gains a `function` wrapper in chat form: ~13 bytes apiece.
    const tools = Array.from({ length: 28 }, (_, i) => ({ type: 'function', name: `t${i}` }));
    const body = { model: 'fast', input: 'x', tools };
    const size = JSON.stringify(body).length;
    expect(size).toBeLessThan(1024);
    const chatSize = JSON.stringify({
      model: 'fast',
      messages: [{ role: 'user', content: 'x' }],
      tools: tools.map(({ name }) => ({ type: 'function', function: { name } })),
    }).length;
    expect(chatSize).toBeGreaterThan(1024);
    const response = await responses(key, body);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).object).toBe('response');
  });
});

describe('a type that is no string', () => {
  it('is a 400 quoting it, never a 500, for an input item, a tool and a Messages block', async () => {
    const key = await setup();
    // String() throws on such an object: its toString is no function.
    const type = { toString: 1 };
    const item = await responses(key, { model: 'gpt', input: [{ type, content: 'hi' }] });
    expect(item.status).toBe(400);
    const body = (await item.json()) as { error: { message: string; param: string } };
    expect(body.error).toMatchObject({ param: 'input[0].type' });
    expect(body.error.message).toContain('{"toString":1}');
    const tool = await responses(key, { model: 'gpt', input: 'hi', tools: [{ type }] });
    expect(tool.status).toBe(400);
    const block = await call('/v1/messages', {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type }] }],
      }),
    });
    expect(block.status).toBe(400);
  });
});
