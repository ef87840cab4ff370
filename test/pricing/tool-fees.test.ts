// OpenAI's hosted tool fees: which fee a tool's use is charged, what an answer's output was billed
// for, how a usage carries and costs them, and the most a request's tools can cost.
import { describe, expect, it } from 'vitest';
import { costOf } from '../../src/pricing/cost';
import {
  boundToolCalls,
  feeOfTool,
  toolFeesUsd,
  UNBOUNDED_TOOL_CALLS,
  worstSearchContentBlocks,
  worstServerToolFees,
  worstToolFees,
} from '../../src/pricing/tool-fees';
import { toolUses } from '../../src/pricing/tool-uses';
import { countedUsage } from '../../src/pricing/usage';
import { translateResponsesStream } from '../../src/providers/openai-responses-stream';
import { OpenAIStreamWriter } from '../../src/providers/openai-stream-writer';

describe('feeOfTool', () => {
  it('charges web search preview at $25 per 1,000 on a model that does not reason, $10 on one that does', () => {
    expect(feeOfTool({ type: 'web_search_preview' }, 'gpt-4.1')).toBe('web_search_preview');
    expect(feeOfTool({ type: 'web_search_preview_2025_03_11' }, 'o3')).toBe('web_search');
    expect(feeOfTool({ type: 'web_search_preview' }, 'gpt-5.1')).toBe('web_search');
    expect(feeOfTool({ type: 'web_search_preview' })).toBe('web_search_preview'); // no model yet: the dearer
    expect(feeOfTool({ type: 'web_search' }, 'gpt-4o-mini')).toBe('web_search');
  });

  it('prices a container by its memory limit, one named by id as the default 1 GB; tools without fees none', () => {
    expect(feeOfTool({ type: 'code_interpreter', container: { type: 'auto' } })).toBe('container_1g');
    expect(feeOfTool({ type: 'code_interpreter', container: { type: 'auto', memory_limit: '64g' } })).toBe(
      'container_64g',
    );
    expect(feeOfTool({ type: 'code_interpreter', container: 'cntr_abc' })).toBe('container_1g');
    for (const type of ['mcp', 'computer_use_preview', 'function'])
      expect(feeOfTool({ type })).toBeUndefined();
  });

  it("prices image generation at a named model's image by the tool's quality and size, else the bound", () => {
    const tool = (fields: Record<string, unknown>) => ({ type: 'image_generation', ...fields });
    expect(feeOfTool(tool({ model: 'gpt-image-1', quality: 'low', size: '1024x1024' }))).toBe(
      'gpt_image_1_low_1024',
    );
    // Unsaid or `auto`: the dearest that model makes.
    expect(feeOfTool(tool({ model: 'gpt-image-1-mini', quality: 'auto' }))).toBe(
      'gpt_image_1_mini_high_1536',
    );
    // OpenAI's own choice of model, one whose price is not listed, or partial images: the bound.
    expect(feeOfTool(tool({}))).toBe('image_generation');
    expect(feeOfTool(tool({ model: 'gpt-image-2', quality: 'low' }))).toBe('image_generation');
    expect(feeOfTool(tool({ model: 'constructor' }))).toBe('image_generation');
    expect(feeOfTool(tool({ model: 'gpt-image-1', quality: 'low', partial_images: 2 }))).toBe(
      'image_generation',
    );
    expect(feeOfTool(tool({ model: 'gpt-image-1', quality: 'low', partial_images: 0 }))).toBe(
      'gpt_image_1_low_1536',
    );
  });
});

describe('toolUses', () => {
  it('counts searches (not page openings), file searches, and containers once each', () => {
    const tools = [
      { type: 'web_search' },
      { type: 'code_interpreter', container: { type: 'auto', memory_limit: '16g' } },
    ];
    const output = [
      { type: 'web_search_call', action: { type: 'search', query: 'a' } },
      { type: 'web_search_call', action: { type: 'find', pattern: 'b' } },
      { type: 'web_search_call' },
      { type: 'file_search_call' },
      { type: 'code_interpreter_call', container_id: 'cntr_a' },
      { type: 'code_interpreter_call', container_id: 'cntr_a' },
      { type: 'code_interpreter_call' },
      { type: 'message' },
    ];
    expect(toolUses(tools, 'gpt-5.1', output)).toEqual({ web_search: 2, file_search: 1, container_16g: 2 });
    expect(toolUses(tools, 'gpt-5.1', [{ type: 'message' }, { type: 'mcp_call' }])).toBeUndefined();
  });

  it('counts a search content block for each search of the web_search tool on gpt-4o-mini and gpt-4.1-mini', () => {
    const output = [{ type: 'web_search_call', action: { type: 'search' } }, { type: 'web_search_call' }];
    const block = { web_search: 2, search_content_block: 2 };
    expect(toolUses([{ type: 'web_search' }], 'gpt-4o-mini', output)).toEqual(block);
    expect(toolUses([{ type: 'web_search_2025_08_26' }], 'gpt-4.1-mini-2025-04-14', output)).toEqual(block);
    expect(toolUses([{ type: 'web_search' }], 'openai/gpt-4o-mini', output)).toEqual(block);
    // Other models bill the content they read (in the usage's input); the preview's content is free.
    for (const model of ['gpt-4o', 'gpt-4.1', 'gpt-4.1-nano', 'gpt-5-mini', 'gpt-4o-mini-search-preview'])
      expect(toolUses([{ type: 'web_search' }], model, output)).toEqual({ web_search: 2 });
    const both = [{ type: 'web_search' }, { type: 'web_search_preview' }];
    expect(toolUses(both, 'gpt-4o-mini', output)).toEqual({ web_search_preview: 2 });
  });

  it("prices each image by the call's quality and size, the tool's when the call says none", () => {
    const tools = [{ type: 'image_generation', model: 'gpt-image-1', quality: 'auto', size: '1024x1024' }];
    const output = [
      { type: 'image_generation_call', quality: 'low', size: '1536x1024' },
      { type: 'image_generation_call', quality: 'medium' },
      { type: 'image_generation_call' },
    ];
    expect(toolUses(tools, 'gpt-5.1', output)).toEqual({
      gpt_image_1_low_1536: 1,
      gpt_image_1_medium_1024: 1,
      gpt_image_1_high_1024: 1,
    });
    expect(toolUses([{ type: 'image_generation' }], 'gpt-5.1', output)).toEqual({ image_generation: 3 });
  });

  it('charges a search at the dearest of the search tools offered', () => {
    const tools = [{ type: 'web_search' }, { type: 'web_search_preview' }];
    const output = [{ type: 'web_search_call', action: { type: 'search' } }];
    expect(toolUses(tools, 'gpt-4o', output)).toEqual({ web_search_preview: 1 });
    expect(toolUses(tools, 'o4-mini', output)).toEqual({ web_search: 1 });
  });
});

describe('a usage with hosted tool uses', () => {
  const usage = { prompt_tokens: 1_000, completion_tokens: 100, total_tokens: 1_100 };

  it('keeps only known fees with positive counts', () => {
    const counted = countedUsage({
      ...usage,
      hosted_tools: { web_search: 2, file_search: -1, other: 5, container_4g: '1' },
    });
    expect(counted?.hosted_tools).toEqual({ web_search: 2 });
    expect(countedUsage({ ...usage, hosted_tools: { web_search: 0 } })).not.toHaveProperty('hosted_tools');
  });

  it('adds the fees to the tokens, untouched by the service tier', () => {
    const price = { inputPerMTok: 1, outputPerMTok: 10 };
    const used = { ...usage, hosted_tools: { web_search: 3, container_1g: 1 } };
    expect(toolFeesUsd(used.hosted_tools)).toBeCloseTo(0.06, 12);
    expect(costOf(used, price)).toBeCloseTo(0.002 + 0.06, 12);
    expect(costOf(used, price, 'priority')).toBeCloseTo(0.004 + 0.06, 12);
  });

  it('charges each search content block as 8,000 input tokens at the input rate and tier', () => {
    const price = { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 };
    const used = { ...usage, hosted_tools: { web_search: 2, search_content_block: 2 } };
    const tokens = (1_000 * 0.15 + 100 * 0.6) / 1e6;
    expect(countedUsage(used)?.hosted_tools).toEqual({ web_search: 2, search_content_block: 2 });
    expect(toolFeesUsd(used.hosted_tools)).toBeCloseTo(0.02, 12);
    expect(costOf(used, price)).toBeCloseTo(tokens + 0.02 + (16_000 * 0.15) / 1e6, 12);
    expect(costOf(used, price, 'priority')).toBeCloseTo(2 * tokens + 0.02 + (2 * 16_000 * 0.15) / 1e6, 12);
  });
});

describe('worstToolFees', () => {
  it('is max_tool_calls at the dearest fee, ten calls when unbounded, nothing for tools without fees', () => {
    const tools = [
      { type: 'file_search' },
      { type: 'code_interpreter', container: { type: 'auto', memory_limit: '4g' } },
    ];
    const usd = (request: Record<string, unknown>) => worstToolFees(request).usd;
    expect(usd({ tools, max_tool_calls: 2 })).toBeCloseTo(0.24, 12);
    expect(usd({ tools, max_tool_calls: 0 })).toBe(0);
    expect(usd({ tools })).toBeCloseTo(1.2, 12);
    expect(usd({ tools, max_tool_calls: 'many' })).toBeCloseTo(1.2, 12);
    expect(usd({ tools: [{ type: 'mcp' }], max_tool_calls: 5 })).toBe(0);
    expect(usd({})).toBe(0);
  });

  it('counts image generation at the most one of its calls can cost', () => {
    expect(worstToolFees({ tools: [{ type: 'image_generation' }], max_tool_calls: 2 }).usd).toBeCloseTo(
      1.5,
      12,
    );
    const known = { type: 'image_generation', model: 'gpt-image-1', quality: 'medium', size: '1024x1024' };
    expect(worstToolFees({ tools: [known, { type: 'web_search' }], max_tool_calls: 3 }).usd).toBeCloseTo(
      0.126,
      12,
    );
  });

  it('says how many calls it counted and whether the request bounded them', () => {
    const tools = [{ type: 'file_search' }];
    expect(worstToolFees({ tools, max_tool_calls: 4 })).toMatchObject({ calls: 4, bounded: true });
    expect(worstToolFees({ tools })).toMatchObject({ calls: 10, bounded: false });
    expect(worstToolFees({ tools: [{ type: 'mcp' }] })).toMatchObject({ usd: 0, calls: 0 });
  });
});

describe('worstSearchContentBlocks', () => {
  it("is the calls counted when the request offers the web_search tool, none for the preview's alone", () => {
    expect(worstSearchContentBlocks({ tools: [{ type: 'web_search' }], max_tool_calls: 3 })).toBe(3);
    expect(worstSearchContentBlocks({ tools: [{ type: 'web_search_2025_08_26' }] })).toBe(
      UNBOUNDED_TOOL_CALLS,
    );
    expect(worstSearchContentBlocks({ tools: [{ type: 'web_search_preview' }] })).toBe(0);
    expect(worstSearchContentBlocks({ tools: [{ type: 'file_search' }] })).toBe(0);
  });
});

describe('worstServerToolFees', () => {
  it("counts each web search tool's max_uses, ten for one without, bounded only when all set one", () => {
    const search = (max_uses?: number) => ({ type: 'web_search_20250305', name: 'web_search', max_uses });
    const bash = { type: 'bash_20250124', name: 'bash' };
    expect(worstServerToolFees({ tools: [search(3), bash] })).toEqual({ usd: 0.03, calls: 3, bounded: true });
    const mixed = worstServerToolFees({ tools: [search(3), search()] });
    expect(mixed).toMatchObject({ calls: 13, bounded: false });
    expect(mixed.usd).toBeCloseTo(0.13, 12);
    expect(worstServerToolFees({ tools: [bash] })).toEqual({ usd: 0, calls: 0, bounded: true });
  });
});

describe('boundToolCalls (limits.enforceMaxTokens)', () => {
  it('sends max_tool_calls, the calls reserved, to a /v1/responses request with a fee that sets none', () => {
    const tools = [{ type: 'web_search' }, { type: 'mcp', server_label: 'crm' }];
    expect(boundToolCalls('responses', { tools })).toEqual({ tools, max_tool_calls: UNBOUNDED_TOOL_CALLS });
    expect(boundToolCalls('responses', { tools, max_tool_calls: null })).toMatchObject({
      max_tool_calls: UNBOUNDED_TOOL_CALLS,
    });
    // Its own bound is kept, one that is no count too (the provider refuses it).
    expect(boundToolCalls('responses', { tools, max_tool_calls: 3 })).toMatchObject({ max_tool_calls: 3 });
    expect(boundToolCalls('responses', { tools, max_tool_calls: 'many' })).toMatchObject({
      max_tool_calls: 'many',
    });
    // No fee, nothing reserved: nothing bounded.
    const free = { tools: [{ type: 'mcp', server_label: 'crm' }] };
    expect(boundToolCalls('responses', free)).toBe(free);
  });

  it("sends max_uses to each of a /v1/messages request's web search tools that sets none, web fetch left as it is", () => {
    const fetch = { type: 'web_fetch_20250910', name: 'web_fetch' };
    const request = {
      tools: [
        { type: 'web_search_20250305', name: 'web_search' },
        { type: 'web_search_20250305', name: 'news', max_uses: 3 },
        fetch,
      ],
    };
    expect(boundToolCalls('messages', request)).toEqual({
      tools: [
        { type: 'web_search_20250305', name: 'web_search', max_uses: UNBOUNDED_TOOL_CALLS },
        { type: 'web_search_20250305', name: 'news', max_uses: 3 },
        fetch,
      ],
    });
    const bounded = { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }, fetch] };
    expect(boundToolCalls('messages', bounded)).toBe(bounded);
  });

  it('bounds the calls to what the reservation counted, no more and no fewer', () => {
    const requests: [Parameters<typeof boundToolCalls>[0], Record<string, unknown>][] = [
      ['responses', { tools: [{ type: 'file_search' }, { type: 'code_interpreter' }] }],
      ['responses', { tools: [{ type: 'web_search_preview' }], max_tool_calls: 4 }],
      [
        'messages',
        { tools: [{ type: 'web_search_20250305' }, { type: 'web_search_20250305', max_uses: 2 }] },
      ],
    ];
    for (const [api, request] of requests) {
      const worst = api === 'responses' ? worstToolFees : worstServerToolFees;
      const reserved = worst(request);
      expect(worst(boundToolCalls(api, request))).toEqual({ ...reserved, bounded: true });
    }
  });
});

describe('a hosted stream', () => {
  /** The usage chunk of the chat stream translated from `events`. */
  async function usageOf(events: object[]): Promise<Record<string, unknown> | undefined> {
    const text = events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
    const upstream = new Response(text).body!;
    const writer = new OpenAIStreamWriter('chatcmpl-1', 'gpt-5.1');
    const tools = [{ type: 'web_search' }];
    const out = translateResponsesStream('direct', upstream, writer, {
      carry: true,
      toolUses: (output) => toolUses(tools, 'gpt-5.1', output),
    });
    const chunks = (await new Response(out).text())
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map((frame) => JSON.parse(frame.slice(6)) as { usage?: Record<string, unknown> });
    return chunks.find((chunk) => chunk.usage)?.usage;
  }
  const search = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search' } };
  const usage = { input_tokens: 10, output_tokens: 5 };

  it('counts the items done when the terminal event holds no output', async () => {
    const used = await usageOf([
      { type: 'response.output_item.added', output_index: 0, item: { ...search, status: 'in_progress' } },
      { type: 'response.output_item.done', output_index: 0, item: search },
      { type: 'response.output_text.delta', output_index: 1, delta: 'Hi' },
      { type: 'response.completed', response: { status: 'completed', usage } },
    ]);
    expect(used).toMatchObject({ prompt_tokens: 10, hosted_tools: { web_search: 1 } });
  });

  it("takes a terminal event's output over the items seen", async () => {
    const used = await usageOf([
      { type: 'response.output_item.done', output_index: 0, item: search },
      { type: 'response.completed', response: { status: 'completed', usage, output: [search, search] } },
    ]);
    expect(used).toMatchObject({ hosted_tools: { web_search: 2 } });
  });
});
