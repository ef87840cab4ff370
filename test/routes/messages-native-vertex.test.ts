// /v1/messages with Anthropic's own tools at a Claude model on Vertex AI: sent as written in Vertex's
// envelope (model in the URL, anthropic_version in the body) when Vertex runs every tool the request
// has (web search, computer use, bash, text editor, memory, tool search), its answer, JSON and event
// stream, relayed as Claude wrote it, searches charged; a request with any other tool (code
// execution, web fetch, MCP servers) passes Vertex over as before.
import { describe, expect, it } from 'vitest';
import { UNBOUNDED_TOOL_CALLS } from '../../src/pricing/tool-fees';
import { anthropicFrame } from '../helpers/anthropic-sse';
import { createKey, type Json, messages, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const CLAUDE = 'claude-sonnet-4-5@20250929';
const VERTEX = 'https://aiplatform.googleapis.com/v1/projects/acme-prod/locations/global/publishers';
const RAW_PREDICT = `${VERTEX}/anthropic/models/${CLAUDE}:rawPredict`;
const STREAM_RAW_PREDICT = `${VERTEX}/anthropic/models/${CLAUDE}:streamRawPredict`;
const ANTHROPIC_URL = 'https://anthropic.test';
const MESSAGES = `${ANTHROPIC_URL}/v1/messages`;

async function setup(limits: Json = {}) {
  const response = await putConfig({
    providers: {
      vertex: { type: 'vertex', project: 'acme-prod', location: 'global', accessToken: 'ya29.native' },
      anthropic: { type: 'anthropic', baseUrl: ANTHROPIC_URL, apiKey: 'sk-ant-secret' },
    },
    models: {
      claude: { targets: [{ provider: 'vertex', model: CLAUDE }] },
      'vertex-then-anthropic': {
        targets: [
          { provider: 'vertex', model: CLAUDE },
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        ],
      },
      gemini: { targets: [{ provider: 'vertex', model: 'gemini-2.5-flash' }] },
    },
    retry: { attempts: 0 },
    limits,
  });
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

/** What Vertex is sent for `body`: no model (it is in the URL), Vertex's anthropic_version. */
function atVertex(body: Json): Json {
  const { model: _, ...rest } = body;
  return { anthropic_version: 'vertex-2023-10-16', ...rest };
}

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
    { type: 'web_search_result', url: 'https://example.com/w', title: 'Weather', encrypted_content: 'Eqgf' },
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
      encrypted_index: 'Eo8B',
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
  id: 'msg_vrtx_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [searchCall, searchResult, citedText],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: USAGE,
};
// claude-sonnet-4-5 at Vertex's global endpoint: $3 / $15 per million tokens, two searches at $10 per 1,000.
const COST = (1_000 * 3 + 200 * 15) / 1e6 + 2 * 0.01;

/** Claude's event stream of `answer` at Vertex. */
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
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'It is 18 °C in Paris.' } },
    { type: 'content_block_stop', index: 2 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: USAGE },
    { type: 'message_stop' },
  ];
}

/** The data of each frame of an SSE text. */
function events(text: string): Json[] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => JSON.parse(/^event: \w+\ndata: (.*)$/s.exec(frame)![1]!));
}

describe('/v1/messages with Anthropic server tools at Vertex AI', () => {
  it("sends web search to Vertex's rawPredict as written and relays Claude's answer, searches charged", async () => {
    const key = await setup();
    onUpstream(RAW_PREDICT, () => json(answer));
    // web-fetch is no beta Vertex takes: left out; web search's own beta is added.
    const betas = 'interleaved-thinking-2025-05-14,web-fetch-2025-09-10';
    const response = await messages(key, ASK, { 'x-request-id': 'vertex-native-1', 'anthropic-beta': betas });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual(answer);
    expect(response.headers.get('x-tollgate-provider')).toBe('vertex');
    expect(response.headers.get('x-tollgate-model')).toBe(CLAUDE);

    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.url).toBe(RAW_PREDICT);
    expect(recorded[0]!.headers.get('authorization')).toBe('Bearer ya29.native');
    expect(recorded[0]!.headers.get('anthropic-beta')).toBe(
      'interleaved-thinking-2025-05-14,web-search-2025-03-05',
    );
    expect(recorded[0]!.body).toEqual(atVertex(ASK));

    const row = (await waitForRows(['vertex-native-1'])).get('vertex-native-1')!;
    expect(row).toMatchObject({
      provider: 'vertex',
      servedModel: CLAUDE,
      inputTokens: 1_000,
      outputTokens: 200,
    });
    expect(row.costUsd).toBeCloseTo(COST, 12);
    expect(row.usageDetail).toEqual({ hostedTools: { anthropic_web_search: 2 }, hostedToolsUsd: 0.02 });
  });

  it('with limits.enforceMaxTokens, sends a web search tool without max_uses the searches reserved', async () => {
    const key = await setup({ enforceMaxTokens: true });
    onUpstream(RAW_PREDICT, () => json(answer));
    const unbounded = { type: 'web_search_20250305', name: 'web_search' };
    const response = await messages(key, { ...ASK, tools: [unbounded] });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).tools).toEqual([{ ...unbounded, max_uses: UNBOUNDED_TOOL_CALLS }]);
  });

  it("relays Vertex's streamRawPredict event stream as Claude sent it, searches charged", async () => {
    const key = await setup();
    const upstream = streamed();
    onUpstream(STREAM_RAW_PREDICT, () => sse(upstream.map((event) => anthropicFrame(event as never))));
    const body = { ...ASK, stream: true };
    const response = await messages(key, body, { 'x-request-id': 'vertex-native-sse-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(events(await response.text())).toEqual(upstream);
    expect(recorded[0]!.url).toBe(STREAM_RAW_PREDICT);
    expect(recorded[0]!.body).toEqual(atVertex(body));

    const row = (await waitForRows(['vertex-native-sse-1'])).get('vertex-native-sse-1')!;
    expect(row).toMatchObject({ provider: 'vertex', status: 200, inputTokens: 1_000, outputTokens: 200 });
    expect(row.usageDetail).toEqual({ hostedTools: { anthropic_web_search: 2 }, hostedToolsUsd: 0.02 });
  });

  it("sends the typed client tools Vertex knows and web search's blocks of earlier turns", async () => {
    const key = await setup();
    const called = {
      ...answer,
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }],
      stop_reason: 'tool_use',
    };
    onUpstream(RAW_PREDICT, () => json(called));
    const body = {
      ...ASK,
      tools: [
        { type: 'bash_20250124', name: 'bash' },
        { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
        { type: 'computer_20250124', name: 'computer', display_width_px: 1024, display_height_px: 768 },
        { type: 'memory_20250818', name: 'memory' },
      ],
      messages: [
        { role: 'user', content: 'Weather in Paris today?' },
        { role: 'assistant', content: [searchCall, searchResult, citedText] },
        { role: 'user', content: 'Write it to notes.txt' },
      ],
    };
    // A client that talks to Anthropic sends its own tool-search beta, which Vertex refuses.
    const response = await messages(key, body, { 'anthropic-beta': 'advanced-tool-use-2025-11-20' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual(called);
    expect(recorded.map((r) => r.url)).toEqual([RAW_PREDICT]);
    expect(recorded[0]!.body).toEqual(atVertex(body));
    // Each tool's beta at Vertex: computer use's (with bash and the text editor) and memory's.
    expect(recorded[0]!.headers.get('anthropic-beta')).toBe(
      'computer-use-2025-01-24,context-management-2025-06-27',
    );
  });

  it("sends tool search with Vertex's own beta in place of Anthropic's", async () => {
    const key = await setup();
    onUpstream(RAW_PREDICT, () => json(answer));
    const body = { ...ASK, tools: [{ type: 'tool_search_tool_regex_20251119', name: 'tool_search' }] };
    const response = await messages(key, body, { 'anthropic-beta': 'advanced-tool-use-2025-11-20' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.url).toBe(RAW_PREDICT);
    expect(recorded[0]!.headers.get('anthropic-beta')).toBe('tool-search-tool-2025-10-19');
  });

  it('passes Vertex over for a tool it does not run, to Anthropic or a 400 naming it', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json(answer));
    const codeExecution = { type: 'code_execution_20250825', name: 'code_execution' };
    const server = { type: 'url', url: 'https://mcp.example.com/sse', name: 'crm' };
    for (const body of [
      { ...ASK, tools: [WEB_SEARCH, codeExecution] },
      { ...ASK, tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }] },
      { ...ASK, mcp_servers: [server] },
    ]) {
      const served = await messages(key, { ...body, model: 'vertex-then-anthropic' });
      expect(served.status, await served.clone().text()).toBe(200);
      expect(served.headers.get('x-tollgate-provider')).toBe('anthropic');
    }
    expect(recorded.every((r) => r.url === MESSAGES)).toBe(true);

    const refused = await messages(key, { ...ASK, tools: [WEB_SEARCH, codeExecution] });
    expect(refused.status).toBe(400);
    const error = ((await refused.json()) as Json).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'tools[1].type' });
    expect(error.message).toContain("'code_execution_20250825' needs Anthropic's own Messages API");
    const mcp = await messages(key, { ...ASK, mcp_servers: [server] });
    expect(mcp.status).toBe(400);
    expect(((await mcp.json()) as Json).error.param).toBe('mcp_servers');
    expect(recorded.some((r) => r.url.startsWith(VERTEX))).toBe(false);
  });

  it("passes over Vertex's Gemini models, which run none of Anthropic's tools", async () => {
    const key = await setup();
    const refused = await messages(key, { ...ASK, model: 'gemini' });
    expect(refused.status).toBe(400);
    const error = ((await refused.json()) as Json).error;
    expect(error.param).toBe('tools[0].type');
    expect(error.message).toContain('or a Claude model of a provider of type vertex');
    expect(recorded).toHaveLength(0);
  });
});
