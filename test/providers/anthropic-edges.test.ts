// Anthropic requests and streams at the edges of what OpenAI clients send: histories from other
// providers or without tools, adaptive thinking, errors in a stream.
import { describe, expect, it } from 'vitest';
import { toUsage } from '../../src/providers/anthropic-usage';
import textMessage from '../fixtures/anthropic/message-text.json';
import streamError from '../fixtures/anthropic/stream-error.anthropic.sse?raw';
import { anthropicAdapter, bytes, relayed, sse } from '../helpers/adapter';
import type { Json } from '../helpers/gateway';

const toolLoop = (id: string) => [
  { role: 'user', content: 'Look it up' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id, type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
  },
  { role: 'tool', tool_call_id: id, content: 'found' },
];

describe('Anthropic request edges', () => {
  it('offers the JSON tool with auto under adaptive thinking (a forced tool is refused with thinking)', async () => {
    const { sent, chat } = anthropicAdapter(() => Response.json(textMessage));
    await chat({ thinking: { type: 'adaptive' }, response_format: { type: 'json_object' } });
    expect(sent[0].tool_choice).toEqual({ type: 'auto' });
    await expect(
      chat({
        thinking: { type: 'adaptive' },
        tools: [{ type: 'function', function: { name: 'lookup' } }],
        tool_choice: 'required',
      }),
    ).rejects.toMatchObject({ status: 400, param: 'tool_choice' });
  });

  it('rewrites tool call ids Anthropic refuses, alike in the call and its result', async () => {
    const { sent, chat } = anthropicAdapter(() => Response.json(textMessage));
    await chat({
      messages: toolLoop('functions.lookup:0'),
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    });
    const use = sent[0].messages[1].content[0];
    const result = sent[0].messages[2].content[0];
    expect(use.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(result.tool_use_id).toBe(use.id);
    // An id Anthropic takes goes as it is.
    await chat({
      messages: toolLoop('toolu_01A'),
      tools: [{ type: 'function', function: { name: 'lookup' } }],
    });
    expect(sent[1].messages[1].content[0].id).toBe('toolu_01A');
  });

  it('tells a tool history as text when the request defines no tools (Anthropic refuses the blocks then)', async () => {
    const { sent, chat } = anthropicAdapter(() => Response.json(textMessage));
    await chat({ messages: [...toolLoop('call_1'), { role: 'user', content: 'Now summarise.' }] });
    const blocks = sent[0].messages.flatMap((m: Json) => m.content);
    expect(blocks.some((b: Json) => b.type === 'tool_use' || b.type === 'tool_result')).toBe(false);
    expect(sent[0].tools).toBeUndefined();
    expect(sent[0].messages[1].content).toEqual([
      { type: 'text', text: '[called tool lookup (id call_1) with {"q":"x"}]' },
    ]);
    expect(sent[0].messages[2].content).toEqual([
      { type: 'text', text: '[result of tool call call_1: found]' },
      { type: 'text', text: 'Now summarise.' },
    ]);
    // With tools defined, the blocks stay blocks.
    await chat({ messages: toolLoop('call_1'), tools: [{ type: 'function', function: { name: 'lookup' } }] });
    expect(sent[1].messages[1].content[0].type).toBe('tool_use');
  });
});

describe('Anthropic stream edges', () => {
  it('settles a stream that ends in an error event on the usage Anthropic reported before it', async () => {
    const { chat } = anthropicAdapter(() => new Response(bytes(streamError), sse));
    const result = await chat({ stream: true });
    if (result.kind !== 'stream') throw new Error('stream expected');
    const { summary } = await relayed(result.body);
    expect(summary.errorCode).toBe('overloaded'); // Anthropic's overloaded_error, kept by name
    expect(summary.usage).toMatchObject({ prompt_tokens: 10 });
  });

  it('fails the attempt on an error right after message_start, before any content (the router can fail over)', async () => {
    const body = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    ].join('');
    const { chat } = anthropicAdapter(() => new Response(bytes(body), sse));
    const result = await chat({ stream: true });
    if (result.kind !== 'stream') throw new Error('stream expected');
    await expect(result.body.getReader().read()).rejects.toMatchObject({ failure: 'overloaded' });
  });

  it.each([
    { type: 'text', text: '' },
    { type: 'thinking', thinking: '', signature: '' },
  ])(
    'fails the attempt on an error right after an empty $type block starts (nothing said yet)',
    async (block) => {
      const body = [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
        `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: block })}\n\n`,
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ].join('');
      const { chat } = anthropicAdapter(() => new Response(bytes(body), sse));
      const result = await chat({ stream: true });
      if (result.kind !== 'stream') throw new Error('stream expected');
      await expect(result.body.getReader().read()).rejects.toMatchObject({ failure: 'overloaded' });
    },
  );

  it('still answers a message with no content blocks at all (role, finish, usage)', async () => {
    const body = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":0}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    const { chat } = anthropicAdapter(() => new Response(bytes(body), sse));
    const result = await chat({ stream: true });
    if (result.kind !== 'stream') throw new Error('stream expected');
    const { text, summary } = await relayed(result.body);
    expect(text).toContain('"role":"assistant"');
    expect(text).toContain('"finish_reason":"stop"');
    expect(summary.usage).toMatchObject({ prompt_tokens: 5 });
  });
});

describe('Anthropic usage', () => {
  it('keeps 1-hour cache writes apart, which cost more than 5-minute ones', () => {
    const usage = toUsage({
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 20,
      cache_creation_input_tokens: 100,
      cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 60 },
    });
    expect(usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 20, cache_creation_tokens: 100, cache_creation_1h_tokens: 60 },
    });
  });
});
