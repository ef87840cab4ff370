// The stored-responses journey as the official `openai` SDK drives it: create (JSON and streamed),
// previous_response_id chains through function-call turns (function_call → function_call_output, as
// the Agents SDK continues), retrieve, inputItems.list with its auto-pagination, delete, and what a
// deleted, unstored or uncancellable response answers — through an OpenAI-compatible service and
// through Anthropic, every answer parsed by the SDK and checked against OpenAI's published shapes.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { anthropicStream, type StreamedBlock } from '../helpers/anthropic-sse';
import { chunk, usageChunk } from '../helpers/chat-chunks';
import { createKey, type Json, putConfig } from '../helpers/gateway';
import { expectOpenAIShape, expectResponseEvent } from '../helpers/openapi';
import { sdkClient } from '../helpers/responses-upstream';
import { chatCompletion, json, onUpstream, recorded, sse } from '../helpers/upstream';

const UPSTREAM = 'https://upstream.test/v1';
const ANTHROPIC = 'https://anthropic.test';

/** The alias `m` routed to `provider`'s `model`, and the SDK on a new key of the gateway. */
async function sdkFor(provider: Json, model: string): Promise<OpenAI> {
  const put = await putConfig({
    providers: { up: provider },
    models: { m: { targets: [{ provider: 'up', model }] } },
    retry: { attempts: 0 },
  });
  expect(put.status, await put.clone().text()).toBe(200);
  return sdkClient((await createKey()).key);
}

const tools: OpenAI.Responses.Tool[] = [
  {
    type: 'function',
    name: 'weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
    strict: false,
  },
];

type Call = { id: string; city: string };

/** A chat answer of text, or of parallel weather calls, as JSON or a stream. */
function chatAnswer(answer: string | Call[], stream: boolean): Response {
  const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
  const calls = typeof answer === 'string' ? undefined : answer;
  const toolCalls = calls?.map((call, index) => ({
    index,
    id: call.id,
    type: 'function',
    function: { name: 'weather', arguments: JSON.stringify({ city: call.city }) },
  }));
  const finish = calls ? 'tool_calls' : 'stop';
  if (stream)
    return sse([
      chunk({ role: 'assistant', ...(calls ? { tool_calls: toolCalls } : { content: answer }) }),
      chunk({}, finish),
      usageChunk,
      'data: [DONE]\n\n',
    ]);
  const message = {
    role: 'assistant',
    content: calls ? null : answer,
    tool_calls: toolCalls?.map(({ index: _, ...call }) => call),
  };
  return json(chatCompletion('', usage, { choices: [{ index: 0, message, finish_reason: finish }] }));
}

/** A Response's items of `type`. */
const itemsOf = <T extends OpenAI.Responses.ResponseOutputItem['type']>(
  response: OpenAI.Responses.Response,
  type: T,
) =>
  response.output.filter(
    (item): item is Extract<OpenAI.Responses.ResponseOutputItem, { type: T }> => item.type === type,
  );

/** Every event of a streamed create, each checked against its schema, and its closing Response. */
async function streamed(events: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) {
  const types: string[] = [];
  let final: OpenAI.Responses.Response | undefined;
  for await (const event of events) {
    expectResponseEvent(event as never);
    types.push(event.type);
    if (event.type === 'response.completed') final = event.response;
  }
  expect(final, types.join(', ')).toBeDefined();
  return final!;
}

/** What a call refused with, as the SDK raised it. */
async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => expect.unreachable('answered'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  const { status, error: body } = error as InstanceType<typeof OpenAI.APIError>;
  expectOpenAIShape('ErrorResponse', { error: body });
  return { status, ...(body as Json) };
}

describe('the stored-responses journey through the openai SDK', () => {
  it('over an OpenAI-compatible service: a tool loop, listing, deleting and what follows', async () => {
    const sdk = await sdkFor({ type: 'openai', baseUrl: UPSTREAM, apiKey: 'sk' }, 'gpt-4o-mini');
    const answers: (string | Call[])[] = [
      [
        { id: 'call_p', city: 'Paris' },
        { id: 'call_r', city: 'Rome' },
      ],
      'Sunny in both.',
      'You are welcome.',
      'Again.',
      'From a reference.',
      'Unstored.',
    ];
    onUpstream(`${UPSTREAM}/chat/completions`, async (request) => {
      const body = (await request.json()) as { stream?: boolean };
      return chatAnswer(answers.shift()!, body.stream === true);
    });

    const first = await sdk.responses.create({
      model: 'm',
      instructions: 'Use the tool.',
      input: 'Weather in Paris and Rome?',
      tools,
      parallel_tool_calls: true,
      metadata: { run: 'one' },
      truncation: 'disabled',
    });
    expectOpenAIShape('Response', first);
    expect(first).toMatchObject({ store: true, metadata: { run: 'one' }, parallel_tool_calls: true });
    const calls = itemsOf(first, 'function_call');
    expect(calls.map((call) => call.call_id)).toEqual(['call_p', 'call_r']);

    // The Agents SDK's continuation: only the calls' outputs, with this turn's own instructions.
    const second = await streamed(
      await sdk.responses.create({
        model: 'm',
        previous_response_id: first.id,
        instructions: 'Be brief.',
        input: calls.map((call) => ({
          type: 'function_call_output' as const,
          call_id: call.call_id,
          output: 'sunny',
        })),
        tools,
        stream: true,
      }),
    );
    expect(second).toMatchObject({ previous_response_id: first.id, instructions: 'Be brief.', metadata: {} });
    const sent = recorded[1]!.body as Json;
    expect(sent.messages.map((m: Json) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    expect(sent.messages[0].content).toBe('Be brief.');

    const third = await sdk.responses.create({
      model: 'm',
      previous_response_id: second.id,
      input: 'Thanks',
    });
    expect(third.output_text).toBe('You are welcome.');
    for (const answered of [first, second, third]) {
      const read = await sdk.responses.retrieve(answered.id);
      expectOpenAIShape('Response', read);
      expect(read).toMatchObject(JSON.parse(JSON.stringify(answered)));
    }

    // The whole conversation, newest first by default; asc pages auto-paginated by `after`.
    const conversation = [
      'Weather in Paris and Rome?',
      calls[0]!.id,
      calls[1]!.id,
      'call_p',
      'call_r',
      itemsOf(second, 'message')[0]!.id,
      'Thanks',
    ];
    const label = (item: Json) =>
      item.type === 'function_call_output'
        ? item.call_id
        : item.role === 'user'
          ? item.content[0].text
          : item.id;
    const page = await sdk.responses.inputItems.list(third.id).asResponse();
    const list: Json = await page.json();
    expectOpenAIShape('ResponseItemList', list);
    expect(list.data.map(label)).toEqual([...conversation].reverse());
    expect(list).toMatchObject({ first_id: list.data[0].id, last_id: list.data[6].id, has_more: false });
    const paged: Json[] = [];
    for await (const item of sdk.responses.inputItems.list(third.id, {
      limit: 2,
      order: 'asc',
      include: ['message.input_image.image_url'],
    }))
      paged.push(item);
    expect(paged.map(label)).toEqual(conversation);
    const after = await sdk.responses.inputItems.list(third.id, { limit: 2, after: list.data[1].id });
    expect(after.data.map(label)).toEqual(['call_r', 'call_p']);
    expect(after.has_more).toBe(true);

    // Deleted: gone by its id, yet the turn after it still continues and lists it.
    await sdk.responses.delete(second.id);
    expect(await refusal(sdk.responses.retrieve(second.id))).toMatchObject({ status: 404, code: null });
    expect(await refusal(sdk.responses.delete(second.id))).toMatchObject({ status: 404 });
    expect(await refusal(sdk.responses.inputItems.list(second.id))).toMatchObject({ status: 404 });
    expect(
      await refusal(sdk.responses.create({ model: 'm', previous_response_id: second.id, input: 'x' })),
    ).toMatchObject({ status: 400, param: 'previous_response_id', code: 'previous_response_not_found' });
    const fourth = await sdk.responses.create({ model: 'm', previous_response_id: third.id, input: 'Again' });
    expect(fourth.output_text).toBe('Again.');
    const listed = [];
    for await (const item of sdk.responses.inputItems.list(fourth.id, { order: 'asc' })) listed.push(item);
    expect(listed.map(label)).toEqual([...conversation, third.output[0]!.id, 'Again']);

    // An item reference to a call of the first turn, answered in a conversation of its own.
    const referenced = await sdk.responses.create({
      model: 'm',
      tools,
      input: [
        { type: 'item_reference', id: calls[0]!.id! },
        { type: 'function_call_output', call_id: 'call_p', output: 'rain' },
      ],
    });
    expect(referenced.output_text).toBe('From a reference.');
    expect((recorded[4]!.body as Json).messages[0].tool_calls[0].id).toBe('call_p');

    const unstored = await sdk.responses.create({ model: 'm', input: 'x', store: false });
    expect(unstored).toMatchObject({ store: false });
    expect(await refusal(sdk.responses.retrieve(unstored.id))).toMatchObject({ status: 404 });
    expect(
      await refusal(sdk.responses.create({ model: 'm', previous_response_id: unstored.id, input: 'x' })),
    ).toMatchObject({ status: 400, code: 'previous_response_not_found' });
    expect(recorded).toHaveLength(6);
  });

  it('refuses to stream a stored response again, and to cancel one, as errors the SDK raises', async () => {
    const sdk = await sdkFor({ type: 'openai', baseUrl: UPSTREAM, apiKey: 'sk' }, 'gpt-4o-mini');
    onUpstream(`${UPSTREAM}/chat/completions`, () => chatAnswer('Hi.', false));
    const answered = await sdk.responses.create({ model: 'm', input: 'Hi' });
    // Answered as JSON, the SDK would read it as an event stream of no event at all.
    expect(await refusal(sdk.responses.retrieve(answered.id, { stream: true }))).toMatchObject({
      status: 400,
      param: 'stream',
      code: 'unsupported_parameter',
    });
    expect(await sdk.responses.retrieve(answered.id, { stream: false })).toMatchObject({ id: answered.id });
    expect(await refusal(sdk.responses.cancel(answered.id))).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
    });
    expect(await refusal(sdk.responses.cancel('resp_unknown'))).toMatchObject({
      status: 404,
      message: "Response with id 'resp_unknown' not found.",
    });
    expect((await sdk.responses.retrieve(answered.id)).status).toBe('completed');
  });

  it('over Anthropic: parallel calls streamed, their outputs continued as tool results, the turns listed', async () => {
    const sdk = await sdkFor(
      { type: 'anthropic', baseUrl: ANTHROPIC, apiKey: 'sk-ant' },
      'claude-sonnet-4-5',
    );
    const call = (id: string, city: string): StreamedBlock => ({
      type: 'tool_use',
      id,
      name: 'weather',
      input: { city },
    });
    const answers: StreamedBlock[][] = [
      [{ type: 'text', text: 'Checking.' }, call('toolu_p', 'Paris'), call('toolu_r', 'Rome')],
      [{ type: 'text', text: 'Sunny in both.' }],
      [{ type: 'text', text: 'Bye.' }],
    ];
    onUpstream(`${ANTHROPIC}/v1/messages`, async (request) => {
      const body = (await request.json()) as { stream?: boolean };
      const blocks = answers.shift()!;
      const stopReason = blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
      if (body.stream) return anthropicStream(blocks, { stopReason });
      return json({
        id: 'msg_up',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: blocks,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 5 },
      });
    });

    const first = await streamed(
      await sdk.responses.create({
        model: 'm',
        input: 'Weather?',
        tools,
        stream: true,
        metadata: { run: 'a' },
      }),
    );
    expect(first.output.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call']);
    expect(await sdk.responses.retrieve(first.id)).toMatchObject(JSON.parse(JSON.stringify(first)));

    const second = await sdk.responses.create({
      model: 'm',
      previous_response_id: first.id,
      tools,
      input: itemsOf(first, 'function_call').map((c) => ({
        type: 'function_call_output' as const,
        call_id: c.call_id,
        output: `sunny in ${JSON.parse(c.arguments).city}`,
      })),
    });
    expectOpenAIShape('Response', second);
    expect((recorded[1]!.body as Json).messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_p', content: 'sunny in Paris' },
        { type: 'tool_result', tool_use_id: 'toolu_r', content: 'sunny in Rome' },
      ],
    });

    const third = await sdk.responses
      .stream({
        model: 'm',
        previous_response_id: second.id,
        input: 'Bye',
        tools,
        parallel_tool_calls: false,
      })
      .finalResponse();
    expect(third).toMatchObject({ parallel_tool_calls: false, previous_response_id: second.id });
    expect((recorded[2]!.body as Json).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    const types: string[] = [];
    for await (const item of sdk.responses.inputItems.list(third.id, { limit: 3 })) types.push(item.type);
    expect(types).toEqual([
      'message',
      'message',
      'function_call_output',
      'function_call_output',
      'function_call',
      'function_call',
      'message',
      'message',
    ]);
  });
});
