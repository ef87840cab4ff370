// Anthropic adapter, called directly with a fake fetch: the exact upstream request, the translated
// answer, and every error class.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/gateway-key';
import { GatewayError } from '../../src/errors';
import { type ChatRequest, chatRequest } from '../../src/openai/schemas';
import { createAnthropic } from '../../src/providers/anthropic';
import type { ChatCompletion } from '../../src/providers/types';
import errors from '../fixtures/anthropic/errors.json';
import jsonMessage from '../fixtures/anthropic/message-json.json';
import textMessage from '../fixtures/anthropic/message-text.json';
import toolsMessage from '../fixtures/anthropic/message-tools.json';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

interface Sent {
  url: string;
  headers: Headers;
  body: Json;
}

function setup(
  respond: () => Response = () => Response.json(textMessage),
  config: Record<string, unknown> = {},
) {
  const sent: Sent[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push({ url: request.url, headers: request.headers, body: await request.json() });
    return respond();
  }) as typeof globalThis.fetch;
  const adapter = createAnthropic(
    'anthropic',
    { type: 'anthropic', apiKey: 'sk-ant-test', ...config },
    { env, fetch },
  );
  const chat = (body: Record<string, unknown>) =>
    adapter.chat({
      body: request(body),
      model: 'claude-sonnet-4-5',
      signal: new AbortController().signal,
      requestId: 'req-1',
    });
  return { sent, chat, adapter };
}

function request(body: Record<string, unknown>): ChatRequest {
  return chatRequest.parse({ model: 'claude', messages: [{ role: 'user', content: 'Hello' }], ...body });
}

async function completion(result: Promise<unknown>): Promise<ChatCompletion & Json> {
  const answer = (await result) as { kind: string; body: ChatCompletion };
  expect(answer.kind).toBe('json');
  expectOpenAIShape('CreateChatCompletionResponse', answer.body);
  return answer.body;
}

const errorResponse =
  (body: unknown, status: number, headers: Record<string, string> = {}) =>
  () =>
    Response.json(body, { status, headers });

describe('anthropic request translation', () => {
  it('sends a plain chat with the Anthropic headers and the default max_tokens', async () => {
    const { sent, chat } = setup();
    await chat({});
    expect(sent[0]!.url).toBe('https://api.anthropic.com/v1/messages');
    expect(sent[0]!.headers.get('x-api-key')).toBe('sk-ant-test');
    expect(sent[0]!.headers.get('anthropic-version')).toBe('2023-06-01');
    expect(sent[0]!.headers.get('authorization')).toBeNull();
    expect(sent[0]!.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
  });

  it('uses the configured baseUrl and defaultMaxTokens, and the client max_completion_tokens first', async () => {
    const { sent, chat } = setup(undefined, {
      baseUrl: 'https://proxy.test/anthropic/',
      defaultMaxTokens: 1000,
    });
    await chat({});
    await chat({ max_tokens: 50 });
    await chat({ max_tokens: 50, max_completion_tokens: 70 });
    expect(sent[0]!.url).toBe('https://proxy.test/anthropic/v1/messages');
    expect(sent.map((s) => s.body.max_tokens)).toEqual([1000, 50, 70]);
  });

  it('extracts system and developer messages and merges consecutive turns of one role', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'One' },
        { role: 'user', content: [{ type: 'text', text: 'Two' }] },
        { role: 'assistant', content: 'Answer' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Three', name: 'alice' },
      ],
      temperature: 0.3,
      top_p: 0.9,
      stop: 'END',
      user: 'user-42',
      seed: 7,
    });
    expect(sent[0]!.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'One' },
            { type: 'text', text: 'Two' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'Answer' }] },
        { role: 'user', content: [{ type: 'text', text: 'Three' }] },
      ],
      temperature: 0.3, // top_p left out: current Claude models refuse both
      stop_sequences: ['END'],
      // The user as an opaque id: SHA-256 hex of "user-42".
      metadata: { user_id: await sha256Hex('user-42') },
    });
    expect(sent[0]!.body.metadata.user_id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sends top_p without temperature, and leaves out empty stop sequences', async () => {
    const { sent, chat } = setup();
    await chat({ top_p: 0.9, stop: ['', 'END'] });
    await chat({ stop: '' });
    expect(sent[0]!.body).toMatchObject({ top_p: 0.9, stop_sequences: ['END'] });
    expect(sent[0]!.body.temperature).toBeUndefined();
    expect(sent[1]!.body.stop_sequences).toBeUndefined();
  });

  it('refuses a whitespace-only stop sequence, which Anthropic refuses and OpenAI honours', async () => {
    const { sent, chat } = setup();
    for (const stop of ['\n', ['END', '\n\n'], ' ']) {
      await expect(chat({ stop })).rejects.toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        param: 'stop',
        message: expect.stringContaining('whitespace'),
      });
    }
    expect(sent).toHaveLength(0);
  });

  it('leaves out blank text and empty messages, merging the turns around them, and trims a prefill', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        { role: 'system', content: '  ' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'One' },
            { type: 'text', text: ' \n' },
          ],
        },
        // An empty answer sent back in the history (Claude sometimes ends a turn with nothing).
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Two' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'noop', arguments: '' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '' },
        { role: 'assistant', content: 'Sure: ' },
      ],
      tools: [{ type: 'function', function: { name: 'noop' } }],
    });
    expect(sent[0]!.body.system).toBeUndefined();
    expect(sent[0]!.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'One' },
          { type: 'text', text: 'Two' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'noop', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure:' }] },
    ]);
  });

  it('refuses a blank last user message rather than turning the answer before it into a prefill', async () => {
    const { sent, chat } = setup();
    const history = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello there.' },
      { role: 'user', content: ' ' },
    ];
    await expect(chat({ messages: history })).rejects.toMatchObject({
      status: 400,
      param: 'messages[2].content',
    });
    await expect(
      chat({
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: [] },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'messages[1].content' });
    expect(sent).toHaveLength(0);
  });

  it('raises max_tokens by the thinking budget, and forces no tool while thinking', async () => {
    const { sent, chat } = setup();
    const thinking = { type: 'enabled', budget_tokens: 8000 };
    await chat({ thinking });
    await chat({ thinking, max_tokens: 9000 });
    await chat({ thinking, response_format: { type: 'json_object' } });
    expect(sent.map((s) => s.body.max_tokens)).toEqual([4096 + 8000, 9000, 4096 + 8000]);
    expect(sent[0]!.body.thinking).toEqual(thinking);
    expect(sent[2]!.body.tool_choice).toEqual({ type: 'auto' });
    // tool_choice "none" still holds with thinking: the client's tools are not offered.
    const lookup = [{ type: 'function', function: { name: 'lookup' } }];
    await chat({ thinking, tools: lookup, tool_choice: 'none', response_format: { type: 'json_object' } });
    expect(sent[3]!.body.tools.map((t: Json) => t.name)).toEqual(['json_response']);
    expect(sent[3]!.body.tool_choice).toEqual({ type: 'auto' });
    sent.pop();
    const tools = [{ type: 'function', function: { name: 'lookup' } }];
    await expect(chat({ thinking, tools, tool_choice: 'required' })).rejects.toMatchObject({
      status: 400,
      param: 'tool_choice',
    });
    expect(sent).toHaveLength(3);
  });

  it('forces no tool on the models that refuse one (Opus and Sonnet 5.5, Fable), JSON mode through an offered tool', async () => {
    const { sent, adapter } = setup();
    const chatWith = (model: string, body: Record<string, unknown>) =>
      adapter.chat({ body: request(body), model, signal: new AbortController().signal, requestId: 'req-1' });
    const tools = [{ type: 'function', function: { name: 'lookup' } }];
    for (const model of [
      'claude-opus-5-5',
      'claude-sonnet-5-5',
      'claude-fable-5-1',
      'claude-opus-5-5@20261101',
    ]) {
      for (const tool_choice of ['required', { type: 'function', function: { name: 'lookup' } }]) {
        await expect(chatWith(model, { tools, tool_choice })).rejects.toMatchObject({
          status: 400,
          param: 'tool_choice',
        });
      }
      await chatWith(model, { response_format: { type: 'json_object' } });
      expect(sent.at(-1)!.body.tool_choice, model).toEqual({ type: 'auto' });
    }
    expect(sent).toHaveLength(4);
    // Models before them still take a forced tool.
    for (const model of ['claude-opus-5', 'claude-sonnet-4-5', 'claude-haiku-5-5']) {
      await chatWith(model, { tools, tool_choice: 'required' });
      expect(sent.at(-1)!.body.tool_choice, model).toEqual({ type: 'any' });
    }
  });

  it('sends Claude 4.7 and later no sampling parameters: the defaults left out, any other value refused', async () => {
    const { sent, adapter } = setup();
    const chatWith = (model: string, body: Record<string, unknown>) =>
      adapter.chat({ body: request(body), model, signal: new AbortController().signal, requestId: 'req-1' });
    for (const model of ['claude-opus-4-7', 'claude-opus-5-5', 'claude-fable-5-1', 'claude-haiku-5-5']) {
      await chatWith(model, { temperature: 1, top_p: 1 });
      expect(sent.at(-1)!.body, model).not.toHaveProperty('temperature');
      expect(sent.at(-1)!.body, model).not.toHaveProperty('top_p');
      for (const [param, value] of [
        ['temperature', 0.2],
        ['top_p', 0.9],
        ['top_k', 40],
      ] as const) {
        await expect(chatWith(model, { [param]: value })).rejects.toMatchObject({ status: 400, param });
      }
    }
    expect(sent).toHaveLength(4);
    // Before 4.7, as sent.
    await chatWith('claude-sonnet-4-6', { temperature: 0.2 });
    expect(sent.at(-1)!.body.temperature).toBe(0.2);
  });

  it('refuses a prefill to Claude 4.6 and later, which refuse one, naming the message', async () => {
    const { sent, adapter } = setup();
    const chatWith = (model: string) =>
      adapter.chat({
        body: request({
          messages: [
            { role: 'user', content: 'Name a colour.' },
            { role: 'assistant', content: 'My favourite is' },
          ],
        }),
        model,
        signal: new AbortController().signal,
        requestId: 'req-1',
      });
    for (const model of ['claude-opus-4-6', 'claude-sonnet-5-5', 'claude-fable-5-1']) {
      await expect(chatWith(model)).rejects.toMatchObject({ status: 400, param: 'messages[1]' });
    }
    expect(sent).toHaveLength(0);
    await chatWith('claude-sonnet-4-5');
    expect(sent[0]!.body.messages.at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'My favourite is' }],
    });
  });

  it('lets configured headers set anthropic-version, never the key', async () => {
    const { sent, chat } = setup(undefined, {
      headers: { 'Anthropic-Version': '2024-01-01', 'anthropic-beta': 'x', 'X-Api-Key': 'nope' },
    });
    await chat({});
    expect(sent[0]!.headers.get('anthropic-version')).toBe('2024-01-01');
    expect(sent[0]!.headers.get('anthropic-beta')).toBe('x');
    expect(sent[0]!.headers.get('x-api-key')).toBe('sk-ant-test');
  });

  it('replays a parallel tool-call round trip as tool_use and tool_result blocks', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
            },
            {
              id: 'toolu_2',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Tokyo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '25°C' }] },
        { role: 'user', content: 'Which is warmer?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string' } },
              required: ['location'],
            },
            strict: true,
          },
        },
      ],
      parallel_tool_calls: false,
    });
    expect(sent[0]!.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { location: 'Tokyo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '25°C' }] },
          { type: 'text', text: 'Which is warmer?' },
        ],
      },
    ]);
    expect(sent[0]!.body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather',
        input_schema: {
          type: 'object',
          properties: { location: { type: 'string' } },
          required: ['location'],
        },
      },
    ]);
    expect(sent[0]!.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('maps every tool_choice', async () => {
    const { sent, chat } = setup();
    const tools = [{ type: 'function', function: { name: 'lookup' } }];
    await chat({ tools, tool_choice: 'auto' });
    await chat({ tools, tool_choice: 'required', parallel_tool_calls: false });
    await chat({ tools, tool_choice: 'none' });
    await chat({ tools, tool_choice: { type: 'function', function: { name: 'lookup' } } });
    await chat({ tools });
    expect(sent.map((s) => s.body.tool_choice)).toEqual([
      { type: 'auto' },
      { type: 'any', disable_parallel_tool_use: true },
      { type: 'none' },
      { type: 'tool', name: 'lookup' },
      undefined,
    ]);
    expect(sent[0]!.body.tools).toEqual([{ name: 'lookup', input_schema: { type: 'object' } }]);
  });

  it('sends images as base64 or url sources, and PDFs as documents', async () => {
    const { sent, chat } = setup();
    await chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare', cache_control: { type: 'ephemeral' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    });
    expect(sent[0]!.body.messages[0].content).toEqual([
      { type: 'text', text: 'Compare', cache_control: { type: 'ephemeral' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      // image/jpg, as many clients write it, is sent under its registered name.
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('asks for JSON through a forced json_response tool', async () => {
    const { sent, chat } = setup();
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    await chat({ response_format: { type: 'json_schema', json_schema: { name: 'result', schema } } });
    await chat({ response_format: { type: 'json_object' } });
    await chat({
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    });
    expect(sent[0]!.body.tools).toEqual([
      {
        name: 'json_response',
        description: 'Give your answer to the user as JSON (result).',
        input_schema: schema,
      },
    ]);
    expect(sent[0]!.body.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
    expect(sent[1]!.body.tools[0].input_schema).toEqual({ type: 'object' });
    expect(sent[2]!.body.tools.map((t: Json) => t.name)).toEqual(['lookup', 'json_response']);
    expect(sent[2]!.body.tool_choice).toEqual({ type: 'any' });
  });

  it('forwards provider-native parameters and drops the harmless OpenAI ones', async () => {
    const { sent, chat } = setup();
    await chat({
      top_k: 40,
      seed: 1,
      store: true,
      service_tier: 'auto',
      presence_penalty: 0,
      logprobs: false,
      n: 1,
    });
    expect(sent[0]!.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      top_k: 40,
    });
  });

  it.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ presence_penalty: 0.5 }, 'presence_penalty'],
    [{ frequency_penalty: 1 }, 'frequency_penalty'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    [{ temperature: 1.5 }, 'temperature'],
    [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [
      {
        system: 'native',
        messages: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'U' },
        ],
      },
      'system',
    ],
    [
      {
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] },
        ],
      },
      'messages[0].content[0]',
    ],
    [
      {
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AA' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
    ],
    [
      {
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      },
      'messages[0].tool_calls[0].function.arguments',
    ],
  ])('refuses %j with a 400 naming %s', async (body, param) => {
    const { sent, chat } = setup();
    const error = await chat(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param });
    expect(sent).toHaveLength(0);
  });
});

describe('anthropic response translation', () => {
  it('translates text, finish reason and usage with cache tokens', async () => {
    const { chat } = setup();
    const body = await completion(chat({}));
    expect(body).toMatchObject({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Bonjour ! Comment ça va ?', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 171,
        completion_tokens: 12,
        total_tokens: 183,
        prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 50 },
      },
    });
  });

  it('translates parallel tool_use blocks into tool_calls', async () => {
    const { chat } = setup(() => Response.json(toolsMessage));
    const body = await completion(chat({ tools: [{ type: 'function', function: { name: 'get_weather' } }] }));
    expect(body.choices[0].message).toEqual({
      role: 'assistant',
      content: "I'll check both cities.",
      refusal: null,
      tool_calls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
        },
        {
          id: 'toolu_01B18r81rx81mr828946mr8',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' },
        },
      ],
    });
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 91, total_tokens: 563 });
  });

  it('returns the JSON tool input as message content', async () => {
    const { chat } = setup(() => Response.json(jsonMessage));
    const body = await completion(chat({ response_format: { type: 'json_object' } }));
    expect(body.choices[0].message.content).toBe('{"answer":42,"unit":"none"}');
    expect(body.choices[0].message.tool_calls).toBeUndefined();
    expect(body.choices[0].finish_reason).toBe('stop');
  });

  it('returns "{}" as the content when the JSON tool came back without an input', async () => {
    const { chat } = setup(() =>
      Response.json({
        ...jsonMessage,
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_response' }],
      }),
    );
    const body = await completion(chat({ response_format: { type: 'json_object' } }));
    expect(body.choices[0].message.content).toBe('{}');
  });

  it('returns only the JSON when the model wrote a line before calling the JSON tool (thinking on)', async () => {
    const { sent, chat } = setup(() =>
      Response.json({
        ...jsonMessage,
        content: [
          { type: 'thinking', thinking: 'JSON, then.', signature: 'sig' },
          { type: 'text', text: 'Here is the JSON you asked for:' },
          ...jsonMessage.content,
        ],
      }),
    );
    const body = await completion(
      chat({ thinking: { type: 'adaptive' }, response_format: { type: 'json_object' } }),
    );
    expect(sent[0]!.body.tool_choice).toEqual({ type: 'auto' }); // why a preamble can come at all
    expect(JSON.parse(body.choices[0].message.content)).toEqual({ answer: 42, unit: 'none' });
    expect(body.choices[0].finish_reason).toBe('stop');
  });

  it('returns the text in JSON mode when the model never called the JSON tool', async () => {
    const { chat } = setup(() => Response.json(textMessage));
    const body = await completion(chat({ response_format: { type: 'json_object' } }));
    expect(body.choices[0].message.content).toBe(textMessage.content[0]!.text);
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('maps stop_reason %s to %s', async (stop, finish) => {
    const { chat } = setup(() => Response.json({ ...textMessage, stop_reason: stop }));
    const body = await completion(chat({}));
    expect(body.choices[0].finish_reason).toBe(finish);
  });

  it('names the stop sequence matched in the extension field stop_sequence, beside choices', async () => {
    // finish_reason "stop" cannot say which one: /v1/messages gives it back as Anthropic did.
    const stopped = { ...textMessage, stop_reason: 'stop_sequence', stop_sequence: '\n\nEND' };
    const body = await completion(setup(() => Response.json(stopped)).chat({ stop: ['\n\nEND'] }));
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.stop_sequence).toBe('\n\nEND');
    const ended = await completion(setup(() => Response.json(textMessage)).chat({}));
    expect(ended).not.toHaveProperty('stop_sequence');
  });
});

describe('anthropic thinking blocks', () => {
  const thinkingAnswer = {
    ...toolsMessage,
    content: [
      { type: 'thinking', thinking: 'Paris first.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque==' },
      ...toolsMessage.content,
    ],
  };

  it('returns them signed as thinking_blocks, their text as reasoning_content', async () => {
    const body = await completion(setup(() => Response.json(thinkingAnswer)).chat({}));
    expect(body.choices[0]!.message).toMatchObject({
      reasoning_content: 'Paris first.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'Paris first.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque==' },
      ],
      tool_calls: [
        expect.objectContaining({ type: 'function' }),
        expect.objectContaining({ type: 'function' }),
      ],
    });
  });

  it('sends thinking_blocks back first in their assistant turn, as the tool loop requires', async () => {
    const { sent, chat } = setup();
    const blocks = [
      { type: 'thinking', thinking: 'Paris first.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque==' },
    ];
    await chat({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: 'Checking.',
          thinking_blocks: blocks,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
    });
    expect(sent[0]!.body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        ...blocks,
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
      ],
    });
    // Merged with an assistant message before it, the turn still starts with its thinking.
    const merged = setup();
    await merged.chat({
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Let me look.' },
        {
          role: 'assistant',
          content: null,
          thinking_blocks: blocks,
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    expect(merged.sent[0]!.body.messages[1].content.map((b: Json) => b.type)).toEqual([
      'thinking',
      'redacted_thinking',
      'text',
      'tool_use',
    ]);
    const bad = setup();
    await expect(
      bad.chat({
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: 'y',
            thinking_blocks: [{ type: 'thinking', thinking: 'no signature' }],
          },
          { role: 'user', content: 'z' },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'messages[1].thinking_blocks[0]' });
    expect(bad.sent).toHaveLength(0);
  });
});

describe('anthropic errors', () => {
  it.each([
    ['authentication', 401, 'auth'],
    ['permission', 403, 'auth'],
    ['rate_limit', 429, 'rate_limit'],
    ['overloaded', 529, 'overloaded'],
    ['api', 500, 'server'],
  ] as const)(
    'classifies %s_error (HTTP %i) as %s, without the upstream words',
    async (name, status, failure) => {
      const { chat } = setup(errorResponse(errors[name], status, { 'retry-after': '3' }));
      const error = await chat({}).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'UpstreamError', failure, status });
      expect((error as Error).message).toBe(
        `anthropic answered HTTP ${status} (${errors[name].error.type}).`,
      );
      if (failure === 'rate_limit') expect(error).toMatchObject({ options: { retryAfterMs: 3000 } });
    },
  );

  it('passes caller errors through with the provider message', async () => {
    const { chat } = setup(errorResponse(errors.invalid_request, 400));
    await expect(chat({})).rejects.toMatchObject({
      failure: 'caller',
      status: 400,
      message: 'messages: text content blocks must be non-empty',
      options: { code: null },
    });
    const notFound = setup(errorResponse(errors.not_found, 404));
    await expect(notFound.chat({})).rejects.toMatchObject({ failure: 'caller', status: 404 });
  });

  it('reports a prompt that is too long as context_length_exceeded', async () => {
    const { chat } = setup(errorResponse(errors.prompt_too_long, 400));
    await expect(chat({})).rejects.toMatchObject({
      failure: 'caller',
      status: 400,
      options: { code: 'context_length_exceeded' },
    });
  });

  it('reports the other context overflow message as context_length_exceeded too', async () => {
    const message = 'input length and `max_tokens` exceed context limit: 178959 + 64000 > 200000';
    const { chat } = setup(
      errorResponse({ type: 'error', error: { type: 'invalid_request_error', message } }, 400),
    );
    await expect(chat({})).rejects.toMatchObject({
      failure: 'caller',
      options: { code: 'context_length_exceeded' },
    });
  });

  it("treats an account out of credit as the operator's failure (fail over), without its words", async () => {
    const message =
      'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing.';
    const { chat } = setup(
      errorResponse({ type: 'error', error: { type: 'invalid_request_error', message } }, 400),
    );
    const error = await chat({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'auth', status: 400, options: { code: 'insufficient_quota' } });
    expect((error as Error).message).not.toContain('Plans');
  });

  it('fails as config when the env secret is missing, without calling upstream', async () => {
    const { sent, chat } = setup(undefined, { apiKey: 'env:NO_SUCH_SECRET' });
    await expect(chat({})).rejects.toMatchObject({ failure: 'config' });
    expect(sent).toHaveLength(0);
  });

  it('has no embeddings', async () => {
    const { adapter } = setup();
    await expect(
      adapter.embeddings({
        body: { model: 'x', input: 'hi' },
        model: 'x',
        signal: new AbortController().signal,
        requestId: 'r',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'model' });
  });
});
