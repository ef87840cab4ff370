// /v1/messages with Anthropic's typed tools at a Claude model on Amazon Bedrock: sent as written
// through InvokeModel (model in the URL, Bedrock's anthropic_version and the betas in the body,
// signed with SigV4) when Bedrock runs every tool the request has (computer use, bash, text editor,
// memory, tool search by regex), its answer — Claude's JSON, or its events inside AWS event-stream
// frames — relayed as Claude wrote it; a request with any other tool (web search, code execution,
// tool search by BM25) passes Bedrock over as before.
import { waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  chunkedBody,
  concat,
  encodeEvent,
  encodeEvents,
  eventStreamResponse,
} from '../fixtures/bedrock/event-stream-encoder';
import { anthropicFrame } from '../helpers/anthropic-sse';
import { messagesDirect } from '../helpers/direct';
import { createKey, type Json, messages, putConfig } from '../helpers/gateway';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const BASE = 'https://bedrock.upstream.test';
const INVOKE = `${BASE}/model/${encodeURIComponent(MODEL)}/invoke`;
const INVOKE_STREAM = `${BASE}/model/${encodeURIComponent(MODEL)}/invoke-with-response-stream`;
const MESSAGES = 'https://anthropic.test/v1/messages';

async function setup() {
  const response = await putConfig({
    providers: {
      aws: {
        type: 'bedrock',
        region: 'us-east-1',
        accessKeyId: 'AKIDNATIVE',
        secretAccessKey: 'native-secret-key',
        baseUrl: BASE,
      },
      anthropic: { type: 'anthropic', baseUrl: 'https://anthropic.test', apiKey: 'sk-ant-secret' },
    },
    models: {
      claude: { targets: [{ provider: 'aws', model: MODEL }] },
      'bedrock-then-anthropic': {
        targets: [
          { provider: 'aws', model: MODEL },
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        ],
      },
      nova: { targets: [{ provider: 'aws', model: 'amazon.nova-pro-v1:0' }] },
    },
    pricing: { [`aws/${MODEL}`]: { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 } },
    retry: { attempts: 0 },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const ASK = {
  model: 'claude',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'List the files, then fix the typo in notes.txt' }],
  tools: [
    { type: 'bash_20250124', name: 'bash' },
    { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
  ],
};

/** What Bedrock is sent for `body`: no model nor stream, Bedrock's anthropic_version, the betas. */
function atBedrock(body: Json, betas: string[]): Json {
  const { model: _, stream: __, ...rest } = body;
  return { anthropic_version: 'bedrock-2023-05-31', ...rest, anthropic_beta: betas };
}

const USAGE = { input_tokens: 1_000, output_tokens: 200 };
const answer = {
  id: 'msg_bdrk_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'text', text: 'Listing them — 1 °C colder first.' },
    { type: 'tool_use', id: 'toolu_bdrk_01', name: 'bash', input: { command: 'ls' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: USAGE,
};
const COST = (1_000 * 3 + 200 * 15) / 1e6;

/** Claude's events of `answer`, as InvokeModelWithResponseStream carries them. */
function streamed(): Json[] {
  const { content: _, usage: __, ...message } = answer;
  return [
    {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...USAGE, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: answer.content[0]!.text } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { ...answer.content[1], input: {} } },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"command": "ls"}' },
    },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 200 },
    },
    {
      type: 'message_stop',
      'amazon-bedrock-invocationMetrics': { inputTokenCount: 1_000, outputTokenCount: 200 },
    },
  ];
}

/** One `chunk` frame: the event's UTF-8 JSON, base64, beside Bedrock's padding field. */
function chunk(event: Json): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(event));
  return encodeEvent({
    event: 'chunk',
    payload: { bytes: btoa(String.fromCharCode(...bytes)), p: 'abcdef' },
  });
}

function frames(events: Json[]): Uint8Array {
  const parts = events.map(chunk);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The data of each frame of an SSE text. */
function events(text: string): Json[] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => JSON.parse(/^event: \w+\ndata: (.*)$/s.exec(frame)![1]!));
}

describe('/v1/messages with Anthropic typed tools at Amazon Bedrock', () => {
  it('sends bash and the text editor to InvokeModel, signed, and relays Claude’s answer, usage and cost logged', async () => {
    const key = await setup();
    onUpstream(INVOKE, () => json(answer));
    // claude-code-… is no beta Bedrock takes: left out; the tools' computer-use beta is added.
    const betas = 'claude-code-20250219,interleaved-thinking-2025-05-14';
    const response = await messages(key, ASK, {
      'x-request-id': 'bedrock-native-1',
      'anthropic-beta': betas,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual(answer);
    expect(response.headers.get('x-tollgate-provider')).toBe('aws');
    expect(response.headers.get('x-tollgate-model')).toBe(MODEL);

    expect(recorded).toHaveLength(1);
    const sent = recorded[0]!;
    expect(sent.url).toBe(INVOKE);
    expect(sent.headers.get('accept')).toBe('application/json');
    expect(sent.headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDNATIVE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(sent.body).toEqual(atBedrock(ASK, ['interleaved-thinking-2025-05-14', 'computer-use-2025-01-24']));

    const row = (await waitForRows(['bedrock-native-1'])).get('bedrock-native-1')!;
    expect(row).toMatchObject({ provider: 'aws', servedModel: MODEL, inputTokens: 1_000, outputTokens: 200 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
  });

  it("turns InvokeModelWithResponseStream's event stream back into Claude's SSE, usage and cost logged", async () => {
    const key = await setup();
    const upstream = streamed();
    // Cut at odd sizes: frames arrive split anywhere, even inside a prelude.
    onUpstream(INVOKE_STREAM, () => eventStreamResponse(chunkedBody(frames(upstream), [7, 50, 3])));
    const body = { ...ASK, stream: true };
    const response = await messages(key, body, { 'x-request-id': 'bedrock-native-sse-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    // Bedrock's invocation metrics on message_stop are its own: Anthropic's API never sends them.
    // Every other event goes out as Claude wrote it, byte for byte.
    const text = await response.text();
    const { 'amazon-bedrock-invocationMetrics': _, ...stop } = upstream.at(-1)!;
    expect(events(text)).toEqual([...upstream.slice(0, -1), stop]);
    expect(text).not.toContain('invocationMetrics');
    for (const event of upstream.slice(0, -1)) expect(text).toContain(`data: ${JSON.stringify(event)}\n\n`);
    expect(recorded[0]!.url).toBe(INVOKE_STREAM);
    expect(recorded[0]!.headers.get('accept')).toBe('application/vnd.amazon.eventstream');
    expect(recorded[0]!.body).toEqual(atBedrock(body, ['computer-use-2025-01-24']));

    const row = (await waitForRows(['bedrock-native-sse-1'])).get('bedrock-native-sse-1')!;
    expect(row).toMatchObject({ provider: 'aws', status: 200, inputTokens: 1_000, outputTokens: 200 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
  });

  it('fails over when the stream throws an exception before the answer starts', async () => {
    const key = await setup();
    onUpstream(INVOKE_STREAM, () =>
      eventStreamResponse(
        encodeEvents([{ exception: 'throttlingException', payload: { message: 'Too many requests' } }]),
      ),
    );
    const upstream = streamed();
    onUpstream(MESSAGES, () => sse(upstream.map((event) => anthropicFrame(event as never))));
    const response = await messages(key, { ...ASK, model: 'bedrock-then-anthropic', stream: true });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('anthropic');
    expect(events(await response.text())).toEqual(upstream);
    expect(recorded.map((r) => r.url)).toEqual([INVOKE_STREAM, MESSAGES]);
  });

  it("ends the client's stream with Anthropic's error event on an exception after the answer started", async () => {
    const key = await setup();
    const said = streamed().slice(0, 3);
    const exception = { exception: 'modelStreamErrorException', payload: { message: 'internal detail' } };
    onUpstream(INVOKE_STREAM, () => eventStreamResponse(concat([frames(said), encodeEvent(exception)])));
    const response = await messages(key, { ...ASK, stream: true }, { 'x-request-id': 'bedrock-native-cut' });
    expect(response.status).toBe(200);
    const got = events(await response.text());
    expect(got.slice(0, 3)).toEqual(said);
    expect(got.slice(3)).toEqual([
      { type: 'error', error: { type: 'api_error', message: expect.any(String) } },
    ]);
    expect(JSON.stringify(got)).not.toContain('internal detail');
    // Charged on the prompt Claude counted (message_start), as an Anthropic stream that breaks off
    // with an error event is: not on the gateway's estimate of it.
    const row = (await waitForRows(['bedrock-native-cut'])).get('bedrock-native-cut')!;
    expect(row).toMatchObject({ provider: 'aws', errorCode: 'upstream_error', inputTokens: 1_000 });
    expect(row.costUsd).toBeGreaterThanOrEqual((1_000 * 3) / 1e6);
  });

  it('charges a client that leaves mid-stream the prompt Claude counted in message_start, not an estimate', async () => {
    const key = await setup();
    // Claude Code's next turn: most of the prompt read from the cache, and bash's own system prompt
    // counted by Claude, neither of which the gateway's estimate of the request knows.
    const prompt = { input_tokens: 40, cache_read_input_tokens: 90_000, cache_creation_input_tokens: 0 };
    const said = streamed().slice(0, 3);
    (said[0]!.message as Json).usage = { ...prompt, output_tokens: 1 };
    const upstream = { cancelled: false };
    onUpstream(INVOKE_STREAM, () => {
      const frames = said.map(chunk);
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = frames.shift();
          if (next) return controller.enqueue(next);
          await new Promise((resolve) => setTimeout(resolve, 30_000)); // Claude still writing
        },
        cancel() {
          upstream.cancelled = true;
        },
      });
      return eventStreamResponse(body);
    });
    const client = new AbortController();
    const { response, ctx } = await messagesDirect(
      key,
      { ...ASK, stream: true },
      'bedrock-native-left',
      client.signal,
    );
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('content_block_delta'))
      text += new TextDecoder().decode((await reader.read()).value);
    client.abort();
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    expect(upstream.cancelled).toBe(true);
    const row = (await waitForRows(['bedrock-native-left'])).get('bedrock-native-left')!;
    expect(row).toMatchObject({ cancelled: true, inputTokens: 90_040, cachedTokens: 90_000 });
    const promptCost = (40 * 3 + 90_000 * 0.3) / 1e6;
    expect(row.costUsd).toBeGreaterThanOrEqual(promptCost);
    expect(row.costUsd).toBeLessThan(promptCost + (100 * 15) / 1e6);
  });

  it('sends memory and regex tool search with the betas Bedrock names for them', async () => {
    const key = await setup();
    onUpstream(INVOKE, () => json(answer));
    const body = {
      ...ASK,
      tools: [
        { type: 'memory_20250818', name: 'memory' },
        { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' },
        { name: 'get_weather', input_schema: { type: 'object' }, defer_loading: true },
      ],
    };
    // Anthropic's own tool-search beta is not Bedrock's: left out, Bedrock's added.
    const response = await messages(key, body, { 'anthropic-beta': 'advanced-tool-use-2025-11-20' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.body).toEqual(
      atBedrock(body, ['context-management-2025-06-27', 'tool-search-tool-2025-10-19']),
    );
  });

  it('passes Bedrock over for a tool it does not run, and its models other than Claude', async () => {
    const key = await setup();
    onUpstream(MESSAGES, () => json(answer));
    const webSearch = { type: 'web_search_20250305', name: 'web_search' };
    for (const tools of [
      [webSearch],
      [{ type: 'code_execution_20250825', name: 'code_execution' }],
      [{ type: 'tool_search_tool_bm25_20251119', name: 'tool_search_tool_bm25' }],
      [...ASK.tools, webSearch],
    ]) {
      const served = await messages(key, { ...ASK, model: 'bedrock-then-anthropic', tools });
      expect(served.status, await served.clone().text()).toBe(200);
      expect(served.headers.get('x-tollgate-provider')).toBe('anthropic');
    }
    expect(recorded.every((r) => r.url === MESSAGES)).toBe(true);

    const refused = await messages(key, { ...ASK, tools: [...ASK.tools, webSearch] });
    expect(refused.status).toBe(400);
    const error = ((await refused.json()) as Json).error;
    // Web search is what Bedrock lacks: named, with the cloud that would run the whole request.
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'tools[2].type' });
    expect(error.message).toContain(
      "'web_search_20250305' needs Anthropic's Messages API (a provider of type anthropic, or a Claude model of a provider of type vertex)",
    );
    const nova = await messages(key, { ...ASK, model: 'nova' });
    expect(nova.status).toBe(400);
    expect(((await nova.json()) as Json).error.message).toContain('provider of type vertex or bedrock');
    expect(recorded.some((r) => r.url.startsWith(BASE))).toBe(false);
  });
});
