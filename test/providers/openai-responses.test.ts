// The openai adapter through OpenAI's Responses API: which calls go there, the request translation,
// the JSON answer and the stream translated back to chat completions.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatRequest } from '../../src/openai/schemas';
import { toAnthropicRequest } from '../../src/providers/anthropic-request';
import { createAzureOpenAI } from '../../src/providers/azure-openai';
import { toConverseRequest } from '../../src/providers/bedrock-request';
import { createOpenAICompatible, type OpenAIProviderConfig } from '../../src/providers/openai-compatible';
import { servedOnlyByResponses } from '../../src/providers/openai-responses';
import { toResponsesRequest } from '../../src/providers/openai-responses-request';
import { Unsupported, UpstreamError } from '../../src/providers/types';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';

/** The request as the provider named `openai` sends it. */
const translate = (request: ReturnType<typeof parse>, model: string) =>
  toResponsesRequest(request, model, { provider: 'openai' });

const parse = (body: Record<string, unknown>) =>
  chatRequest.parse({ model: 'alias', messages: [{ role: 'user', content: 'Hi' }], ...body });

function adapter(answer: () => Response, config: Partial<OpenAIProviderConfig> = {}) {
  const sent: { url: string; body: Json; headers: Headers }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push({ url: request.url, body: await request.json(), headers: request.headers });
    return answer();
  }) as typeof globalThis.fetch;
  const openai = createOpenAICompatible(
    'openai',
    { type: 'openai', apiKey: 'sk-test', ...config },
    { env, fetch },
  );
  const run = (body: Record<string, unknown>, model = 'gpt-5.1-codex') =>
    openai.chat({ body: parse(body), model, signal: new AbortController().signal, requestId: 'r1' });
  return { sent, run };
}

const response = (fields: Record<string, unknown> = {}) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1_760_000_000,
  status: 'completed',
  model: 'gpt-5.1-codex-2025-11-13',
  output: [
    { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Thinking.' }] },
    {
      type: 'message',
      id: 'msg_1',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello there', annotations: [] }],
    },
  ],
  usage: {
    input_tokens: 120,
    input_tokens_details: { cached_tokens: 100 },
    output_tokens: 40,
    output_tokens_details: { reasoning_tokens: 30 },
    total_tokens: 160,
  },
  ...fields,
});

const jsonAnswer = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const frames = (events: Record<string, unknown>[]) =>
  events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');

const sseAnswer = (text: string) => new Response(text, { headers: { 'content-type': 'text/event-stream' } });

/** The chunks of a streamed result, checked to end with [DONE]. */
async function streamed(result: Awaited<ReturnType<ReturnType<typeof adapter>['run']>>) {
  expect(result.kind).toBe('stream');
  if (result.kind !== 'stream') throw new Error('not a stream');
  const text = await new Response(result.body).text();
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  return sseEvents(text) as Json[];
}

describe('which chat calls go to the Responses API', () => {
  it('knows OpenAI models its chat completions refuse, dated snapshots included', () => {
    for (const model of [
      'gpt-5-codex',
      'gpt-5.1-codex',
      'gpt-5.1-codex-max',
      'gpt-5.1-codex-mini',
      'gpt-5.3-codex',
      'codex-mini-latest',
      'o1-pro',
      'o3-pro-2025-06-10',
      'gpt-5-pro',
      'gpt-5.2-pro',
      'o3-deep-research',
      'o4-mini-deep-research-2025-06-26',
      'computer-use-preview',
      'gpt-5.5-pro-2026-04-23',
      'gpt-5.6-cyber',
      'gpt-daybreak-blue-latest',
    ])
      expect(servedOnlyByResponses(model), model).toBe(true);
    for (const model of ['gpt-5', 'gpt-5.1', 'gpt-4o', 'o3', 'o4-mini', 'gpt-5-chat-latest', 'gpt-5-mini'])
      expect(servedOnlyByResponses(model), model).toBe(false);
  });

  it("sends them to /responses on OpenAI's own API, and other models to /chat/completions", async () => {
    const { sent, run } = adapter(() => jsonAnswer(response()));
    await run({});
    expect(sent[0]!.url).toBe('https://api.openai.com/v1/responses');
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer sk-test');
    const chat = adapter(() =>
      jsonAnswer({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-5', choices: [] }),
    );
    await chat.run({}, 'gpt-5');
    expect(chat.sent[0]!.url).toBe('https://api.openai.com/v1/chat/completions');
  });

  it('sends GPT-5.6 and later there with function tools, unless reasoning_effort is none', async () => {
    const chatAnswer = () =>
      jsonAnswer({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] });
    // The answer's shape does not matter here: only where each call went.
    const { sent, run } = adapter(() => jsonAnswer(response()));
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const calls: [Record<string, unknown>, string, string][] = [
      [{ tools }, 'gpt-5.6-sol', 'responses'],
      [{ tools, reasoning_effort: 'high' }, 'gpt-6.2-astra', 'responses'],
      [{ tools }, 'gpt-6-luna', 'responses'],
      [{ tools, reasoning_effort: 'none' }, 'gpt-6-luna', 'chat/completions'],
      [{}, 'gpt-6.1-sol', 'chat/completions'],
      [{ tools }, 'gpt-5.5', 'chat/completions'],
      [{ tools }, 'gpt-4o', 'chat/completions'],
    ];
    for (const [body, model, path] of calls) {
      const before = sent.length;
      await run(body, model).catch(() => {});
      expect(sent[before]!.url, `${model} ${JSON.stringify(body)}`).toBe(`https://api.openai.com/v1/${path}`);
    }
    const other = adapter(() => chatAnswer(), { baseUrl: 'https://proxy.test/v1' });
    await other.run({ tools }, 'gpt-5.6-sol');
    expect(other.sent[0]!.url).toBe('https://proxy.test/v1/chat/completions');
  });

  it('follows responsesApi: a list of models, true for all, false for none; other hosts only when told', async () => {
    const listed = adapter(() => jsonAnswer(response()), {
      baseUrl: 'https://proxy.test/v1',
      responsesApi: ['gpt-5'],
    });
    await listed.run({}, 'gpt-5');
    await listed.run({}, 'gpt-5.1-codex').catch(() => {});
    expect(listed.sent.map((s) => s.url)).toEqual([
      'https://proxy.test/v1/responses',
      'https://proxy.test/v1/chat/completions',
    ]);
    const all = adapter(() => jsonAnswer(response()), { responsesApi: true });
    await all.run({}, 'gpt-4o');
    expect(all.sent[0]!.url).toBe('https://api.openai.com/v1/responses');
    const none = adapter(() => jsonAnswer(response()), { responsesApi: false });
    await none.run({}).catch(() => {});
    expect(none.sent[0]!.url).toBe('https://api.openai.com/v1/chat/completions');
  });

  it("Azure: a deployment named after a Responses-only model goes to the v1 API's /responses", async () => {
    const sent: Request[] = [];
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Request(input, init));
      return jsonAnswer(response());
    }) as typeof globalThis.fetch;
    const azure = createAzureOpenAI(
      'azure',
      { type: 'azure-openai', resourceName: 'contoso', apiKey: 'az-key' },
      { env, fetch },
    );
    const result = await azure.chat({
      body: parse({}),
      model: 'gpt-5-codex',
      signal: new AbortController().signal,
      requestId: 'r1',
    });
    expect(result.kind).toBe('json');
    expect(sent[0]!.url).toBe('https://contoso.openai.azure.com/openai/v1/responses');
    expect(sent[0]!.headers.get('api-key')).toBe('az-key');
    expect(((await sent[0]!.json()) as Json).model).toBe('gpt-5-codex');
  });
});

describe('the request, as the Responses API takes it', () => {
  it('turns messages into input items: roles, parts, tool calls and their outputs', () => {
    const body = translate(
      parse({
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
              { type: 'file', file: { file_id: 'file-1' } },
            ],
          },
          {
            role: 'assistant',
            content: 'Let me look.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"q":1}' } },
              { id: 'call_2', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch' } },
            ],
            reasoning_content: 'another provider’s reasoning',
          },
          { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'a cat' }] },
          { role: 'tool', tool_call_id: 'call_2', content: 'Done' },
        ],
      }),
      'gpt-5.1-codex',
    );
    expect(body).toEqual({
      model: 'gpt-5.1-codex',
      store: false,
      include: ['reasoning.encrypted_content'],
      input: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
            { type: 'input_file', file_id: 'file-1' },
          ],
        },
        { role: 'assistant', content: 'Let me look.' },
        { type: 'function_call', call_id: 'call_1', name: 'look', arguments: '{"q":1}' },
        { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a cat' },
        { type: 'custom_tool_call_output', call_id: 'call_2', output: 'Done' },
      ],
    });
  });

  it("keeps a tool result's image or file: its parts become the output's input parts", () => {
    const body = translate(
      parse({
        messages: [
          { role: 'user', content: 'Look at the screen' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } },
            ],
          },
          {
            role: 'tool',
            tool_call_id: 'call_1',
            content: [
              { type: 'text', text: 'The screen:' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              {
                type: 'file',
                file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
              },
            ],
          },
        ],
      }),
      'gpt-5.1-codex',
    );
    expect((body.input as Json[]).at(-1)).toEqual({
      type: 'function_call_output',
      call_id: 'call_1',
      output: [
        { type: 'input_text', text: 'The screen:' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
      ],
    });
  });

  it('maps tools, tool_choice, caps, effort, verbosity and response_format; keeps the rest', () => {
    const body = translate(
      parse({
        stream: true,
        stream_options: { include_usage: true },
        max_completion_tokens: 500,
        reasoning_effort: 'high',
        verbosity: 'low',
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
        },
        tools: [
          { type: 'function', function: { name: 'look', parameters: { type: 'object' } } },
          { type: 'custom', custom: { name: 'apply_patch', format: { type: 'text' } } },
        ],
        tool_choice: {
          type: 'allowed_tools',
          allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'look' } }] },
        },
        parallel_tool_calls: false,
        store: true,
        prompt_cache_key: 'k1',
        include: ['reasoning.encrypted_content'],
        reasoning: { summary: 'auto' },
      }),
      'gpt-5.1-codex',
    );
    expect(body).toMatchObject({
      stream: true,
      max_output_tokens: 500,
      reasoning: { effort: 'high', summary: 'auto' },
      text: {
        verbosity: 'low',
        format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      },
      tools: [
        { type: 'function', name: 'look', parameters: { type: 'object' }, strict: false },
        { type: 'custom', name: 'apply_patch', format: { type: 'text' } },
      ],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'look' }] },
      parallel_tool_calls: false,
      store: true,
      prompt_cache_key: 'k1',
      include: ['reasoning.encrypted_content'],
    });
    expect(body).not.toHaveProperty('stream_options');
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(
      translate(
        parse({
          tools: [{ type: 'function', function: { name: 'look' } }],
          tool_choice: { type: 'function', function: { name: 'look' } },
        }),
        'm',
      ).tool_choice,
    ).toEqual({ type: 'function', name: 'look' });
  });

  it("gives a custom tool's grammar the Responses shape (syntax and definition beside its type), as Codex's apply_patch needs", () => {
    const grammar = { syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' } as const;
    const body = translate(
      parse({
        tools: [
          {
            type: 'custom',
            custom: { name: 'apply_patch', description: 'Edit files', format: { type: 'grammar', grammar } },
          },
          { type: 'custom', custom: { name: 'note', format: { type: 'text' } } },
        ],
      }),
      'gpt-5.1-codex',
    );
    expect(body.tools).toEqual([
      {
        type: 'custom',
        name: 'apply_patch',
        description: 'Edit files',
        format: { type: 'grammar', ...grammar },
      },
      { type: 'custom', name: 'note', format: { type: 'text' } },
    ]);
    for (const tool of body.tools as unknown[]) expectOpenAIShape('CustomToolParam', tool);
  });

  it("sends OpenAI's encrypted reasoning back as reasoning items, and asks reasoning models for it when nothing is stored", () => {
    const history = parse({
      messages: [
        { role: 'user', content: 'Fix the bug' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } }],
          thinking_blocks: [
            { type: 'thinking', thinking: 'Claude thought', signature: 'sig' },
            { type: 'openai_reasoning', id: 'rs_1', encrypted_content: 'gAAAA-opaque', provider: 'openai' },
            // Another account's (Azure's): it could not read it, and would refuse the request.
            { type: 'openai_reasoning', id: 'rs_2', encrypted_content: 'gAAAA-azure', provider: 'azure' },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'source' },
      ],
    });
    const body = translate(history, 'gpt-5.1-codex');
    expect(body.input).toEqual([
      { role: 'user', content: 'Fix the bug' },
      // Without its id, as Codex sends them with store false: OpenAI pairs a reasoning item that
      // has one with the item after it by id, which chat's tool call does not keep.
      { type: 'reasoning', encrypted_content: 'gAAAA-opaque', summary: [] },
      { type: 'function_call', call_id: 'call_1', name: 'read', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'source' },
    ]);
    expect(body.include).toEqual(['reasoning.encrypted_content']);
    // The client's own include list keeps its entries; stored answers and models that do not reason get none.
    expect(translate(parse({ include: ['message.output_text.logprobs'] }), 'o3-pro').include).toEqual([
      'message.output_text.logprobs',
      'reasoning.encrypted_content',
    ]);
    expect(translate(parse({ store: true }), 'gpt-5.1-codex')).not.toHaveProperty('include');
    expect(translate(parse({}), 'gpt-4o')).not.toHaveProperty('include');
    expect(translate(parse({}), 'gpt-5-chat-latest')).not.toHaveProperty('include');
  });

  it("another provider a route fails over to leaves OpenAI's reasoning out and keeps its own", () => {
    const history = parse({
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: 'Hello',
          thinking_blocks: [
            { type: 'openai_reasoning', id: 'rs_1', encrypted_content: 'gAAAA' },
            { type: 'thinking', thinking: 'Claude thought', signature: 'sig' },
          ],
        },
        { role: 'user', content: 'More' },
      ],
    });
    const anthropic = toAnthropicRequest(history, 'claude-sonnet-4-5', { defaultMaxTokens: 1000 });
    expect((anthropic.body.messages as Json[])[1].content).toEqual([
      { type: 'thinking', thinking: 'Claude thought', signature: 'sig' },
      { type: 'text', text: 'Hello' },
    ]);
    const converse = toConverseRequest(history, 'anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(JSON.stringify(converse)).not.toContain('gAAAA');
  });

  it('refuses what the Responses API lacks, naming the parameter', () => {
    const refused = (body: Record<string, unknown>) => {
      try {
        translate(parse(body), 'gpt-5.1-codex');
      } catch (error) {
        expect(error).toBeInstanceOf(Unsupported);
        return (error as Unsupported).param;
      }
      return undefined;
    };
    expect(refused({ stop: ['END'] })).toBe('stop');
    expect(refused({ n: 2 })).toBe('n');
    expect(refused({ logprobs: true })).toBe('logprobs');
    expect(refused({ seed: 7 })).toBe('seed');
    expect(refused({ frequency_penalty: 0.5 })).toBe('frequency_penalty');
    expect(refused({ background: true })).toBe('background');
    expect(
      refused({
        messages: [
          { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] },
        ],
      }),
    ).toBe('messages[0].content[0]');
    // What asks for nothing passes: n 1, zero penalties, an empty stop list.
    expect(refused({ n: 1, frequency_penalty: 0, stop: [], background: false })).toBeUndefined();
  });
});

describe('the JSON answer, as a chat completion', () => {
  it("keeps OpenAI's cache writes (input_tokens_details.cache_write_tokens) in the usage", async () => {
    const usage = {
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 90 },
      output_tokens: 40,
      total_tokens: 160,
    };
    const { run } = adapter(() => jsonAnswer(response({ usage })));
    const body = ((await run({})) as { body: Json }).body;
    expect(body.usage.prompt_tokens_details).toEqual({ cache_write_tokens: 90 });
  });

  it('joins text, keeps reasoning summaries and maps usage and the service tier', async () => {
    const { run } = adapter(() => jsonAnswer(response({ service_tier: 'flex' })));
    const result = await run({});
    expect(result.kind).toBe('json');
    const body = (result as { body: Json }).body;
    expectOpenAIShape('CreateChatCompletionResponse', body);
    expect(body).toMatchObject({
      id: 'chatcmpl-r1',
      object: 'chat.completion',
      model: 'gpt-5.1-codex-2025-11-13',
      service_tier: 'flex',
      choices: [
        {
          finish_reason: 'stop',
          message: { role: 'assistant', content: 'Hello there', reasoning_content: 'Thinking.' },
        },
      ],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
  });

  it("returns OpenAI's encrypted reasoning as thinking_blocks, for the next request to send back", async () => {
    const { run } = adapter(() =>
      jsonAnswer(
        response({
          output: [
            { type: 'reasoning', id: 'rs_9', summary: [], encrypted_content: 'gAAAA-secret' },
            { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'look', arguments: '{}' },
          ],
        }),
      ),
    );
    const message = ((await run({})) as { body: Json }).body.choices[0].message;
    expect(message.thinking_blocks).toEqual([
      { type: 'openai_reasoning', id: 'rs_9', encrypted_content: 'gAAAA-secret', provider: 'openai' },
    ]);
    expect(message).not.toHaveProperty('reasoning_content');
  });

  it('turns call items into tool_calls, in order, with finish_reason tool_calls', async () => {
    const { run } = adapter(() =>
      jsonAnswer(
        response({
          output: [
            { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'look', arguments: '' },
            { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_b', name: 'apply_patch', input: 'diff' },
          ],
        }),
      ),
    );
    const body = ((await run({})) as { body: Json }).body;
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.choices[0].message.content).toBeNull();
    expect(body.choices[0].message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'look', arguments: '{}' } },
      { id: 'call_b', type: 'custom', custom: { name: 'apply_patch', input: 'diff' } },
    ]);
  });

  it('places url_citation annotations in the whole content and says why an answer is incomplete', async () => {
    const { run } = adapter(() =>
      jsonAnswer(
        response({
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [
            {
              type: 'message',
              role: 'assistant',
              content: [
                { type: 'output_text', text: 'One. ', annotations: [] },
                {
                  type: 'output_text',
                  text: 'Two.',
                  annotations: [
                    { type: 'url_citation', start_index: 0, end_index: 4, url: 'https://x.test', title: 'X' },
                  ],
                },
              ],
            },
          ],
        }),
      ),
    );
    const body = ((await run({})) as { body: Json }).body;
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.choices[0].message.annotations).toEqual([
      {
        type: 'url_citation',
        url_citation: { start_index: 5, end_index: 9, url: 'https://x.test', title: 'X' },
      },
    ]);
  });

  it('a failed response is a failed attempt; an error status passes through as the upstream said', async () => {
    const failed = adapter(() =>
      jsonAnswer(response({ status: 'failed', error: { code: 'server_error', message: 'boom' } })),
    );
    const error = await failed.run({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).failure).toBe('server');
    expect((error as UpstreamError).message).not.toContain('boom'); // upstream words stay inside
    const broke = adapter(() =>
      jsonAnswer(response({ status: 'failed', error: { code: 'insufficient_quota', message: 'quota' } })),
    );
    expect(((await broke.run({}).catch((e: unknown) => e)) as UpstreamError).failure).toBe('auth');
    const refused = adapter(() =>
      jsonAnswer(
        {
          error: {
            message: "Unsupported parameter: 'temperature'",
            type: 'invalid_request_error',
            param: 'temperature',
            code: null,
          },
        },
        400,
      ),
    );
    const caller = (await refused.run({ temperature: 0.2 }).catch((e: unknown) => e)) as UpstreamError;
    expect(caller.failure).toBe('caller');
    expect(caller.message).toContain("Unsupported parameter: 'temperature'");
  });
});

describe('the stream, as chat chunks', () => {
  const created = {
    type: 'response.created',
    response: { ...response(), status: 'in_progress', output: [], usage: null },
  };
  const completed = (fields: Record<string, unknown> = {}) => ({
    type: 'response.completed',
    response: response(fields),
  });

  it('streams reasoning, text, and a tool call in fragments, then the finish and usage', async () => {
    const { run } = adapter(() =>
      sseAnswer(
        frames([
          created,
          {
            type: 'response.output_item.added',
            output_index: 0,
            item: { type: 'reasoning', id: 'rs_1', summary: [] },
          },
          { type: 'response.reasoning_summary_part.added', output_index: 0, summary_index: 0 },
          {
            type: 'response.reasoning_summary_text.delta',
            output_index: 0,
            summary_index: 0,
            delta: 'Plan.',
          },
          { type: 'response.reasoning_summary_part.added', output_index: 0, summary_index: 1 },
          { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 1, delta: 'Act.' },
          {
            type: 'response.output_item.done',
            output_index: 0,
            item: { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Plan.' }] },
          },
          {
            type: 'response.output_item.added',
            output_index: 1,
            item: { type: 'message', id: 'msg_1', role: 'assistant', content: [] },
          },
          {
            type: 'response.content_part.added',
            output_index: 1,
            content_index: 0,
            part: { type: 'output_text', text: '' },
          },
          { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Hel' },
          { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'lo' },
          { type: 'response.output_text.done', output_index: 1, content_index: 0, text: 'Hello' },
          {
            type: 'response.output_item.added',
            output_index: 2,
            item: { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'look', arguments: '' },
          },
          { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{"q":' },
          { type: 'response.function_call_arguments.delta', output_index: 2, delta: '1}' },
          { type: 'response.function_call_arguments.done', output_index: 2, arguments: '{"q":1}' },
          {
            type: 'response.output_item.done',
            output_index: 2,
            item: {
              type: 'function_call',
              id: 'fc_1',
              call_id: 'call_a',
              name: 'look',
              arguments: '{"q":1}',
            },
          },
          completed({ service_tier: 'default' }),
        ]),
      ),
    );
    const events = await streamed(await run({ stream: true }));
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    const deltas = events.filter((e) => e.choices?.length).map((e) => e.choices[0].delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: '' });
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe('Plan.\n\nAct.');
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Hello');
    const calls = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'call_a',
      type: 'function',
      function: { name: 'look', arguments: '' },
    });
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"q":1}');
    const finish = events.find((e) => e.choices?.[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe('tool_calls');
    expect(finish.service_tier).toBe('default');
    const usage = events.find((e) => e.usage);
    expect(usage.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 40 });
  });

  it('gives the text of a message item that came whole, without deltas, once', async () => {
    const message = (text: string) => ({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
    const { run } = adapter(() =>
      sseAnswer(
        frames([
          created,
          { type: 'response.output_item.done', output_index: 0, item: message('Whole.') },
          { type: 'response.output_text.delta', output_index: 1, delta: ' Streamed.' },
          { type: 'response.output_item.done', output_index: 1, item: message(' Streamed.') },
          completed(),
        ]),
      ),
    );
    const events = await streamed(await run({ stream: true }));
    const text = events
      .filter((e) => e.choices?.length)
      .map((e) => e.choices[0].delta.content ?? '')
      .join('');
    expect(text).toBe('Whole. Streamed.');
  });

  it('streams encrypted reasoning as one thinking_blocks delta just before the finish', async () => {
    const { run } = adapter(() =>
      sseAnswer(
        frames([
          created,
          {
            type: 'response.output_item.added',
            output_index: 0,
            item: { type: 'reasoning', id: 'rs_1', summary: [] },
          },
          {
            type: 'response.output_item.done',
            output_index: 0,
            item: { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA-1' },
          },
          { type: 'response.output_text.delta', output_index: 1, delta: 'Done.' },
          completed(),
        ]),
      ),
    );
    const events = await streamed(await run({ stream: true }));
    const choices = events.filter((e) => e.choices?.length).map((e) => e.choices[0]);
    const at = choices.findIndex((c) => c.delta.thinking_blocks);
    expect(choices[at].delta.thinking_blocks).toEqual([
      { type: 'openai_reasoning', id: 'rs_1', encrypted_content: 'gAAAA-1', provider: 'openai' },
    ]);
    expect(choices[at + 1].finish_reason).toBe('stop');
    expect(choices.filter((c) => c.delta.thinking_blocks)).toHaveLength(1);
  });

  it('a call without argument deltas gets them from its done item ("{}" when empty); custom input likewise', async () => {
    const { run } = adapter(() =>
      sseAnswer(
        frames([
          created,
          {
            type: 'response.output_item.added',
            output_index: 0,
            item: { type: 'function_call', call_id: 'c1', name: 'now', arguments: '' },
          },
          {
            type: 'response.output_item.done',
            output_index: 0,
            item: { type: 'function_call', call_id: 'c1', name: 'now', arguments: '' },
          },
          {
            type: 'response.output_item.done',
            output_index: 1,
            item: { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: 'diff' },
          },
          completed(),
        ]),
      ),
    );
    const events = await streamed(await run({ stream: true }));
    const calls = events.filter((e) => e.choices?.length).flatMap((e) => e.choices[0].delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: 'c1', type: 'function', function: { name: 'now', arguments: '' } },
      { index: 0, function: { arguments: '{}' } },
      { index: 1, id: 'c2', type: 'custom', custom: { name: 'apply_patch', input: '' } },
      { index: 1, custom: { input: 'diff' } },
    ]);
  });

  it('response.failed before any output fails the attempt; after output it is an error event with usage first', async () => {
    const failed = {
      type: 'response.failed',
      response: response({ status: 'failed', error: { code: 'server_error', message: 'boom' } }),
    };
    const early = adapter(() => sseAnswer(frames([created, failed])));
    const stream = await streamed(
      await early.run({ stream: true }).catch((e: unknown) => Promise.reject(e)),
    ).catch((e: unknown) => e);
    expect(stream).toBeInstanceOf(UpstreamError);
    const late = adapter(() =>
      sseAnswer(
        frames([created, { type: 'response.output_text.delta', output_index: 0, delta: 'Hi' }, failed]),
      ),
    );
    const events = await streamed(await late.run({ stream: true }));
    const usageAt = events.findIndex((e) => e.usage);
    const errorAt = events.findIndex((e) => e.error);
    expect(usageAt).toBeGreaterThan(0);
    expect(errorAt).toBe(usageAt + 1);
    // The provider's own words stay in the gateway: only who failed, and its code.
    expect(events[errorAt].error.message).toBe('openai failed to answer (server_error).');
    expect(events.some((e) => e.choices?.[0]?.finish_reason)).toBe(false);
  });

  it('an error event fails the attempt as rate-limited when it says so', async () => {
    const { run } = adapter(() =>
      sseAnswer(frames([created, { type: 'error', code: 'rate_limit_exceeded', message: 'slow down' }])),
    );
    const result = await run({ stream: true });
    const error = await streamed(result).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).failure).toBe('rate_limit');
  });

  it('a stream cut before its terminal event ends in an error, never a made-up finish; incomplete is length', async () => {
    const cut = adapter(() =>
      sseAnswer(frames([created, { type: 'response.output_text.delta', output_index: 0, delta: 'Hi' }])),
    );
    const events = await streamed(await cut.run({ stream: true }));
    expect(events.some((e) => e.error)).toBe(true);
    expect(events.some((e) => e.choices?.[0]?.finish_reason)).toBe(false);
    const incomplete = adapter(() =>
      sseAnswer(
        frames([
          created,
          { type: 'response.output_text.delta', output_index: 0, delta: 'Hi' },
          {
            type: 'response.incomplete',
            response: response({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }),
          },
        ]),
      ),
    );
    const done = await streamed(await incomplete.run({ stream: true }));
    expect(done.find((e) => e.choices?.[0]?.finish_reason).choices[0].finish_reason).toBe('length');
  });
});
