import { describe, expect, it } from 'vitest';
import { assembleCompletion, StreamAssembler } from '../../src/cache/assemble';
import { replay, replayFrames } from '../../src/cache/replay';
import type { ChatCompletion } from '../../src/providers/types';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 5, model: 'gemini-3-pro' };
const frame = (choices: unknown[]) => JSON.stringify({ ...head, choices });
const call = (c: Record<string, unknown>) =>
  frame([{ index: 0, delta: { role: 'assistant', tool_calls: [c] }, finish_reason: null }]);
const signed = (signature: string) => ({ google: { thought_signature: signature } });

// Gemini's OpenAI-compatible stream: each call whole in one chunk, without an index, its thought
// signature in the call's `extra_content` — which Gemini 3 wants back on that call next turn.
const geminiFrames = [
  call({
    id: 'call_a',
    type: 'function',
    function: { name: 'weather', arguments: '{"city":"Paris"}' },
    extra_content: signed('sigA=='),
  }),
  call({
    id: 'call_b',
    type: 'function',
    function: { name: 'weather', arguments: '{"city":"Rome"}' },
    extra_content: signed('sigB=='),
  }),
  frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
];

const expectedCalls = [
  {
    id: 'call_a',
    type: 'function',
    function: { name: 'weather', arguments: '{"city":"Paris"}' },
    extra_content: signed('sigA=='),
  },
  {
    id: 'call_b',
    type: 'function',
    function: { name: 'weather', arguments: '{"city":"Rome"}' },
    extra_content: signed('sigB=='),
  },
];

const entryOf = (completion: ChatCompletion) => ({
  v: 1 as const,
  completion,
  createdAt: 0,
  expiresAt: 1,
  costUsd: 0,
  provider: 'gemini',
  model: 'gemini-3-pro',
});

const callsIn = (completion: ChatCompletion) =>
  (completion.choices[0] as { message: { tool_calls?: unknown[] } }).message.tool_calls;

describe("a tool call's own fields in a cached streamed answer (Gemini's thought signatures)", () => {
  it('keeps each call its own extra_content when the stream is assembled', () => {
    const completion = assembleCompletion(geminiFrames)!;
    expect(callsIn(completion)).toEqual(expectedCalls);
    expectOpenAIShape('CreateChatCompletionResponse', completion);
  });

  it('sets no prototype from a __proto__ a call delta names, at its top or inside its fields', () => {
    const raw =
      '{"id":"call_a","type":"function","function":{"name":"f","arguments":"{}"},"__proto__":{"x":1},"extra_content":{"__proto__":{"y":2},"google":{"thought_signature":"s"}}}';
    const delta = JSON.parse(raw);
    // Twice: the second merges into what the first kept.
    const completion = assembleCompletion([
      call(delta),
      call({ index: undefined, ...delta, function: { arguments: '' } }),
      geminiFrames[2]!,
    ])!;
    const [kept] = callsIn(completion) as Record<string, Record<string, unknown>>[];
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(kept!.extra_content)).toBe(Object.prototype);
    expect((kept as { x?: unknown }).x).toBeUndefined();
    expect((kept!.extra_content as { y?: unknown }).y).toBeUndefined();
    expect(kept!.extra_content!.google).toEqual({ thought_signature: 's' });
  });

  it('serves both signatures again on their calls, as JSON and as a stream', async () => {
    const completion = assembleCompletion(geminiFrames)!;
    const json = replay(entryOf(completion), { stream: false }, new Headers(), () => {});
    expect(callsIn((await json.json()) as ChatCompletion)).toEqual(expectedCalls);

    const streamed = replay(entryOf(completion), { stream: true }, new Headers(), () => {});
    const events = sseEvents(await streamed.text()) as { choices: { delta: { tool_calls?: unknown[] } }[] }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events[0]!.choices[0]!.delta.tool_calls).toEqual(
      expectedCalls.map((c, index) => ({ index, ...c })),
    );
    // A client that assembles the replayed stream has the answer the cache stored.
    const frames = replayFrames(completion, false)
      .map((f) => f.slice(6).trim())
      .filter((f) => f !== '[DONE]');
    expect(assembleCompletion(frames)).toEqual(completion);
  });

  it("merges a call's fields sent over its fragments, never joins them: a repeated signature stays whole", () => {
    const frames = [
      call({
        index: 0,
        id: 'call_a',
        type: 'function',
        function: { name: 'weather', arguments: '{"city":' },
        extra_content: signed('sigA=='),
      }),
      call({ index: 0, function: { arguments: '"Paris"}' }, extra_content: signed('sigA==') }),
      call({ index: 0, extra_content: { other_vendor: { step: 2 } }, note: null }),
      frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ];
    const calls = callsIn(assembleCompletion(frames)!);
    expect(calls?.[0]).not.toHaveProperty('note');
    expect(calls).toEqual([
      {
        id: 'call_a',
        type: 'function',
        function: { name: 'weather', arguments: '{"city":"Paris"}' },
        extra_content: { google: { thought_signature: 'sigA==' }, other_vendor: { step: 2 } },
      },
    ]);
  });

  it("counts a call's own fields at their full size toward the answer's limit", () => {
    const big = call({
      id: 'call_a',
      type: 'function',
      function: { name: 'f', arguments: '{}' },
      extra_content: signed('s'.repeat(1000)),
    });
    const assembler = new StreamAssembler(big.length);
    expect(assembler.add(big)).toBe(true);
    expect(assembler.add(big)).toBe(false);
  });
});
