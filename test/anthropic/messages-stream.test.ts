import { describe, expect, it } from 'vitest';
import { messagesEventStream } from '../../src/anthropic/messages-stream';
import type { Json } from '../helpers/gateway';

const chunk = (delta: Json, finish: string | null = null) =>
  `data: ${JSON.stringify({ model: 'up-1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** The Anthropic events for these chat frames, written in pieces of `size` bytes. */
async function translate(frames: string[], size = 7): Promise<Json[]> {
  const bytes = new TextEncoder().encode(frames.join(''));
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
      controller.close();
    },
  });
  const text = await new Response(source.pipeThrough(messagesEventStream('msg_1', 'alias'))).text();
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      const [event, data] = frame.split('\n');
      const value = JSON.parse(data!.slice(6));
      expect(event).toBe(`event: ${value.type}`);
      return value;
    });
}

describe('chat stream → Anthropic events', () => {
  it('streams reasoning as a thinking block that gets its signature from the answer’s thinking_blocks', async () => {
    const events = await translate([
      chunk({ role: 'assistant', reasoning_content: 'let me ' }),
      chunk({ reasoning_content: 'think' }),
      chunk({ content: 'Answer' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'let me think', signature: 'sig' }] }),
      chunk({}, 'stop'),
      'data: [DONE]\n\n',
    ]);
    expect(events.map((e) => `${e.type}${e.index ?? ''}`)).toEqual([
      'message_start',
      'content_block_start0',
      'content_block_delta0',
      'content_block_delta0',
      'content_block_start1',
      'content_block_delta1',
      'content_block_delta0',
      'content_block_stop0',
      'content_block_stop1',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0].message).toMatchObject({ id: 'msg_1', model: 'up-1', content: [] });
    expect(events[2].delta).toEqual({ type: 'thinking_delta', thinking: 'let me ' });
    expect(events[6].delta).toEqual({ type: 'signature_delta', signature: 'sig' });
    expect(events[9].delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('keeps interleaved parallel tool calls apart by block index', async () => {
    const events = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    const json = (index: number) =>
      events
        .filter((e) => e.type === 'content_block_delta' && e.index === index)
        .map((e) => e.delta.partial_json)
        .join('');
    expect(json(0)).toBe('{"x":1}');
    expect(json(1)).toBe('{}');
    expect(events.filter((e) => e.type === 'content_block_stop')).toHaveLength(2);
    expect(events.at(-2)!.delta.stop_reason).toBe('tool_use');
  });

  it('ends with the error event alone when a chat error comes first', async () => {
    const events = await translate([
      'data: {"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded"}}\n\n',
    ]);
    expect(events).toEqual([{ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }]);
  });

  it('answers an empty stream with an empty message', async () => {
    const events = await translate([]);
    expect(events.map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });
});
