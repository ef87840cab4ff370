import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { completionToResponse, responseIds } from '../../src/openai/responses-answer';
import { translateRequest } from '../../src/openai/responses-request';
import { responsesRequest } from '../../src/openai/responses-schema';
import type { Json } from '../helpers/gateway';

function refusal(body: unknown): GatewayError {
  try {
    translateRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('translateRequest', () => {
  it("sends an input_image's detail as chat's, `original` (which chat lacks) as `high`", () => {
    const url = 'https://example.com/a.png';
    const { chat } = translateRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: url, detail: 'original' },
            { type: 'input_image', image_url: url, detail: 'low' },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url, detail: 'high' } },
          { type: 'image_url', image_url: { url, detail: 'low' } },
        ],
      },
    ]);
  });

  it('turns files, file ids, refusals and lone function calls into chat messages', () => {
    const { chat } = translateRequest({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' },
            { type: 'input_file', file_id: 'file-1' },
            { type: 'input_image', file_id: 'file-2', detail: 'auto' },
          ],
        },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
        { role: 'user', content: 'ok' },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}', id: 'fc_1', status: 'completed' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'done' }] },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' } },
          { type: 'file', file: { file_id: 'file-1' } },
          { type: 'file', file: { file_id: 'file-2' } },
        ],
      },
      { role: 'assistant', content: '', refusal: 'No.' },
      { role: 'user', content: 'ok' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'done' }] },
    ]);
  });

  it('forwards unknown parameters, drops store/include, and asks a stream for its usage', () => {
    const { chat } = translateRequest({
      model: 'm',
      input: 'hi',
      stream: true,
      stream_options: { include_obfuscation: false },
      store: true,
      include: ['message.output_text.logprobs'],
      top_logprobs: 2,
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      frequency_penalty: 0.5,
    });
    expect(chat).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      frequency_penalty: 0.5,
      logprobs: true,
      top_logprobs: 2,
      response_format: { type: 'json_object' },
      verbosity: 'low',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('sends parallel_tool_calls only along with tools, which chat requires', () => {
    expect(translateRequest({ model: 'm', input: 'hi', parallel_tool_calls: false }).chat).not.toHaveProperty(
      'parallel_tool_calls',
    );
    const { chat } = translateRequest({
      model: 'm',
      input: 'hi',
      parallel_tool_calls: false,
      tools: [{ type: 'function', name: 'f' }],
    });
    expect(chat.parallel_tool_calls).toBe(false);
  });

  it('names what it cannot translate', () => {
    expect(refusal({ model: 'm', input: [] }).param).toBe('input');
    expect(refusal({ model: 'm', input: 'x', tools: [{ type: 'mcp', server_label: 's' }] }).param).toBe(
      'tools[0].type',
    );
    expect(refusal({ model: 'm', input: 'x', tools: [{ type: 'function', name: '' }] }).param).toBe(
      'tools[0].name',
    );
    expect(refusal({ model: 'm', input: [{ type: 'web_search_call', id: 'w' }] }).param).toBe(
      'input[0].type',
    );
    expect(refusal({ model: 'm', input: [{ role: 'tool', content: 'x' }] }).param).toBe('input[0].role');
    const file = refusal({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://x' }] }],
    });
    expect(file.message).toContain('file_url');
    expect(
      refusal({ model: 'm', input: 'x', text: { format: { type: 'json_schema', schema: {} } } }).param,
    ).toBe('text.format.name');
  });

  describe('reasoning items sent back', () => {
    const blocks = [{ type: 'thinking', thinking: 'plan', signature: 'sig' }];
    /** A reasoning item as an answer of the gateway packs it. */
    const packed = () => {
      const response = completionToResponse(
        responsesRequest.parse({ model: 'm', input: 'x' }),
        { choices: [{ message: { content: 'a', reasoning_content: 'plan', thinking_blocks: blocks } }] },
        responseIds('req_1'),
      );
      return (response.output as Json[])[0]!;
    };
    const call = { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' };
    const result = { type: 'function_call_output', call_id: 'c1', output: 'ok' };

    it('give their thinking to the assistant turn after them (OpenAI order)', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [{ role: 'user', content: 'go' }, packed(), call, result, { role: 'user', content: 'more' }],
      });
      expect(chat.messages).toEqual([
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: null,
          thinking_blocks: blocks,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        { role: 'user', content: 'more' },
      ]);
    });

    it('or to the turn just before them (the order streams finish items in)', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
          packed(),
          { role: 'user', content: 'next' },
        ],
      });
      expect((chat.messages as Json[])[1]).toEqual({
        role: 'assistant',
        content: 'a',
        thinking_blocks: blocks,
      });
      expect((chat.messages as Json[])[2]).toEqual({ role: 'user', content: 'next' });
    });

    it('drop reasoning the gateway did not pack, and thinking that no assistant turn follows', () => {
      const { chat } = translateRequest({
        model: 'm',
        input: [
          { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAB-openai-own' },
          packed(),
          { role: 'user', content: 'go' },
          { role: 'assistant', content: 'a' },
        ],
      });
      expect(chat.messages).toEqual([
        { role: 'user', content: 'go' },
        { role: 'assistant', content: 'a' },
      ]);
    });

    it('refuse a packing altered on the way, naming the item', () => {
      const item = packed();
      const error = refusal({
        model: 'm',
        input: [
          { role: 'user', content: 'go' },
          { ...item, encrypted_content: `${item.encrypted_content}x` },
        ],
      });
      expect(error.status).toBe(400);
      expect(error.param).toBe('input[1].encrypted_content');
    });
  });
});
