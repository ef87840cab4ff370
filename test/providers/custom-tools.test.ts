// OpenAI's custom tools and allowed_tools at the translating adapters (and the mock): a custom tool,
// a tool_choice naming one or a custom call in the history is refused naming it, never dropped;
// allowed_tools naming function tools narrow the tools sent.
import { describe, expect, it } from 'vitest';
import { type ChatRequest, chatRequest } from '../../src/openai/schemas';
import { toAnthropicRequest } from '../../src/providers/anthropic-request';
import { toConverseRequest } from '../../src/providers/bedrock-request';
import { toCohereRequest } from '../../src/providers/cohere-request';
import { toGeminiRequest } from '../../src/providers/gemini-request';
import { createMock } from '../../src/providers/mock';
import { Unsupported } from '../../src/providers/types';
import { toWorkersAIInputs } from '../../src/providers/workers-ai-request';
import type { Json } from '../helpers/gateway';

const mock = createMock('mock', { type: 'mock' });

/** Each adapter's translation; the names of the tools it sends; what it answers (the mock). */
const ADAPTERS: [string, (body: ChatRequest) => Promise<Json>, (sent: Json) => string[]][] = [
  [
    'anthropic',
    async (body) => toAnthropicRequest(body, 'claude-sonnet-4-5', { defaultMaxTokens: 100 }).body,
    (sent) => sent.tools.map((tool: Json) => tool.name),
  ],
  [
    'gemini',
    async (body) => toGeminiRequest(body).body,
    (sent) => sent.tools[0].functionDeclarations.map((fn: Json) => fn.name),
  ],
  [
    'bedrock',
    async (body) => toConverseRequest(body, 'anthropic.claude-sonnet-4-5-20250929-v1:0'),
    (sent) => sent.toolConfig.tools.map((tool: Json) => tool.toolSpec.name),
  ],
  [
    'cohere',
    async (body) => toCohereRequest(body, 'command-a-03-2025'),
    (sent) => sent.tools.map((tool: Json) => tool.function.name),
  ],
  [
    'workers-ai',
    async (body) => toWorkersAIInputs(body),
    (sent) => sent.tools.map((tool: Json) => tool.function.name),
  ],
  [
    'mock',
    async (body) => {
      const signal = new AbortController().signal;
      const result = await mock.chat({ body, model: 'mock-1', signal, requestId: 'r1' });
      return result.kind === 'json' ? result.body : undefined;
    },
    // The mock calls the first tool it may when one is required.
    (answer) => answer.choices[0].message.tool_calls.map((call: Json) => call.function.name),
  ],
];

const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });
const custom = { type: 'custom', custom: { name: 'apply_patch', format: { type: 'text' } } };
const request = (extra: Record<string, unknown>) =>
  chatRequest.parse({ model: 'm', messages: [{ role: 'user', content: 'Fix it' }], ...extra });

describe.each(ADAPTERS)('%s with custom tools', (name, translate, toolNames) => {
  const refused = async (body: ChatRequest, param: string) => {
    const error = await translate(body).catch((e: unknown) => e);
    // Unsupported: the route's next target is tried; with none left, the client's 400.
    expect(error, name).toBeInstanceOf(Unsupported);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param });
    expect((error as Unsupported).message).toMatch(/custom tool/);
  };

  it('refuses a custom tool, a tool_choice naming one and a custom call in the history, naming each', async () => {
    await refused(request({ tools: [fn('search'), custom] }), 'tools');
    await refused(
      request({ tools: [fn('search')], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } }),
      'tool_choice',
    );
    const history = [
      { role: 'user', content: 'Fix it' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'search', arguments: '{}' } },
          { id: 'c2', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'found' },
      { role: 'tool', tool_call_id: 'c2', content: 'applied' },
    ];
    await refused(request({ messages: history, tools: [fn('search')] }), 'messages[1].tool_calls[1]');
    const allowCustom = {
      type: 'allowed_tools',
      allowed_tools: { mode: 'auto', tools: [{ type: 'custom', custom: { name: 'apply_patch' } }] },
    };
    await refused(request({ tools: [fn('search'), custom], tool_choice: allowCustom }), 'tool_choice');
  });

  it('sends only the function tools allowed_tools name (a custom tool left out is not refused)', async () => {
    const mode = name === 'workers-ai' ? 'auto' : 'required'; // Workers AI cannot force a call
    const sent = await translate(
      request({
        tools: [fn('search'), fn('shell'), custom],
        tool_choice: {
          type: 'allowed_tools',
          allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'shell' } }] },
        },
      }),
    );
    expect(toolNames(sent)).toEqual(['shell']);
  });
});
