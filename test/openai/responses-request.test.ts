import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors';
import { translateRequest } from '../../src/openai/responses-request';

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
});
