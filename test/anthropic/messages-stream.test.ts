import { describe, expect, it } from 'vitest';
import { completionToMessage } from '../../src/anthropic/messages-answer';
import { messagesEventStream } from '../../src/anthropic/messages-stream';
import { assembleCompletion } from '../../src/cache/assemble';
import { replayFrames } from '../../src/cache/replay';
import { unpackBlocks } from '../../src/openai/responses-reasoning';
import type { Json } from '../helpers/gateway';
import { claudeDetail } from '../helpers/openrouter-claude';

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

/** The content the events build, as a client does: blocks by start order, deltas by index. */
function assemble(events: Json[]): Json[] {
  const content: Json[] = [];
  const json: string[] = [];
  for (const event of events) {
    if (event.type === 'content_block_start') {
      expect(event.index).toBe(content.length);
      content.push({ ...event.content_block });
      json.push('');
    } else if (event.type === 'content_block_delta') {
      const block = content[event.index]!;
      const delta = event.delta;
      if (delta.type === 'text_delta') block.text += delta.text;
      else if (delta.type === 'thinking_delta') block.thinking += delta.thinking;
      else if (delta.type === 'signature_delta') block.signature = delta.signature;
      else if (delta.type === 'input_json_delta') json[event.index] += delta.partial_json;
    } else if (event.type === 'content_block_stop' && content[event.index]!.type === 'tool_use') {
      content[event.index]!.input = JSON.parse(json[event.index] || '{}');
    }
  }
  return content;
}

/** As at Anthropic: one block open at a time, and every delta between its block's start and stop. */
function expectOneBlockAtATime(events: Json[]): void {
  let open: number | undefined;
  for (const event of events) {
    if (event.type === 'content_block_start') {
      expect(open, 'a block started before the last one stopped').toBeUndefined();
      open = event.index;
    } else if (event.type === 'content_block_delta') expect(event.index).toBe(open);
    else if (event.type === 'content_block_stop') {
      expect(event.index).toBe(open);
      open = undefined;
    }
  }
}

describe('chat stream → Anthropic events', () => {
  it('streams reasoning as a thinking block signed by the thinking_blocks delta that follows it', async () => {
    // The order the Anthropic and Bedrock adapters stream in for the Messages API
    // (ChatCall.thinkingAsSigned): a block's signed copy right after its text.
    const events = await translate([
      chunk({ role: 'assistant', reasoning_content: 'let me ' }),
      chunk({ reasoning_content: 'think' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'let me think', signature: 'sig' }] }),
      chunk({ content: 'Answer' }),
      chunk({}, 'stop'),
      'data: [DONE]\n\n',
    ]);
    expect(events.map((e) => `${e.type}${e.index ?? ''}`)).toEqual([
      'message_start',
      'content_block_start0',
      'content_block_delta0',
      'content_block_delta0',
      'content_block_delta0',
      'content_block_stop0',
      'content_block_start1',
      'content_block_delta1',
      'content_block_stop1',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0].message).toMatchObject({ id: 'msg_1', model: 'up-1', content: [] });
    expect(events[2].delta).toEqual({ type: 'thinking_delta', thinking: 'let me ' });
    expect(events[4].delta).toEqual({ type: 'signature_delta', signature: 'sig' });
    expect(events[9].delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it("streams Claude's reasoning through OpenRouter (reasoning_details) as blocks, each signed before its stop", async () => {
    const events = await translate([
      chunk({
        role: 'assistant',
        content: '',
        reasoning: null,
        reasoning_details: [claudeDetail('', 0, '')],
      }),
      chunk({ content: '', reasoning: 'Let me ', reasoning_details: [claudeDetail('Let me ', 0)] }),
      chunk({ content: '', reasoning: 'look.', reasoning_details: [claudeDetail('look.', 0)] }),
      chunk({ content: '', reasoning: null, reasoning_details: [claudeDetail('', 0, 'EqsigA')] }),
      chunk({
        reasoning_details: [
          { type: 'reasoning.encrypted', data: 'opaque', format: 'anthropic-claude-v1', index: 1 },
        ],
      }),
      chunk({ reasoning: 'Then', reasoning_details: [claudeDetail('Then', 2)] }),
      chunk({ reasoning_details: [claudeDetail('', 2, 'EqsigB')] }),
      chunk({ content: 'Checking.' }),
      chunk({ tool_calls: [{ index: 0, id: 'toolu_1', function: { name: 'weather', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(assemble(events)).toEqual([
      { type: 'thinking', thinking: 'Let me look.', signature: 'EqsigA' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'Then', signature: 'EqsigB' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
    ]);
    expectOneBlockAtATime(events);
    // As Anthropic streams a thinking block: its text, then its signature, then its stop.
    expect(events.slice(1, 6).map((e) => e.delta?.type ?? e.type)).toEqual([
      'content_block_start',
      'thinking_delta',
      'thinking_delta',
      'signature_delta',
      'content_block_stop',
    ]);
  });

  it('brings a block whose OpenRouter signature came after it stopped again, signed, as a packed redacted block', async () => {
    const piece = (text: string, signature = '', index = 0) => ({
      type: 'reasoning.text',
      text,
      signature,
      format: 'anthropic-claude-v1',
      index,
    });
    const events = await translate([
      chunk({ reasoning: 'Hm', reasoning_details: [piece('Hm')] }),
      chunk({ content: 'Ans' }),
      chunk({ reasoning_details: [piece('', 'late')] }),
      chunk({ content: 'wer' }),
      // A signature again, for the block signed already: nothing more.
      chunk({ reasoning_details: [piece('', 'late')] }),
      chunk({}, 'stop'),
    ]);
    expectOneBlockAtATime(events);
    const content = assemble(events);
    expect(content.map((block) => block.type)).toEqual(['thinking', 'text', 'redacted_thinking', 'text']);
    // The streamed block signs nothing it did not hold: no signature_delta after its stop.
    expect(content[0]).toEqual({ type: 'thinking', thinking: 'Hm', signature: '' });
    expect(events.filter((e) => e.delta?.type === 'signature_delta')).toEqual([]);
    expect(unpackBlocks(String(content[2]!.data))).toEqual([
      { type: 'thinking', thinking: 'Hm', signature: 'late' },
    ]);
  });

  it('ends unsigned reasoning (DeepSeek-style) when the text starts, as Anthropic ends a block', async () => {
    const events = await translate([
      chunk({ role: 'assistant', reasoning_content: 'hmm' }),
      chunk({ content: 'Answer' }),
      chunk({}, 'stop'),
    ]);
    expect(events.map((e) => `${e.type}${e.index ?? ''}`)).toEqual([
      'message_start',
      'content_block_start0',
      'content_block_delta0',
      'content_block_stop0',
      'content_block_start1',
      'content_block_delta1',
      'content_block_stop1',
      'message_delta',
      'message_stop',
    ]);
    expect(assemble(events)[0]).toEqual({ type: 'thinking', thinking: 'hmm', signature: '' });
  });

  it('gives every thinking block its own signature before its stop, and redacted ones as blocks', async () => {
    const events = await translate([
      chunk({ role: 'assistant', reasoning_content: 'first ' }),
      chunk({ reasoning_content: 'thought' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'first thought', signature: 'sigA' }] }),
      chunk({ content: 'Let me look.' }),
      chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'opaque' }] }),
      chunk({ reasoning_content: 'second thought' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'second thought', signature: 'sigB' }] }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'sigC' }] }),
      chunk({ tool_calls: [{ index: 0, id: 'toolu_1', function: { name: 'f', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    const content = assemble(events);
    expect(content).toEqual([
      { type: 'thinking', thinking: 'first thought', signature: 'sigA' },
      { type: 'text', text: 'Let me look.' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'second thought', signature: 'sigB' },
      { type: 'thinking', thinking: '', signature: 'sigC' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
    ]);
    // No block is open beside another: each stops before the next starts.
    const starts = events.filter((e) => e.type === 'content_block_start').map((e) => events.indexOf(e));
    const stops = events.filter((e) => e.type === 'content_block_stop').map((e) => events.indexOf(e));
    for (let i = 1; i < starts.length; i++) expect(stops[i - 1]).toBeLessThan(starts[i]!);
    // Each block's signature_delta comes before its stop; each block is started and stopped once.
    for (const [index, block] of content.entries()) {
      const at = (type: string) => events.findIndex((e) => e.type === type && e.index === index);
      expect(events.filter((e) => e.type === 'content_block_stop' && e.index === index)).toHaveLength(1);
      if (block.type === 'thinking') {
        const signed = events.findIndex((e) => e.index === index && e.delta?.type === 'signature_delta');
        expect(signed).toBeGreaterThan(at('content_block_start'));
        expect(signed).toBeLessThan(at('content_block_stop'));
      }
    }
  });

  it('sends a replayed answer’s signed blocks whole and first, without its reasoning twice', async () => {
    const events = await translate([
      chunk({
        role: 'assistant',
        content: 'Hi',
        reasoning_content: 'ab',
        thinking_blocks: [
          { type: 'thinking', thinking: 'a', signature: 's1' },
          { type: 'thinking', thinking: 'b', signature: 's2' },
        ],
      }),
      chunk({}, 'stop'),
    ]);
    expect(assemble(events)).toEqual([
      { type: 'thinking', thinking: 'a', signature: 's1' },
      { type: 'thinking', thinking: 'b', signature: 's2' },
      { type: 'text', text: 'Hi' },
    ]);
  });

  it('tells the stop sequence Bedrock names in the finish chunk', async () => {
    const events = await translate([
      chunk({ content: 'one two' }),
      `data: ${JSON.stringify({
        model: 'up-1',
        additionalModelResponseFields: { stop_sequence: 'three' },
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      })}\n\n`,
    ]);
    expect(events.at(-2)!.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'three' });
  });

  it("stops with refusal when the model refused (OpenAI's delta.refusal), its words streamed as text", async () => {
    const events = await translate([
      chunk({ role: 'assistant', refusal: '' }),
      chunk({ refusal: 'I can’t ' }),
      chunk({ refusal: 'help with that.' }),
      chunk({}, 'stop'),
    ]);
    expect(assemble(events)).toEqual([{ type: 'text', text: 'I can’t help with that.' }]);
    expect(events.at(-2)!.delta).toEqual({ stop_reason: 'refusal', stop_sequence: null });
    // Nothing refused: an empty refusal delta is none.
    const plain = await translate([chunk({ content: 'Hi', refusal: '' }), chunk({}, 'stop')]);
    expect(plain.at(-2)!.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('writes interleaved parallel tool calls one block at a time, each delta before its stop', async () => {
    const events = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expectOneBlockAtATime(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
      { type: 'tool_use', id: 'b', name: 'g', input: {} },
    ]);
    expect(events.at(-2)!.delta.stop_reason).toBe('tool_use');
  });

  it('still streams calls that come one after another as they come', async () => {
    const events = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{"y":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '2}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(events.slice(1, -2).map((e) => [e.type, e.index, e.delta?.partial_json])).toEqual([
      ['content_block_start', 0, undefined],
      ['content_block_delta', 0, '{"x":1}'],
      ['content_block_stop', 0, undefined],
      ['content_block_start', 1, undefined],
      ['content_block_delta', 1, '{"y":'],
      ['content_block_delta', 1, '2}'],
      ['content_block_stop', 1, undefined],
    ]);
  });

  it('keeps a call whole when text comes between its fragments and another call’s, the text after the calls', async () => {
    // Fragments of call 0, text, call 1, then call 0 again: the text cannot stop call 0's block
    // while its arguments go on (no delta may follow a block's stop), so it waits for the calls.
    const frames = [
      chunk({
        role: 'assistant',
        tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"city":' } }],
      }),
      chunk({ content: 'Looking both up.' }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{"q":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"x"}' } }] }),
      chunk({ content: ' Done.' }),
      chunk({}, 'tool_calls'),
    ];
    const events = await translate(frames);
    expectOneBlockAtATime(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'b', name: 'g', input: { q: 'x' } },
      { type: 'text', text: 'Looking both up. Done.' },
    ]);
    expect(events.at(-2)!.delta.stop_reason).toBe('tool_use');
    // The JSON answer and the cached stream's replay hold the same text and calls.
    const data = frames.map((frame) =>
      JSON.stringify({ id: 'chatcmpl-1', created: 1, ...JSON.parse(frame.slice(6)) }),
    );
    const stored = assembleCompletion(data)!;
    const answer = completionToMessage(stored as unknown as Json, 'msg_1', 'alias');
    const replayed = assemble(await translate(replayFrames(stored, false)));
    for (const content of [answer.content, replayed])
      expect(content).toEqual([
        { type: 'text', text: 'Looking both up. Done.' },
        ...assemble(events).slice(0, 2),
      ]);
  });

  it('keeps a call whole when reasoning comes between its fragments, the thinking block after it', async () => {
    const events = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ reasoning_content: 'hmm' }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expectOneBlockAtATime(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
      { type: 'thinking', thinking: 'hmm', signature: '' },
    ]);
  });

  it('writes text held behind a call that never becomes whole once the answer ends, after the call', async () => {
    const events = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }),
      chunk({ content: 'cut' }),
      chunk({}, 'length'),
    ]);
    expectOneBlockAtATime(events);
    expect(events.slice(1, -2).map((e) => [e.type, e.index, e.delta?.partial_json ?? e.delta?.text])).toEqual(
      [
        ['content_block_start', 0, undefined],
        ['content_block_delta', 0, '{"x":'],
        ['content_block_stop', 0, undefined],
        ['content_block_start', 1, undefined],
        ['content_block_delta', 1, 'cut'],
        ['content_block_stop', 1, undefined],
      ],
    );
    expect(events.at(-2)!.delta.stop_reason).toBe('max_tokens');
  });

  it('sends nothing for a stopped block when a call goes on after its arguments were whole', async () => {
    // Call 0 is whole when call 1 begins, so its block stops; what it sends after can only be
    // whitespace (or the provider's fault), and no delta may follow the stop.
    const events = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":1}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{"y":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '\n' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '2}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expectOneBlockAtATime(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
      { type: 'tool_use', id: 'b', name: 'g', input: { y: 2 } },
    ]);
  });

  it('streams the arguments of calls that come in order as each fragment arrives, after the text', async () => {
    const stream = messagesEventStream('msg_1', 'alias');
    const writer = stream.writable.getWriter();
    let out = '';
    const read = stream.readable.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(text) {
          out += text;
        },
      }),
    );
    /** Writes a frame and gives what the translation sent for it before the next one comes. */
    const send = async (frame: string) => {
      const before = out.length;
      await writer.write(new TextEncoder().encode(frame));
      await new Promise((resolve) => setTimeout(resolve, 0));
      return out.slice(before);
    };
    expect(await send(chunk({ role: 'assistant', content: 'Let me look.' }))).toContain(
      '"text":"Let me look."',
    );
    const call = { index: 0, id: 'a', function: { name: 'f', arguments: '' } };
    expect(await send(chunk({ content: null, tool_calls: [call] }))).toContain('"type":"tool_use"');
    const first = { index: 0, function: { arguments: '{"x":' } };
    expect(await send(chunk({ content: '', tool_calls: [first] }))).toContain('"partial_json":"{\\"x\\":"');
    const second = { index: 0, function: { arguments: '1}' } };
    expect(await send(chunk({ tool_calls: [second] }))).toContain('"partial_json":"1}"');
    await send(chunk({}, 'tool_calls'));
    await writer.close();
    await read;
    const events = out
      .split('\n\n')
      .filter((frame) => frame !== '')
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice(6)));
    expectOneBlockAtATime(events);
    expect(assemble(events)).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
    ]);
  });

  it.each([
    [
      'one index for all (SGLang, Dynamo)',
      [
        { index: 0, id: 'a', function: { name: 'f', arguments: '{"x":1}' } },
        { index: 0, id: 'b', function: { name: 'g', arguments: '{"y":2}' } },
      ],
    ],
    [
      "no index (Gemini's OpenAI-compatible endpoint)",
      [
        { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
        { id: 'b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } },
      ],
    ],
  ])('tells parallel calls apart by their ids when the provider gives %s', async (_, calls) => {
    const events = await translate([
      ...calls.map((call) => chunk({ tool_calls: [call] })),
      chunk({}, 'tool_calls'),
    ]);
    expectOneBlockAtATime(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
      { type: 'tool_use', id: 'b', name: 'g', input: { y: 2 } },
    ]);
  });

  it.each([
    ['at its index', (call: Json) => ({ index: 0, ...call })],
    ['without an index', (call: Json) => call],
  ])(
    'keeps a call whole when its later deltas carry another id but no name (Poolside), %s',
    async (_, at) => {
      const events = await translate([
        chunk({ tool_calls: [at({ id: 'a', function: { name: 'f', arguments: '' } })] }),
        chunk({ tool_calls: [at({ id: 'a2', function: { arguments: '{"x":' } })] }),
        chunk({ tool_calls: [at({ id: 'a3', function: { arguments: '1}' } })] }),
        chunk({}, 'tool_calls'),
      ]);
      expectOneBlockAtATime(events);
      expect(assemble(events)).toEqual([{ type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } }]);
    },
  );

  it('tells apart calls without index or id by their names, their arguments going to the call last named', async () => {
    const events = await translate([
      chunk({
        tool_calls: [
          { function: { name: 'f', arguments: '{"x":' } },
          { function: { arguments: '1}' } },
          { function: { name: 'g', arguments: '{}' } },
        ],
      }),
      chunk({}, 'tool_calls'),
    ]);
    expect(assemble(events)).toMatchObject([
      { type: 'tool_use', id: 'toolu_1_0', name: 'f', input: { x: 1 } },
      { type: 'tool_use', id: 'toolu_1_1', name: 'g', input: {} },
    ]);
  });

  it('ends with the error event alone when a chat error comes first', async () => {
    const events = await translate([
      'data: {"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded"}}\n\n',
    ]);
    expect(events).toEqual([{ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }]);
  });

  it("ends with an error event of the type an answer of the failure's status has", async () => {
    const failed = async (type: string, code: string) => {
      const error = `data: ${JSON.stringify({ error: { message: 'm', type, param: null, code } })}\n\n`;
      const events = await translate([chunk({ content: 'a' }), error]);
      expect(events.at(-1)!.type).toBe('error');
      return events.at(-1)!.error.type;
    };
    expect(await failed('permission_error', 'guardrail_blocked')).toBe('permission_error');
    expect(await failed('invalid_request_error', 'context_length_exceeded')).toBe('invalid_request_error');
    expect(await failed('invalid_request_error', 'content_filter')).toBe('invalid_request_error');
    expect(await failed('rate_limit_error', 'rate_limit_exceeded')).toBe('rate_limit_error');
    expect(await failed('timeout_error', 'stream_idle_timeout')).toBe('timeout_error');
    expect(await failed('api_error', 'upstream_error')).toBe('api_error');
    expect(await failed('api_error', 'overloaded')).toBe('overloaded_error');
  });

  it('answers an empty stream with an empty message', async () => {
    const events = await translate([]);
    expect(events.map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });
});
