import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/openai/schemas';
import { createOpenAICompatible, type OpenAIProviderConfig } from '../../src/providers/openai-compatible';
import {
  detailsFromThinking,
  thinkingFromDetails,
  withReasoningDetails,
} from '../../src/providers/reasoning-details';

const CLAUDE = 'anthropic-claude-v1';

describe("OpenRouter's reasoning_details ⇄ Claude's thinking blocks", () => {
  it('joins the fragments of one block (a stream assembled into JSON) and keeps their signature', () => {
    const details = [
      { type: 'reasoning.text', text: '', signature: '', format: CLAUDE, index: 0 },
      { type: 'reasoning.text', text: 'Let me ', format: CLAUDE, index: 0 },
      { type: 'reasoning.text', text: 'think.', signature: null, format: CLAUDE, index: 0 },
      { type: 'reasoning.text', text: '', signature: 'EqsigA', format: CLAUDE, index: 0 },
      { type: 'reasoning.encrypted', data: 'opaque', format: CLAUDE, index: 1 },
      { type: 'reasoning.text', text: 'More.', signature: 'EqsigB', format: CLAUDE, index: 2 },
    ];
    expect(thinkingFromDetails(details)).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'EqsigA' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'More.', signature: 'EqsigB' },
    ]);
  });

  it("reads no other family's items (OpenAI's summaries and encrypted reasoning have no Messages form)", () => {
    const details = [
      { type: 'reasoning.summary', summary: 'Plan.', format: 'openai-responses-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'gAAAA', format: 'openai-responses-v1', index: 0 },
    ];
    expect(thinkingFromDetails(details)).toEqual([]);
    expect(thinkingFromDetails(undefined)).toEqual([]);
  });

  it('writes signed and redacted blocks back in their order, leaving unsigned and OpenAI blocks out', () => {
    const blocks = [
      {
        type: 'thinking',
        thinking: 'Let me think.',
        signature: 'EqsigA',
        position: { content: 0, tool_calls: 0 },
      },
      { type: 'thinking', thinking: 'unsigned', signature: '' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'openai_reasoning', id: 'rs_1', encrypted_content: 'gAAAA' },
    ];
    expect(detailsFromThinking(blocks)).toEqual([
      { type: 'reasoning.text', text: 'Let me think.', signature: 'EqsigA', format: CLAUDE, index: 0 },
      { type: 'reasoning.encrypted', data: 'opaque', format: CLAUDE, index: 1 },
    ]);
  });

  it("keeps an assistant message's own reasoning_details, and the array when nothing changes", () => {
    const own = [{ type: 'reasoning.text', text: 'x', signature: 's', format: CLAUDE, index: 0 }];
    const messages = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: 'ok',
        reasoning_details: own,
        thinking_blocks: [{ type: 'thinking', thinking: 'y', signature: 't' }],
      },
    ] as ChatRequest['messages'];
    expect(withReasoningDetails(messages)).toBe(messages);
  });
});

describe('openai-compatible: thinking blocks to OpenRouter', () => {
  const signal = new AbortController().signal;
  const messages = [
    { role: 'user', content: 'Weather?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      thinking_blocks: [
        { type: 'thinking', thinking: 'Look it up.', signature: 'EqsigA' },
        { type: 'redacted_thinking', data: 'opaque' },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
  ] as ChatRequest['messages'];

  async function sent(
    config: Partial<OpenAIProviderConfig>,
    model: string,
  ): Promise<Record<string, unknown>> {
    const bodies: Record<string, unknown>[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      bodies.push((await new Request(input, init).json()) as Record<string, unknown>);
      return Response.json({ id: 'c', object: 'chat.completion', created: 1, model, choices: [] });
    };
    const provider = { type: 'openai', apiKey: 'k', ...config } as OpenAIProviderConfig;
    const adapter = createOpenAICompatible('up', provider, { env, fetch: fetch as typeof globalThis.fetch });
    await adapter.chat({ body: { model: 'x', messages } as ChatRequest, model, signal, requestId: 'r1' });
    return (bodies[0]!.messages as Record<string, unknown>[])[1]!;
  }

  it("gives OpenRouter's Claude models the blocks as the assistant message's reasoning_details", async () => {
    for (const config of [{ preset: 'openrouter' as const }, { baseUrl: 'https://openrouter.ai/api/v1' }]) {
      const assistant = await sent(config, 'anthropic/claude-sonnet-4.5');
      expect(assistant.reasoning_details).toEqual([
        { type: 'reasoning.text', text: 'Look it up.', signature: 'EqsigA', format: CLAUDE, index: 0 },
        { type: 'reasoning.encrypted', data: 'opaque', format: CLAUDE, index: 1 },
      ]);
      expect(assistant).not.toHaveProperty('thinking_blocks');
    }
  });

  it('gives them to no other model or service (OpenAI and the strict services refuse the field)', async () => {
    for (const [config, model] of [
      [{ preset: 'openrouter' as const }, 'openai/gpt-5'],
      [{}, 'claude-sonnet-4.5'],
      [{ preset: 'groq' as const }, 'claude-like'],
      [{ baseUrl: 'https://vllm.internal.example/v1' }, 'claude-sonnet'],
    ] as const) {
      const assistant = await sent(config, model);
      expect(assistant).not.toHaveProperty('reasoning_details');
      expect(assistant).not.toHaveProperty('thinking_blocks');
    }
  });
});
