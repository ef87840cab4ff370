// /v1/responses with OpenAI's hosted tools (web_search…): sent as written to an OpenAI Responses
// target, its answer (JSON and event stream) relayed as OpenAI wrote it, usage charged and logged,
// targets that cannot run hosted tools passed over, and a 400 when none can. Tool fees:
// responses-hosted-fees.test.ts.
import { describe, expect, it } from 'vitest';
import { createKey, type Json, putConfig, responses } from '../helpers/gateway';
import { expectOpenAIShape, expectResponseEvent, responseEvents } from '../helpers/openapi';
import {
  messageItem,
  opening,
  responseObject,
  responsesStream,
  type StreamEvent,
  textEvents,
} from '../helpers/responses-upstream';
import { json, onUpstream, recorded, sse } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const OPENAI = 'https://api.openai.com/v1/responses';
const AZURE = 'https://contoso.openai.azure.com/openai/v1/responses';

async function setup(guardrails: unknown[] = []) {
  const config = {
    providers: {
      direct: { type: 'openai', apiKey: 'sk-direct' },
      azure: { type: 'azure-openai', resourceName: 'contoso', apiKey: 'azure-key-1' },
      // An OpenAI-compatible service that is not OpenAI: no hosted tools there.
      proxy: { type: 'openai', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-proxy' },
      mock: { type: 'mock' },
    },
    models: {
      web: { targets: [{ provider: 'direct', model: 'gpt-5.1' }] },
      'mock-then-web': {
        targets: [
          { provider: 'mock', model: 'mock-1' },
          { provider: 'direct', model: 'gpt-5.1' },
        ],
      },
      'azure-web': { targets: [{ provider: 'azure', model: 'gpt-5.1' }] },
      'no-hosted': {
        targets: [
          { provider: 'mock', model: 'mock-1' },
          { provider: 'proxy', model: 'gpt-5.1' },
        ],
      },
    },
    retry: { attempts: 0 },
    guardrails,
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await createKey()).key;
}

const searchItem = (status = 'completed') => ({
  id: 'ws_0a1b2c3d4e5f6789',
  type: 'web_search_call',
  status,
  action: { type: 'search', query: 'weather Paris today' },
});

const ANSWER = 'It is 18 °C in Paris.';
const cited = {
  ...messageItem(ANSWER),
  content: [
    {
      type: 'output_text',
      text: ANSWER,
      logprobs: [],
      annotations: [
        {
          type: 'url_citation',
          start_index: 0,
          end_index: 21,
          url: 'https://example.com/w',
          title: 'Weather',
        },
      ],
    },
  ],
};

const ASK = {
  model: 'web',
  input: 'Weather in Paris today?',
  tools: [{ type: 'web_search' }],
  include: ['web_search_call.action.sources'],
};

// gpt-5.1: $1.25 / $0.125 cached / $10 per million tokens; and the search, $10 per 1,000 calls.
const COST = (176 * 1.25 + 1_024 * 0.125 + 300 * 10) / 1e6 + 0.01;
const SEARCHED = { hostedTools: { web_search: 1 }, hostedToolsUsd: 0.01 };

describe('/v1/responses with hosted tools', () => {
  it('sends the request to OpenAI as written and relays its answer, usage and search fee charged and logged', async () => {
    const key = await setup();
    const answer = responseObject({
      model: 'gpt-5.1',
      tools: [{ type: 'web_search' }],
      output: [searchItem(), cited],
    });
    expectOpenAIShape('Response', answer);
    onUpstream(OPENAI, () => json(answer));
    const response = await responses(key, ASK, { 'x-request-id': 'hosted-json-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual(answer);
    expect(response.headers.get('x-tollgate-provider')).toBe('direct');
    expect(response.headers.get('x-tollgate-cache')).toBe('skip');

    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.url).toBe(OPENAI);
    expect(recorded[0]!.headers.get('authorization')).toBe('Bearer sk-direct');
    expect(recorded[0]!.body).toEqual({ ...ASK, model: 'gpt-5.1', store: false });

    const row = (await waitForRows(['hosted-json-1'])).get('hosted-json-1')!;
    expect(row).toMatchObject({
      path: '/v1/responses',
      provider: 'direct',
      servedModel: 'gpt-5.1',
      status: 200,
      inputTokens: 1_200,
      outputTokens: 300,
      cachedTokens: 1_024,
    });
    expect(row.costUsd).toBeCloseTo(COST, 12);
    expect(row.usageDetail).toEqual(SEARCHED);
  });

  it('sends a namespace beside a hosted tool to OpenAI as written, and names the hosted one where none can go', async () => {
    const key = await setup();
    const crm = {
      type: 'namespace',
      name: 'crm',
      description: 'The CRM.',
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }],
    };
    const ask = { ...ASK, tools: [crm, { type: 'web_search' }] };
    const answer = responseObject({ model: 'gpt-5.1', tools: ask.tools, output: [messageItem(ANSWER)] });
    onUpstream(OPENAI, () => json(answer));
    const response = await responses(key, ask);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.body).toEqual({ ...ask, model: 'gpt-5.1', store: false });

    const refused = await responses(key, { ...ask, model: 'no-hosted' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error.param).toBe('tools[1].type');
  });

  it('sends namespaces whose tools share names (their namespaces tell them apart) to OpenAI as written', async () => {
    const key = await setup();
    const lookup = { type: 'function', name: 'lookup', parameters: { type: 'object' } };
    const crm = { type: 'namespace', name: 'crm', description: 'The CRM.', tools: [lookup] };
    const billing = { type: 'namespace', name: 'billing', description: 'Invoices.', tools: [lookup] };
    const ask = { ...ASK, tools: [crm, billing, { type: 'web_search' }] };
    const answer = responseObject({ model: 'gpt-5.1', tools: ask.tools, output: [messageItem(ANSWER)] });
    onUpstream(OPENAI, () => json(answer));
    const response = await responses(key, ask);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.body).toEqual({ ...ask, model: 'gpt-5.1', store: false });
  });

  it('relays the event stream as OpenAI sent it, usage and search fee charged from response.completed', async () => {
    const key = await setup();
    const searching: StreamEvent[] = [
      { type: 'response.output_item.added', output_index: 0, item: searchItem('in_progress') },
      ...['in_progress', 'searching', 'completed'].map((step) => ({
        type: `response.web_search_call.${step}`,
        output_index: 0,
        item_id: searchItem().id,
      })),
      { type: 'response.output_item.done', output_index: 0, item: searchItem() },
    ];
    const frames = responsesStream([
      ...opening(),
      ...searching,
      ...textEvents(1, ['It is 18 °C', ' in Paris.']),
      {
        type: 'response.completed',
        response: responseObject({ model: 'gpt-5.1', output: [searchItem(), cited] }),
      },
    ]);
    onUpstream(OPENAI, () => sse(frames));
    const response = await responses(key, { ...ASK, stream: true }, { 'x-request-id': 'hosted-sse-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    expect(events).toEqual(frames.map((frame) => JSON.parse(frame.split('\ndata: ')[1]!)));
    expect(recorded[0]!.body).toMatchObject({
      model: 'gpt-5.1',
      stream: true,
      tools: [{ type: 'web_search' }],
    });

    const row = (await waitForRows(['hosted-sse-1'])).get('hosted-sse-1')!;
    expect(row).toMatchObject({ provider: 'direct', status: 200, inputTokens: 1_200, outputTokens: 300 });
    expect(row.costUsd).toBeCloseTo(COST, 12);
    expect(row.usageDetail).toEqual(SEARCHED);
  });

  it('passes over a target that cannot run hosted tools to one that can', async () => {
    const key = await setup();
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-5.1', output: [searchItem(), cited] })));
    const response = await responses(key, { ...ASK, model: 'mock-then-web' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('x-tollgate-provider')).toBe('direct');
    expect(recorded.map((r) => r.url)).toEqual([OPENAI]);
  });

  it('goes to the Responses API of Azure OpenAI', async () => {
    const key = await setup();
    onUpstream(AZURE, () => json(responseObject({ model: 'gpt-5.1', output: [cited] })));
    const response = await responses(key, { ...ASK, model: 'azure-web' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.url).toBe(AZURE);
    expect(recorded[0]!.headers.get('api-key')).toBe('azure-key-1');
  });

  it('sends a hosted tool call of an earlier turn back as it is', async () => {
    const key = await setup();
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-5.1', output: [cited] })));
    const input = [
      { role: 'user', content: 'Weather in Paris today?' },
      searchItem(),
      cited,
      { role: 'user', content: 'And tomorrow?' },
    ];
    const response = await responses(key, { ...ASK, input, tool_choice: { type: 'web_search' } });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(recorded[0]!.body).toMatchObject({ input, tool_choice: { type: 'web_search' } });
  });

  it('refuses with a 400 naming the tool when no target can run it, calling none', async () => {
    const key = await setup();
    const response = await responses(key, {
      ...ASK,
      model: 'no-hosted',
      tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }],
    });
    expect(response.status).toBe(400);
    const body: Json = await response.json();
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.param).toBe('tools[1].type');
    expect(body.error.message).toContain("'web_search' is one of OpenAI's hosted or built-in tools");
    expect(recorded).toHaveLength(0);
  });

  it('refuses what its guardrails would redact rather than send it unguarded; blocks as ever', async () => {
    const key = await setup([
      { name: 'pii', detect: ['email'], action: 'redact' },
      { name: 'codename', pattern: 'bluebird', action: 'block' },
    ]);
    const redacted = await responses(key, { ...ASK, input: 'Search for ann@example.com' });
    expect(redacted.status).toBe(400);
    expect(((await redacted.json()) as Json).error).toMatchObject({ code: 'unsupported_parameter' });
    const blocked = await responses(key, { ...ASK, input: 'Search for project bluebird' });
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as Json).error.code).toBe('guardrail_blocked');
    expect(recorded).toHaveLength(0);
    // Rules that change nothing let it through.
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-5.1', output: [cited] })));
    const clean = await responses(key, ASK);
    expect(clean.status, await clean.clone().text()).toBe(200);
  });

  it('logs a request refused for what its guardrails would redact as they would redact it', async () => {
    await setup([{ name: 'pii', detect: ['email'], action: 'redact' }]);
    const { key } = await createKey({ logBodies: true });
    const headers = { 'x-request-id': 'hosted-unguarded-1' };
    const refused = await responses(key, { ...ASK, input: 'Search for ann@example.com' }, headers);
    expect(refused.status).toBe(400);
    const row = (await waitForRows(['hosted-unguarded-1'])).get('hosted-unguarded-1')!;
    expect(row.requestBody).toContain('Search for [EMAIL_1]');
    expect(JSON.stringify(row)).not.toContain('ann@example.com');
  });

  it('charges a stream cut short by its answer, not by the events it carried', async () => {
    const key = await setup();
    // The upstream stops after the message, before response.completed: no usage reported.
    const frames = responsesStream([...opening(), ...textEvents(0, ['It is', ' 18', ' °C'])]);
    onUpstream(OPENAI, () => sse(frames));
    const response = await responses(key, { ...ASK, stream: true }, { 'x-request-id': 'hosted-cut-1' });
    const events = responseEvents(await response.text());
    for (const event of events) expectResponseEvent(event);
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed' } });
    const row = (await waitForRows(['hosted-cut-1'])).get('hosted-cut-1')!;
    // A token an event at least, as for any stream: the role and the three deltas (was 14, OpenAI's
    // ten carried events counted too).
    expect(row.outputTokens).toBe(4);
  });

  it('reads an image sent back in a hosted item as an image, not as text of its base64', async () => {
    await setup();
    const { key } = await createKey({ limits: { tpm: 200_000 } });
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-5.1', output: [cited] })));
    // A 1024 × 1024 PNG's header, then ~900 KB: as text, ~300,000 tokens, more than the key's TPM.
    const header = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 4, 0, 0, 0, 4, 0];
    const png = btoa(String.fromCharCode(...header, ...new Uint8Array(3_000))).repeat(300);
    const input = [
      { role: 'user', content: 'Draw a cat' },
      { type: 'image_generation_call', id: 'ig_0a1b2c3d', status: 'completed', result: png },
      {
        type: 'computer_call_output',
        call_id: 'call_1',
        output: { type: 'computer_screenshot', image_url: `data:image/png;base64,${png}` },
      },
      { role: 'user', content: 'Now make it blue' },
    ];
    const response = await responses(key, { ...ASK, tools: [{ type: 'image_generation' }], input });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).input).toEqual(input);
  });

  it("keeps a remote MCP server's credentials out of the log row, and sends them to OpenAI", async () => {
    await setup();
    const { key } = await createKey({ logBodies: true });
    const mcp = {
      type: 'mcp',
      server_label: 'crm',
      // Some servers' URLs are authenticated: a key in the path.
      server_url: 'https://mcp.example.com/s/key-51d0e2/sse',
      headers: { Authorization: 'Bearer mcp-secret-7f3a' },
      authorization: 'oauth-token-9c2e',
      require_approval: 'never',
    };
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-5.1', output: [cited] })));
    const response = await responses(key, { ...ASK, tools: [mcp] }, { 'x-request-id': 'hosted-mcp-1' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((recorded[0]!.body as Json).tools).toEqual([mcp]);
    const row = (await waitForRows(['hosted-mcp-1'])).get('hosted-mcp-1')!;
    expect(JSON.parse(row.requestBody!).tools).toEqual([
      {
        ...mcp,
        server_url: 'https://mcp.example.com/[redacted]',
        headers: '[redacted]',
        authorization: '[redacted]',
      },
    ]);
    expect(JSON.stringify(row)).not.toContain('key-51d0e2');
    expect(JSON.stringify(row)).not.toContain('mcp-secret-7f3a');
    expect(JSON.stringify(row)).not.toContain('oauth-token-9c2e');
  });
});
