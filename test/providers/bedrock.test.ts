import { env, exports } from 'cloudflare:workers';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import type { ChatRequest } from '../../src/openai/schemas';
import { type BedrockProviderConfig, createBedrock } from '../../src/providers/bedrock';
import { toolUseId } from '../../src/providers/tool-ids';
import { type ChatCompletion, UpstreamError } from '../../src/providers/types';
import converseText from '../fixtures/bedrock/converse-text.json';
import converseTools from '../fixtures/bedrock/converse-tools.json';
import {
  chunkedBody,
  concat,
  encodeEvent,
  encodeEvents,
  eventStreamResponse,
  type FixtureEvent,
} from '../fixtures/bedrock/event-stream-encoder';
import streamText from '../fixtures/bedrock/stream-text.json';
import streamTools from '../fixtures/bedrock/stream-tools.json';
import { completion, rejection, streamed } from '../helpers/chat-result';
import { admin, chat, createKey, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';
import { onUpstream, recorded } from '../helpers/upstream';

const CONFIG: BedrockProviderConfig = {
  type: 'bedrock',
  region: 'eu-west-3',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

interface Captured {
  request?: Request;
  body?: Record<string, unknown>;
}

function adapter(respond: () => Response | Promise<Response>, config: Partial<BedrockProviderConfig> = {}) {
  const captured: Captured = {};
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    captured.request = new Request(input, init);
    captured.body = (await captured.request.clone().json()) as Record<string, unknown>;
    return respond();
  };
  const bedrock = createBedrock(
    'bedrock',
    { ...CONFIG, ...config },
    { env, fetch: fetch as typeof globalThis.fetch },
  );
  const run = (body: Partial<ChatRequest>) =>
    bedrock.chat({
      body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], ...body } as ChatRequest,
      model: MODEL,
      signal: new AbortController().signal,
      requestId: 'req1',
    });
  return { bedrock, captured, run };
}

const ok = (body: unknown) => () => Response.json(body);

describe('bedrock request', () => {
  it('signs a Converse call with SigV4 and translates a plain answer with usage', async () => {
    const { captured, run } = adapter(ok(converseText));
    const body = await completion(run({ messages: [{ role: 'user', content: 'Salut' }] }));

    const request = captured.request!;
    expect(request.url).toBe(
      'https://bedrock-runtime.eu-west-3.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
    );
    expect(request.method).toBe('POST');
    const date = request.headers.get('x-amz-date')!;
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers.get('authorization')).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-3/bedrock/aws4_request, SignedHeaders=accept;host;x-amz-date, Signature=[0-9a-f]{64}$`,
      ),
    );
    expect(request.headers.get('x-amz-security-token')).toBeNull();
    expect(captured.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'Salut' }] }] });

    expect(body).toMatchObject({
      id: 'chatcmpl-req1',
      object: 'chat.completion',
      model: MODEL,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Bonjour ! Ça va ✓' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
    });
  });

  it('resolves env: credentials, sends the session token and honours baseUrl', async () => {
    const { captured, run } = adapter(ok(converseText), {
      accessKeyId: 'env:TEST_AWS_KEY_ID',
      secretAccessKey: 'env:TEST_AWS_SECRET',
      sessionToken: 'session-token-1',
      baseUrl: 'https://vpce.example.test/',
    });
    Object.assign(env, { TEST_AWS_KEY_ID: 'AKIDFROMENV', TEST_AWS_SECRET: 'secret-from-env' });
    try {
      // The adapter resolves secrets when it is created; make a fresh one now that env is set.
      const fresh = adapter(ok(converseText), {
        accessKeyId: 'env:TEST_AWS_KEY_ID',
        secretAccessKey: 'env:TEST_AWS_SECRET',
        sessionToken: 'session-token-1',
        baseUrl: 'https://vpce.example.test/',
      });
      await completion(fresh.run({}));
      expect(fresh.captured.request!.url).toMatch(/^https:\/\/vpce\.example\.test\/model\//);
      expect(fresh.captured.request!.headers.get('authorization')).toContain('Credential=AKIDFROMENV/');
      expect(fresh.captured.request!.headers.get('x-amz-security-token')).toBe('session-token-1');
    } finally {
      Object.assign(env, { TEST_AWS_KEY_ID: undefined, TEST_AWS_SECRET: undefined });
    }
    // Created before the secrets existed: a config failure, not a crash or an unsigned call.
    const error = await rejection(run({}));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'config', message: expect.stringContaining('TEST_AWS_KEY_ID') });
    expect(captured.request).toBeUndefined();
  });

  it('moves system and developer messages to system blocks and merges adjacent turns', async () => {
    const { captured, run } = adapter(ok(converseText));
    await completion(
      run({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'user', content: [{ type: 'text', text: 'Are you there?' }] },
          { role: 'assistant', content: 'Yes.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Tell me a joke', name: 'alice' },
        ],
        max_completion_tokens: 100,
        temperature: 0.3,
        top_p: 0.9,
        stop: 'END',
        user: 'u-1',
        seed: 4,
      }),
    );
    expect(captured.body).toEqual({
      system: [{ text: 'Be brief.' }, { text: 'Answer in French.' }],
      messages: [
        { role: 'user', content: [{ text: 'Hi' }, { text: 'Are you there?' }] },
        { role: 'assistant', content: [{ text: 'Yes.' }] },
        { role: 'user', content: [{ text: 'Tell me a joke' }] },
      ],
      // top_p goes only without temperature to Claude (current models refuse both).
      inferenceConfig: { maxTokens: 100, temperature: 0.3, stopSequences: ['END'] },
    });
  });

  it('refuses an empty last user message, which left out would make the answer before it a prefill', async () => {
    const { captured, run } = adapter(ok(converseText));
    const error = await rejection(
      run({
        messages: [
          { role: 'user', content: 'Tell me a story' },
          { role: 'assistant', content: 'Once upon a time' },
          { role: 'user', content: '' },
          { role: 'system', content: 'Be brief.' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages.2.content' });
    expect(captured.request).toBeUndefined();
  });

  it("sends top_p beside temperature to the families that take both, only Claude's without it", async () => {
    const config = async (model: string) => {
      const { bedrock, captured } = adapter(ok(converseText));
      await bedrock.chat({
        body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, top_p: 0.9 },
        model,
        signal: new AbortController().signal,
        requestId: 'r',
      });
      return captured.body!.inferenceConfig;
    };
    for (const model of [
      'nvidia.nemotron-nano-3-30b',
      'moonshotai.kimi-k2.5',
      'us.meta.llama3-3-70b-instruct-v1:0',
    ])
      expect(await config(model)).toEqual({ temperature: 0.5, topP: 0.9 });
    expect(await config(MODEL)).toEqual({ temperature: 0.5 });
  });

  it('leaves out empty stop sequences, and refuses whitespace-only ones for Claude, which refuses them', async () => {
    const { captured, run } = adapter(ok(converseText));
    await completion(run({ stop: ['', 'END'] }));
    expect(captured.body!.inferenceConfig).toEqual({ stopSequences: ['END'] });
    await expect(run({ stop: ['END', '\n'] })).rejects.toMatchObject({ status: 400, param: 'stop' });
    const other = adapter(ok(converseText));
    await other.bedrock.chat({
      body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], stop: '\n' },
      model: 'amazon.nova-pro-v1:0',
      signal: new AbortController().signal,
      requestId: 'r',
    });
    expect(other.captured.body!.inferenceConfig).toEqual({ stopSequences: ['\n'] });
  });

  it('round-trips parallel tool calls: toolConfig, toolUse history, toolResult turn, and the answer', async () => {
    const { captured, run } = adapter(ok(converseTools));
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      { type: 'function' as const, function: { name: 'now' } },
    ];
    const body = await completion(
      run({
        tools,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [
          { role: 'user', content: 'Weather in Paris and Tokyo?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 't1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              {
                id: 't2',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 't1', content: 'Sunny' },
          { role: 'tool', tool_call_id: 't2', content: [{ type: 'text', text: 'Rain' }] },
          { role: 'user', content: 'And tomorrow?' },
        ],
      }),
    );
    expect(captured.body).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'Weather in Paris and Tokyo?' }] },
        {
          role: 'assistant',
          content: [
            { toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } },
            { toolUse: { toolUseId: 't2', name: 'get_weather', input: { city: 'Tokyo' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 't1', content: [{ text: 'Sunny' }] } },
            { toolResult: { toolUseId: 't2', content: [{ text: 'Rain' }] } },
            { text: 'And tomorrow?' },
          ],
        },
      ],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'get_weather',
              description: 'Weather for a city',
              inputSchema: { json: tools[0]!.function.parameters },
            },
          },
          { toolSpec: { name: 'now', inputSchema: { json: { type: 'object', properties: {} } } } },
        ],
        toolChoice: { tool: { name: 'get_weather' } },
      },
    });
    expect(body.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Checking both cities.',
        tool_calls: [
          {
            id: 'tooluse_paris',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          {
            id: 'tooluse_tokyo',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
          },
        ],
      },
    });
    expect(body.usage).toEqual({
      prompt_tokens: 140,
      completion_tokens: 30,
      total_tokens: 170,
      prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 0 },
    });
  });

  it('maps tool_choice required/auto/none', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    for (const [choice, expected] of [
      ['required', { any: {} }],
      ['auto', { auto: {} }],
    ] as const) {
      const { captured, run } = adapter(ok(converseText));
      await completion(run({ tools, tool_choice: choice }));
      expect((captured.body!.toolConfig as { toolChoice: unknown }).toolChoice).toEqual(expected);
    }
    const { captured, run } = adapter(ok(converseText));
    await completion(run({ tools, tool_choice: 'none' }));
    expect(captured.body!.toolConfig).toBeUndefined();
  });

  it('tells a tool history as text when no tool may be called (Converse refuses it without a toolConfig)', async () => {
    const history: ChatRequest['messages'] = [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'user', content: 'Sum it up.' },
    ];
    const tools = [{ type: 'function' as const, function: { name: 'weather' } }];
    for (const body of [{}, { tools, tool_choice: 'none' as const }]) {
      const { captured, run } = adapter(ok(converseText));
      await completion(run({ messages: history, ...body }));
      expect(captured.body!.toolConfig).toBeUndefined();
      expect(JSON.stringify(captured.body!.messages)).not.toMatch(/toolUse|toolResult/);
      expect(captured.body!.messages).toEqual([
        { role: 'user', content: [{ text: 'Weather?' }] },
        { role: 'assistant', content: [{ text: '[called tool weather (id call_1) with {"city":"Paris"}]' }] },
        {
          role: 'user',
          content: [{ text: '[result of tool call call_1: sunny]' }, { text: 'Sum it up.' }],
        },
      ]);
    }
    // With tools callable, the history stays structured.
    const { captured, run } = adapter(ok(converseText));
    await completion(run({ messages: history, tools }));
    expect(JSON.stringify(captured.body!.messages)).toContain('toolUse');
  });

  it("sends a tool result's images and documents in its toolResult, never only its text", async () => {
    const pdf = 'data:application/pdf;base64,JVBERi0=';
    const history: ChatRequest['messages'] = [
      { role: 'user', content: [{ type: 'file', file: { filename: 'page.pdf', file_data: pdf } }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }],
      },
      {
        role: 'tool',
        tool_call_id: 'call_1',
        content: [
          { type: 'text', text: 'The page:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'file', file: { filename: 'page.pdf', file_data: pdf } },
        ],
      },
    ];
    const tools = [{ type: 'function' as const, function: { name: 'screenshot' } }];
    const image = { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } };
    const { captured, run } = adapter(ok(converseText));
    await completion(run({ messages: history, tools }));
    expect((captured.body!.messages as unknown[])[2]).toEqual({
      role: 'user',
      content: [
        {
          toolResult: {
            toolUseId: 'call_1',
            content: [
              { text: 'The page:' },
              image,
              // Document names are the request's: this one is the second 'page'.
              { document: { format: 'pdf', name: 'page (2)', source: { bytes: 'JVBERi0=' } } },
            ],
          },
        },
      ],
    });
    // Told as text (no tool callable), the result keeps its media after the telling.
    const told = adapter(ok(converseText));
    await completion(told.run({ messages: history }));
    expect((told.captured.body!.messages as { content: unknown[] }[])[2]!.content).toEqual([
      { text: '[result of tool call call_1: The page:]' },
      image,
      { document: { format: 'pdf', name: 'page (2)', source: { bytes: 'JVBERi0=' } } },
    ]);
    // An image link is refused there as in a user message: Converse needs the bytes.
    const link = await rejection(
      adapter(ok(converseText)).run({
        tools,
        messages: [
          ...history.slice(0, 2),
          {
            role: 'tool',
            tool_call_id: 'call_1',
            content: [{ type: 'image_url', image_url: { url: 'https://example.com/shot.png' } }],
          },
        ],
      }),
    );
    expect(link).toMatchObject({ status: 400, param: 'messages.2.content.0.image_url.url' });
  });

  it('rewrites tool-call ids Converse would refuse, the same way in calls and results', async () => {
    const long = `call_${'x'.repeat(70)}`;
    const { captured, run } = adapter(ok(converseText));
    await completion(
      run({
        tools: [{ type: 'function', function: { name: 'f' } }],
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'functions.f:0', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: long, type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: `${long}y`, type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'functions.f:0', content: 'a' },
          { role: 'tool', tool_call_id: long, content: 'b' },
          { role: 'tool', tool_call_id: `${long}y`, content: 'c' },
        ],
      }),
    );
    const messages = captured.body!.messages as { content: Record<string, { toolUseId: string }>[] }[];
    const used = messages[1]!.content.map((b) => b.toolUse!.toolUseId);
    const answered = messages[2]!.content.map((b) => b.toolResult!.toolUseId);
    expect(used[0]).toMatch(/^functions_f_0_[0-9a-f]{8}$/);
    expect(answered).toEqual(used);
    for (const id of used) expect(id).toMatch(/^[\w-]{1,64}$/);
    expect(new Set(used).size).toBe(3); // ids sharing a long prefix stay apart
    // Ids differing only in the characters replaced stay apart too.
    expect(new Set(['call.1', 'call:1', 'call_1'].map(toolUseId)).size).toBe(3);
  });

  it('names documents the way Converse allows: no underscores, one space in a row', async () => {
    const { captured, run } = adapter(ok(converseText));
    const file = (filename: string) => ({
      type: 'file' as const,
      file: { filename, file_data: 'data:application/pdf;base64,JVBERi0=' },
    });
    await completion(
      run({
        messages: [{ role: 'user', content: [file('my_report.v2.pdf'), file('Q1 & Q2  results.pdf')] }],
      }),
    );
    const content = (captured.body!.messages as { content: { document: { name: string } }[] }[])[0]!.content;
    expect(content.flatMap((b) => (b.document ? [b.document.name] : []))).toEqual([
      'my report v2',
      'Q1 Q2 results',
    ]);
  });

  it('sends data-URL images as bytes and refuses image links with the parameter named', async () => {
    const { captured, run } = adapter(ok(converseText));
    await completion(
      run({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            ],
          },
        ],
      }),
    );
    expect(captured.body!.messages).toEqual([
      {
        role: 'user',
        content: [{ text: 'What is this?' }, { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } }],
      },
    ]);

    const error = await rejection(
      adapter(ok(converseText)).run({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, param: 'messages.0.content.0.image_url.url' });
  });

  it('maps json_schema to outputConfig and refuses schema-less JSON mode', async () => {
    const { captured, run } = adapter(ok(converseText));
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    await completion(
      run({ response_format: { type: 'json_schema', json_schema: { name: 'reply', schema } } }),
    );
    expect(captured.body!.outputConfig).toEqual({
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'reply' } },
      },
    });
    const error = await rejection(
      adapter(ok(converseText)).run({ response_format: { type: 'json_object' } }),
    );
    expect(error).toMatchObject({ status: 400, param: 'response_format' });
  });

  it('sends Claude 4.7 and later no sampling parameters: the defaults left out, any other value refused', async () => {
    const body = (model: string) => ({
      body: { model: 'x', messages: [{ role: 'user', content: 'hi' }] } as ChatRequest,
      model,
      signal: new AbortController().signal,
      requestId: 'req1',
    });
    const { bedrock, captured } = adapter(ok(converseText));
    const sent = async (model: string, extra: Record<string, unknown>) => {
      const call = body(model);
      await bedrock.chat({ ...call, body: { ...call.body, ...extra } as ChatRequest });
      return captured.body!;
    };
    const opus = 'us.anthropic.claude-opus-5-5-v1:0';
    expect(await sent(opus, { temperature: 1, top_p: 1 })).not.toHaveProperty('inferenceConfig');
    for (const extra of [{ temperature: 0.3 }, { top_p: 0.5 }, { top_k: 20 }]) {
      const call = body(opus);
      await expect(
        bedrock.chat({ ...call, body: { ...call.body, ...extra } as ChatRequest }),
      ).rejects.toMatchObject({ status: 400, param: Object.keys(extra)[0] });
    }
    // Other models and older Claude ones, as sent.
    expect((await sent('meta.llama3-70b-instruct-v1:0', { temperature: 0.3 })).inferenceConfig).toEqual({
      temperature: 0.3,
    });
    expect((await sent('anthropic.claude-sonnet-4-5-v1:0', { top_p: 0.5 })).inferenceConfig).toEqual({
      topP: 0.5,
    });
  });

  it('refuses a prefill to Claude 4.6 and later, naming the message; other models take one', async () => {
    const { bedrock, captured } = adapter(ok(converseText));
    const messages = [
      { role: 'user', content: 'Name a colour.' },
      { role: 'assistant', content: 'My favourite is' },
    ] as ChatRequest['messages'];
    const call = (model: string) =>
      bedrock.chat({
        body: { model: 'x', messages } as ChatRequest,
        model,
        signal: new AbortController().signal,
        requestId: 'req1',
      });
    await expect(call('us.anthropic.claude-sonnet-4-6')).rejects.toMatchObject({
      status: 400,
      param: 'messages.1',
    });
    await call('meta.llama3-70b-instruct-v1:0');
    expect((captured.body!.messages as { role: string }[]).at(-1)!.role).toBe('assistant');
  });

  it('refuses parameters it cannot honour, naming them', async () => {
    for (const [body, param] of [
      [{ n: 2 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ presence_penalty: 0.5 }, 'presence_penalty'],
      [{ parallel_tool_calls: false }, 'parallel_tool_calls'],
      [{ reasoning_effort: 'high' }, 'reasoning_effort'],
      [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
      [{ modalities: ['text', 'audio'] }, 'modalities'],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] },
          ],
        },
        'messages.0.content.0',
      ],
      [
        {
          messages: [
            { role: 'user', content: 'x' },
            {
              role: 'assistant',
              tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }],
            },
          ],
        },
        'messages.1.tool_calls.0.function.arguments',
      ],
    ] as const) {
      const { captured, run } = adapter(ok(converseText));
      const error = await rejection(run(body as Partial<ChatRequest>));
      expect(error, JSON.stringify(body)).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param });
      expect(captured.request).toBeUndefined();
    }
  });
});

describe('bedrock native parameters', () => {
  it('forwards Converse fields as they are and model-native ones in additionalModelRequestFields', async () => {
    const { captured, run } = adapter(ok(converseText));
    await completion(
      run({
        guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: '1' },
        top_k: 40,
        additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
        modalities: ['text'],
        verbosity: 'low',
      } as Partial<ChatRequest>),
    );
    expect(captured.body).toMatchObject({
      guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: '1' },
      additionalModelRequestFields: { top_k: 40, thinking: { type: 'enabled', budget_tokens: 1024 } },
    });
    expect(captured.body).not.toHaveProperty('modalities');
    expect(captured.body).not.toHaveProperty('verbosity');
  });
});

describe('bedrock errors', () => {
  const cases: [number, string, string, Record<string, unknown>][] = [
    [403, 'AccessDeniedException', 'You do not have access', { failure: 'auth', retryable: false }],
    [403, 'UnrecognizedClientException', 'The security token is invalid', { failure: 'auth' }],
    [429, 'ThrottlingException', 'Too many requests', { failure: 'rate_limit', retryable: true }],
    [429, 'ModelNotReadyException', 'Model is warming up', { failure: 'overloaded' }],
    [503, 'ServiceUnavailableException', 'Service is down for maintenance', { failure: 'overloaded' }],
    [500, 'InternalServerException', 'Oops', { failure: 'server' }],
    [408, 'ModelTimeoutException', 'Timed out', { failure: 'timeout' }],
    [
      400,
      'ValidationException',
      'Malformed input request: temperature must be <= 1',
      { failure: 'caller', status: 400, message: 'Malformed input request: temperature must be <= 1' },
    ],
    [
      400,
      'ValidationException',
      'Input is too long for requested model.',
      { failure: 'caller', options: expect.objectContaining({ code: 'context_length_exceeded' }) },
    ],
    [
      400,
      'ValidationException',
      'The model returned the following errors: input length and `max_tokens` exceed context limit: 210000 + 4096 > 200000, decrease input length or `max_tokens` and try again',
      { failure: 'caller', options: expect.objectContaining({ code: 'context_length_exceeded' }) },
    ],
  ];
  for (const [status, type, message, expected] of cases) {
    it(`maps HTTP ${status} ${type}`, async () => {
      const { run } = adapter(
        () =>
          new Response(JSON.stringify({ message }), {
            status,
            headers: {
              'content-type': 'application/json',
              'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
            },
          }),
      );
      const error = await rejection(run({}));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject(expected);
      // Provider-side failures never carry the upstream's words to the client.
      if ((error as UpstreamError).failure !== 'caller')
        expect((error as Error).message).not.toContain(message);
    });
  }

  it('falls back to the status when the error is unnamed', async () => {
    const { run } = adapter(() => new Response('<html>bad gateway</html>', { status: 502 }));
    expect(await rejection(run({}))).toMatchObject({ failure: 'server', status: 502 });
  });
});

const streamBody =
  (events: FixtureEvent[], sizes = [4096]) =>
  () =>
    eventStreamResponse(chunkedBody(encodeEvents(events), sizes));

/** One network chunk per frame, as Bedrock usually sends them. */
const frameByFrame = (frames: Uint8Array[]) => () =>
  eventStreamResponse(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = frames.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    }),
  );

describe('bedrock stream', () => {
  it('translates parallel tool calls incrementally, however the bytes are split', async () => {
    let reference: string | undefined;
    // 1-byte and 7-byte cuts split frames mid-prelude and "é"/"ō"/"✓" mid-character.
    for (const sizes of [[1], [7], [3, 50, 2, 1000], [100000]]) {
      const { captured, run } = adapter(streamBody(streamTools as FixtureEvent[], sizes));
      const text = await streamed(run({ stream: true, stream_options: { include_usage: true } }));
      expect(captured.request!.url).toMatch(/\/converse-stream$/);
      expect(captured.request!.headers.get('accept')).toBe('application/vnd.amazon.eventstream');
      reference ??= text;
      const strip = (s: string) => s.replace(/"created":\d+/g, '');
      expect(strip(text)).toBe(strip(reference));
    }
    const events = sseEvents(reference!) as {
      choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
      usage?: unknown;
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(reference!.endsWith('data: [DONE]\n\n')).toBe(true);
    const deltas = events.filter((e) => e.choices.length).map((e) => e.choices[0]!.delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Je vérifie ' },
      { content: 'les deux ✓' },
      {
        tool_calls: [
          {
            index: 0,
            id: 'tooluse_paris',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {
        tool_calls: [
          {
            index: 1,
            id: 'tooluse_tokyo',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"city": "Tōkyō"}' } }] },
      {},
    ]);
    expect(events.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(events.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 70,
        completion_tokens: 25,
        total_tokens: 95,
        prompt_tokens_details: { cached_tokens: 0, cache_creation_tokens: 20 },
      },
    });
  });

  it('sends each event on as soon as it is decoded', async () => {
    const frames = (streamText as FixtureEvent[]).map(encodeEvent);
    let push!: (bytes: Uint8Array | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (bytes) => (bytes ? controller.enqueue(bytes) : controller.close());
      },
    });
    const { run } = adapter(() => eventStreamResponse(body));
    const result = await run({ stream: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const reader = result.body.getReader();
    const decoder = new TextDecoder();
    push(concat([frames[0]!, frames[1]!]));
    expect(decoder.decode((await reader.read()).value)).toContain('"content":"Hello"');
    push(frames[2]!);
    expect(decoder.decode((await reader.read()).value)).toContain('"content":" world"');
    for (const frame of frames.slice(3)) push(frame);
    push(null);
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(rest).toContain('"finish_reason":"length"');
    expect(rest).toContain('"usage":{"prompt_tokens":8,"completion_tokens":2,"total_tokens":10}');
    expect(rest.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('ends with an error event when the stream stops before messageStop', async () => {
    const cut = (streamText as FixtureEvent[]).slice(0, 3);
    const { run } = adapter(streamBody(cut));
    const text = await streamed(run({ stream: true }));
    expect(text).toContain('"content":" world"');
    expect(text).toContain('"error":{"message":"bedrock ended the stream before the message was complete."');
    expect(text).not.toContain('[DONE]');
  });

  it('ends with an error event when the stream stops mid-frame', async () => {
    const bytes = encodeEvents(streamText as FixtureEvent[]);
    const { run } = adapter(() => eventStreamResponse(chunkedBody(bytes.slice(0, bytes.length - 5), [10])));
    const text = await streamed(run({ stream: true }));
    expect(text).toContain('"finish_reason":"length"');
    expect(text).toContain('"error"');
    expect(text).not.toContain('[DONE]');
  });

  it('turns an exception event after output into an OpenAI error event', async () => {
    const events: FixtureEvent[] = [
      ...(streamText as FixtureEvent[]).slice(0, 2),
      { exception: 'modelStreamErrorException', payload: { message: 'The model stream failed' } },
      ...(streamText as FixtureEvent[]).slice(2),
    ];
    const { run } = adapter(frameByFrame(events.map(encodeEvent)));
    const text = await streamed(run({ stream: true }));
    const parsed = sseEvents(text);
    expect(parsed.at(-1)).toEqual({
      error: {
        message: 'bedrock answered (ModelStreamErrorException).',
        type: 'api_error',
        param: null,
        code: 'ModelStreamErrorException',
      },
    });
    expect(text).not.toContain(' world');
  });

  it('words a throttle after output as a rate limit, whatever Bedrock named it', async () => {
    const events: FixtureEvent[] = [
      ...(streamText as FixtureEvent[]).slice(0, 2),
      { exception: 'throttlingException', payload: { message: 'Too many tokens, please wait' } },
    ];
    const { run } = adapter(frameByFrame(events.map(encodeEvent)));
    const parsed = sseEvents(await streamed(run({ stream: true })));
    expect(parsed.at(-1)).toMatchObject({
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
    });
  });

  it('fails the attempt (so the router can fail over) on an exception before any output', async () => {
    const events: FixtureEvent[] = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      { exception: 'throttlingException', payload: { message: 'Too many tokens, please wait' } },
    ];
    const { run } = adapter(streamBody(events));
    const result = await run({ stream: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const error = await rejection(result.body.getReader().read());
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'rate_limit', retryable: true });
  });

  it('fails the attempt on an exception after an empty first text delta (nothing said yet)', async () => {
    const events: FixtureEvent[] = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: '' } } },
      { exception: 'throttlingException', payload: { message: 'Too many tokens, please wait' } },
    ];
    const { run } = adapter(frameByFrame(events.map(encodeEvent)));
    const result = await run({ stream: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const error = await rejection(result.body.getReader().read());
    expect(error).toMatchObject({ failure: 'rate_limit', retryable: true });
  });

  it('fails an answer the model could not form (malformed_tool_use) instead of a made-up stop', async () => {
    const malformed = { ...converseText, stopReason: 'malformed_tool_use' };
    const error = await rejection(adapter(ok(malformed)).run({}));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'server', retryable: true });

    const events: FixtureEvent[] = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      { event: 'messageStop', payload: { stopReason: 'malformed_model_output' } },
    ];
    const { run } = adapter(streamBody(events));
    const result = await run({ stream: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    expect(await rejection(result.body.getReader().read())).toMatchObject({ failure: 'server' });
  });

  it('rejects a corrupted frame', async () => {
    const frames = (streamText as FixtureEvent[]).map(encodeEvent);
    const corrupt = frames[2]!;
    corrupt[corrupt.length - 10] = corrupt.at(-10)! ^ 0xff;
    const { run } = adapter(frameByFrame(frames));
    const text = await streamed(run({ stream: true }));
    expect(text).toContain('"content":"Hello"');
    expect(text).toContain('malformed stream');
    expect(text).not.toContain(' world');
  });

  it('refuses a stream answer that is not an event stream', async () => {
    const { run } = adapter(() => Response.json(converseText));
    expect(await rejection(run({ stream: true }))).toMatchObject({ failure: 'server' });
  });
});

/** A streamed answer: reasoning in two deltas, its signature, then the text. */
const SIGNED_REASONING_STREAM: FixtureEvent[] = [
  { event: 'messageStart', payload: { role: 'assistant' } },
  {
    event: 'contentBlockDelta',
    payload: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Paris is ' } } },
  },
  {
    event: 'contentBlockDelta',
    payload: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'the capital.' } } },
  },
  {
    event: 'contentBlockDelta',
    payload: { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig-abc' } } },
  },
  { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
  { event: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { text: 'Paris.' } } },
  { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
  { event: 'messageStop', payload: { stopReason: 'end_turn' } },
];

describe('bedrock reasoning (extended thinking)', () => {
  const SIGNED = { type: 'thinking', thinking: 'Paris is the capital.', signature: 'sig-abc' };
  const REDACTED = { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' };

  it('relays reasoning blocks of a JSON answer as reasoning_content and signed thinking_blocks', async () => {
    const { run } = adapter(
      ok({
        output: {
          message: {
            role: 'assistant',
            content: [
              { reasoningContent: { reasoningText: { text: 'Paris is ', signature: 'sig-1' } } },
              { reasoningContent: { redactedContent: 'ZW5jcnlwdGVk' } },
              { text: 'Paris.' },
            ],
          },
        },
        stopReason: 'end_turn',
        usage: { inputTokens: 5, outputTokens: 9 },
      }),
    );
    const body = await completion(run({}));
    expect((body.choices as { message: unknown }[])[0]!.message).toMatchObject({
      content: 'Paris.',
      reasoning_content: 'Paris is ',
      thinking_blocks: [{ type: 'thinking', thinking: 'Paris is ', signature: 'sig-1' }, REDACTED],
    });
  });

  it('streams the reasoning text as it comes and the whole signed blocks before the finish', async () => {
    const { run } = adapter(streamBody(SIGNED_REASONING_STREAM, [5]));
    const text = await streamed(run({ stream: true }));
    const deltas = (
      sseEvents(text) as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] }[]
    )
      .filter((e) => e.choices.length)
      .map((e) => [e.choices[0]!.delta, e.choices[0]!.finish_reason]);
    expect(deltas).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ reasoning_content: 'Paris is ' }, null],
      [{ reasoning_content: 'the capital.' }, null],
      [{ content: 'Paris.' }, null],
      [{ thinking_blocks: [SIGNED] }, null],
      [{}, 'stop'],
    ]);
  });

  it('streams each signed block as it completes when the Messages API asks (thinkingAsSigned)', async () => {
    const { bedrock } = adapter(streamBody(SIGNED_REASONING_STREAM, [5]));
    const text = await streamed(
      bedrock.chat({
        body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true } as ChatRequest,
        model: MODEL,
        signal: new AbortController().signal,
        requestId: 'req1',
        thinkingAsSigned: true,
      }),
    );
    const deltas = (
      sseEvents(text) as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] }[]
    )
      .filter((e) => e.choices.length)
      .map((e) => [e.choices[0]!.delta, e.choices[0]!.finish_reason]);
    // Signed before the text starts: the Messages stream ends the thinking block, signed, first.
    expect(deltas).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ reasoning_content: 'Paris is ' }, null],
      [{ reasoning_content: 'the capital.' }, null],
      [{ thinking_blocks: [SIGNED] }, null],
      [{ content: 'Paris.' }, null],
      [{}, 'stop'],
    ]);
  });

  it("sends an assistant message's thinking_blocks back first in its turn, as reasoningContent blocks", async () => {
    const { captured, run } = adapter(ok(converseText));
    await completion(
      run({
        messages: [
          { role: 'user', content: 'capital of France?' },
          { role: 'assistant', content: 'Paris.', thinking_blocks: [SIGNED, REDACTED] },
          { role: 'user', content: 'and Spain?' },
        ] as ChatRequest['messages'],
      }),
    );
    expect((captured.body!.messages as { content: unknown[] }[])[1]!.content).toEqual([
      { reasoningContent: { reasoningText: { text: 'Paris is the capital.', signature: 'sig-abc' } } },
      { reasoningContent: { redactedContent: 'ZW5jcnlwdGVk' } },
      { text: 'Paris.' },
    ]);
    const bad = await rejection(
      run({
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: 'y',
            thinking_blocks: [{ type: 'thinking', thinking: 'no signature' }],
          },
          { role: 'user', content: 'z' },
        ] as ChatRequest['messages'],
      }),
    );
    expect(bad).toBeInstanceOf(GatewayError);
    expect((bad as GatewayError).param).toBe('messages.1.thinking_blocks[0]');
  });
});

describe('bedrock interleaved reasoning', () => {
  const content = [
    { reasoningContent: { reasoningText: { text: 'plan', signature: 'sigA' } } },
    { text: 'Looking.' },
    { toolUse: { toolUseId: 'tool_1', name: 'f', input: { a: 1 } } },
    { reasoningContent: { reasoningText: { text: 'and g', signature: 'sigB' } } },
    { toolUse: { toolUseId: 'tool_2', name: 'g', input: {} } },
  ];

  it('gives each reasoning block its place, and sends it back there', async () => {
    const { captured, run } = adapter(
      ok({
        output: { message: { role: 'assistant', content } },
        stopReason: 'tool_use',
        usage: { inputTokens: 5, outputTokens: 9 },
      }),
    );
    const message = ((await completion(run({}))).choices as { message: Record<string, unknown> }[])[0]!
      .message;
    expect(message.thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'plan', signature: 'sigA' },
      { type: 'thinking', thinking: 'and g', signature: 'sigB', position: { content: 8, tool_calls: 1 } },
    ]);
    const tools = ['f', 'g'].map((name) => ({
      type: 'function' as const,
      function: { name, parameters: {} },
    }));
    await completion(
      run({
        tools,
        messages: [
          { role: 'user', content: 'go' },
          message,
          { role: 'tool', tool_call_id: 'tool_1', content: '1' },
          { role: 'tool', tool_call_id: 'tool_2', content: '2' },
        ] as ChatRequest['messages'],
      }),
    );
    expect((captured.body!.messages as { content: unknown[] }[])[1]!.content).toEqual(content);
  });

  it('streamed, the blocks carry the same places', async () => {
    const events: FixtureEvent[] = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 0, delta: { reasoningContent: { text: 'plan' } } },
      },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sigA' } } },
      },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { text: 'Looking.' } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
      {
        event: 'contentBlockStart',
        payload: { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tool_1', name: 'f' } } },
      },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 2 } },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 3, delta: { reasoningContent: { text: 'and g' } } },
      },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 3, delta: { reasoningContent: { signature: 'sigB' } } },
      },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 3 } },
      { event: 'messageStop', payload: { stopReason: 'tool_use' } },
    ];
    const { run } = adapter(streamBody(events, [5]));
    const text = await streamed(run({ stream: true }));
    const blocks = (sseEvents(text) as { choices: { delta: Record<string, unknown> }[] }[]).flatMap(
      (e) => (e.choices[0]?.delta.thinking_blocks as unknown[]) ?? [],
    );
    expect(blocks).toEqual([
      { type: 'thinking', thinking: 'plan', signature: 'sigA' },
      { type: 'thinking', thinking: 'and g', signature: 'sigB', position: { content: 8, tool_calls: 1 } },
    ]);
  });
});

describe('bedrock reasoning without a signature, and models that take none back', () => {
  it("keeps unsigned reasoning (DeepSeek-R1's) as reasoning_content only: nothing to send back", async () => {
    const { run } = adapter(
      ok({
        output: {
          message: {
            role: 'assistant',
            content: [{ reasoningContent: { reasoningText: { text: 'thinking…' } } }, { text: '42' }],
          },
        },
        stopReason: 'end_turn',
      }),
    );
    const message = ((await completion(run({}))).choices as { message: Record<string, unknown> }[])[0]!
      .message;
    expect(message.reasoning_content).toBe('thinking…');
    expect(message).not.toHaveProperty('thinking_blocks');
  });

  it('sends signed thinking_blocks back, but never to a model family that does not take them', async () => {
    const signed = { type: 'thinking', thinking: 'a', signature: 'sig' };
    const unsigned = { type: 'thinking', thinking: 'b', signature: '' };
    const messages = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'r', thinking_blocks: [signed, unsigned] },
      { role: 'user', content: 'q2' },
    ] as ChatRequest['messages'];
    const sent = async (model: string) => {
      const { bedrock, captured } = adapter(ok(converseText));
      await bedrock.chat({
        body: { model: 'x', messages } as ChatRequest,
        model,
        signal: new AbortController().signal,
        requestId: 'r',
      });
      return (captured.body!.messages as { content: unknown[] }[])[1]!.content;
    };
    expect(await sent('us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual([
      { reasoningContent: { reasoningText: { text: 'a', signature: 'sig' } } },
      { text: 'r' },
    ]);
    expect(await sent('amazon.nova-pro-v1:0')).toEqual([{ text: 'r' }]);
    expect(await sent('us.deepseek.r1-v1:0')).toEqual([{ text: 'r' }]);
    for (const model of ['nvidia.nemotron-nano-3-30b', 'moonshot.kimi-k2-thinking', 'minimax.minimax-m2'])
      expect(await sent(model)).toEqual([{ text: 'r' }]);
    // An application inference profile names no family: Claude behind it gets its blocks back.
    const profile = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3';
    expect((await sent(profile))[0]).toEqual({
      reasoningContent: { reasoningText: { text: 'a', signature: 'sig' } },
    });
  });
});

describe('bedrock additional model response fields', () => {
  const PATHS = ['/stop_sequence'];
  const FIELDS = { stop_sequence: '\n\nHuman:' };
  const stopped = (fields?: unknown): FixtureEvent[] => [
    { event: 'messageStart', payload: { role: 'assistant' } },
    { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Bonjour' } } },
    { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
    {
      event: 'messageStop',
      payload: { stopReason: 'stop_sequence', ...(fields ? { additionalModelResponseFields: fields } : {}) },
    },
    { event: 'metadata', payload: { usage: { inputTokens: 3, outputTokens: 1 } } },
  ];
  type Chunk = { choices: { finish_reason: string | null }[]; additionalModelResponseFields?: unknown };

  it('returns the fields Converse gave back, top level of the JSON answer', async () => {
    const { captured, run } = adapter(ok({ ...converseText, additionalModelResponseFields: FIELDS }));
    const body = await completion(run({ additionalModelResponseFieldPaths: PATHS } as Partial<ChatRequest>));
    expect(captured.body).toMatchObject({ additionalModelResponseFieldPaths: PATHS });
    expect(body.additionalModelResponseFields).toEqual(FIELDS);
    expect(body.choices[0]).toMatchObject({ message: { content: 'Bonjour ! Ça va ✓' } });
  });

  it('puts them on the finish chunk of a stream, from messageStop', async () => {
    const { run } = adapter(streamBody(stopped(FIELDS), [7]));
    const text = await streamed(
      run({
        stream: true,
        stream_options: { include_usage: true },
        additionalModelResponseFieldPaths: PATHS,
      } as Partial<ChatRequest>),
    );
    const events = sseEvents(text) as Chunk[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    const carrying = events.filter((e) => 'additionalModelResponseFields' in e);
    expect(carrying).toHaveLength(1);
    expect(carrying[0]!.choices[0]!.finish_reason).toBe('stop');
    expect(carrying[0]!.additionalModelResponseFields).toEqual(FIELDS);
  });

  it('adds no such key when Converse returned none, or no object', async () => {
    for (const answer of [converseText, { ...converseText, additionalModelResponseFields: 'x' }]) {
      const { run } = adapter(ok(answer));
      expect(await completion(run({}))).not.toHaveProperty('additionalModelResponseFields');
    }
    for (const events of [stopped(), stopped(['x'])]) {
      const { run } = adapter(streamBody(events));
      const text = await streamed(run({ stream: true }));
      expect(text).toContain('"finish_reason":"stop"');
      expect(text).not.toContain('additionalModelResponseFields');
    }
  });

  describe('through the exact cache', () => {
    const BASE = 'https://bedrock.upstream.test';
    async function cachedKey() {
      const config = {
        providers: { aws: { ...CONFIG, baseUrl: BASE, models: [MODEL] } },
        models: { claude: { targets: [{ provider: 'aws', model: MODEL }] } },
        cache: { exact: { enabled: true } },
      };
      const put = await putConfig(config);
      expect(put.status, await put.clone().text()).toBe(200);
      return (await createKey()).key;
    }
    const ask = (content: string, stream: boolean) => ({
      model: 'claude',
      messages: [{ role: 'user', content }],
      additionalModelResponseFieldPaths: PATHS,
      ...(stream ? { stream: true } : {}),
    });
    /** The answer's fields: top level of a JSON body, or of the stream's finish chunk (only there). */
    async function fieldsOf(response: Response): Promise<unknown> {
      expect(response.status).toBe(200);
      if (!response.headers.get('content-type')?.includes('text/event-stream'))
        return ((await response.json()) as ChatCompletion).additionalModelResponseFields;
      const events = sseEvents(await response.text()) as Chunk[];
      const carrying = events.filter((e) => 'additionalModelResponseFields' in e);
      expect(carrying).toHaveLength(1);
      expect(carrying[0]!.choices[0]!.finish_reason).toBe('stop');
      return carrying[0]!.additionalModelResponseFields;
    }

    it('answers a hit with the fields of a JSON miss, as JSON and as a stream', async () => {
      const key = await cachedKey();
      onUpstream(`${BASE}/model/`, () =>
        Response.json({ ...converseText, additionalModelResponseFields: FIELDS }),
      );
      const miss = await chat(key, ask('Salut', false));
      expect(miss.headers.get('x-tollgate-cache')).toBe('miss');
      expect(await fieldsOf(miss)).toEqual(FIELDS);
      for (const stream of [false, true]) {
        const hit = await chat(key, ask('Salut', stream));
        expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
        expect(await fieldsOf(hit)).toEqual(FIELDS);
      }
      expect(recorded).toHaveLength(1);
    });

    it('answers a hit with the fields of a streamed miss, as a stream and as JSON', async () => {
      const key = await cachedKey();
      onUpstream(`${BASE}/model/`, () => eventStreamResponse(encodeEvents(stopped(FIELDS))));
      const miss = await chat(key, ask('Bonjour', true));
      expect(miss.headers.get('x-tollgate-cache')).toBe('miss');
      expect(await fieldsOf(miss)).toEqual(FIELDS);
      for (const stream of [true, false]) {
        const hit = await chat(key, ask('Bonjour', stream));
        expect(hit.headers.get('x-tollgate-cache')).toBe('hit-exact');
        expect(await fieldsOf(hit)).toEqual(FIELDS);
      }
      expect(recorded).toHaveLength(1);
    });
  });
});

describe('bedrock through the gateway', () => {
  const BASE = 'https://bedrock.upstream.test';
  async function setup() {
    const config = {
      providers: { aws: { ...CONFIG, baseUrl: BASE, models: [MODEL] } },
      models: { claude: { targets: [{ provider: 'aws', model: MODEL }] } },
    };
    const put = await putConfig(config);
    expect(put.status, await put.clone().text()).toBe(200);
    return (await createKey()).key;
  }

  it('serves a chat completion and hides literal AWS secrets from config reads', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () => Response.json(converseText));
    const response = await chat(key, { model: 'claude', messages: [{ role: 'user', content: 'Salut' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('aws');
    const body = (await response.json()) as ChatCompletion;
    expect(body.choices[0]).toMatchObject({ message: { content: 'Bonjour ! Ça va ✓' } });
    expect(recorded[0]!.url).toBe(`${BASE}/model/${encodeURIComponent(MODEL)}/converse`);
    expect(recorded[0]!.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);

    const config = await (await admin('/admin/config')).text();
    expect(config).not.toContain(CONFIG.secretAccessKey);
    expect(config).not.toContain('AKIDEXAMPLE');
  });

  it('passes a validation error through as a 400 with the context-length code', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () =>
      Response.json(
        { message: 'Input is too long for requested model.' },
        { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' } },
      ),
    );
    const response = await chat(key, { model: 'claude', messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: 'Input is too long for requested model.', code: 'context_length_exceeded' },
    });
  });

  it('refuses an unsupported parameter before calling AWS', async () => {
    const key = await setup();
    const response = await chat(key, { model: 'claude', n: 3, messages: [{ role: 'user', content: 'x' }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'n' } });
    expect(recorded).toHaveLength(0);
  });

  it('streams tool-call deltas that the official OpenAI SDK assembles', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () =>
      eventStreamResponse(chunkedBody(encodeEvents(streamTools as FixtureEvent[]), [5, 17, 3])),
    );
    const client = new OpenAI({
      apiKey: key,
      baseURL: 'https://gateway.test/v1',
      fetch: (url, init) => exports.default.fetch(new Request(url, init)),
    });
    const stream = client.chat.completions.stream({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.content).toBe('Je vérifie les deux ✓');
    expect(final.choices[0]!.message.tool_calls).toEqual([
      {
        id: 'tooluse_paris',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
      },
      {
        id: 'tooluse_tokyo',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city": "Tōkyō"}' },
      },
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 70, completion_tokens: 25, total_tokens: 95 });
  });

  it('hides the usage chunk from a stream client that did not ask for it', async () => {
    const key = await setup();
    onUpstream(`${BASE}/model/`, () => eventStreamResponse(encodeEvents(streamText as FixtureEvent[])));
    const response = await chat(key, {
      model: 'claude',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"content":"Hello"');
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
