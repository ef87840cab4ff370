// translateStream called directly: what single Anthropic events do to the chat stream, where no
// adapter test pins it (carried events, usage merging, events after the end, stray deltas).
import { describe, expect, it } from 'vitest';
import { translateStream } from '../../src/providers/anthropic-stream';
import { OpenAIStreamWriter } from '../../src/providers/openai-stream-writer';
import { anthropicFrame } from '../helpers/anthropic-sse';
import type { Json } from '../helpers/gateway';
import { sse } from '../helpers/upstream';

type Event = { type: string; [field: string]: unknown };
interface Options {
  jsonTool?: boolean;
  carry?: boolean;
}

function translated(events: Event[], { jsonTool = false, carry = false }: Options = {}) {
  const upstream = sse(events.map(anthropicFrame)).body!;
  return translateStream(
    'anthropic',
    upstream,
    new OpenAIStreamWriter('chatcmpl-1', 'c', 1),
    jsonTool,
    false,
    carry,
  );
}

/** The chat stream's data payloads, `[DONE]` kept as a string. */
async function frames(events: Event[], options?: Options): Promise<Json[]> {
  const text = await new Response(translated(events, options)).text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => (frame === 'data: [DONE]' ? '[DONE]' : JSON.parse(frame.slice('data: '.length))));
}

const deltas = (out: Json[]) =>
  out.filter((f) => f !== '[DONE]' && f.choices?.length).map((f) => f.choices[0].delta);
const start = (usage: Record<string, number> = { input_tokens: 5, output_tokens: 1 }): Event => ({
  type: 'message_start',
  message: { id: 'm', usage },
});
const block = (index: number, content_block: Record<string, unknown>): Event => ({
  type: 'content_block_start',
  index,
  content_block,
});
const delta = (index: number, body: Record<string, unknown>): Event => ({
  type: 'content_block_delta',
  index,
  delta: body,
});
const stop = (index: number): Event => ({ type: 'content_block_stop', index });
const end = (reason = 'end_turn'): Event[] => [
  { type: 'message_delta', delta: { stop_reason: reason }, usage: { output_tokens: 3 } },
  { type: 'message_stop' },
];

describe('translateStream, event by event', () => {
  it('carries the events before the first content block only once it starts, right after the role', async () => {
    const events = [
      start(),
      { type: 'ping' },
      block(0, { type: 'server_tool_use', id: 's', name: 'web_search' }),
    ];
    const out = await frames([...events, stop(0), ...end()], { carry: true });
    expect(out[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const carried = out
      .filter((f) => f !== '[DONE]' && f.native_event)
      .map((f) => JSON.parse(f.native_event));
    expect(carried.map((e) => e.type)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(out.findIndex((f) => f !== '[DONE]' && f.native_event)).toBe(1);
  });

  it('fails the attempt on an error before any content block, even with the events before it held to carry', async () => {
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const reader = translated([start(), { type: 'ping' }, error], { carry: true }).getReader();
    await expect(reader.read()).rejects.toMatchObject({ failure: 'overloaded', status: 529 });
  });

  it("merges message_delta's usage into message_start's: a field it carries wins, a null one does not clear", async () => {
    const out = await frames([
      start({ input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 4 }),
      block(0, { type: 'text', text: 'Hi' }),
      stop(0),
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 7, input_tokens: null },
      },
      { type: 'message_delta', delta: {}, usage: { cache_creation_input_tokens: 2 } },
      { type: 'message_stop' },
    ]);
    expect(out.at(-2).usage).toMatchObject({
      prompt_tokens: 16,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 4, cache_creation_tokens: 2 },
    });
  });

  it('reads nothing after message_stop: one finish, one usage, one [DONE]', async () => {
    const out = await frames([
      start(),
      block(0, { type: 'text', text: 'Hi' }),
      ...end(),
      delta(0, { type: 'text_delta', text: ' more' }),
      { type: 'error', error: { type: 'api_error', message: 'late' } },
      ...end('max_tokens'),
    ]);
    expect(
      deltas(out)
        .map((d) => d.content ?? '')
        .join(''),
    ).toBe('Hi');
    expect(out.filter((f) => f !== '[DONE]' && f.choices?.[0]?.finish_reason)).toHaveLength(1);
    expect(out.at(-3).choices[0].finish_reason).toBe('stop');
    expect(out.filter((f) => f === '[DONE]' || f.usage || f.error)).toHaveLength(2);
  });

  it('ignores a delta its block cannot take, and one for a block that never started', async () => {
    const out = await frames(
      [
        start(),
        block(0, { type: 'text', text: '' }),
        block(1, { type: 'tool_use', id: 't', name: 'lookup', input: {} }),
        delta(0, { type: 'input_json_delta', partial_json: '{"q":1}' }),
        delta(0, { type: 'thinking_delta', thinking: 'no' }),
        delta(1, { type: 'text_delta', text: 'no' }),
        delta(7, { type: 'text_delta', text: 'no' }),
        delta(0, { type: 'text_delta', text: 'yes' }),
        stop(0),
        stop(1),
      ].concat(end('tool_use')),
    );
    const all = deltas(out);
    expect(all.map((d) => d.content ?? '').join('')).toBe('yes');
    expect(all.some((d) => d.reasoning_content)).toBe(false);
    // The call streamed no arguments of its own: "{}" at its stop.
    expect(all.filter((d) => d.tool_calls).map((d) => d.tool_calls[0].function.arguments)).toEqual([
      '',
      '{}',
    ]);
  });

  it('gives JSON-mode thinking blocks no place: the text before the JSON tool is not the answer', async () => {
    const out = await frames(
      [
        start(),
        block(0, { type: 'text', text: 'Here is the JSON:' }),
        stop(0),
        block(1, { type: 'thinking', thinking: 'ok' }),
        delta(1, { type: 'signature_delta', signature: 'sig' }),
        stop(1),
        block(2, { type: 'tool_use', id: 't', name: 'json_response', input: {} }),
        delta(2, { type: 'input_json_delta', partial_json: '{"a":1}' }),
        stop(2),
      ].concat(end('tool_use')),
      { jsonTool: true },
    );
    const all = deltas(out);
    expect(all.map((d) => d.content ?? '').join('')).toBe('{"a":1}');
    expect(all.find((d) => d.thinking_blocks).thinking_blocks).toEqual([
      { type: 'thinking', thinking: 'ok', signature: 'sig' },
    ]);
  });
});
