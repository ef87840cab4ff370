// POST /v1/messages: Anthropic's Messages API as a translation around the chat pipeline.
import { exports } from 'cloudflare:workers';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { anthropicStream } from '../helpers/anthropic-sse';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import {
  call,
  createKey,
  type Json,
  messages,
  OPENAI_URL,
  openaiConfig,
  openaiKey,
  putConfig,
} from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const setup = openaiKey;

/** The events of an Anthropic SSE answer, each checked: its `event:` line names its data's type. */
function events(text: string): Json[] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const match = /^event: (\w+)\ndata: (.*)$/s.exec(frame);
      expect(match, frame).not.toBeNull();
      const data = JSON.parse(match![2]!);
      expect(data.type).toBe(match![1]);
      return data;
    });
}

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me look.',
        refusal: null,
        tool_calls: [
          { id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 10,
    completion_tokens: 4,
    total_tokens: 14,
    prompt_tokens_details: { cached_tokens: 3 },
  },
};

describe('POST /v1/messages', () => {
  it('answers from the mock provider as an Anthropic message', async () => {
    const key = await setup();
    const response = await messages(key, {
      model: 'fast',
      max_tokens: 50,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const serverId = response.headers.get('x-tollgate-request-id')!;
    const body: Json = await response.json();
    expect(body).toMatchObject({
      id: `msg_${serverId.replace(/^req_/, '')}`,
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'Mock reply to: Say hi' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.usage.output_tokens).toBeGreaterThan(0);
  });

  it('translates a tool round trip for an OpenAI-compatible upstream, and its answer back', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 100,
      system: [{ type: 'text', text: 'system words' }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and then?' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'one' },
          ],
        },
      ],
      tools: [{ name: 'lookup', description: 'Looks up', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.5,
      metadata: { user_id: 'u-1' },
      service_tier: 'standard_only',
    });
    expect(response.status).toBe(200);
    expect(recorded[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        // A string, as every OpenAI-compatible service takes it (plain-messages.ts).
        { role: 'system', content: 'system words' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
        {
          role: 'assistant',
          content: 'calling',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'one' },
        { role: 'user', content: [{ type: 'text', text: 'and then?' }] },
      ],
      max_completion_tokens: 100,
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', parameters: { type: 'object' }, description: 'Looks up' },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: ['END'],
      temperature: 0.5,
      user: 'u-1',
      service_tier: 'default',
    });
    const body: Json = await response.json();
    expect(body).toMatchObject({
      type: 'message',
      model: 'gpt-4o-mini-2024-07-18',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'call_9', name: 'lookup', input: { q: 'x' } },
      ],
      stop_reason: 'tool_use',
      usage: {
        input_tokens: 7,
        output_tokens: 4,
        cache_read_input_tokens: 3,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it("takes tool names up to Anthropic's 128 characters, shortened for a 64-character upstream and given back whole", async () => {
    const key = await setup();
    // Claude Code's MCP tools: `mcp__<server>__<tool>`, often past the 64 characters chat allows.
    const long = `mcp__claude_ai_Acme_Project_Tracker__${'search_issues_by_label_'.repeat(3)}x`;
    const other = `${long.slice(0, -1)}y`;
    expect(long.length).toBeGreaterThan(64);
    const sent = () => (recorded.at(-1)!.body as Json).tools.map((t: Json) => t.function.name) as string[];
    const calling = (name: string) => ({
      ...completion,
      choices: [
        {
          ...completion.choices[0],
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_9', type: 'function', function: { name, arguments: '{}' } }],
          },
        },
      ],
    });
    onUpstream(`${OPENAI_URL}/chat/completions`, (_request, entry) => {
      const body = entry.body as Json;
      const [name] = sent();
      if (body.stream !== true) return json(calling(name!));
      return sse([
        chunk({
          tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name, arguments: '{}' } }],
        }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]);
    });
    const ask = {
      model: 'gpt',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'find them' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: long, input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'none' }] },
      ],
      tools: [
        { name: long, input_schema: { type: 'object' } },
        { name: other, input_schema: { type: 'object' } },
        { name: 'short', input_schema: { type: 'object' } },
      ],
      tool_choice: { type: 'tool', name: long },
    };
    const response = await messages(key, ask);
    expect(response.status, await response.clone().text()).toBe(200);
    const names = sent();
    // Each within 64, the two apart, the same every time (a prompt cache keeps hitting); a short one as it is.
    expect(names.map((name) => name.length <= 64)).toEqual([true, true, true]);
    expect(new Set(names).size).toBe(3);
    expect(names[2]).toBe('short');
    const body = recorded.at(-1)!.body as Json;
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: names[0] } });
    expect(body.messages[1].tool_calls[0].function.name).toBe(names[0]);
    expect(((await response.json()) as Json).content).toEqual([
      { type: 'tool_use', id: 'call_9', name: long, input: {} },
    ]);

    const streamed = await messages(key, { ...ask, stream: true });
    expect(sent()).toEqual(names);
    const list = events(await streamed.text());
    expect(list.find((e) => e.type === 'content_block_start')!.content_block).toEqual({
      type: 'tool_use',
      id: 'call_9',
      name: long,
      input: {},
    });
  });

  it("gives an OpenAI-compatible upstream a tool result's image in a user message, as it takes only text in a tool message", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } };
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'look at both' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '/a.png' } },
            { type: 'tool_use', id: 'toolu_2', name: 'Notify', input: {} },
            { type: 'tool_use', id: 'toolu_3', name: 'Read', input: { file_path: '/b.png' } },
          ],
        },
        {
          role: 'user',
          content: [
            // Claude Code's Read of an image file; a tool that said nothing; an image with words.
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [image] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [] },
            { type: 'tool_result', tool_use_id: 'toolu_3', content: [{ type: 'text', text: 'b:' }, image] },
            { type: 'text', text: 'and now?' },
          ],
        },
      ],
    });
    expect(response.status).toBe(200);
    const imagePart = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
    expect((recorded[0]!.body as Json).messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_1', content: '' },
      { role: 'tool', tool_call_id: 'toolu_2', content: '' },
      { role: 'tool', tool_call_id: 'toolu_3', content: 'b:' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Returned by the Read call toolu_1:' },
          imagePart,
          { type: 'text', text: 'Returned by the Read call toolu_3:' },
          imagePart,
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
    ]);
  });

  it('streams text as Anthropic events, with the usage in message_delta', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'length'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 2,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect((recorded[0]!.body as Json).stream_options).toEqual({ include_usage: true });
    const list = events(await response.text());
    expect(list.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(list[0].message).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'gpt-4o-mini-2024-07-18',
    });
    expect(list[1]).toMatchObject({ index: 0, content_block: { type: 'text', text: '' } });
    expect(list[2]).toMatchObject({ index: 0, delta: { type: 'text_delta', text: 'Hel' } });
    expect(list[5]).toMatchObject({
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { input_tokens: 5, output_tokens: 2 },
    });
  });

  it("starts a stream with the gateway's estimate of the prompt, and ends it with the provider's count", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([chunk({ role: 'assistant', content: 'Hi' }), chunk({}, 'stop'), usageChunk, 'data: [DONE]\n\n']),
    );
    const ask = { model: 'gpt', system: 'x'.repeat(400), messages: [{ role: 'user', content: 'hi' }] };
    // Claude Code reads the context's size from message_start: the chat stream says it only at its
    // end, so it starts with the estimate the request was admitted on (the one count_tokens gives).
    const counted = await call('/v1/messages/count_tokens', {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(ask),
    });
    const { input_tokens: estimate }: Json = await counted.json();
    expect(estimate).toBeGreaterThan(100);
    const response = await messages(key, { ...ask, max_tokens: 20, stream: true });
    const list = events(await response.text());
    expect(list[0].message.usage).toEqual({
      input_tokens: estimate,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    // message_delta's usage is cumulative, as Anthropic's: the provider's count replaces the estimate.
    expect(list.at(-2)).toMatchObject({
      type: 'message_delta',
      usage: { input_tokens: 5, output_tokens: 2 },
    });
  });

  it('streams tool calls as tool_use blocks with input_json_delta', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: 'ok' }),
        chunk({
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 20,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
    });
    const list = events(await response.text());
    expect(list.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(list[4]).toMatchObject({
      index: 1,
      content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} },
    });
    expect(list[5]).toMatchObject({ index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } });
    expect(list[8].delta.stop_reason).toBe('tool_use');
  });

  it('turns a mid-stream failure into an Anthropic error event, with no message_stop', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: 'Hi' }),
        'data: {"error":{"message":"boom","type":"server_error"}}\n\n',
      ]),
    );
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 20,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const list = events(await response.text());
    const last = list.at(-1)!;
    expect(last).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(typeof last.error.message).toBe('string');
    expect(list.some((e) => e.type === 'message_stop')).toBe(false);
  });

  it.each([
    [{ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }, 'max_tokens'],
    [{ model: 'fast', max_tokens: 5, messages: [] }, 'messages'],
    [{ model: 'fast', max_tokens: 5, messages: [{ role: 'developer', content: 'hi' }] }, 'messages[0].role'],
    [
      { model: 'fast', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'server_tool_use' }] }] },
      'messages[0].content[0].type',
    ],
    [
      {
        model: 'fast',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file' } }] }],
      },
      'messages[0].content[0].source.type',
    ],
    [
      {
        model: 'fast',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      },
      'tools[0].type',
    ],
    [
      {
        model: 'fast',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        tool_choice: { type: 'tool' },
      },
      'tool_choice.name',
    ],
  ])('refuses a bad body with a 400 naming the param (%#)', async (body, param) => {
    const key = await setup();
    const response = await messages(key, body);
    expect(response.status).toBe(400);
    const error: Json = await response.json();
    expectOpenAIShape('ErrorResponse', error);
    expect(error.type).toBe('error');
    expect(error.error.type).toBe('invalid_request_error');
    expect(error.error.param).toBe(param);
  });

  it('refuses system messages alone, saying a user or assistant message is required, before any provider', async () => {
    const key = await setup();
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 5,
      system: 'Be brief.',
      messages: [{ role: 'system', content: 'hi' }],
    });
    expect(response.status).toBe(400);
    const error: Json = await response.json();
    expect(error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', param: 'messages' },
    });
    expect(error.error.message).toContain('at least one user or assistant message');
    expect(recorded).toHaveLength(0);
  });

  it('answers a refused key with an error both SDKs read', async () => {
    await setup();
    const response = await messages('tg-not-a-real-key-000000000000000000000000', {
      model: 'fast',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(401);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('leaves exactly one log row per request', async () => {
    const key = await setup();
    const hi = { model: 'fast', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    const ok = await messages(key, hi, { 'x-request-id': 'msg-log-ok' });
    const bad = await messages(key, { ...hi, max_tokens: 0 }, { 'x-request-id': 'msg-log-bad' });
    const streamed = await messages(key, { ...hi, stream: true }, { 'x-request-id': 'msg-log-stream' });
    await Promise.all([ok.text(), bad.text(), streamed.text()]);
    const rows = await waitForRows(['msg-log-ok', 'msg-log-bad', 'msg-log-stream']);
    expect(rows.get('msg-log-ok')).toMatchObject({ path: '/v1/messages', status: 200 });
    expect(rows.get('msg-log-ok')!.id).toBe(ok.headers.get('x-tollgate-request-id'));
    expect(rows.get('msg-log-bad')).toMatchObject({ path: '/v1/messages', status: 400 });
    expect(rows.get('msg-log-stream')).toMatchObject({ path: '/v1/messages', status: 200, stream: true });
  });

  it('serves the second identical request from the cache', async () => {
    const key = await setup({ cache: { exact: { enabled: true } } });
    const text = {
      ...completion.choices[0]!,
      message: { role: 'assistant', content: 'Hi!' },
      finish_reason: 'stop',
    };
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json({ ...completion, choices: [text] }));
    const body = { model: 'gpt', max_tokens: 20, messages: [{ role: 'user', content: 'cache me' }] };
    const first = await messages(key, body);
    expect(first.headers.get('x-tollgate-cache')).toBe('miss');
    await first.text();
    const second = await messages(key, body);
    expect(second.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const answer: Json = await second.json();
    expect(answer.content).toEqual([{ type: 'text', text: 'Hi!' }]);
    expect(recorded).toHaveLength(1);
    // Betas may change the answer (context management): other betas are another entry, in any order.
    const beta = async (value: string) => {
      const response = await messages(key, body, { 'anthropic-beta': value });
      await response.text();
      return response.headers.get('x-tollgate-cache');
    };
    expect(await beta('b-1,a-2')).toBe('miss');
    expect(await beta('a-2, b-1')).toBe('hit-exact');
  });

  it('answers GET with a 405', async () => {
    const key = await setup();
    const response = await call('/v1/messages', { headers: { 'x-api-key': key } });
    expect(response.status).toBe(405);
  });

  it("answers a path under /v1/messages it does not serve with Anthropic's 404 (batches)", async () => {
    const key = await setup();
    const response = await call('/v1/messages/batches', {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error', message: expect.stringContaining('/v1/messages/batches') },
    });
  });
});

describe("the Messages API's own parameters on other models", () => {
  it("gives Claude Code's thinking and context editing to Claude only: another model gets the request without them", async () => {
    const config = {
      providers: {
        anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' },
        openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' },
      },
      models: {
        // Claude first, failing: the same request then goes to OpenAI.
        claude: {
          targets: [
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
            { provider: 'openai', model: 'gpt-5' },
          ],
        },
      },
      retry: { attempts: 0 },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    onUpstream('https://anthropic.test/v1/messages', () =>
      json({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529),
    );
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await messages(key, {
      model: 'claude',
      max_tokens: 32000,
      thinking: { type: 'adaptive' },
      top_k: 40,
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      metadata: { user_id: 'user_abc' },
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const [toClaude, toOpenAI] = recorded.map((r) => r.body as Json);
    expect(toClaude).toMatchObject({
      thinking: { type: 'adaptive' },
      top_k: 40,
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    });
    expect(toClaude.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(toOpenAI.model).toBe('gpt-5');
    expect(toOpenAI.top_k).toBe(40); // a sampling parameter others take too: forwarded, for OpenAI to refuse
    for (const field of ['thinking', 'context_management']) expect(toOpenAI).not.toHaveProperty(field);
    expect(toOpenAI.user).toBe('user_abc');
    // Claude Code's cache marks, which strict OpenAI-compatible services refuse: left out.
    expect(toOpenAI.messages).toEqual([
      { role: 'system', content: 'You are Claude Code.' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
  });

  it("gives another model Claude Code's marked system blocks and tool results as the text Groq requires there", async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const cache = { type: 'ephemeral' };
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 100,
      system: [
        {
          type: 'text',
          text: "You are Claude Code, Anthropic's official CLI for Claude.",
          cache_control: cache,
        },
        { type: 'text', text: 'You are an interactive CLI tool.', cache_control: cache },
      ],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'mcp', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [
                { type: 'text', text: 'first' },
                { type: 'text', text: 'second' },
              ],
              cache_control: cache,
            },
          ],
        },
      ],
    });
    expect(response.status).toBe(200);
    const sent = (recorded[0]!.body as Json).messages;
    expect(sent[0]).toEqual({
      role: 'system',
      content:
        "You are Claude Code, Anthropic's official CLI for Claude.\n\nYou are an interactive CLI tool.",
    });
    expect(sent[3]).toEqual({ role: 'tool', tool_call_id: 'toolu_1', content: 'first\n\nsecond' });
  });

  it('keeps the cache marks for a Claude model behind an OpenAI-wire service (OpenRouter reads them)', async () => {
    const config = {
      providers: { openrouter: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-or' } },
      models: { claude: { targets: [{ provider: 'openrouter', model: 'anthropic/claude-sonnet-4.5' }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const response = await messages(key, {
      model: 'claude',
      max_tokens: 1000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.messages[0].content[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(sent).not.toHaveProperty('thinking'); // the service's own reasoning setting is not Anthropic's
  });
});

describe("the Messages API's structured outputs on other models", () => {
  async function gptKey() {
    const config = {
      providers: { openai: { type: 'openai', baseUrl: OPENAI_URL, apiKey: 'sk-test-secret' } },
      models: { gpt: { targets: [{ provider: 'openai', model: 'gpt-5' }] } },
      retry: { attempts: 0 },
    };
    expect((await putConfig(config)).status).toBe(200);
    return (await createKey()).key;
  }
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
  const asChat = { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } };

  it("gives output_config's format to another model as response_format (LangChain's jsonSchema method); an effort alone is left out", async () => {
    const key = await gptKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const format = { type: 'json_schema', schema };
    for (const output_config of [{ effort: 'high', format }, { effort: 'high' }]) {
      const response = await messages(key, {
        model: 'gpt',
        max_tokens: 1024,
        output_config,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const [withFormat, effortOnly] = recorded.map((r) => r.body as Json);
    expect(withFormat).not.toHaveProperty('output_config'); // OpenAI refuses a field it does not know
    expect(withFormat.response_format).toEqual(asChat);
    expect(effortOnly).not.toHaveProperty('output_config');
    expect(effortOnly).not.toHaveProperty('response_format');
  });

  it("gives the beta's output_format to another model as response_format, streamed too", async () => {
    const key = await gptKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([chunk({ role: 'assistant', content: '{"answer":"hi"}' }), chunk({}, 'stop'), usageChunk]),
    );
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 1024,
      stream: true,
      output_format: { type: 'json_schema', schema },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(200);
    const deltas = events(await response.text()).filter((event) => event.type === 'content_block_delta');
    expect(deltas.map((event) => event.delta.text).join('')).toBe('{"answer":"hi"}');
    const sent = recorded[0]!.body as Json;
    expect(sent).not.toHaveProperty('output_format');
    expect(sent.response_format).toEqual(asChat);
  });

  it('sends a format it cannot translate on as it came, for the model to refuse rather than answer without it', async () => {
    const key = await gptKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () => json(completion));
    const output_config = { format: { type: 'some_future_format', grammar: 'x' } };
    const response = await messages(key, {
      model: 'gpt',
      max_tokens: 1024,
      output_config,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.output_config).toEqual(output_config);
    expect(sent).not.toHaveProperty('response_format');
  });
});

describe('Anthropic in, Anthropic out', () => {
  const MESSAGES = 'https://anthropic.test/v1/messages';
  async function anthropicKey() {
    const config = {
      providers: { anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' } },
      models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    return (await createKey()).key;
  }

  it('round-trips extended thinking and a tool loop: native parameters and signed blocks kept', async () => {
    const key = await anthropicKey();
    onUpstream(MESSAGES, () =>
      json({
        id: 'msg_up',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [
          { type: 'thinking', thinking: 'again', signature: 'sig2' },
          { type: 'text', text: 'Done.' },
        ],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: 20,
          output_tokens: 5,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 7,
        },
      }),
    );
    const response = await messages(key, {
      model: 'claude',
      max_tokens: 3000,
      thinking: { type: 'enabled', budget_tokens: 2000 },
      top_k: 20,
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'first', signature: 'sig1' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
      ],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 3000,
      thinking: { type: 'enabled', budget_tokens: 2000 },
      top_k: 20,
    });
    expect(sent.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'first', signature: 'sig1' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
    ]);
    expect(sent.messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
    const body: Json = await response.json();
    expect(body.content).toEqual([
      { type: 'thinking', thinking: 'again', signature: 'sig2' },
      { type: 'text', text: 'Done.' },
    ]);
    expect(body.usage).toEqual({
      input_tokens: 20,
      output_tokens: 5,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 7,
    });
  });

  it("sends the client's anthropic-beta on beside the config's, each once; a malformed one is a 400", async () => {
    const config = {
      providers: {
        anthropic: {
          type: 'anthropic',
          baseUrl: 'https://anthropic.test',
          apiKey: 'sk-ant',
          headers: { 'anthropic-beta': 'files-api-2025-04-14' },
        },
      },
      models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    onUpstream(MESSAGES, () =>
      json({
        id: 'msg_up',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      }),
    );
    const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const beta = 'interleaved-thinking-2025-05-14, files-api-2025-04-14,context-management-2025-06-27';
    expect((await messages(key, body, { 'anthropic-beta': beta })).status).toBe(200);
    expect(recorded[0]!.headers.get('anthropic-beta')).toBe(
      'files-api-2025-04-14,interleaved-thinking-2025-05-14,context-management-2025-06-27',
    );
    // On chat too; without the header, the config's alone.
    const chatted = await call('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'anthropic-beta': 'output-128k-2025-02-19' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chatted.status).toBe(200);
    expect(recorded[1]!.headers.get('anthropic-beta')).toBe('files-api-2025-04-14,output-128k-2025-02-19');
    expect((await messages(key, body)).status).toBe(200);
    expect(recorded[2]!.headers.get('anthropic-beta')).toBe('files-api-2025-04-14');
    const refused = await messages(key, body, { 'anthropic-beta': 'a b' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error).toMatchObject({ param: 'anthropic-beta' });
    expect(recorded).toHaveLength(3);
  });

  it('keeps the cache_control of tool_result and image blocks for the Anthropic upstream', async () => {
    const key = await anthropicKey();
    onUpstream(MESSAGES, () =>
      json({
        id: 'msg_up',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      }),
    );
    const cache = { type: 'ephemeral' };
    const png = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };
    const response = await messages(key, {
      model: 'claude',
      max_tokens: 10,
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: [{ type: 'image', source: png, cache_control: cache }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok', cache_control: cache }],
        },
      ],
    });
    expect(response.status).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.messages[0].content).toEqual([{ type: 'image', source: png, cache_control: cache }]);
    expect(sent.messages[2].content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: [{ type: 'text', text: 'ok', cache_control: cache }],
      },
    ]);
  });

  it('streams thinking with its signature to the SDK', async () => {
    const key = await anthropicKey();
    onUpstream(MESSAGES, () =>
      anthropicStream(
        [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Hi' },
        ],
        { stopReason: 'end_turn', outputTokens: 4 },
      ),
    );
    const client = new Anthropic({
      apiKey: key,
      baseURL: 'https://gateway.test',
      maxRetries: 0,
      fetch: (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
    });
    const final = await client.messages
      .stream({
        model: 'claude',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'hi' }],
      })
      .finalMessage();
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'text', text: 'Hi' },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 4 });
  });
  it('ends each streamed thinking block, signed, before the next block starts, as Anthropic does', async () => {
    // The AI SDK's Anthropic provider takes a signature_delta only inside the block it last saw
    // start, and forgets it at any content_block_stop: a thinking block held open across the text
    // lost its signature, and the tool loop's next request was refused for the missing thinking.
    const key = await anthropicKey();
    onUpstream(MESSAGES, () =>
      anthropicStream(
        [
          { type: 'thinking', thinking: 'plan', signature: 'sigA' },
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
        ],
        { stopReason: 'tool_use', outputTokens: 30 },
      ),
    );
    const res = await messages(key, {
      model: 'claude',
      max_tokens: 2000,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'go' }],
    });
    expect(res.status).toBe(200);
    const blockEvents = events(await res.text()).filter((e) => String(e.type).startsWith('content_block'));
    // Each block's events run together, from its start to its stop: no block is open beside another.
    const order = blockEvents.map(
      (e) => `${e.index}:${e.type === 'content_block_delta' ? e.delta.type : e.type}`,
    );
    expect(order).toEqual([
      '0:content_block_start',
      '0:thinking_delta',
      '0:signature_delta',
      '0:content_block_stop',
      '1:content_block_start',
      '1:text_delta',
      '1:content_block_stop',
      '2:content_block_start',
      '2:input_json_delta',
      '2:content_block_stop',
    ]);
    expect(blockEvents.find((e) => e.delta?.type === 'signature_delta')!.delta.signature).toBe('sigA');
  });
  it('streams several signed thinking blocks to the SDK, and takes them back in a tool loop', async () => {
    const key = await anthropicKey();
    const message = {
      id: 'msg_up',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 1 },
    };
    // The first request streams; the tool loop's next one is answered in JSON.
    onUpstream(MESSAGES, (_, { body }) =>
      (body as Json).stream !== true
        ? json({ ...message, content: [{ type: 'text', text: 'Done.' }], stop_reason: 'end_turn' })
        : anthropicStream(
            [
              { type: 'thinking', thinking: 'plan', signature: 'sigA' },
              { type: 'text', text: 'Looking.' },
              { type: 'thinking', thinking: 'which tool', signature: 'sigB' },
              { type: 'redacted_thinking', data: 'opaque' },
              { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
            ],
            { stopReason: 'tool_use', outputTokens: 30 },
          ),
    );
    const client = new Anthropic({
      apiKey: key,
      baseURL: 'https://gateway.test',
      maxRetries: 0,
      fetch: (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
    });
    const request = {
      model: 'claude',
      max_tokens: 2000,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      tools: [{ name: 'f', input_schema: { type: 'object' as const } }],
    };
    const asked = { role: 'user' as const, content: 'go' };
    const stream = client.messages.stream({ ...request, messages: [asked] });
    // The SDK's contentBlock event gives, at each content_block_stop, the block last started.
    const ended: string[] = [];
    stream.on('contentBlock', (block) => ended.push(block.type));
    const final = await stream.finalMessage();
    // In Anthropic's order: the redacted block between the signed ones, as Anthropic wants them back.
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'plan', signature: 'sigA' },
      { type: 'text', text: 'Looking.' },
      { type: 'thinking', thinking: 'which tool', signature: 'sigB' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
    ]);
    expect(ended).toEqual(['thinking', 'text', 'thinking', 'redacted_thinking', 'tool_use']);
    expect(final.stop_reason).toBe('tool_use');

    // The tool loop's next request: the assistant turn as the SDK gave it, then the tool result.
    await client.messages.create({
      ...request,
      messages: [
        asked,
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
      ],
    });
    const sent = recorded.at(-1)!.body as Json;
    // As Claude wrote it: the thinking after the text stays there.
    expect(sent.messages[1].content).toEqual(final.content);
    expect(sent.messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
  });
});

describe('Anthropic in, Anthropic out: what chat cannot say', () => {
  const MESSAGES = 'https://anthropic.test/v1/messages';
  async function anthropicKey() {
    const config = {
      providers: { anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' } },
      models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    return (await createKey()).key;
  }
  const sdk = (apiKey: string) =>
    new Anthropic({
      apiKey,
      baseURL: 'https://gateway.test',
      maxRetries: 0,
      fetch: (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
    });
  const ask = { model: 'claude', max_tokens: 100, messages: [{ role: 'user' as const, content: 'count' }] };

  it('gives back the stop sequence Anthropic stopped on, as JSON and streamed', async () => {
    const key = await anthropicKey();
    onUpstream(MESSAGES, (_, { body }) =>
      (body as Json).stream === true
        ? anthropicStream([{ type: 'text', text: 'one two' }], {
            stopReason: 'stop_sequence',
            stopSequence: 'three',
          })
        : json({
            id: 'msg_up',
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-5-20250929',
            content: [{ type: 'text', text: 'one two' }],
            stop_reason: 'stop_sequence',
            stop_sequence: 'three',
            usage: { input_tokens: 5, output_tokens: 3 },
          }),
    );
    const request = { ...ask, stop_sequences: ['three'] };
    const answer = await sdk(key).messages.create(request);
    expect(answer).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'three' });
    const res = await messages(key, { ...request, stream: true });
    const delta = events(await res.text()).find((e) => e.type === 'message_delta')!;
    expect(delta.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'three' });
    const final = await sdk(key).messages.stream(request).finalMessage();
    expect(final).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'three' });
    expect(recorded.map((r) => (r.body as Json).stop_sequences)).toEqual([['three'], ['three'], ['three']]);
  });

  it("starts a stream with the prompt's usage Anthropic reported, and ends it with the whole usage", async () => {
    const key = await anthropicKey();
    const cache = { cache_read_input_tokens: 40, cache_creation_input_tokens: 7 };
    onUpstream(MESSAGES, () =>
      anthropicStream([{ type: 'text', text: 'Hi' }], {
        stopReason: 'end_turn',
        inputTokens: 12,
        outputTokens: 4,
        cache,
      }),
    );
    const res = await messages(key, { ...ask, stream: true });
    const all = events(await res.text());
    expect(all[0]!.message.usage).toEqual({ input_tokens: 12, output_tokens: 0, ...cache });
    expect(all.find((e) => e.type === 'message_delta')!.usage).toEqual({
      input_tokens: 12,
      output_tokens: 4,
      ...cache,
    });
    const final = await sdk(key).messages.stream(ask).finalMessage();
    expect(final.usage).toMatchObject({ input_tokens: 12, output_tokens: 4, ...cache });
  });

  it('streams interleaved thinking and tool calls in the order Claude gave them', async () => {
    const key = await anthropicKey();
    const blocks = [
      { type: 'thinking' as const, thinking: 'first f', signature: 'sigA' },
      { type: 'tool_use' as const, id: 'toolu_1', name: 'f', input: { a: 1 } },
      { type: 'thinking' as const, thinking: 'then g', signature: 'sigB' },
      { type: 'tool_use' as const, id: 'toolu_2', name: 'g', input: {} },
    ];
    onUpstream(MESSAGES, () => anthropicStream(blocks, { stopReason: 'tool_use' }));
    const final = await sdk(key)
      .messages.stream({
        ...ask,
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: ['f', 'g'].map((name) => ({ name, input_schema: { type: 'object' as const } })),
      })
      .finalMessage();
    expect(final.content).toEqual(blocks);
  });

  // Claude Opus 5.5 and Fable 5.1 think between tool calls, and check that nothing before a
  // thinking block changed when it comes back: the order must survive the round trip.
  const interleaved = [
    { type: 'thinking' as const, thinking: 'plan', signature: 'sigA' },
    { type: 'text' as const, text: 'Looking.' },
    { type: 'tool_use' as const, id: 'toolu_1', name: 'f', input: { a: 1 } },
    { type: 'thinking' as const, thinking: 'and g', signature: 'sigB' },
    { type: 'redacted_thinking' as const, data: 'opaque' },
    { type: 'tool_use' as const, id: 'toolu_2', name: 'g', input: {} },
  ];
  const loopTools = ['f', 'g'].map((name) => ({ name, input_schema: { type: 'object' as const } }));

  it('answers interleaved thinking in the order Claude gave it, and sends it back so', async () => {
    const key = await anthropicKey();
    onUpstream(MESSAGES, (_, { body }) =>
      (body as Json).stream === true
        ? anthropicStream(interleaved, { stopReason: 'tool_use' })
        : json({
            id: 'msg_up',
            type: 'message',
            role: 'assistant',
            model: 'claude-opus-5-5',
            content: interleaved,
            stop_reason: 'tool_use',
            stop_sequence: null,
            usage: { input_tokens: 5, output_tokens: 9 },
          }),
    );
    const asked = { role: 'user' as const, content: 'go' };
    const answer = await sdk(key).messages.create({ ...ask, messages: [asked], tools: loopTools });
    expect(answer.content).toEqual(interleaved);
    const streamed = await sdk(key)
      .messages.stream({ ...ask, messages: [asked], tools: loopTools })
      .finalMessage();
    expect(streamed.content).toEqual(interleaved);

    // The tool loop's next request: the assistant turn reaches Anthropic exactly as it came.
    recorded.length = 0;
    await sdk(key).messages.create({
      ...ask,
      tools: loopTools,
      messages: [
        asked,
        { role: 'assistant', content: answer.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '1' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: '2' },
          ],
        },
      ],
    });
    expect((recorded[0]!.body as Json).messages[1]).toEqual({ role: 'assistant', content: interleaved });
  });

  it('replays a cached interleaved answer in the order Claude gave it, streamed and JSON', async () => {
    const config = {
      providers: { anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' } },
      models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-opus-5-5' }] } },
      // Answers with tool calls are stored only when asked to (they usually act on live state).
      cache: { exact: { enabled: true }, toolCalls: true },
    };
    expect((await putConfig(config)).status).toBe(200);
    const key = (await createKey()).key;
    onUpstream(MESSAGES, () => anthropicStream(interleaved, { stopReason: 'tool_use' }));
    const request = { ...ask, messages: [{ role: 'user' as const, content: 'go' }], tools: loopTools };
    const live = await messages(key, { ...request, stream: true });
    expect(live.headers.get('x-tollgate-cache')).toBe('miss');
    await live.text();
    const cached = await messages(key, { ...request, stream: true });
    expect(cached.headers.get('x-tollgate-cache')).toBe('hit-exact');
    const replayed = events(await cached.text())
      .filter((e) => e.type === 'content_block_start')
      .map((e) => e.content_block.type);
    expect(replayed).toEqual(interleaved.map((block) => block.type));
    const json = await messages(key, request);
    expect(json.headers.get('x-tollgate-cache')).toBe('hit-exact');
    expect(((await json.json()) as Json).content).toEqual(interleaved);
    expect(recorded).toHaveLength(1);
  });

  it('gives chat clients thinking_blocks with the place each stood, and sends them back there', async () => {
    const key = await anthropicKey();
    const withText = [
      { type: 'thinking' as const, thinking: 'plan', signature: 'sigA' },
      { type: 'text' as const, text: 'One.' },
      { type: 'thinking' as const, thinking: 'more', signature: 'sigB' },
      { type: 'text' as const, text: 'Two.' },
      { type: 'tool_use' as const, id: 'toolu_1', name: 'f', input: { a: 1 } },
      { type: 'thinking' as const, thinking: 'and g', signature: 'sigC' },
      { type: 'tool_use' as const, id: 'toolu_2', name: 'g', input: {} },
    ];
    onUpstream(MESSAGES, (_, { body }) =>
      (body as Json).stream === true
        ? anthropicStream(withText, { stopReason: 'tool_use' })
        : json({
            id: 'msg_up',
            type: 'message',
            role: 'assistant',
            model: 'claude-opus-5-5',
            content: withText,
            stop_reason: 'tool_use',
            stop_sequence: null,
            usage: { input_tokens: 5, output_tokens: 9 },
          }),
    );
    const tools = ['f', 'g'].map((name) => ({
      type: 'function',
      function: { name, parameters: { type: 'object' } },
    }));
    const chat = (body: Json) =>
      call('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude', tools, ...body }),
      });
    const asked = { role: 'user', content: 'go' };
    const response = await chat({ messages: [asked] });
    expect(response.status).toBe(200);
    const message = ((await response.json()) as Json).choices[0].message;
    expect(message.content).toBe('One.Two.');
    expect(message.thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'plan', signature: 'sigA' },
      { type: 'thinking', thinking: 'more', signature: 'sigB', position: { content: 4, tool_calls: 0 } },
      { type: 'thinking', thinking: 'and g', signature: 'sigC', position: { content: 8, tool_calls: 1 } },
    ]);
    // Streamed, the blocks come together before the finish, with the same places.
    const streamed = await (await chat({ messages: [asked], stream: true })).text();
    const frames = streamed
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map((frame) => JSON.parse(frame.slice(6)));
    const blocks = frames.flatMap((frame) => frame.choices?.[0]?.delta?.thinking_blocks ?? []);
    expect(blocks).toEqual(message.thinking_blocks);

    // Sent back, the assistant turn reaches Anthropic as Claude wrote it: the text cut where it thought.
    recorded.length = 0;
    const results = ['toolu_1', 'toolu_2'].map((id) => ({ role: 'tool', tool_call_id: id, content: 'ok' }));
    expect((await chat({ messages: [asked, message, ...results] })).status).toBe(200);
    expect((recorded[0]!.body as Json).messages[1]).toEqual({ role: 'assistant', content: withText });
  });
});

describe('POST /v1/messages/count_tokens', () => {
  const count = (key: string, body: unknown) =>
    call('/v1/messages/count_tokens', {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers the gateway estimate without max_tokens and without calling a provider', async () => {
    const key = await setup();
    const short = await count(key, { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(short.status).toBe(200);
    const { input_tokens: few }: Json = await short.json();
    const long = await count(key, {
      model: 'gpt',
      system: 'x'.repeat(400),
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
    });
    const { input_tokens: many }: Json = await long.json();
    expect(few).toBeGreaterThan(0);
    expect(many).toBeGreaterThan(few + 100);
    expect(recorded).toHaveLength(0);
  });

  it('refuses a model the key may not use, and a bad body, Anthropic-shaped', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey({ models: ['fast'] });
    const refused = await count(key, { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error', param: 'model' },
    });
    const bad = await count(key, { model: 'fast', messages: 'hi' });
    expect(bad.status).toBe(400);
    const body: Json = await bad.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body).toMatchObject({ type: 'error', error: { param: 'messages' } });
  });

  it('works through the SDK', async () => {
    const key = await setup();
    const client = new Anthropic({
      apiKey: key,
      baseURL: 'https://gateway.test',
      maxRetries: 0,
      fetch: (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
    });
    const counted = await client.messages.countTokens({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });
});

describe('official @anthropic-ai/sdk', () => {
  function client(apiKey: string): Anthropic {
    return new Anthropic({
      apiKey,
      baseURL: 'https://gateway.test',
      maxRetries: 0,
      fetch: (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
    });
  }

  it('messages.create', async () => {
    const key = await setup();
    const reply = await client(key).messages.create({
      model: 'fast',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    expect(reply.content[0]).toMatchObject({ type: 'text', text: 'Mock reply to: Say hi' });
    expect(reply.stop_reason).toBe('end_turn');
  });

  it('messages.stream(...).finalMessage() with a tool call', async () => {
    const key = await setup();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: 'ok' }),
        chunk({
          tool_calls: [
            { index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a":' } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const final = await client(key)
      .messages.stream({
        model: 'gpt',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'call f' }],
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
      })
      .finalMessage();
    expect(final.content).toEqual([
      { type: 'text', text: 'ok' },
      { type: 'tool_use', id: 'call_a', name: 'f', input: { a: 1 } },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage.output_tokens).toBe(2);
  });

  /** Asks the SDK's MessageStream for calls of tools f and g: its final message, and the blocks its contentBlock event gave. */
  const callBoth = async (key: string) => {
    const stream = client(key).messages.stream({
      model: 'gpt',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'call both' }],
      tools: [
        { name: 'f', input_schema: { type: 'object' } },
        { name: 'g', input_schema: { type: 'object' } },
      ],
    });
    const ended: unknown[] = [];
    stream.on('contentBlock', (block) => ended.push(block));
    return { final: await stream.finalMessage(), ended };
  };

  it('gives each of parallel tool calls to the SDK as its own block, each ended in turn', async () => {
    const key = await setup();
    const call = (index: number, id: string, name: string, args: string) =>
      chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] });
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: null }),
        call(0, 'call_a', 'f', '{"a":1}'),
        call(1, 'call_b', 'g', '{"b":'),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '2}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const { final, ended } = await callBoth(key);
    const both = [
      { type: 'tool_use', id: 'call_a', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'g', input: { b: 2 } },
    ];
    expect(final.content).toEqual(both);
    // The SDK's contentBlock event names the last block started: each must end before the next starts.
    expect(ended).toEqual(both);
  });

  it("gives the SDK each of parallel calls whole at its block's stop when the provider interleaves them", async () => {
    const key = await setup();
    const call = (index: number, fn: Json, id?: string) =>
      chunk({ tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }] });
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      sse([
        chunk({ role: 'assistant', content: null }),
        call(0, { name: 'f', arguments: '' }, 'call_a'),
        call(1, { name: 'g', arguments: '' }, 'call_b'),
        call(0, { arguments: '{"a":1}' }),
        call(1, { arguments: '{"b":2}' }),
        chunk({}, 'tool_calls'),
        usageChunk,
        'data: [DONE]\n\n',
      ]),
    );
    const { ended } = await callBoth(key);
    // Claude Code, like this event, takes a tool's input as it stands at its block's stop.
    expect(ended).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'g', input: { b: 2 } },
    ]);
  });

  it('throws the SDK error class for a refusal', async () => {
    const key = await setup();
    const error = await client(key)
      .messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error' });
  });
});
