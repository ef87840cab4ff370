// The Responses translation gives its output items one at a time, as OpenAI's stream does, whatever
// order the chat stream's parallel calls come in — the first one streamed as it comes.
import { describe, expect, it } from 'vitest';
import { assembleCompletion } from '../../src/cache/assemble';
import { replayFrames } from '../../src/cache/replay';
import { completionToResponse, responseIds } from '../../src/openai/responses-answer';
import { responsesRequest } from '../../src/openai/responses-schema';
import { responsesEventStream } from '../../src/openai/responses-stream';
import type { Json } from '../helpers/gateway';
import { expectResponseEvent, responseEvents } from '../helpers/openapi';
import { expectItemsInSequence } from '../helpers/responses-order';

const chunk = (delta: Json, finish: string | null = null) =>
  `data: ${JSON.stringify({ model: 'up-1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const finish = chunk({}, 'tool_calls');
const call = (fields: Json) => chunk({ tool_calls: [fields] });
/** A call's first fragment, and one more of its arguments. */
const named = (index: number, id: string, name: string, args = '') =>
  call({ index, id, type: 'function', function: { name, arguments: args } });
const more = (index: number, args: string) => call({ index, function: { arguments: args } });

/**
 * The Responses events, frame by frame: what each chat frame brought out (as a client has them
 * before the next frame comes), the last entry what the end brought.
 */
async function stepwise(frames: string[]): Promise<Json[][]> {
  const stream = responsesEventStream(
    responsesRequest.parse({ model: 'alias', input: 'x' }),
    responseIds('req_abc'),
  );
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const reading = (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read())
      text += decoder.decode(read.value, { stream: true });
  })();
  const steps: Json[][] = [];
  let seen = 0;
  const take = async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const events = responseEvents(text);
    steps.push(events.slice(seen));
    seen = events.length;
  };
  for (const frame of frames) {
    await writer.write(new TextEncoder().encode(frame));
    await take();
  }
  await writer.close();
  await reading;
  await take();
  const events = steps.flat();
  for (const event of events) expectResponseEvent(event);
  expectItemsInSequence(events);
  return steps;
}

/** An event in short: its type without `response.`, its item's place, and its delta if any. */
const short = (event: Json) =>
  [event.type.replace('response.', ''), event.output_index, event.delta]
    .filter((x) => x !== undefined)
    .join(' ');
const shortSteps = (steps: Json[][]) => steps.map((events) => events.map(short));

describe('Responses stream item order', () => {
  it.each([
    ['by index (OpenAI)', (i: number, fields: Json) => ({ index: i, ...fields })],
    ['at one index, told apart by ids (SGLang)', (_: number, fields: Json) => ({ index: 0, ...fields })],
    ["without an index (Gemini's OpenAI-compatible API)", (_: number, fields: Json) => fields],
  ])('writes parallel calls that come one after another %s each whole, as they come', async (_, at) => {
    const steps = await stepwise([
      call(at(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":' } })),
      call(at(0, { function: { arguments: '1}' } })),
      call(at(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } })),
      finish,
    ]);
    expect(shortSteps(steps)).toEqual([
      ['created', 'in_progress', 'output_item.added 0', 'function_call_arguments.delta 0 {"x":'],
      ['function_call_arguments.delta 0 1}'],
      [
        'function_call_arguments.done 0',
        'output_item.done 0',
        'output_item.added 1',
        'function_call_arguments.delta 1 {"y":2}',
      ],
      [],
      ['function_call_arguments.done 1', 'output_item.done 1', 'completed'],
    ]);
    const output = steps.at(-1)!.at(-1)!.response.output;
    expect(output.map((item: Json) => [item.call_id, item.arguments])).toEqual([
      ['call_a', '{"x":1}'],
      ['call_b', '{"y":2}'],
    ]);
  });

  it('holds a call that interleaves with the open one until that one is whole, streaming the open one', async () => {
    const steps = await stepwise([
      named(0, 'call_a', 'f'),
      named(1, 'call_b', 'g', '{"y":'),
      more(0, '{"x":'),
      more(1, '2}'),
      more(0, '1}'),
      finish,
    ]);
    expect(shortSteps(steps)).toEqual([
      ['created', 'in_progress', 'output_item.added 0'],
      [],
      ['function_call_arguments.delta 0 {"x":'],
      [],
      [
        'function_call_arguments.delta 0 1}',
        'function_call_arguments.done 0',
        'output_item.done 0',
        'output_item.added 1',
        'function_call_arguments.delta 1 {"y":2}',
      ],
      [],
      ['function_call_arguments.done 1', 'output_item.done 1', 'completed'],
    ]);
    const done = steps.flat().filter((e) => e.type === 'response.output_item.done');
    expect(done.map((e) => [e.item.call_id, e.item.name, e.item.arguments])).toEqual([
      ['call_a', 'f', '{"x":1}'],
      ['call_b', 'g', '{"y":2}'],
    ]);
  });

  it("keeps a fragment of a call already done in the closing response's item, with no event after its done", async () => {
    const steps = await stepwise([
      named(0, 'call_a', 'f', '{"x":1}'),
      named(1, 'call_b', 'g', '{}'),
      more(0, '\n'),
      finish,
    ]);
    expect(steps.flat().map(short)).toEqual([
      'created',
      'in_progress',
      'output_item.added 0',
      'function_call_arguments.delta 0 {"x":1}',
      'function_call_arguments.done 0',
      'output_item.done 0',
      'output_item.added 1',
      'function_call_arguments.delta 1 {}',
      'function_call_arguments.done 1',
      'output_item.done 1',
      'completed',
    ]);
    const output = steps.at(-1)!.at(-1)!.response.output;
    expect(output.map((item: Json) => item.arguments)).toEqual(['{"x":1}\n', '{}']);
  });

  it('gives reasoning, then text, then parallel calls, each item done before the next', async () => {
    const steps = await stepwise([
      chunk({ reasoning_content: 'Hm' }),
      chunk({ content: 'Hi' }),
      named(0, 'call_a', 'f', '{}'),
      named(1, 'call_b', 'g', '{}'),
      finish,
    ]);
    expect(steps.flat().map(short)).toEqual([
      'created',
      'in_progress',
      'output_item.added 0',
      'reasoning_summary_part.added 0',
      'reasoning_summary_text.delta 0 Hm',
      'reasoning_summary_text.done 0',
      'reasoning_summary_part.done 0',
      'output_item.done 0',
      'output_item.added 1',
      'content_part.added 1',
      'output_text.delta 1 Hi',
      'output_text.done 1',
      'content_part.done 1',
      'output_item.done 1',
      'output_item.added 2',
      'function_call_arguments.delta 2 {}',
      'function_call_arguments.done 2',
      'output_item.done 2',
      'output_item.added 3',
      'function_call_arguments.delta 3 {}',
      'function_call_arguments.done 3',
      'output_item.done 3',
      'completed',
    ]);
  });

  it('writes a held call whole before a made image, and before a failure', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB';
    const image = chunk({
      images: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }],
    });
    const failure = `data: ${JSON.stringify({ error: { message: 'm', type: 'api_error', code: 'upstream_error' } })}\n\n`;
    const held = [named(0, 'call_a', 'f', '{"x":'), named(1, 'call_b', 'g', '{}')];
    const calls = [
      'output_item.added 0',
      'function_call_arguments.delta 0 {"x":',
      'function_call_arguments.done 0',
      'output_item.done 0',
      'output_item.added 1',
      'function_call_arguments.delta 1 {}',
      'function_call_arguments.done 1',
      'output_item.done 1',
    ];
    const imaged = await stepwise([...held, image, finish]);
    expect(imaged.flat().map(short)).toEqual([
      'created',
      'in_progress',
      ...calls,
      'output_item.added 2',
      'image_generation_call.completed 2',
      'output_item.done 2',
      'completed',
    ]);
    const failed = (await stepwise([...held, failure])).flat();
    expect(failed.map(short)).toEqual(['created', 'in_progress', ...calls, 'failed']);
    expect(failed.at(-1)!.response.output.map((item: Json) => item.status)).toEqual([
      'incomplete',
      'incomplete',
    ]);
  });
});

describe('Responses stream: what a provider says among a call’s fragments', () => {
  const done = (steps: Json[][]) =>
    steps
      .flat()
      .filter((e) => e.type === 'response.output_item.done')
      .map((e) => e.item);

  it('keeps a call whole when text comes between its fragments, the text after it', async () => {
    const frames = [
      named(0, 'call_a', 'f', '{"city":'),
      chunk({ content: 'Looking it up.' }),
      more(0, '"Paris"}'),
      finish,
    ];
    const steps = await stepwise(frames);
    expect(shortSteps(steps)).toEqual([
      ['created', 'in_progress', 'output_item.added 0', 'function_call_arguments.delta 0 {"city":'],
      [],
      [
        'function_call_arguments.delta 0 "Paris"}',
        'function_call_arguments.done 0',
        'output_item.done 0',
        'output_item.added 1',
        'content_part.added 1',
        'output_text.delta 1 Looking it up.',
      ],
      [],
      ['output_text.done 1', 'content_part.done 1', 'output_item.done 1', 'completed'],
    ]);
    const items = done(steps);
    expect(items.map((item: Json) => [item.type, item.arguments ?? item.content[0].text])).toEqual([
      ['function_call', '{"city":"Paris"}'],
      ['message', 'Looking it up.'],
    ]);
    expect(steps.at(-1)!.at(-1)!.response.output).toEqual(items);
    // The JSON answer and the cached stream's replay hold the same call and text (text first, as
    // the chat answer they are built from has them, and as they did before).
    const data = frames.map((frame) =>
      JSON.stringify({ id: 'c', created: 1, ...JSON.parse(frame.slice(6)) }),
    );
    const stored = assembleCompletion(data)!;
    const request = responsesRequest.parse({ model: 'alias', input: 'x' });
    const answer = completionToResponse(request, stored as unknown as Json, responseIds('req_abc'));
    const replayed = done(await stepwise(replayFrames(stored, false).slice(0, -1)));
    for (const output of [answer.output as Json[], replayed]) expect(output).toEqual([items[1], items[0]]);
  });

  it('holds text and reasoning until interleaved calls are whole, in the order they came', async () => {
    const steps = await stepwise([
      named(0, 'call_a', 'f', '{"x":'),
      chunk({ reasoning_content: 'Hm' }),
      chunk({ content: 'Both.' }),
      named(1, 'call_b', 'g', '{"y":'),
      more(0, '1}'),
      more(1, '2}'),
      chunk({ content: ' Done.' }),
      finish,
    ]);
    expect(steps.slice(1, 4).map((events) => events.map(short))).toEqual([[], [], []]);
    expect(shortSteps(steps)[4]).toEqual([
      'function_call_arguments.delta 0 1}',
      'function_call_arguments.done 0',
      'output_item.done 0',
      'output_item.added 1',
      'function_call_arguments.delta 1 {"y":',
    ]);
    expect(done(steps).map((item: Json) => [item.type, item.arguments ?? item.summary?.[0]?.text])).toEqual([
      ['function_call', '{"x":1}'],
      ['function_call', '{"y":2}'],
      ['reasoning', 'Hm'],
      ['message', undefined],
    ]);
    expect(done(steps)[3].content[0].text).toBe('Both. Done.');
  });

  it('writes text held behind a call that never becomes whole at the end, or at a failure, after it', async () => {
    const failure = `data: ${JSON.stringify({ error: { message: 'm', type: 'api_error', code: 'upstream_error' } })}\n\n`;
    for (const [end, last] of [
      [chunk({}, 'length'), 'incomplete'],
      [failure, 'failed'],
    ]) {
      const steps = await stepwise([named(0, 'call_a', 'f', '{"x":'), chunk({ content: 'cut' }), end!]);
      expect(steps.flat().map(short)).toEqual([
        'created',
        'in_progress',
        'output_item.added 0',
        'function_call_arguments.delta 0 {"x":',
        'function_call_arguments.done 0',
        'output_item.done 0',
        'output_item.added 1',
        'content_part.added 1',
        'output_text.delta 1 cut',
        'output_text.done 1',
        'content_part.done 1',
        'output_item.done 1',
        last,
      ]);
      const output = steps.flat().at(-1)!.response.output;
      expect(output.map((item: Json) => [item.type, item.status])).toEqual([
        ['function_call', 'incomplete'],
        ['message', 'incomplete'],
      ]);
    }
  });

  it('streams an ordinary answer as it comes: text, then a call fragment by fragment, then text after it', async () => {
    const steps = await stepwise([
      chunk({ role: 'assistant', content: 'Let me look.' }),
      chunk({
        content: null,
        tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '' } }],
      }),
      chunk({ content: '', tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      more(0, '1}'),
      chunk({ content: 'Found it.' }),
      finish,
    ]);
    expect(shortSteps(steps)).toEqual([
      [
        'created',
        'in_progress',
        'output_item.added 0',
        'content_part.added 0',
        'output_text.delta 0 Let me look.',
      ],
      ['output_text.done 0', 'content_part.done 0', 'output_item.done 0', 'output_item.added 1'],
      ['function_call_arguments.delta 1 {"x":'],
      ['function_call_arguments.delta 1 1}'],
      [
        'function_call_arguments.done 1',
        'output_item.done 1',
        'output_item.added 2',
        'content_part.added 2',
        'output_text.delta 2 Found it.',
      ],
      [],
      ['output_text.done 2', 'content_part.done 2', 'output_item.done 2', 'completed'],
    ]);
  });
});
