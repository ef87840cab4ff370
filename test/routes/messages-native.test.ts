// /v1/messages with Anthropic's server and typed tools (Claude Code's WebSearch: web_search_20250305):
// sent as written to an Anthropic target, its answer (JSON and event stream) relayed as Anthropic
// wrote it, usage and search fees charged and logged, targets that cannot run them passed over, and
// a 400 when none can.
import { describe, expect, it } from 'vitest';
import { UNBOUNDED_TOOL_CALLS } from '../../src/pricing/tool-fees';
import { anthropicFrame } from '../helpers/anthropic-sse';
import { createKey, type Json, messages, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const ANTHROPIC_URL = 'https://anthropic.test';
const MESSAGES = `${ANTHROPIC_URL}/v1/messages`;

async function setup(guardrails: unknown[] = [], limits: Json = {}) {
  const config = {
    providers: {
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
      // An OpenAI-compatible service: Anthropic's server tools do not run there.
      proxy: { type: 'openai', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-proxy' },
      mock: { type: 'mock' },
    },
    models: {
      claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
      'mock-then-claude': {
        targets: [
          { provider: 'mock', model: 'mock-1' },
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        ],
      },
      'no-anthropic': {
        targets: [
          { provider: 'mock', model: 'mock-1' },
          { provider: 'proxy', model: 'gpt-5.1' },
        ],
      },
    },
    retry: { attempts: 0 },
    guardrails,
    limits,
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const WEB_SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 8 };

const ASK = {
  model: 'claude',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Weather in Paris today?' }],
  tools: [WEB_SEARCH],
};

const searchCall = {
  type: 'server_tool_use',
  id: 'srvtoolu_01',
  name: 'web_search',
  input: { query: 'weather Paris today' },
};
const searchResult = {
  type: 'web_search_tool_result',
  tool_use_id: 'srvtoolu_01',
  content: [
    {
      type: 'web_search_result',
      url: 'https://example.com/w',
      title: 'Weather',
      encrypted_content: 'EqgfCioIARgBIiQ3',
      page_age: 'today',
    },
  ],
};
const citedText = {
  type: 'text',
  text: 'It is 18 °C in Paris.',
  citations: [
    {
      type: 'web_search_result_location',
      url: 'https://example.com/w',
      title: 'Weather',
      encrypted_index: 'Eo8BCioIAhgBIiQ',
      cited_text: '18 °C',
    },
  ],
};

const USAGE = {
  input_tokens: 1_000,
  output_tokens: 200,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  server_tool_use: { web_search_requests: 2 },
};
const answer = {
  id: 'msg_01upstream',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [searchCall, searchResult, citedText],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: USAGE,
};

// claude-sonnet-4-5: $3 / $15 per million tokens, and two searches at $10 per 1,000.
const COST = (1_000 * 3 + 200 * 15) / 1e6 + 2 * 0.01;

/** The data of each frame of an SSE text, checked: its `event:` line names its data's type. */
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

/** Anthropic's stream of `answer`: the search call, its result, then the text in two deltas. */
function streamed(): Json[] {
  const { content: _, usage: __, ...message } = answer;
  return [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { input_tokens: 1_000, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { ...searchCall, input: {} } },
    {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(searchCall.input) },
    },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: searchResult },
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'It is 18 °C' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: ' in Paris.' } },
    { type: 'content_block_stop', index: 2 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: USAGE },
    { type: 'message_stop' },
  ];
}

describe('/v1/messages with Anthropic server tools', () => {
  it('sends the request to Anthropic as written and relays its answer, usage and searches charged', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json(answer));
    const beta = 'web-fetch-2025-09-10';
    const response = await messages(key, ASK, { 'x-request-id': 'native-json-1', 'anthropic-beta': beta });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual(answer);
    expect(response.headers.get('x-tollgate-provider')).toBe('anthropic');
    expect(response.headers.get('x-tollgate-cache')).toBe('skip');

    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.url).toBe(MESSAGES);
    expect(recorded[0]!.headers.get('x-api-key')).toBe('sk-ant-secret');
    expect(recorded[0]!.headers.get('anthropic-beta')).toBe(beta);
    expect(recorded[0]!.body).toEqual({ ...ASK, model: 'claude-sonnet-4-5' });

    const row = (await waitForRows(['native-json-1'])).get('native-json-1')!;
    expect(row).toMatchObject({
      path: '/v1/messages',
      provider: 'anthropic',
      servedModel: 'claude-sonnet-4-5',
      status: 200,
      inputTokens: 1_000,
      outputTokens: 200,
    });
    expect(row.costUsd).toBeCloseTo(COST, 12);
    // What the cost holds beyond tokens, so it can be recomputed: the two searches and their fee.
    expect(row.usageDetail).toEqual({ hostedTools: { anthropic_web_search: 2 }, hostedToolsUsd: 0.02 });
  });

  it('relays the event stream as Anthropic sent it, usage and searches charged from message_delta', async () => {
    const key = await setup();
    const upstream = streamed();
    onUpstream(MESSAGES, () => sse(upstream.map((event) => anthropicFrame(event))));
    const response = await messages(key, { ...ASK, stream: true }, { 'x-request-id': 'native-sse-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(events(await response.text())).toEqual(upstream);
    expect(recorded[0]!.body).toEqual({ ...ASK, model: 'claude-sonnet-4-5', stream: true });

    const row = (await waitForRows(['native-sse-1'])).get('native-sse-1')!;
    expect(row).toMatchObject({ provider: 'anthropic', status: 200, inputTokens: 1_000, outputTokens: 200 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
    expect(row.usageDetail).toEqual({ hostedTools: { anthropic_web_search: 2 }, hostedToolsUsd: 0.02 });
  });

  it("ends a stream the upstream cut short with Anthropic's error event", async () => {
    const key = await setup();
    const cut = streamed().slice(0, 8); // in the middle of the text
    onUpstream(MESSAGES, () => sse(cut.map((event) => anthropicFrame(event))));
    const response = await messages(key, { ...ASK, stream: true });
    expect(response.status).toBe(200);
    const got = events(await response.text());
    expect(got.slice(0, -1)).toEqual(cut);
    expect(got.at(-1)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('sends server tool blocks of earlier turns back as they are, with or without the tool', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json({ ...answer, content: [citedText] }));
    const history = [
      { role: 'user', content: 'Weather in Paris today?' },
      { role: 'assistant', content: [searchCall, searchResult, citedText] },
      { role: 'user', content: 'And tomorrow?' },
    ];
    for (const body of [
      { ...ASK, messages: history, tool_choice: { type: 'tool', name: 'web_search' } },
      { model: 'claude', max_tokens: 100, messages: history },
    ]) {
      const response = await messages(key, body);
      expect(response.status, await response.clone().text()).toBe(200);
      expect(recorded.at(-1)!.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    }
  });

  it("sends Anthropic's typed client tools as they are, and relays their calls", async () => {
    const key = await setup();
    const bash = { type: 'bash_20250124', name: 'bash' };
    const called = {
      ...answer,
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }],
      stop_reason: 'tool_use',
    };
    onUpstream(MESSAGES, () => json(called));
    const response = await messages(key, { ...ASK, tools: [bash] });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual(called);
    expect((recorded[0]!.body as Json).tools).toEqual([bash]);
  });

  it('passes over a target that cannot run them to one that can', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json(answer));
    const response = await messages(key, { ...ASK, model: 'mock-then-claude' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('anthropic');
    expect(recorded.map((r) => r.url)).toEqual([MESSAGES]);
  });

  it('refuses with a 400 naming the tool or block when no target can run it, calling none', async () => {
    const key = await setup();
    const tooled = await messages(key, {
      ...ASK,
      model: 'no-anthropic',
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }, WEB_SEARCH],
    });
    expect(tooled.status).toBe(400);
    const body: Json = await tooled.json();
    expect(body.type).toBe('error');
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'tools[1].type' });
    expect(body.error.message).toContain("'web_search_20250305' needs Anthropic's Messages API");

    const history = await messages(key, {
      model: 'no-anthropic',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [searchCall, searchResult, citedText] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(history.status).toBe(400);
    // The search's result, not its call: Bedrock's Claude takes a server_tool_use block (tool search's).
    expect(((await history.json()) as Json).error.param).toBe('messages[1].content[1].type');
    expect(recorded).toHaveLength(0);
  });

  it('refuses what its guardrails would redact rather than send it unguarded; blocks as ever', async () => {
    const key = await setup([
      { name: 'pii', detect: ['email'], action: 'redact' },
      { name: 'codename', pattern: 'bluebird', action: 'block' },
    ]);
    const ask = (content: string) => ({ ...ASK, messages: [{ role: 'user', content }] });
    const redacted = await messages(key, ask('Search for ann@example.com'));
    expect(redacted.status).toBe(400);
    expect(((await redacted.json()) as Json).error).toMatchObject({ code: 'unsupported_parameter' });
    const blocked = await messages(key, ask('Search for project bluebird'));
    expect(blocked.status).toBe(403);
    expect(recorded).toHaveLength(0);
    // Rules that change nothing let it through.
    onUpstream(MESSAGES, () => json(answer));
    const clean = await messages(key, ASK);
    expect(clean.status, await clean.clone().text()).toBe(200);
  });

  it("reserves each web search tool's max_uses searches (10 when unbounded) beside the tokens", async () => {
    await setup();
    const { key } = await createKey({ budget: { usd: 0.0001, period: 'month' } });
    const refused = async (tools: unknown[], maxTokens = 1) => {
      const response = await messages(key, { ...ASK, max_tokens: maxTokens, tools });
      expect(response.status).toBe(402);
      const { message } = ((await response.json()) as Json).error;
      return { message, worst: Number(/could cost up to \$([\d.]+)/.exec(message)?.[1]) };
    };
    const tokensOnly = await refused([{ type: 'bash_20250124', name: 'bash' }]);
    expect(tokensOnly.worst).toBeLessThan(0.01);
    expect(tokensOnly.message).toContain('Lower max_tokens or raise the budget.');
    // The searches are most of the worst case: the refusal asks for fewer, not for fewer tokens.
    const bounded = await refused([WEB_SEARCH]);
    expect(bounded.worst - tokensOnly.worst).toBeCloseTo(0.08, 2);
    expect(bounded.message).toContain(
      "Of that, $0.08 is its server tools' fees for 8 web searches (as its web search tool's max_uses allows): lower the tool's max_uses or raise the budget.",
    );
    const unbounded = await refused([{ type: 'web_search_20250305', name: 'web_search' }]);
    expect(unbounded.worst - tokensOnly.worst).toBeCloseTo(0.1, 2);
    expect(unbounded.message).toContain(
      "Of that, $0.1 is its server tools' fees for 10 web searches (as reserved for a web search tool without max_uses): set the tool's max_uses or raise the budget.",
    );
    expect(unbounded.message).not.toContain('max_tokens');
    // 64,000 output tokens of Claude Sonnet 4.5 ($15 per million) outweigh the searches.
    const long = await refused([WEB_SEARCH], 64_000);
    expect(long.message).toContain(
      "Lower max_tokens (of that, $0.08 is its server tools' fees for 8 web searches, which the tool's max_uses bounds) or raise the budget.",
    );
    expect(recorded).toHaveLength(0);
  });

  it('with limits.enforceMaxTokens, sends the searches reserved as max_uses to a web search tool without one', async () => {
    const key = await setup([], { enforceMaxTokens: true });
    onUpstream(MESSAGES, () => json(answer));
    /** The tools Anthropic was sent for `tools`. */
    const sentTools = async (tools: Json[]) => {
      recorded.length = 0;
      const response = await messages(key, { ...ASK, tools });
      expect(response.status, await response.clone().text()).toBe(200);
      return (recorded[0]!.body as Json).tools;
    };
    const unbounded = { type: 'web_search_20250305', name: 'web_search' };
    // Web fetch has no fee: the reservation counted none of its calls, and it gets no bound.
    const fetch = { type: 'web_fetch_20250910', name: 'web_fetch' };
    expect(await sentTools([unbounded, fetch])).toEqual([
      { ...unbounded, max_uses: UNBOUNDED_TOOL_CALLS },
      fetch,
    ]);
    // A tool's own max_uses is its own.
    expect(await sentTools([WEB_SEARCH])).toEqual([WEB_SEARCH]);
    // Without the setting, the tools go as written.
    await setup([], { enforceMaxTokens: false });
    expect(await sentTools([unbounded])).toEqual([unbounded]);
  });

  it('sends a request with MCP servers to Anthropic, their tokens kept out of the log row', async () => {
    await setup();
    const { key } = await createKey({ logBodies: true });
    const server = {
      type: 'url',
      url: 'https://mcp.example.com/sse',
      name: 'crm',
      authorization_token: 'mcp-token-5d1e',
    };
    const body = { ...ASK, tools: undefined, mcp_servers: [server] };
    onUpstream(MESSAGES, () => json(answer));
    const response = await messages(key, body, { 'x-request-id': 'native-mcp-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).mcp_servers).toEqual([server]);
    const row = (await waitForRows(['native-mcp-1'])).get('native-mcp-1')!;
    expect(JSON.parse(row.requestBody!).mcp_servers).toEqual([
      { ...server, authorization_token: '[redacted]' },
    ]);
    expect(JSON.stringify(row)).not.toContain('mcp-token-5d1e');
    // Only Anthropic calls MCP servers: elsewhere a 400 naming them.
    const elsewhere = await messages(key, { ...body, model: 'no-anthropic' });
    expect(elsewhere.status).toBe(400);
    expect(((await elsewhere.json()) as Json).error.param).toBe('mcp_servers');
  });

  it('keeps MCP tokens and what its guardrails would redact out of the row of a refused request', async () => {
    await setup([
      { name: 'pii', detect: ['email'], action: 'redact' },
      { name: 'codename', pattern: 'bluebird', action: 'block' },
    ]);
    const { key } = await createKey({ logBodies: true });
    const server = {
      type: 'url',
      url: 'https://mcp.example.com/sse',
      name: 'crm',
      authorization_token: 'mcp-token-a41c',
    };
    const ask = (content: string, model = 'claude') => ({
      ...ASK,
      model,
      messages: [{ role: 'user', content }],
      mcp_servers: [server],
    });
    // Blocked (the row keeps the stand-in chat body, masked), refused as it would be redacted, and
    // a model nobody configured (refused before its guardrails ran).
    const cases = [
      ['native-refused-1', ask('Search for project bluebird'), 403],
      ['native-refused-2', ask('Search for ann@example.com'), 400],
      ['native-refused-3', ask('Search for ann@example.com', 'nope'), 404],
    ] as const;
    for (const [id, body, status] of cases)
      expect((await messages(key, body, { 'x-request-id': id })).status).toBe(status);
    expect(recorded).toHaveLength(0);
    const rows = await waitForRows(cases.map(([id]) => id));
    for (const row of rows.values()) {
      expect(JSON.stringify(row)).not.toContain('mcp-token-a41c');
      expect(JSON.stringify(row)).not.toContain('ann@example.com');
    }
    expect(rows.get('native-refused-2')!.requestBody).toContain('Search for [EMAIL_1]');
    expect(rows.get('native-refused-3')!.requestBody).toBeNull();
  });
});
