import { describe, expect, it } from 'vitest';
import { responseIds } from '../../src/openai/responses-answer';
import { translateRequest } from '../../src/openai/responses-request';
import { responsesRequest } from '../../src/openai/responses-schema';
import { responsesEventStream } from '../../src/openai/responses-stream';
import type { Json } from '../helpers/gateway';
import { expectResponseEvent, responseEvents } from '../helpers/openapi';
import { claudeDetail } from '../helpers/openrouter-claude';
import { expectItemsInSequence } from '../helpers/responses-order';

const chunk = (delta: Json, finish: string | null = null) =>
  `data: ${JSON.stringify({ model: 'up-1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** The Responses events for these chat frames, written in pieces of `size` bytes. */
async function translate(frames: string[], size = 7): Promise<Json[]> {
  const bytes = new TextEncoder().encode(frames.join(''));
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
      controller.close();
    },
  });
  const request = responsesRequest.parse({ model: 'alias', input: 'x' });
  const text = await new Response(
    source.pipeThrough(responsesEventStream(request, responseIds('req_abc'))),
  ).text();
  const events = responseEvents(text);
  for (const event of events) expectResponseEvent(event);
  return events;
}

describe('responsesEventStream', () => {
  it('reassembles events split anywhere, a refusal included, and ends incomplete on length', async () => {
    const events = await translate(
      [chunk({ refusal: 'I can' }), chunk({ refusal: 'not.' }), chunk({}, 'length')],
      5,
    );
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    const last = events.at(-1)!.response;
    expect(last).toMatchObject({ id: 'resp_abc', model: 'up-1', status: 'incomplete' });
    expect(last.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(last.output[0]).toMatchObject({
      id: 'msg_abc',
      status: 'incomplete',
      content: [{ refusal: 'I cannot.' }],
    });
    expect(last.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });

  it('closes the text before a tool call, giving each item its own index', async () => {
    const events = await translate([
      chunk({ content: 'Let me look.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    const added = events.filter((e) => e.type === 'response.output_item.added');
    expect(added.map((e) => [e.output_index, e.item.type])).toEqual([
      [0, 'message'],
      [1, 'function_call'],
    ]);
    const textDone = events.findIndex((e) => e.type === 'response.output_text.done');
    expect(textDone).toBeLessThan(events.indexOf(added[1]!));
    expect(events.at(-1)!.response.output[1]).toMatchObject({
      id: 'fc_abc_0',
      call_id: 'call_1',
      arguments: '{}',
    });
  });

  it('keeps parallel tool calls whose deltas interleave apart, each whole in its turn', async () => {
    const call = (index: number, fields: Json) => chunk({ tool_calls: [{ index, ...fields }] });
    const events = await translate([
      call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }),
      call(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y":' } }),
      call(0, { function: { arguments: '{"x":1}' } }),
      call(1, { function: { arguments: '2}' } }),
      chunk({}, 'tool_calls'),
    ]);
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
    // The second call, begun while the first was open, is held until the first is whole.
    expect(deltas.map((e) => [e.output_index, e.item_id, e.delta])).toEqual([
      [0, 'fc_abc_0', '{"x":1}'],
      [1, 'fc_abc_1', '{"y":'],
      [1, 'fc_abc_1', '2}'],
    ]);
    expectItemsInSequence(events);
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done.map((item) => [item.id, item.call_id, item.name, item.arguments])).toEqual([
      ['fc_abc_0', 'call_a', 'f', '{"x":1}'],
      ['fc_abc_1', 'call_b', 'g', '{"y":2}'],
    ]);
    expect(events.at(-1)!.response.output).toEqual(done);
  });

  it('streams a custom tool call as a custom_tool_call item with input deltas, beside a function call', async () => {
    const call = (index: number, fields: Json) => chunk({ tool_calls: [{ index, ...fields }] });
    const events = await translate([
      call(0, { id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: '' } }),
      call(1, { id: 'call_s', type: 'function', function: { name: 'shell', arguments: '{}' } }),
      call(0, { custom: { input: '*** Begin Patch\n' } }),
      call(0, { custom: { input: '*** End Patch\n' } }),
      chunk({}, 'tool_calls'),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      // A custom tool's free-text input has no end of its own: the call after it waits for the end.
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]!.item).toEqual({
      type: 'custom_tool_call',
      id: 'ctc_abc_0',
      call_id: 'call_p',
      name: 'apply_patch',
      input: '',
      status: 'in_progress',
    });
    const deltas = events.filter((e) => e.type === 'response.custom_tool_call_input.delta');
    expect(deltas.map((e) => [e.item_id, e.output_index, e.delta])).toEqual([
      ['ctc_abc_0', 0, '*** Begin Patch\n'],
      ['ctc_abc_0', 0, '*** End Patch\n'],
    ]);
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done).toEqual([
      {
        type: 'custom_tool_call',
        id: 'ctc_abc_0',
        call_id: 'call_p',
        name: 'apply_patch',
        input: '*** Begin Patch\n*** End Patch\n',
        status: 'completed',
      },
      {
        type: 'function_call',
        id: 'fc_abc_1',
        call_id: 'call_s',
        name: 'shell',
        arguments: '{}',
        status: 'completed',
      },
    ]);
    expect(events.at(-1)!.response.output).toEqual(done);
    expectItemsInSequence(events);
  });

  it("carries the chat stream's token logprobs on the text deltas and the finished part", async () => {
    const token = (text: string, logprob: number) => ({
      token: text,
      logprob,
      bytes: null,
      top_logprobs: [{ token: text, logprob, bytes: [104] }],
    });
    const withLogprobs = (text: string, logprob: number) =>
      `data: ${JSON.stringify({
        model: 'up-1',
        choices: [
          {
            index: 0,
            delta: { content: text },
            logprobs: { content: [token(text, logprob)] },
            finish_reason: null,
          },
        ],
      })}\n\n`;
    const events = await translate([withLogprobs('h', -0.5), withLogprobs('i', -0.25), chunk({}, 'stop')]);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.map((e) => e.logprobs[0].logprob)).toEqual([-0.5, -0.25]);
    const part = events.at(-1)!.response.output[0].content[0];
    expect(part.logprobs).toEqual([
      { token: 'h', logprob: -0.5, bytes: [], top_logprobs: [{ token: 'h', logprob: -0.5, bytes: [104] }] },
      { token: 'i', logprob: -0.25, bytes: [], top_logprobs: [{ token: 'i', logprob: -0.25, bytes: [104] }] },
    ]);
  });

  it('gives an empty answer an empty message', async () => {
    const events = await translate([chunk({ role: 'assistant' }), chunk({}, 'stop')]);
    expect(events.at(-1)!.response.output).toEqual([
      expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: '' })] }),
    ]);
  });

  it('keeps a rate limit as the failure code', async () => {
    const events = await translate([
      chunk({ content: 'a' }),
      `data: ${JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded' } })}\n\n`,
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'slow down' } },
    });
  });

  it('gives a failure the request or a policy caused invalid_prompt; an outage is a server_error', async () => {
    const failed = async (type: string, code: string) => {
      const error = `data: ${JSON.stringify({ error: { message: 'm', type, param: null, code } })}\n\n`;
      const events = await translate([chunk({ content: 'a' }), error]);
      expect(events.at(-1)!.type).toBe('response.failed');
      return events.at(-1)!.response.error.code;
    };
    expect(await failed('permission_error', 'guardrail_blocked')).toBe('invalid_prompt');
    expect(await failed('invalid_request_error', 'context_length_exceeded')).toBe('invalid_prompt');
    expect(await failed('invalid_request_error', 'content_filter')).toBe('invalid_prompt');
    expect(await failed('rate_limit_error', 'rate_limit_exceeded')).toBe('rate_limit_exceeded');
    expect(await failed('api_error', 'upstream_error')).toBe('server_error');
    expect(await failed('timeout_error', 'stream_idle_timeout')).toBe('server_error');
    expect(await failed('timeout_error', 'stream_time_limit')).toBe('server_error');
  });

  it("names the model that served the answer from the first event on, as chat's chunks do", async () => {
    const events = await translate([chunk({ content: 'a' }), chunk({}, 'stop')]);
    const models = events.filter((e) => e.response).map((e) => [e.type, e.response.model]);
    expect(models).toEqual([
      ['response.created', 'up-1'],
      ['response.in_progress', 'up-1'],
      ['response.completed', 'up-1'],
    ]);
  });

  it('streams each signed thinking block as a reasoning item, done with it packed before what follows', async () => {
    // The order the Anthropic and Bedrock adapters stream in for the Responses API
    // (ChatCall.thinkingAsSigned): each block's signed copy right after its text.
    const first = { type: 'thinking', thinking: 'Hm, ', signature: 'sig-1' };
    const redacted = { type: 'redacted_thinking', data: 'opaque' };
    const second = { type: 'thinking', thinking: 'ok.', signature: 'sig-2' };
    const events = await translate([
      chunk({ reasoning_content: 'Hm, ' }),
      chunk({ thinking_blocks: [first] }),
      chunk({ thinking_blocks: [redacted] }),
      chunk({ reasoning_content: 'ok.' }),
      chunk({ thinking_blocks: [second] }),
      chunk({ content: 'Hi' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(events.map((e) => [e.type, e.output_index])).toEqual([
      ['response.created', undefined],
      ['response.in_progress', undefined],
      ['response.output_item.added', 0],
      ['response.reasoning_summary_part.added', 0],
      ['response.reasoning_summary_text.delta', 0],
      ['response.reasoning_summary_text.done', 0],
      ['response.reasoning_summary_part.done', 0],
      ['response.output_item.done', 0],
      ['response.output_item.added', 1],
      ['response.output_item.done', 1],
      ['response.output_item.added', 2],
      ['response.reasoning_summary_part.added', 2],
      ['response.reasoning_summary_text.delta', 2],
      ['response.reasoning_summary_text.done', 2],
      ['response.reasoning_summary_part.done', 2],
      ['response.output_item.done', 2],
      ['response.output_item.added', 3],
      ['response.content_part.added', 3],
      ['response.output_text.delta', 3],
      ['response.output_text.done', 3],
      ['response.content_part.done', 3],
      ['response.output_item.done', 3],
      ['response.output_item.added', 4],
      ['response.function_call_arguments.delta', 4],
      ['response.function_call_arguments.done', 4],
      ['response.output_item.done', 4],
      ['response.completed', undefined],
    ]);
    const output = events.at(-1)!.response.output as Json[];
    expect(output.map((item) => [item.type, item.id])).toEqual([
      ['reasoning', 'rs_abc'],
      ['reasoning', 'rs_abc_1'],
      ['reasoning', 'rs_abc_2'],
      ['message', 'msg_abc'],
      ['function_call', 'fc_abc_0'],
    ]);
    expect(output[0]).toMatchObject({
      status: 'completed',
      summary: [{ type: 'summary_text', text: 'Hm, ' }],
    });
    expect(output[1]).toMatchObject({ summary: [] });
    // Sent back, the items give the turn its thinking blocks as they came, in order.
    const { chat } = translateRequest({ model: 'm', input: [{ role: 'user', content: 'go' }, ...output] });
    expect((chat.messages as Json[])[1]).toMatchObject({
      role: 'assistant',
      content: 'Hi',
      thinking_blocks: [first, redacted, second],
    });
  });

  it('ends reasoning without signed thinking (DeepSeek-style) when the text starts, packed unsigned', async () => {
    const events = await translate([
      chunk({ reasoning_content: 'think' }),
      chunk({ content: 'answer' }),
      chunk({}, 'stop'),
    ]);
    const reasoningDone = events.findIndex((e) => e.type === 'response.output_item.done');
    const messageAdded = events.findIndex(
      (e) => e.type === 'response.output_item.added' && e.output_index === 1,
    );
    expect(reasoningDone).toBeLessThan(messageAdded);
    const output = events.at(-1)!.response.output;
    expect(output.map((item: Json) => item.type)).toEqual(['reasoning', 'message']);
    expect(output[0]).toMatchObject({ summary: [{ text: 'think' }], encrypted_content: expect.any(String) });
    // Sent back with the turn, it is DeepSeek's reasoning_content again (its tool loops need it).
    const { chat } = translateRequest({ model: 'm', input: [{ role: 'user', content: 'q' }, ...output] });
    expect((chat.messages as Json[])[1]).toEqual({
      role: 'assistant',
      content: 'answer',
      reasoning_content: 'think',
    });
  });

  it("streams Claude's reasoning through OpenRouter (reasoning_details) as an item per block, done with it signed", async () => {
    const redacted = { type: 'reasoning.encrypted', data: 'opaque', format: 'anthropic-claude-v1', index: 1 };
    const events = await translate([
      chunk({
        role: 'assistant',
        content: '',
        reasoning: 'Let me ',
        reasoning_details: [claudeDetail('Let me ', 0)],
      }),
      chunk({ content: '', reasoning: 'look.', reasoning_details: [claudeDetail('look.', 0)] }),
      chunk({ content: '', reasoning: null, reasoning_details: [claudeDetail('', 0, 'EqsigA')] }),
      chunk({ reasoning_details: [redacted] }),
      chunk({ reasoning: 'Then', reasoning_details: [claudeDetail('Then', 2)] }),
      chunk({ reasoning_details: [claudeDetail('', 2, 'EqsigB')] }),
      chunk({ content: 'Checking.' }),
      chunk({ tool_calls: [{ index: 0, id: 'toolu_1', function: { name: 'weather', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    const output = events.at(-1)!.response.output as Json[];
    expect(output.map((item) => item.type)).toEqual([
      'reasoning',
      'reasoning',
      'reasoning',
      'message',
      'function_call',
    ]);
    // The summary is the text once (OpenRouter repeats it in `reasoning`).
    expect(output.map((item) => item.summary)).toEqual([
      [{ type: 'summary_text', text: 'Let me look.' }],
      [],
      [{ type: 'summary_text', text: 'Then' }],
      undefined,
      undefined,
    ]);
    // Each item is done, signed, before the next starts.
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done.slice(0, 3)).toEqual(output.slice(0, 3));
    const { chat } = translateRequest({ model: 'm', input: [{ role: 'user', content: 'go' }, ...output] });
    expect((chat.messages as Json[])[1]).toMatchObject({
      role: 'assistant',
      content: 'Checking.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'Let me look.', signature: 'EqsigA' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'thinking', thinking: 'Then', signature: 'EqsigB' },
      ],
    });
  });

  it('brings a block whose OpenRouter signature came after the text began as a signed item of its own', async () => {
    const piece = (text: string, signature = '') => ({
      type: 'reasoning.text',
      text,
      signature,
      format: 'anthropic-claude-v1',
      index: 0,
    });
    const events = await translate([
      chunk({ reasoning: 'Hm', reasoning_details: [piece('Hm')] }),
      chunk({ content: 'Ans' }),
      chunk({ reasoning_details: [piece('', 'late')] }),
      chunk({ content: 'wer' }),
      chunk({ reasoning_details: [piece('', 'late')] }),
      chunk({}, 'stop'),
    ]);
    const output = events.at(-1)!.response.output as Json[];
    expect(output.map((item) => [item.type, item.id])).toEqual([
      ['reasoning', 'rs_abc'],
      ['message', 'msg_abc'],
      ['reasoning', 'rs_abc_1'],
      ['message', 'msg_abc_1'],
    ]);
    expect(output[2]).toMatchObject({ summary: [], status: 'completed' });
    // Sent back, the turn has the block signed (and its unsigned copy, which no Claude reads).
    const { chat } = translateRequest({
      model: 'm',
      input: [{ role: 'user', content: 'q' }, ...output.slice(0, 3)],
    });
    expect((chat.messages as Json[])[1]).toEqual({
      role: 'assistant',
      content: 'Ans',
      reasoning_content: 'Hm',
      thinking_blocks: [{ type: 'thinking', thinking: 'Hm', signature: 'late' }],
    });
  });
});
