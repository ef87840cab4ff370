// Tool loops against a strict fake Claude that runs the preserved-thinking prefix check: each
// client sends the answers back as it got them, and no request the gateway rebuilds may change
// what came before a thinking block (Anthropic answers such a request with a 400).
import { exports } from 'cloudflare:workers';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { chat, createKey, type Json, putConfig } from '../helpers/gateway';
import { serviceAccount, TOKEN_URI } from '../helpers/service-account';
import { type ScriptedBlock, strictClaude, strictConverse } from '../helpers/strict-claude';
import { json, onUpstream, recorded } from '../helpers/upstream';

const MESSAGES = 'https://api.anthropic.com/v1/messages';
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** A tool loop as the newest models answer it: text and thinking between calls, parallel calls. */
const LOOP: ScriptedBlock[][] = [
  [
    { type: 'thinking', thinking: 'Plan: weather, then time.' },
    { type: 'text', text: 'Let me check both.  \n' },
    {
      type: 'tool_use',
      id: 'toolu_01',
      name: 'get_weather',
      input: '{"city":"Zürich","units":{"b":1.0,"a":1e3}}',
    },
    { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: '{}' },
  ],
  [
    { type: 'thinking', thinking: '' },
    { type: 'tool_use', id: 'toolu_03', name: 'screenshot', input: '{"full":true}' },
    { type: 'thinking', thinking: 'Now I read the file 📄 too.' },
    { type: 'tool_use', id: 'toolu_04', name: 'read_file', input: '{"path":"/tmp/ü.txt","from":0.5}' },
  ],
  [
    { type: 'redacted_thinking' },
    { type: 'thinking', thinking: 'Summing up.' },
    { type: 'text', text: 'Zürich is 🌧️ and ' },
    { type: 'thinking', thinking: '' },
    { type: 'text', text: "it's late.\n\n" },
    {
      type: 'tool_use',
      id: 'toolu_05',
      name: 'get_weather',
      input: '{"units":{"z":2,"a":[1.0,2e0]},"city":"Bern"}',
    },
  ],
  [
    { type: 'thinking', thinking: 'Done.' },
    { type: 'text', text: 'All done ✅\n' },
  ],
];

/** The thinking blocks of a loop's answers before its last: each goes back in the last request. */
const bound = (script: ScriptedBlock[][]) =>
  script
    .slice(0, -1)
    .flat()
    .filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking').length;

/** An older model's answer: text after a tool call, then thinking and another call. */
const TEXT_AFTER_CALL: ScriptedBlock[][] = [
  [
    { type: 'thinking', thinking: 'Two lookups.' },
    { type: 'text', text: 'First Paris. ' },
    { type: 'tool_use', id: 'toolu_11', name: 'get_weather', input: '{"city":"Paris"}' },
    { type: 'thinking', thinking: 'Then Bern.' },
    { type: 'text', text: 'Then Bern.' },
    { type: 'tool_use', id: 'toolu_12', name: 'get_weather', input: '{"city":"Bern"}' },
    { type: 'thinking', thinking: 'Wait for both.' },
  ],
  LOOP[3]!,
];

/** What each tool call answers: text, or text and a screenshot (an image in the tool result). */
function result(name: string): { text: string; image?: string } {
  if (name === 'screenshot') return { text: 'The screen:', image: PNG };
  if (name === 'get_time') return { text: '23:59 ' };
  return { text: `${name} says: 12°C, rain\n` };
}

/** Where the strict fake answers: Anthropic's API, or Claude on Vertex AI. */
interface Target {
  provider: () => Promise<Record<string, unknown>>;
  url: string;
  model?: string;
  fake?: typeof strictClaude;
}
const ANTHROPIC: Target = {
  provider: async () => ({ type: 'anthropic', apiKey: 'sk-ant-test' }),
  url: MESSAGES,
};
const VERTEX: Target = {
  provider: async () => {
    onUpstream(TOKEN_URI, () => json({ access_token: 'ya29.gw', expires_in: 3599 }));
    return {
      type: 'vertex',
      project: 'acme-prod',
      location: 'us-east5',
      serviceAccount: (await serviceAccount()).json,
    };
  },
  url: 'https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-opus-5-5:',
};

const BEDROCK: Target = {
  provider: async () => ({
    type: 'bedrock',
    region: 'eu-west-3',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  }),
  url: 'https://bedrock-runtime.eu-west-3.amazonaws.com/model/',
  model: 'eu.anthropic.claude-opus-5-5-v1:0',
  fake: strictConverse,
};

async function setup(target: Target) {
  const response = await putConfig({
    providers: { claude: await target.provider() },
    models: { claude: { targets: [{ provider: 'claude', model: target.model ?? 'claude-opus-5-5' }] } },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const chatTools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' }, units: { type: 'object' } } },
    },
  },
  { type: 'function', function: { name: 'get_time', description: 'The time now.' } },
  { type: 'function', function: { name: 'screenshot', parameters: { type: 'object', properties: {} } } },
  { type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: {} } } },
];

/** A chat delta stream accumulated as the OpenAI SDK does: text joined, tool calls merged by index. */
function accumulate(text: string): Json {
  const message: Json = { role: 'assistant', content: null };
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6));
    const delta = chunk.choices?.[0]?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string') message.content = (message.content ?? '') + delta.content;
    if (typeof delta.reasoning_content === 'string')
      message.reasoning_content = (message.reasoning_content ?? '') + delta.reasoning_content;
    if (Array.isArray(delta.thinking_blocks))
      message.thinking_blocks = [...(message.thinking_blocks ?? []), ...delta.thinking_blocks];
    for (const call of delta.tool_calls ?? []) {
      message.tool_calls ??= [];
      message.tool_calls[call.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
      const held = message.tool_calls[call.index];
      if (call.id) held.id = call.id;
      if (call.function?.name) held.function.name += call.function.name;
      if (call.function?.arguments) held.function.arguments += call.function.arguments;
    }
  }
  return message;
}

/** Runs the chat tool loop of `script` to its end, JSON or streamed; `after` adds to each turn's messages. */
async function chatLoop(
  stream: boolean,
  script = LOOP,
  after?: (turn: number, messages: Json[]) => void,
  target = ANTHROPIC,
) {
  const claude = (target.fake ?? strictClaude)(script);
  onUpstream(target.url, async (_request, recorded) => claude.answer(recorded.body as Json));
  const key = await setup(target);
  const messages: Json[] = [
    { role: 'system', content: 'You are terse.\n' },
    { role: 'system', content: [{ type: 'text', text: 'Use tools.', cache_control: { type: 'ephemeral' } }] },
    { role: 'user', content: [{ type: 'text', text: 'Weather and time in Zürich? 🙂 ' }] },
  ];
  for (let turn = 0; turn < script.length; turn++) {
    after?.(turn, messages);
    const response = await chat(key, {
      model: 'claude',
      messages,
      tools: chatTools,
      reasoning_effort: 'high',
      ...(stream ? { stream: true } : {}),
    });
    const text = await response.text();
    expect(response.status, `turn ${turn}: ${claude.refusals.join('\n') || text}`).toBe(200);
    const message = stream ? accumulate(text) : JSON.parse(text).choices[0].message;
    expect(message.thinking_blocks?.length, `turn ${turn}`).toBeGreaterThan(0);
    messages.push(message);
    for (const call of message.tool_calls ?? []) {
      const said = result(call.function.name);
      messages.push({
        role: 'tool',
        tool_call_id: call.id,
        content: said.image
          ? [
              { type: 'text', text: said.text },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${said.image}` } },
            ]
          : said.text,
      });
    }
  }
  expect(claude.refusals).toEqual([]);
  expect(claude.answered).toBe(script.length);
  expect(claude.checked).toBe(bound(script));
  return recorded.at(-1)?.body as Json;
}

describe('preserved thinking: nothing before a thinking block changes, turn after turn', () => {
  it('a chat client echoing each JSON answer as it came', async () => {
    await chatLoop(false);
  });

  it('a chat client echoing each streamed answer as it accumulated it', async () => {
    await chatLoop(true);
  });

  it('an answer with text after a tool call, and thinking after that text (JSON)', async () => {
    await chatLoop(false, TEXT_AFTER_CALL);
  });

  it('an answer with text after a tool call, and thinking after that text (streamed)', async () => {
    await chatLoop(true, TEXT_AFTER_CALL);
  });

  it('system messages appended mid-conversation, after tool results and after an answer (as Codex sends them)', async () => {
    const body = await chatLoop(
      false,
      [
        ...LOOP,
        [
          { type: 'thinking', thinking: 'ok' },
          { type: 'text', text: 'Bye.' },
        ],
      ],
      (turn, messages) => {
        if (turn === 2) messages.push({ role: 'developer', content: 'The user is now on mobile.' });
        if (turn === 4)
          messages.push({ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Thanks!' });
      },
    );
    expect(body.system).toEqual([
      { type: 'text', text: 'You are terse.\n' },
      { type: 'text', text: 'Use tools.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.messages.map((m: Json) => m.role).join(' ')).toBe(
      'user assistant user assistant user system assistant user assistant user system',
    );
  });
});

const messagesTools: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Weather for a city.',
    input_schema: { type: 'object', properties: { city: { type: 'string' }, units: { type: 'object' } } },
  },
  { name: 'get_time', description: 'The time now.', input_schema: { type: 'object' } },
  { name: 'screenshot', input_schema: { type: 'object', properties: {} } },
  {
    name: 'read_file',
    input_schema: { type: 'object', properties: {} },
    cache_control: { type: 'ephemeral' },
  },
];

/** Claude Code's cache marks: the last block of the last message, moved there every turn. */
function markLast(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  return messages.map((message, i) => {
    const content =
      typeof message.content === 'string'
        ? [{ type: 'text' as const, text: message.content }]
        : message.content.map((block) => {
            const { cache_control: _mark, ...rest } = block as Anthropic.TextBlockParam;
            return rest as typeof block;
          });
    if (i !== messages.length - 1) return { ...message, content } as Anthropic.MessageParam;
    const last = content.at(-1) as Anthropic.TextBlockParam;
    return {
      ...message,
      content: [...content.slice(0, -1), { ...last, cache_control: { type: 'ephemeral' } }],
    } as Anthropic.MessageParam;
  });
}

async function messagesLoop(
  stream: boolean,
  target = ANTHROPIC,
  script = LOOP,
  after?: (turn: number) => Anthropic.MessageParam[],
) {
  const claude = strictClaude(script);
  onUpstream(target.url, async (_request, recorded) => claude.answer(recorded.body as Json));
  const key = await setup(target);
  const client = new Anthropic({
    apiKey: key,
    baseURL: 'https://gateway.test',
    maxRetries: 0,
    fetch: (url: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init)),
  });
  let messages: Anthropic.MessageParam[] = [
    { role: 'user', content: [{ type: 'text', text: 'Weather and time in Zürich? 🙂 ' }] },
  ];
  for (let turn = 0; turn < script.length; turn++) {
    messages = [...messages, ...(after?.(turn) ?? [])];
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: 'claude',
      max_tokens: 4000,
      thinking: { type: 'adaptive' } as never,
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Be terse.\n', cache_control: { type: 'ephemeral' } },
      ],
      tools: messagesTools,
      messages: markLast(messages),
    };
    const answer = await (stream
      ? client.messages.stream(params).finalMessage()
      : client.messages.create(params)
    ).catch((error: unknown) => {
      throw new Error(`turn ${turn}: ${claude.refusals.join('\n') || String(error)}`);
    });
    expect(
      answer.content.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking'),
    ).toBe(true);
    messages = [...messages, { role: 'assistant', content: answer.content }];
    const results: Anthropic.ToolResultBlockParam[] = answer.content.flatMap((block) => {
      if (block.type !== 'tool_use') return [];
      const said = result(block.name);
      return [
        {
          type: 'tool_result',
          tool_use_id: block.id,
          content: said.image
            ? [
                { type: 'text', text: said.text },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: said.image } },
              ]
            : said.text,
        },
      ];
    });
    if (results.length > 0) messages = [...messages, { role: 'user', content: results }];
  }
  expect(claude.refusals).toEqual([]);
  expect(claude.answered).toBe(script.length);
  expect(claude.checked).toBe(bound(script));
}

describe('preserved thinking through /v1/messages (the Anthropic SDK, as Claude Code sends)', () => {
  it('echoing each JSON answer as it came', async () => {
    await messagesLoop(false);
  });

  it('echoing each streamed answer as finalMessage() gave it', async () => {
    await messagesLoop(true);
  });

  it('an answer with text after a tool call, and thinking after that text', async () => {
    await messagesLoop(false, ANTHROPIC, TEXT_AFTER_CALL);
  });

  it('a system message appended mid-conversation, after tool results', async () => {
    await messagesLoop(true, ANTHROPIC, LOOP, (turn) =>
      turn === 2 ? [{ role: 'system', content: [{ type: 'text', text: 'The user is now on mobile.' }] }] : [],
    );
    expect((recorded.at(-1)!.body as Json).messages[5]).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'The user is now on mobile.' }],
    });
  });
});

describe('preserved thinking through Claude on Vertex AI', () => {
  it('a chat client, JSON', async () => {
    await chatLoop(false, LOOP, undefined, VERTEX);
  });

  it('a chat client, streamed', async () => {
    await chatLoop(true, TEXT_AFTER_CALL, undefined, VERTEX);
  });

  it('the Anthropic SDK through /v1/messages, JSON', async () => {
    await messagesLoop(false, VERTEX);
  });

  it('the Anthropic SDK through /v1/messages, streamed', async () => {
    await messagesLoop(true, VERTEX);
  });
});

describe("preserved thinking through Bedrock's Converse (reasoningContent blocks)", () => {
  it('a chat client echoing each JSON answer', async () => {
    await chatLoop(false, LOOP, undefined, BEDROCK);
  });

  it('an answer with text after a tool call, and thinking after that text', async () => {
    await chatLoop(false, TEXT_AFTER_CALL, undefined, BEDROCK);
  });
});

describe('the strict fake Claude', () => {
  const ask = { model: 'm', max_tokens: 9, system: 'S', messages: [{ role: 'user', content: 'hi' }] };
  const answered = async (claude: ReturnType<typeof strictClaude>, body: Json) => {
    const answer = (await claude.answer(body).json()) as Json;
    return [
      ...ask.messages,
      { role: 'assistant', content: answer.content },
      { role: 'user', content: 'more' },
    ];
  };

  it('refuses a thinking block whose prefix changed, ignoring only cache marks and shorthand', async () => {
    const claude = strictClaude([LOOP[0]!, LOOP[3]!, LOOP[3]!, LOOP[3]!]);
    const messages: Json[] = await answered(claude, ask);
    const same = {
      ...ask,
      system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }],
      messages,
    };
    expect(claude.answer(same).status).toBe(200);
    expect(claude.checked).toBe(1);
    expect(claude.answer({ ...ask, system: 'S ', messages }).status).toBe(400);
    const reordered = structuredClone(messages);
    reordered[1].content[2].input = { units: { a: 1000, b: 1 }, city: 'Zürich' };
    expect(claude.answer({ ...ask, messages: reordered }).status).toBe(200); // nothing bound after it
    const moved = structuredClone(messages);
    moved[1].content = [moved[1].content[1], moved[1].content[0], ...moved[1].content.slice(2)];
    expect(claude.answer({ ...ask, messages: moved }).status).toBe(400);
    const forged = structuredClone(messages);
    forged[1].content[0].signature = 'forged';
    expect(claude.answer({ ...ask, messages: forged }).status).toBe(400);
    expect(claude.refusals).toHaveLength(3);
  });
});
