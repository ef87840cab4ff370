// Anthropic SSE → OpenAI chunks: order, tool-call deltas, awkward byte boundaries, truncation,
// error events and incremental delivery.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { chatRequest } from '../../src/openai/schemas';
import { createAnthropic } from '../../src/providers/anthropic';
import streamError from '../fixtures/anthropic/stream-error.anthropic.sse?raw';
import streamText from '../fixtures/anthropic/stream-text.anthropic.sse?raw';
import streamTools from '../fixtures/anthropic/stream-tools.anthropic.sse?raw';
import streamTruncated from '../fixtures/anthropic/stream-truncated.anthropic.sse?raw';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

/** The text's UTF-8 bytes as a stream, cut every `size` bytes (so multi-byte characters split). */
function bytes(text: string, size = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
  const all = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= all.length) return controller.close();
      controller.enqueue(all.slice(at, at + size));
      at += size;
    },
  });
}

async function start(upstream: ReadableStream<Uint8Array>, body: Record<string, unknown> = {}) {
  const sent: Json[] = [];
  const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(JSON.parse(String(init?.body)));
    return new Response(upstream, { headers: { 'content-type': 'text/event-stream' } });
  }) as typeof globalThis.fetch;
  const adapter = createAnthropic('anthropic', { type: 'anthropic', apiKey: 'k' }, { env, fetch });
  const result = await adapter.chat({
    body: chatRequest.parse({
      model: 'c',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
      ...body,
    }),
    model: 'claude-sonnet-4-5',
    signal: new AbortController().signal,
    requestId: 'req-s',
  });
  if (result.kind !== 'stream') throw new Error('expected a stream');
  return { stream: result.body, sent };
}

/** Data payloads of an OpenAI SSE body, `[DONE]` kept as a string. */
function frames(text: string): Json[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      const data = frame.slice(6);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

async function translate(sse: string, size?: number, body?: Record<string, unknown>): Promise<Json[]> {
  const { stream } = await start(bytes(sse, size), body);
  const out = frames(await new Response(stream).text());
  for (const frame of out)
    if (frame !== '[DONE]' && !frame.error) expectOpenAIShape('CreateChatCompletionStreamResponse', frame);
  return out;
}

const deltas = (out: Json[]) =>
  out.filter((f) => f !== '[DONE]' && f.choices?.length).map((f) => f.choices[0].delta);
const text = (out: Json[]) =>
  deltas(out)
    .map((d) => d.content ?? '')
    .join('');

/** Anthropic SSE of these events, each named by its type; a finished message after them unless told otherwise. */
const anthropicSse = (events: Record<string, unknown>[], stop = 'end_turn') =>
  [
    { type: 'message_start', message: { id: 'm', usage: { input_tokens: 5, output_tokens: 1 } } },
    ...events,
    { type: 'message_delta', delta: { stop_reason: stop }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  ]
    .map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    .join('');

describe('anthropic stream translation', () => {
  it('asks Anthropic for a stream and translates text, finish and usage in order', async () => {
    const { sent } = await start(bytes(streamText));
    expect(sent[0].stream).toBe(true);
    const out = await translate(streamText);
    expect(out[0]).toMatchObject({
      id: 'chatcmpl-req-s',
      object: 'chat.completion.chunk',
      model: 'claude-sonnet-4-5',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    expect(deltas(out).slice(1, 4)).toEqual([
      { content: 'Héllo' },
      { content: ' wörld 🌍' },
      { content: ' — 日本語!' },
    ]);
    expect(out.at(-3).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(out.at(-2)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 65,
        completion_tokens: 15,
        total_tokens: 80,
        prompt_tokens_details: { cached_tokens: 40, cache_creation_tokens: 0 },
      },
    });
    expect(out.at(-1)).toBe('[DONE]');
  });

  it("carries message_start's prompt usage on the first chunk, as the extension field prompt_usage", async () => {
    // The chat stream's usage comes last; /v1/messages gives this in its own message_start.
    const out = await translate(streamText);
    expect(out[0].prompt_usage).toEqual({
      prompt_tokens: 65,
      prompt_tokens_details: { cached_tokens: 40, cache_creation_tokens: 0 },
    });
    expect(out.slice(1).filter((f) => f !== '[DONE]' && 'prompt_usage' in f)).toEqual([]);
  });

  it('names the stop sequence matched on the finish chunk, as the extension field stop_sequence', async () => {
    const textBlock = [
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'one two' } },
      { type: 'content_block_stop', index: 0 },
    ];
    const stopped = anthropicSse(textBlock, 'stop_sequence').replace(
      '"stop_reason":"stop_sequence"',
      '"stop_reason":"stop_sequence","stop_sequence":"three"',
    );
    const out = await translate(stopped);
    const finish = out.find((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason);
    expect(finish).toMatchObject({ stop_sequence: 'three', choices: [{ finish_reason: 'stop' }] });
    expect(out.filter((f) => f !== '[DONE]' && 'stop_sequence' in f)).toHaveLength(1);
    const ended = await translate(anthropicSse(textBlock));
    expect(ended.filter((f) => f !== '[DONE]' && 'stop_sequence' in f)).toEqual([]);
  });

  it.each([1, 2, 3, 5, 7, 64])(
    'gives the same chunks when the upstream bytes are cut every %i bytes (mid-character, mid-event)',
    async (size) => {
      const whole = await translate(streamText);
      const cut = await translate(streamText, size);
      const strip = (out: Json[]) => out.map((f) => (f === '[DONE]' ? f : { ...f, created: 0 }));
      expect(strip(cut)).toEqual(strip(whole));
      expect(text(cut)).toBe('Héllo wörld 🌍 — 日本語!');
    },
  );

  it('streams tool calls: index, id and name first, then argument fragments', async () => {
    const out = await translate(streamTools, 11);
    const calls = deltas(out)
      .filter((d) => d.tool_calls)
      .map((d) => d.tool_calls[0]);
    expect(calls).toEqual([
      {
        index: 0,
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      },
      { index: 0, function: { arguments: '{"location":' } },
      { index: 0, function: { arguments: ' "San Francisco, CA"}' } },
      {
        index: 1,
        id: 'toolu_01B2y2gK45rBnl3uOUsO8Vq7',
        type: 'function',
        function: { name: 'get_time', arguments: '' },
      },
      { index: 1, function: { arguments: '{"tz": "America/Los_Angeles"}' } },
    ]);
    expect(text(out)).toBe('Let me check the weather.');
    expect(out.at(-3).choices[0].finish_reason).toBe('tool_calls');
    expect(out.at(-2).usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
  });

  it('streams "{}" as the arguments of a tool called without any', async () => {
    const sse = anthropicSse(
      [
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} },
        },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_stop', index: 0 },
      ],
      'tool_use',
    );
    const out = await translate(sse);
    const args = deltas(out)
      .filter((d) => d.tool_calls)
      .map((d) => d.tool_calls[0].function.arguments)
      .join('');
    expect(args).toBe('{}');
    expect(JSON.parse(args)).toEqual({});
  });

  it('streams thinking as reasoning_content deltas, and each block signed and whole once it ends', async () => {
    const delta = (index: number, body: Record<string, unknown>) => ({
      type: 'content_block_delta',
      index,
      delta: body,
    });
    const sse = anthropicSse([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      delta(0, { type: 'thinking_delta', thinking: 'Let me ' }),
      delta(0, { type: 'thinking_delta', thinking: 'think.' }),
      delta(0, { type: 'signature_delta', signature: 'sig-1' }),
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'redacted_thinking', data: 'opaque==' },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
      delta(2, { type: 'text_delta', text: 'Done.' }),
      { type: 'content_block_stop', index: 2 },
    ]);
    const out = await translate(sse, 13);
    const all = deltas(out);
    expect(all.map((d) => d.reasoning_content ?? '').join('')).toBe('Let me think.');
    // One delta with every block, before the finish: the SDKs' stream helpers cannot join list
    // deltas without an index (openai-python raises, openai-node keeps the last).
    const withBlocks = out.filter((f) => f !== '[DONE]' && f.choices?.[0]?.delta?.thinking_blocks);
    expect(withBlocks).toHaveLength(1);
    expect(withBlocks[0].choices[0].delta.thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque==' },
    ]);
    expect(out.indexOf(withBlocks[0])).toBeLessThan(out.findIndex((f) => f.choices?.[0]?.finish_reason));
    expect(all.filter((d) => d.thinking_blocks)).toHaveLength(1);
    expect(text(out)).toBe('Done.');
  });

  it('streams the JSON tool as message content', async () => {
    const sse = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"json_response","input":{}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\": "}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"1}"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":6}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    const out = await translate(sse, undefined, { response_format: { type: 'json_object' } });
    expect(text(out)).toBe('{"a": 1}');
    expect(deltas(out).some((d) => d.tool_calls)).toBe(false);
    expect(out.at(-3).choices[0].finish_reason).toBe('stop');
  });

  it('streams "{}" as the content when the JSON tool is called with empty input, as the JSON answer gives', async () => {
    const sse = anthropicSse(
      [
        {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 't', name: 'json_response', input: {} },
        },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_stop', index: 0 },
      ],
      'tool_use',
    );
    const out = await translate(sse, undefined, { response_format: { type: 'json_object' } });
    expect(text(out)).toBe('{}');
    expect(deltas(out)[0]).toEqual({ role: 'assistant', content: '' });
  });

  it('streams only the JSON when a line of text came before the JSON tool (thinking on)', async () => {
    const sse = anthropicSse(
      [
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Here is ' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'the JSON:' } },
        { type: 'content_block_stop', index: 0 },
        {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 't', name: 'json_response', input: {} },
        },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' 1}' } },
        { type: 'content_block_stop', index: 1 },
      ],
      'tool_use',
    );
    const body = { thinking: { type: 'adaptive' }, response_format: { type: 'json_object' } };
    const out = await translate(sse, 17, body);
    expect(JSON.parse(text(out))).toEqual({ a: 1 });
    expect(out.at(-3).choices[0].finish_reason).toBe('stop');
  });

  it('streams the text, whole and before the finish, when JSON mode ends without the JSON tool', async () => {
    const sse = anthropicSse([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'I cannot ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'do that.' } },
      { type: 'content_block_stop', index: 0 },
    ]);
    const out = await translate(sse, undefined, { response_format: { type: 'json_object' } });
    expect(text(out)).toBe('I cannot do that.');
    const finishAt = out.findIndex((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason);
    expect(out.findLastIndex((f) => f !== '[DONE]' && f.choices?.[0]?.delta?.content)).toBeLessThan(finishAt);
    expect(out[finishAt].choices[0].finish_reason).toBe('stop');
  });

  it('sends on JSON-mode text longer than a preamble as it comes, and held text before an error', async () => {
    const line = 'This answer is plain text, not a JSON tool call, and it goes on. ';
    const deltas30 = Array.from({ length: 30 }, () => ({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: line },
    }));
    const long = anthropicSse([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ...deltas30,
      { type: 'content_block_stop', index: 0 },
    ]);
    const json = { response_format: { type: 'json_object' } };
    const out = await translate(long, undefined, json);
    expect(text(out)).toBe(line.repeat(30));
    // Held only until it could no longer be a preamble: then sent on delta by delta.
    expect(deltas(out).filter((d) => d.content).length).toBeGreaterThan(20);

    const failed = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Partial"}}\n\n',
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    ].join('');
    const errored = await translate(failed, undefined, json);
    expect(text(errored)).toBe('Partial');
    expect(errored.at(-2).error).toBeDefined();
  });

  it('ends a stream cut before message_stop with the usage it knows and an error event, no finish', async () => {
    const out = await translate(streamTruncated);
    expect(text(out)).toBe('Partial answer');
    expect(out.some((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)).toBe(false);
    expect(out.at(-3).usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 1 });
    expect(out.at(-2).error).toMatchObject({ code: 'upstream_error' });
    expect(out.at(-2).error.message).toContain('before its answer was complete');
  });

  it('turns a mid-stream error event into an OpenAI error event', async () => {
    const out = await translate(streamError);
    expect(text(out)).toBe('Start');
    const error = out.find((f) => f !== '[DONE]' && f.error);
    expect(error).toEqual({
      error: {
        message: 'anthropic answered HTTP 529 (overloaded_error).',
        type: 'api_error',
        param: null,
        code: 'overloaded_error',
      },
    });
    expect(out.some((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)).toBe(false);
    expect(out.at(-1)).toBe('[DONE]');
  });

  it('fails the attempt when the error event comes before any output (so the router can fail over)', async () => {
    const { stream } = await start(
      bytes(
        'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ),
    );
    await expect(stream.getReader().read()).rejects.toMatchObject({ failure: 'overloaded', status: 529 });
  });

  it('ignores ping, unknown events and non-JSON data', async () => {
    const noise =
      'event: ping\ndata: {"type":"ping"}\n\nevent: future_event\ndata: {"type":"future_event","x":1}\n\ndata: not json\n\n: comment\n\n';
    const out = await translate(
      streamText.replace('event: content_block_stop', `${noise}event: content_block_stop`),
    );
    expect(text(out)).toBe('Héllo wörld 🌍 — 日本語!');
    expect(out.at(-3).choices[0].finish_reason).toBe('stop');
  });

  it('sends the first token before the upstream stream has ended', async () => {
    let push!: (text: string) => void;
    let close!: () => void;
    const upstream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
        close = () => controller.close();
      },
    });
    const { stream } = await start(upstream);
    const reader = stream.getReader();
    const [head] = streamText.split(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" wörld',
    );
    push(head!);
    let seen = '';
    const decoder = new TextDecoder();
    while (!seen.includes('Héllo')) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      seen += decoder.decode(value, { stream: true });
    }
    expect(seen).not.toContain('[DONE]');
    close();
    await reader.cancel();
  });
});
