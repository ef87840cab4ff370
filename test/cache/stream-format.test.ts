import { describe, expect, it } from 'vitest';
import { assembleCompletion, StreamAssembler } from '../../src/cache/assemble';
import { replayFrames } from '../../src/cache/replay';
import type { ChatCompletion } from '../../src/providers/types';
import { expectOpenAIShape, sseEvents } from '../helpers/openapi';

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 5, model: 'gpt-x' };
const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...head, choices, ...extra });

describe('assembling a streamed answer', () => {
  it('joins content deltas per choice and keeps the finish reason, usage and fingerprint', () => {
    const frames = [
      frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], {
        system_fingerprint: 'fp_1',
      }),
      frame([{ index: 1, delta: { role: 'assistant', content: 'B' }, finish_reason: null }]),
      frame([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]),
      frame([{ index: 0, delta: { content: 'lo' }, finish_reason: null }]),
      frame([{ index: 1, delta: {}, finish_reason: 'length' }]),
      frame([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      frame([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
    ];
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    const completion = assembleCompletion(frames, usage)!;
    expect(completion).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 5,
      model: 'gpt-x',
      system_fingerprint: 'fp_1',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'B', refusal: null },
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage,
    });
    expectOpenAIShape('CreateChatCompletionResponse', completion);
  });

  it('rebuilds tool calls from their argument fragments', () => {
    const frames = [
      frame([
        {
          index: 0,
          delta: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          },
          finish_reason: null,
        },
      ]),
      frame([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
          finish_reason: null,
        },
      ]),
      frame([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
          finish_reason: null,
        },
      ]),
      frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ];
    const completion = assembleCompletion(frames)!;
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('keeps parallel calls apart that share one index (Ollama, SGLang): a new id with a name is a new call', () => {
    const call = (c: Record<string, unknown>) =>
      frame([{ index: 0, delta: { tool_calls: [c] }, finish_reason: null }]);
    const frames = [
      frame([{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }]),
      call({ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }),
      call({ index: 0, function: { arguments: '{"city":"Paris"}' } }),
      call({ index: 0, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{"tz":' } }),
      // The same id again, without a name, is more of the same call.
      call({ index: 0, id: 'call_b', function: { arguments: '"UTC"}' } }),
      frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ];
    expect(assembleCompletion(frames)!.choices[0]).toMatchObject({
      message: {
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{"tz":"UTC"}' } },
        ],
      },
    });
  });

  it("follows calls that come without an index (Gemini's compatible API) by id, and fragments to the last", () => {
    const call = (c: Record<string, unknown>) =>
      frame([{ index: 0, delta: { tool_calls: [c] }, finish_reason: null }]);
    const frames = [
      call({ id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":' } }),
      call({ function: { arguments: '"Paris"}' } }),
      call({ id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":' } }),
      call({ id: 'call_b', function: { arguments: '"Rome"}' } }),
      frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ];
    const completion = assembleCompletion(frames)!;
    expect(completion.choices[0]).toMatchObject({
      message: {
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
    });
    expectOpenAIShape('CreateChatCompletionResponse', completion);
  });

  it('keeps a call named on every fragment (as some services stream it) by its name once', () => {
    const call = (c: Record<string, unknown>) =>
      frame([{ index: 0, delta: { tool_calls: [c] }, finish_reason: null }]);
    const frames = [
      call({
        index: 0,
        id: 'call_a',
        type: 'function',
        function: { name: 'weather', arguments: '{"city":' },
      }),
      call({ index: 0, function: { name: 'weather', arguments: '"Paris"}' } }),
      call({ index: 0, type: 'custom', id: 'call_b', custom: { name: 'patch', input: 'a' } }),
      call({ index: 0, custom: { name: 'patch', input: 'b' } }),
      frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ];
    expect(assembleCompletion(frames)!.choices[0]).toMatchObject({
      message: {
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'custom', custom: { name: 'patch', input: 'ab' } },
        ],
      },
    });
  });

  it('keeps reasoning and thinking blocks, so a replayed answer can go back in a tool loop', () => {
    const block = { type: 'thinking', thinking: 'Hmm.', signature: 'sig' };
    const frames = [
      frame([
        { index: 0, delta: { role: 'assistant', content: '', reasoning_content: 'Hm' }, finish_reason: null },
      ]),
      frame([{ index: 0, delta: { reasoning_content: 'm.' }, finish_reason: null }]),
      frame([{ index: 0, delta: { thinking_blocks: [block] }, finish_reason: null }]),
      frame([{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }]),
    ];
    const completion = assembleCompletion(frames)!;
    expect(completion.choices[0]).toMatchObject({
      message: { content: 'Hi', reasoning_content: 'Hmm.', thinking_blocks: [block] },
    });
    // And the replay carries them again.
    const replayed = replayFrames(completion, false)
      .filter((f) => f.startsWith('data: {'))
      .map((f) => f.slice(6));
    expect(assembleCompletion(replayed)).toEqual(completion);
  });

  it('keeps fields it does not know (OpenRouter reasoning): text joined, arrays concatenated, else the last', () => {
    const details = [
      { type: 'reasoning.text', text: 'Hm' },
      { type: 'reasoning.encrypted', data: 'sig' },
    ];
    const frames = [
      frame([
        {
          index: 0,
          delta: { role: 'assistant', content: '', reasoning: 'Hm', reasoning_details: [details[0]] },
        },
      ]),
      frame([{ index: 0, delta: { reasoning: 'm.', reasoning_details: [details[1]], provider_step: 1 } }]),
      frame([
        { index: 0, delta: { content: 'Hi', reasoning: null, provider_step: 2 }, finish_reason: 'stop' },
      ]),
    ];
    const completion = assembleCompletion(frames)!;
    expect(completion.choices[0]).toMatchObject({
      message: { content: 'Hi', reasoning: 'Hmm.', reasoning_details: details, provider_step: 2 },
    });
    const replayed = replayFrames(completion, false)
      .filter((f) => f.startsWith('data: {'))
      .map((f) => f.slice(6));
    expect(assembleCompletion(replayed)).toEqual(completion);
  });

  it("carries Bedrock's additionalModelResponseFields from the finish chunk to the answer", () => {
    const fields = { stop_sequence: '\n\nHuman:' };
    const frames = [
      frame([{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }]),
      frame([{ index: 0, delta: {}, finish_reason: 'stop' }], { additionalModelResponseFields: fields }),
    ];
    const completion = assembleCompletion(frames)!;
    expect(completion.additionalModelResponseFields).toEqual(fields);
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    // Anything but an object there is not Bedrock's answer fields: left out.
    const odd = [
      frames[0]!,
      frame([{ index: 0, delta: {}, finish_reason: 'stop' }], { additionalModelResponseFields: 'x' }),
    ];
    expect(assembleCompletion(odd)).not.toHaveProperty('additionalModelResponseFields');
    expect(assembleCompletion(frames.slice(0, 1))).not.toHaveProperty('additionalModelResponseFields');
  });

  it("carries Claude's matched stop_sequence from the finish chunk to the answer, and replays it there", () => {
    // A streamed answer cached, then served again: /v1/messages still says which sequence matched.
    const frames = [
      frame([{ index: 0, delta: { role: 'assistant', content: 'one two' }, finish_reason: null }]),
      frame([{ index: 0, delta: {}, finish_reason: 'stop' }], { stop_sequence: 'three' }),
    ];
    const completion = assembleCompletion(frames)!;
    expect(completion.stop_sequence).toBe('three');
    expectOpenAIShape('CreateChatCompletionResponse', completion);
    const replayed = sseEvents(replayFrames(completion, false).join('')) as Record<string, unknown>[];
    const carrying = replayed.filter((e) => 'stop_sequence' in e);
    expect(carrying).toEqual([expect.objectContaining({ stop_sequence: 'three' })]);
    expect(carrying[0]!.choices).toMatchObject([{ finish_reason: 'stop' }]);
    expect(assembleCompletion(replayed.map((e) => JSON.stringify(e)))).toEqual(completion);
    expect(assembleCompletion(frames.slice(0, 1))).not.toHaveProperty('stop_sequence');
  });

  it('gives up on a stream that is not OpenAI chunks', () => {
    expect(assembleCompletion(['not json'])).toBeUndefined();
    expect(assembleCompletion([JSON.stringify({ error: { message: 'x' } })])).toBeUndefined();
    expect(assembleCompletion([])).toBeUndefined();
  });
});

describe('replaying a stored answer as SSE', () => {
  const stored: ChatCompletion = {
    id: 'chatcmpl-9',
    object: 'chat.completion',
    created: 9,
    model: 'gpt-x',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hi there', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
  };

  it('emits valid chunks, a usage chunk only when asked, and [DONE]', () => {
    const withUsage = replayFrames(stored, true);
    expect(withUsage.at(-1)).toBe('data: [DONE]\n\n');
    const events = sseEvents(withUsage.join('')) as { choices: unknown[]; usage?: unknown }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events.at(-1)).toMatchObject({ choices: [], usage: stored.usage });
    const withoutUsage = sseEvents(replayFrames(stored, false).join('')) as { usage?: unknown }[];
    expect(withoutUsage.every((event) => event.usage === undefined)).toBe(true);
  });

  it('round-trips: the replayed stream assembles back into the stored answer', () => {
    const frames = replayFrames(stored, false)
      .map((f) => f.slice(6).trim())
      .filter((f) => f !== '[DONE]');
    expect(assembleCompletion(frames, stored.usage)).toEqual(stored);
  });

  it("puts Bedrock's additionalModelResponseFields on the first finish chunk only, and round-trips", () => {
    const fields = { stop_sequence: '\n\nHuman:' };
    const second = { ...(stored.choices[0] as object), index: 1 };
    const withFields: ChatCompletion = {
      ...stored,
      choices: [...stored.choices, second],
      additionalModelResponseFields: fields,
    };
    const events = sseEvents(replayFrames(withFields, true).join('')) as {
      choices: { index: number; finish_reason: string | null }[];
      additionalModelResponseFields?: unknown;
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    const carrying = events.filter((e) => 'additionalModelResponseFields' in e);
    expect(carrying).toHaveLength(1);
    expect(carrying[0]!.choices).toMatchObject([{ index: 0, finish_reason: 'stop' }]);
    expect(carrying[0]!.additionalModelResponseFields).toEqual(fields);
    const frames = replayFrames(withFields, false)
      .map((f) => f.slice(6).trim())
      .filter((f) => f !== '[DONE]');
    expect(assembleCompletion(frames, stored.usage)).toEqual(withFields);
    expect(replayFrames(stored, true).join('')).not.toContain('additionalModelResponseFields');
  });

  it("carries the message's other fields (a provider's reasoning_details) in the delta, not its nulls", () => {
    const details = [{ type: 'reasoning.text', text: 'Because.' }];
    const message = {
      role: 'assistant',
      content: 'Hi',
      refusal: null,
      reasoning: 'Because.',
      reasoning_details: details,
    };
    const withReasoning: ChatCompletion = {
      ...stored,
      choices: [{ ...(stored.choices[0] as object), message }],
    };
    const events = sseEvents(replayFrames(withReasoning, false).join('')) as {
      choices: { delta: Record<string, unknown> }[];
    }[];
    expect(events[0]!.choices[0]!.delta).toEqual({
      role: 'assistant',
      content: 'Hi',
      reasoning: 'Because.',
      reasoning_details: details,
    });
  });

  it('replays tool calls with their indexes', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    const withCall: ChatCompletion = {
      ...stored,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: null, tool_calls: [call] },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
    };
    const events = sseEvents(replayFrames(withCall, false).join('')) as {
      choices: { delta: { tool_calls?: unknown[] } }[];
    }[];
    for (const event of events) expectOpenAIShape('CreateChatCompletionStreamResponse', event);
    expect(events[0]!.choices[0]!.delta.tool_calls).toEqual([{ index: 0, ...call }]);
  });
});

describe('StreamAssembler', () => {
  it('builds the answer as chunks arrive, and gives up on one larger than its limit', () => {
    const frame = (content: string) =>
      JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content }, finish_reason: null }],
      });
    const small = new StreamAssembler(10);
    expect(small.add(frame('hello'))).toBe(true);
    expect(small.completion()?.choices).toHaveLength(1);
    expect(small.add(frame(' world!'))).toBe(false); // 12 characters of text
    expect(small.add(frame('.'))).toBe(false);
    expect(small.completion()).toBeUndefined();
  });

  it('counts logprobs toward its limit: a few characters of text can carry megabytes of them', () => {
    const top = Array.from({ length: 20 }, (_, i) => ({ token: `t${i}`, logprob: -i, bytes: [116] }));
    const frame = JSON.stringify({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          delta: { content: 'a' },
          logprobs: { content: [{ token: 'a', logprob: 0, bytes: [97], top_logprobs: top }] },
          finish_reason: null,
        },
      ],
    });
    const assembler = new StreamAssembler(frame.length * 3);
    expect(assembler.add(frame)).toBe(true);
    expect(assembler.add(frame)).toBe(true);
    expect(assembler.add(frame)).toBe(true);
    expect(assembler.add(frame)).toBe(false); // 4 characters of text, but 4 frames' worth of logprobs
    expect(assembler.completion()).toBeUndefined();
  });
});
