// OpenAI's hosted tools' own fees on /v1/responses: the calls an answer was billed for charged at
// TOOL_FEES and kept in the log row's usageDetail, and the budget reserving what the request's
// tools can cost (max_tool_calls at the dearest fee, else UNBOUNDED_TOOL_CALLS).
import { describe, expect, it } from 'vitest';
import { UNBOUNDED_TOOL_CALLS } from '../../src/pricing/tool-fees';
import { createKey, type Json, responses as postResponses, putConfig } from '../helpers/gateway';
import { messageItem, responseObject } from '../helpers/responses-upstream';
import { json, onUpstream, recorded } from '../helpers/upstream';
import { waitForRows } from '../logs/helpers';

const OPENAI = 'https://api.openai.com/v1/responses';

/**
 * One OpenAI target; `free`: its tokens cost nothing, so a cost or reservation is the fees alone;
 * `enforceMaxTokens`: the config's limits.enforceMaxTokens.
 */
async function setup(free = true, enforceMaxTokens = false) {
  const config = {
    providers: { direct: { type: 'openai', apiKey: 'sk-direct' } },
    models: { web: { targets: [{ provider: 'direct', model: 'gpt-4.1' }] } },
    ...(free ? { pricing: { 'direct/gpt-4.1': { inputPerMTok: 0, outputPerMTok: 0 } } } : {}),
    retry: { attempts: 0 },
    limits: { enforceMaxTokens },
  };
  const response = await putConfig(config);
  expect(response.status, await response.clone().text()).toBe(200);
}

function responses(key: string, body: unknown, id = 'fees-1'): Promise<Response> {
  return postResponses(key, body, { 'x-request-id': id });
}

const ask = (tools: Json[], extra: Json = {}) => ({ model: 'web', input: 'Look it up.', tools, ...extra });

describe('hosted tool fees', () => {
  it('charges each search, file search and container the answer shows, and logs them by fee', async () => {
    await setup();
    const { key } = await createKey();
    const code = (id: string, container: string) => ({
      id,
      type: 'code_interpreter_call',
      status: 'completed',
      code: 'print(1)',
      container_id: container,
      outputs: null,
    });
    const output = [
      { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'q' } },
      // Opening a page the search found is not a search: no fee.
      { id: 'ws_2', type: 'web_search_call', status: 'completed', action: { type: 'open_page', url: 'u' } },
      { id: 'fs_1', type: 'file_search_call', status: 'completed', queries: ['q'], results: null },
      // Two calls in one container are one session; another container is another.
      code('ci_1', 'cntr_a'),
      code('ci_2', 'cntr_a'),
      code('ci_3', 'cntr_b'),
      messageItem('Done.'),
    ];
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-4.1', output })));
    const tools = [
      // gpt-4.1 does not reason: its preview searches are $25 per 1,000.
      { type: 'web_search_preview' },
      { type: 'file_search', vector_store_ids: ['vs_1'] },
      { type: 'code_interpreter', container: { type: 'auto', memory_limit: '4g' } },
    ];
    const response = await responses(key, ask(tools), 'fees-json');
    expect(response.status, await response.clone().text()).toBe(200);
    const row = (await waitForRows(['fees-json'])).get('fees-json')!;
    const fees = 0.025 + 0.0025 + 2 * 0.12;
    expect(row.costUsd).toBeCloseTo(fees, 12);
    expect(row.usageDetail).toMatchObject({
      hostedTools: { web_search_preview: 1, file_search: 1, container_4g: 2 },
    });
    expect(row.usageDetail?.hostedToolsUsd).toBeCloseTo(fees, 12);
  });

  it('reserves max_tool_calls at the dearest fee among the tools, and ten calls when unbounded', async () => {
    await setup();
    const { key } = await createKey({ budget: { usd: 0.0001, period: 'month' } });
    // The fees are the whole worst case: the refusal asks for fewer tool calls, not fewer tokens.
    const cases: [Json, string, string][] = [
      [
        ask([{ type: 'web_search' }], { max_tool_calls: 3 }),
        '$0.03,',
        "Of that, $0.03 is its hosted tools' fees for 3 calls (as its max_tool_calls allows): lower max_tool_calls or raise the budget.",
      ],
      [
        ask([{ type: 'web_search' }]),
        '$0.1,',
        "Of that, $0.1 is its hosted tools' fees for 10 calls (as reserved for a request without max_tool_calls): set max_tool_calls or raise the budget.",
      ],
      [
        ask([{ type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'web_search_preview' }], {
          max_tool_calls: 2,
        }),
        '$0.05,',
        "Of that, $0.05 is its hosted tools' fees for 2 calls",
      ],
    ];
    for (const [body, worst, advice] of cases) {
      const refused = await responses(key, body);
      expect(refused.status).toBe(402);
      const { error } = await refused.json<Json>();
      expect(error.code).toBe('budget_exceeded');
      expect(error.message).toContain(`could cost up to ${worst}`);
      expect(error.message).toContain(advice);
      expect(error.message).not.toContain('max_tokens');
    }
    // Tools without fees of their own reserve none.
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-4.1', output: [messageItem('Hi.')] })));
    const mcp = { type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example.com/sse' };
    expect((await responses(key, ask([mcp]))).status).toBe(200);
    expect(recorded).toHaveLength(1);
  });

  it('advises a lower max_output_tokens when the tokens outweigh the fees, naming the fees beside', async () => {
    await setup(false);
    const { key } = await createKey({ budget: { usd: 0.0001, period: 'month' } });
    // 100,000 output tokens of gpt-4.1 ($8 per million) are $0.80, one search $0.01.
    const body = ask([{ type: 'web_search' }], { max_tool_calls: 1, max_output_tokens: 100_000 });
    const refused = await responses(key, body);
    expect(refused.status).toBe(402);
    const { error } = await refused.json<Json>();
    expect(error.message).toContain(
      "Lower max_output_tokens (of that, $0.01 is its hosted tools' fees for 1 call, which max_tool_calls bounds) or raise the budget.",
    );
    expect(recorded).toHaveLength(0);
  });

  it('admits a request whose bounded fees fit the budget', async () => {
    await setup();
    const { key } = await createKey({ budget: { usd: 0.05, period: 'month' } });
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-4.1', output: [messageItem('Hi.')] })));
    const body = ask([{ type: 'web_search' }], { max_tool_calls: 4 });
    const response = await responses(key, body);
    expect(response.status, await response.clone().text()).toBe(200);
    // Unbounded, ten searches would not fit.
    expect((await responses(key, ask([{ type: 'web_search' }]))).status).toBe(402);
  });

  it('with limits.enforceMaxTokens, sends the calls reserved as max_tool_calls to a request that sets none', async () => {
    onUpstream(OPENAI, () => json(responseObject({ model: 'gpt-4.1', output: [messageItem('Hi.')] })));
    /** What OpenAI was sent for `body`. */
    const sentFor = async (key: string, body: Json) => {
      recorded.length = 0;
      const response = await responses(key, body);
      expect(response.status, await response.clone().text()).toBe(200);
      return recorded[0]!.body as Json;
    };
    await setup(true, true);
    const { key } = await createKey({ budget: { usd: 1, period: 'month' } });
    const search = [{ type: 'web_search' }];
    expect(await sentFor(key, ask(search))).toMatchObject({ max_tool_calls: UNBOUNDED_TOOL_CALLS });
    expect(await sentFor(key, ask(search, { max_tool_calls: null }))).toMatchObject({
      max_tool_calls: UNBOUNDED_TOOL_CALLS,
    });
    // The request's own bound is its own; tools without a fee were reserved no calls, and get no bound.
    expect(await sentFor(key, ask(search, { max_tool_calls: 3 }))).toMatchObject({ max_tool_calls: 3 });
    const mcp = { type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example.com/sse' };
    expect(await sentFor(key, ask([mcp]))).not.toHaveProperty('max_tool_calls');
    // Without the setting, the request goes as written.
    await setup(true, false);
    expect(await sentFor(key, ask(search))).not.toHaveProperty('max_tool_calls');
  });
});
