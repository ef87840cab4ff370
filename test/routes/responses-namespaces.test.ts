// POST /v1/responses with a namespace tool (OpenAI's NamespaceToolParam), as Codex sends its
// multi_agent tools: served by every provider through the chat translation, its tools given to the
// model by their own names, a call of one answered with its `namespace`, and sent back so.
import { describe, expect, it } from 'vitest';
import { anthropicMessage, anthropicStream } from '../helpers/anthropic-sse';
import {
  createKey,
  type Json,
  OPENAI_URL,
  openaiKey,
  putConfig,
  responses,
  storedResponse,
} from '../helpers/gateway';
import { expectOpenAIShape, expectResponseEvent, responseEvents } from '../helpers/openapi';
import { json, onUpstream, recorded } from '../helpers/upstream';

const ANTHROPIC = 'https://anthropic.test';

const fn = (name: string, description: string, properties: Json = {}) => ({
  type: 'function',
  name,
  description,
  strict: false,
  parameters: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
});

/** Codex 0.171's tools with multi_agent on (its default): its own functions, then the namespace at tools[4]. */
const multiAgent = {
  type: 'namespace',
  name: 'multi_agent_v1',
  description: 'Tools to spawn and manage sub-agents.',
  tools: [
    fn('spawn_agent', 'Spawns a sub-agent for a task.', { message: { type: 'string' } }),
    fn('wait', 'Waits for sub-agents to finish.', { ids: { type: 'array', items: { type: 'string' } } }),
  ],
};
const codexTools = [
  fn('shell', 'Runs a shell command.', { command: { type: 'array', items: { type: 'string' } } }),
  fn('update_plan', 'Updates the plan.', { plan: { type: 'string' } }),
  fn('view_image', 'Shows an image.', { path: { type: 'string' } }),
  fn('list_mcp_resources', 'Lists MCP resources.'),
  multiAgent,
];

async function claudeKey(): Promise<string> {
  const put = await putConfig({
    providers: { anthropic: { type: 'anthropic', baseUrl: ANTHROPIC, apiKey: 'sk-ant' } },
    models: { claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] } },
    retry: { attempts: 0 },
  });
  expect(put.status, await put.clone().text()).toBe(200);
  return (await createKey()).key;
}

const spawnCall = { type: 'tool_use' as const, id: 'toolu_s', name: 'spawn_agent', input: { message: 'go' } };

describe('POST /v1/responses with a namespace tool', () => {
  it("serves Codex's multi_agent namespace through Anthropic, streamed, the call answered with its namespace", async () => {
    const key = await claudeKey();
    const answers = [
      () => anthropicStream([spawnCall], { stopReason: 'tool_use' }),
      () => json(anthropicMessage('Spawned.')),
    ];
    onUpstream(`${ANTHROPIC}/v1/messages`, () => answers.shift()!());
    const response = await responses(key, {
      model: 'claude',
      instructions: 'You are Codex.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Split the work.' }] }],
      tools: codexTools,
      tool_choice: 'auto',
      parallel_tool_calls: false,
      store: true,
      stream: true,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const sent = recorded[0]!.body as Json;
    expect(sent.tools.map((tool: Json) => tool.name)).toEqual([
      'shell',
      'update_plan',
      'view_image',
      'list_mcp_resources',
      'spawn_agent',
      'wait',
    ]);
    expect(sent.tools[4]).toMatchObject({
      description: 'Tools to spawn and manage sub-agents.\n\nSpawns a sub-agent for a task.',
      input_schema: multiAgent.tools[0]!.parameters,
    });
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    const items = events
      .filter((e) => e.type === 'response.output_item.added' || e.type === 'response.output_item.done')
      .map((e) => e.item as Json);
    expect(items).toHaveLength(2);
    for (const item of items)
      expect(item).toMatchObject({ type: 'function_call', namespace: 'multi_agent_v1', name: 'spawn_agent' });
    const done = events.at(-1)!;
    expect(done.type).toBe('response.completed');
    const answer = done.response as Json;
    expect(answer.output).toEqual([
      {
        type: 'function_call',
        id: expect.stringMatching(/^fc_/),
        call_id: 'toolu_s',
        namespace: 'multi_agent_v1',
        name: 'spawn_agent',
        arguments: '{"message":"go"}',
        status: 'completed',
      },
    ]);
    expect(answer.tools[4]).toEqual(multiAgent);

    // Stored as answered, and continued from: the call goes back to Claude by its own name.
    const stored: Json = await (await storedResponse(key, answer.id)).json();
    expect(stored.output[0]).toMatchObject({ namespace: 'multi_agent_v1', name: 'spawn_agent' });
    const next = await responses(key, {
      model: 'claude',
      previous_response_id: answer.id,
      input: [{ type: 'function_call_output', call_id: 'toolu_s', output: 'agent a1' }],
      tools: codexTools,
    });
    expect(next.status, await next.clone().text()).toBe(200);
    expectOpenAIShape('Response', await next.json());
    expect((recorded[1]!.body as Json).messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_s', name: 'spawn_agent', input: { message: 'go' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_s', content: 'agent a1' }] },
    ]);
  });

  it('takes a function_call item sent back with its namespace as the call of the bare name', async () => {
    const key = await claudeKey();
    onUpstream(`${ANTHROPIC}/v1/messages`, () => json(anthropicMessage('Done.')));
    const response = await responses(key, {
      model: 'claude',
      input: [
        { role: 'user', content: 'Split the work.' },
        {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'toolu_w',
          namespace: 'multi_agent_v1',
          name: 'wait',
          arguments: '{"ids":["a1"]}',
          status: 'completed',
        },
        { type: 'function_call_output', call_id: 'toolu_w', output: 'a1 finished' },
      ],
      tools: codexTools,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_w', name: 'wait', input: { ids: ['a1'] } }],
    });
  });

  /** The mock, forced to call `name` of Codex's tools (a new key). */
  async function forcing(name: string, stream = false): Promise<Response> {
    return responses(await openaiKey(), {
      model: 'fast',
      input: 'Call it.',
      tools: codexTools,
      tool_choice: { type: 'function', name },
      ...(stream ? { stream: true } : {}),
    });
  }

  it('answers a forced call of a namespaced function as JSON, its item in the namespace', async () => {
    const response = await forcing('spawn_agent');
    expect(response.status, await response.clone().text()).toBe(200);
    const body: Json = await response.json();
    expectOpenAIShape('Response', body);
    expect(body.output).toHaveLength(1);
    expect(body.output[0]).toMatchObject({
      type: 'function_call',
      namespace: 'multi_agent_v1',
      name: 'spawn_agent',
      status: 'completed',
    });
    expect(JSON.parse(body.output[0].arguments)).toHaveProperty('message');
  });

  it('streams a forced call of a namespaced function, its items in the namespace', async () => {
    const response = await forcing('spawn_agent', true);
    expect(response.status, await response.clone().text()).toBe(200);
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    const items = events.filter((e) => e.type.startsWith('response.output_item.')).map((e) => e.item as Json);
    expect(items.map((item) => [item.type, item.namespace, item.name])).toEqual([
      ['function_call', 'multi_agent_v1', 'spawn_agent'],
      ['function_call', 'multi_agent_v1', 'spawn_agent'],
    ]);
    const done = events.at(-1)!.response as Json;
    expect(done.output).toEqual([items[1]]);
  });

  it('leaves the namespace off a call of a tool of its own beside a namespace', async () => {
    const response = await forcing('shell');
    const body: Json = await response.json();
    expect(body.output[0]).toMatchObject({ type: 'function_call', name: 'shell' });
    expect(body.output[0]).not.toHaveProperty('namespace');
  });

  it.each([
    ['an empty namespace', { ...multiAgent, tools: [] }, 'tools[0].tools'],
    ['a namespace with no name', { ...multiAgent, name: '' }, 'tools[0].name'],
    [
      'a hosted tool in a namespace',
      { ...multiAgent, tools: [{ type: 'web_search' }] },
      'tools[0].tools[0].type',
    ],
    [
      'a namespaced function with no name',
      { ...multiAgent, tools: [{ type: 'function' }] },
      'tools[0].tools[0].name',
    ],
    [
      'two namespaced functions with no name',
      { ...multiAgent, tools: [{ type: 'function' }, { type: 'function' }] },
      'tools[0].tools[0].name',
    ],
    ['a namespace whose tools are no list', { ...multiAgent, tools: { type: 'function' } }, 'tools[0].tools'],
    ['a namespace in a namespace', { ...multiAgent, tools: [multiAgent] }, 'tools[0].tools[0].type'],
    ['a namespace named past 64 characters', { ...multiAgent, name: 'n'.repeat(65) }, 'tools[0].name'],
    [
      'a namespaced function named past 64 characters',
      { ...multiAgent, tools: [fn('f'.repeat(65), 'Long.')] },
      'tools[0].tools[0].name',
    ],
    [
      'a namespace of 1,000 tools, the last nameless',
      {
        ...multiAgent,
        tools: [...Array.from({ length: 999 }, (_, i) => fn(`f${i}`, 'One.')), { type: 'custom' }],
      },
      'tools[0].tools[999].name',
    ],
  ])('refuses %s with a 400 naming it', async (_what, tool, param) => {
    const key = await openaiKey();
    const response = await responses(key, { model: 'fast', input: 'hi', tools: [tool] });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  it.each([
    ['after a tool of its own', [fn('wait', 'Mine.'), multiAgent], 'tools[1].tools[1].name'],
    ['before a tool of its own', [multiAgent, fn('wait', 'Mine.')], 'tools[1].name'],
    ['in two namespaces', [multiAgent, { ...multiAgent, name: 'other' }], 'tools[1].tools[0].name'],
  ])('refuses a namespaced tool whose name another tool has, %s', async (_where, tools, param) => {
    const key = await openaiKey();
    const response = await responses(key, { model: 'fast', input: 'hi', tools });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(body.error.message).toContain('must differ');
  });

  it("names a namespaced tool an upstream refusal names by the chat body's place as the client nested it", async () => {
    const key = await openaiKey();
    onUpstream(`${OPENAI_URL}/chat/completions`, () =>
      json(
        {
          error: {
            message:
              "Invalid 'tools[5].function.parameters': schema must be a JSON Schema of 'type: \"object\"'.",
            type: 'invalid_request_error',
            param: 'tools[5].function.parameters',
            code: 'invalid_function_parameters',
          },
        },
        400,
      ),
    );
    const response = await responses(key, { model: 'gpt', input: 'hi', tools: codexTools });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error).toMatchObject({
      param: 'tools[4].tools[1].parameters',
      code: 'invalid_function_parameters',
    });
    expect(body.error.message).toContain("'tools[4].tools[1].function.parameters'");
    expect(body.error.message).not.toContain('tools[5]');
  });

  it('names a namespaced tool the gateway refuses after flattening as the client nested it', async () => {
    const key = await openaiKey({ guardrails: [{ name: 'secret', pattern: 'bluebird', action: 'block' }] });
    const huge = {
      ...multiAgent,
      tools: [
        multiAgent.tools[0]!,
        fn('wait', 'Waits.', {
          ids: { type: 'string', enum: Array.from({ length: 20_001 }, (_, i) => `a${i}`) },
        }),
      ],
    };
    const response = await responses(key, {
      model: 'fast',
      input: 'hi',
      tools: [...codexTools.slice(0, 4), huge],
    });
    expect(response.status).toBe(413);
    const body: Json = await response.json();
    expect(body.error.param).toBe('tools[4].tools[1].parameters');
  });
});
