// The official `openai` npm package as the client, pointed at the Worker.
import { exports } from 'cloudflare:workers';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { anthropicStream } from '../helpers/anthropic-sse';
import { createKey, OPENAI_URL, openaiConfig, putConfig } from '../helpers/gateway';
import { json, onUpstream, sse } from '../helpers/upstream';

function client(apiKey: string): OpenAI {
  return new OpenAI({
    apiKey,
    baseURL: 'https://gateway.test/v1',
    maxRetries: 0,
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
  });
}

describe('official openai SDK', () => {
  it('chat completion', async () => {
    const { key } = await createKey();
    const reply = await client(key).chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    expect(reply.choices[0]?.message.content).toBe('Mock reply to: Say hi');
    expect(reply.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streaming with usage, and tool-call deltas', async () => {
    const { key } = await createKey();
    const stream = await client(key).chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'Count to three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Mock reply to: Count to three');
    expect(usage?.completion_tokens).toBe(6);

    const tools = await client(key)
      .chat.completions.stream({
        model: 'fast',
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      })
      .finalChatCompletion();
    const call = tools.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ input: 'weather?' });
  });

  it('assembles a streamed tool call whose arguments output guardrails held and scanned', async () => {
    const guarded = openaiConfig({
      guardrails: [{ name: 'out-pii', detect: ['email'], action: 'redact', scope: 'output' }],
    });
    expect((await putConfig(guarded)).status).toBe(200);
    const { key } = await createKey();
    const final = await client(key)
      .chat.completions.stream({
        model: 'fast',
        messages: [{ role: 'user', content: 'mail bob@example.com' }],
        tools: [{ type: 'function', function: { name: 'send', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      })
      .finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('send');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({
      input: 'mail [EMAIL_1]',
    });
  });

  it('sends custom tools, allowed_tools and custom tool calls to OpenAI byte for byte, and reads its custom call', async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey();
    const sent: string[] = [];
    const input = '*** Begin Patch\n*** Update File: a.py\n*** End Patch';
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      sent.push(await request.text());
      return json({
        id: 'chatcmpl-c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-5',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: null,
              tool_calls: [{ id: 'call_2', type: 'custom', custom: { name: 'apply_patch', input } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
      });
    });
    // Written in the order of OpenAI's (and the gateway's) schema, so that the bytes sent compare.
    const params = {
      model: 'gpt',
      messages: [
        { role: 'user', content: 'Fix the bug' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'apply_patch', input: 'x' } }],
        },
        { role: 'tool', content: 'Patch failed', tool_call_id: 'call_1' },
      ],
      tools: [
        { type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } },
        {
          type: 'custom',
          custom: {
            name: 'apply_patch',
            description: 'Apply a patch',
            format: { type: 'grammar', grammar: { definition: 'start: /[\\s\\S]+/', syntax: 'lark' } },
          },
        },
        { type: 'custom', custom: { name: 'shell', format: { type: 'text' } } },
      ],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode: 'required', tools: [{ type: 'custom', custom: { name: 'apply_patch' } }] },
      },
    } satisfies OpenAI.ChatCompletionCreateParamsNonStreaming;
    const reply = await client(key).chat.completions.create(params);
    expect(sent[0]).toBe(JSON.stringify({ ...params, model: 'gpt-4o-mini' }));
    const call = reply.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'custom' && call.custom).toEqual({ name: 'apply_patch', input });

    const named = { type: 'custom', custom: { name: 'apply_patch' } } as const;
    await client(key).chat.completions.create({ ...params, tool_choice: named });
    expect(JSON.parse(sent[1]!).tool_choice).toEqual(named);
  });

  it('embeddings (the SDK asks for base64 and decodes it)', async () => {
    const { key } = await createKey();
    const result = await client(key).embeddings.create({
      model: 'embeddings',
      input: ['red apple', 'green apple'],
    });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(256);
    const [a, b] = result.data.map((d) => d.embedding);
    const cosine = a!.reduce((sum, value, i) => sum + value * b![i]!, 0);
    expect(cosine).toBeCloseTo(0.5, 5);
  });

  it('raises typed errors', async () => {
    const { key } = await createKey();
    const error = await client(key)
      .chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const auth = await client('tg-bad')
      .models.list()
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('models.list and models.retrieve, slashed ids included; a model the key may not use is a 404', async () => {
    const { key } = await createKey({ models: ['fast', 'mock/*'] });
    const listed: string[] = [];
    for await (const model of client(key).models.list()) listed.push(model.id);
    expect(listed).toEqual(['fast', 'mock/mock-1']);
    expect(await client(key).models.retrieve('mock/mock-1')).toEqual({
      id: 'mock/mock-1',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'mock',
    });
    expect((await client(key).models.retrieve('fast')).id).toBe('fast');
    // Any model of a configured provider, as chat takes it, listed or not.
    expect(await client(key).models.retrieve('mock/not-advertised')).toMatchObject({ owned_by: 'mock' });
    const unknownProvider = await client(key)
      .models.retrieve('nowhere/x')
      .catch((error: unknown) => error);
    expect(unknownProvider).toBeInstanceOf(OpenAI.NotFoundError);
    const refused = await client(key)
      .models.retrieve('smart')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect(refused).toMatchObject({ code: 'model_not_found', param: 'model' });
  });
  it('responses.create: output_text, and a function-call round trip', async () => {
    const { key } = await createKey();
    const sdk = client(key);
    const reply = await sdk.responses.create({ model: 'fast', input: 'Say hi', instructions: 'Be brief.' });
    expect(reply.object).toBe('response');
    expect(reply.output_text).toBe('Mock reply to: Say hi');
    expect(reply.usage?.total_tokens).toBeGreaterThan(0);

    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
    ];
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'weather in Paris?' }];
    const first = await sdk.responses.create({ model: 'fast', input, tools, tool_choice: 'required' });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call?.type === 'function_call' && call.name).toBe('weather');
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(JSON.parse(call.arguments)).toHaveProperty('city');
    // The whole conversation goes back: the call as the model made it, then its output.
    input.push(call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' });
    const second = await sdk.responses.create({ model: 'fast', input, tools });
    expect(second.output_text).toBe('Mock reply to: weather in Paris?');
  });

  it('responses streamed: create({stream: true}) events and responses.stream().finalResponse()', async () => {
    const { key } = await createKey();
    const sdk = client(key);
    const stream = await sdk.responses.create({ model: 'fast', input: 'Count to three', stream: true });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe('Mock reply to: Count to three');
    expect(completed?.usage?.output_tokens).toBe(6);

    const final = await sdk.responses
      .stream({
        model: 'fast',
        input: 'weather?',
        tools: [{ type: 'function', name: 'weather', parameters: { type: 'object' }, strict: false }],
        tool_choice: 'required',
      })
      .finalResponse();
    const call = final.output.find((item) => item.type === 'function_call');
    expect(call?.type === 'function_call' && call.name).toBe('weather');
    expect(final.status).toBe('completed');
  });

  it('responses: a stateful parameter is a BadRequestError naming it', async () => {
    const { key } = await createKey();
    const refused = await client(key)
      .responses.create({ model: 'fast', input: 'hi', previous_response_id: 'resp_1' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ param: 'previous_response_id' });
  });

  it("responses: Anthropic's signed thinking comes back as a reasoning item and goes back with the tool loop", async () => {
    const config = {
      providers: { anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant' } },
      models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    };
    expect((await putConfig(config)).status).toBe(200);
    const { key } = await createKey();
    const upstream: Record<string, unknown>[] = [];
    onUpstream('https://anthropic.test/v1/messages', async (request) => {
      upstream.push(await request.json());
      if (upstream.length > 1)
        return json({
          id: 'msg_2',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [{ type: 'text', text: 'Sunny.' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 30, output_tokens: 2 },
        });
      return anthropicStream(
        [
          { type: 'thinking', thinking: 'Need the weather.', signature: 'sig-A' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        ],
        { stopReason: 'tool_use', inputTokens: 12, outputTokens: 9 },
      );
    });
    const sdk = client(key);
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'weather', parameters: { type: 'object' }, strict: false },
    ];
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await sdk.responses.stream({ model: 'claude', input, tools }).finalResponse();
    const reasoning = first.output[0];
    expect(reasoning).toMatchObject({
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Need the weather.' }],
    });
    expect(reasoning?.type === 'reasoning' && reasoning.encrypted_content).toEqual(expect.any(String));
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function call');
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), {
      type: 'function_call_output',
      call_id: call.call_id,
      output: 'sunny',
    });
    const second = await sdk.responses.create({ model: 'claude', input, tools });
    expect(second.output_text).toBe('Sunny.');
    expect((upstream[1]!.messages as unknown[])[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: 'sig-A' },
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
      ],
    });
  });

  it("responses: Codex's freeform apply_patch tool streams as a custom_tool_call and goes back to OpenAI as chat's", async () => {
    expect((await putConfig(openaiConfig())).status).toBe(200);
    const { key } = await createKey();
    const sent: Record<string, unknown>[] = [];
    const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: 'chatcmpl-c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-5',
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    onUpstream(`${OPENAI_URL}/chat/completions`, async (request) => {
      sent.push(await request.json());
      if (sent.length > 1) return sse([frame({ role: 'assistant', content: 'Done.' }), frame({}, 'stop')]);
      return sse([
        frame({
          role: 'assistant',
          content: null,
          tool_calls: [
            { index: 0, id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: '' } },
          ],
        }),
        frame({ tool_calls: [{ index: 0, custom: { input: '*** Begin Patch\n' } }] }),
        frame({ tool_calls: [{ index: 0, custom: { input: '*** End Patch\n' } }] }),
        frame({}, 'tool_calls'),
      ]);
    });
    const sdk = client(key);
    const apply: OpenAI.Responses.CustomTool = {
      type: 'custom',
      name: 'apply_patch',
      description: 'Edits files',
      format: { type: 'grammar', syntax: 'lark', definition: 'start: /[\\s\\S]+/' },
    };
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Add a file' }];
    const stream = sdk.responses.stream({ model: 'gpt', input, tools: [apply], store: false });
    let typed = '';
    stream.on('response.custom_tool_call_input.delta', (event) => {
      typed += event.delta;
    });
    const first = await stream.finalResponse();
    expect(typed).toBe('*** Begin Patch\n*** End Patch\n');
    const call = first.output[0];
    if (call?.type !== 'custom_tool_call') throw new Error('no custom tool call');
    expect(call).toMatchObject({ call_id: 'call_p', name: 'apply_patch', input: typed });
    expect(sent[0]!.tools).toEqual([
      {
        type: 'custom',
        custom: {
          name: 'apply_patch',
          description: 'Edits files',
          format: {
            type: 'grammar',
            grammar: {
              definition: 'start: /[\\s\\S]+/',
              syntax: 'lark',
            },
          },
        },
      },
    ]);

    input.push(call, { type: 'custom_tool_call_output', call_id: call.call_id, output: 'Success.' });
    const second = await sdk.responses.create({ model: 'gpt', input, tools: [apply], stream: true });
    let text = '';
    for await (const event of second) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('Done.');
    expect(sent[1]!.messages).toEqual([
      { role: 'user', content: 'Add a file' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: typed } }],
      },
      { role: 'tool', tool_call_id: 'call_p', content: 'Success.' },
    ]);
  });
});
