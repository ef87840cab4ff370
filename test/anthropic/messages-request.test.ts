import { describe, expect, it } from 'vitest';
import { translateRequest } from '../../src/anthropic/messages-request';
import { GatewayError } from '../../src/errors';

const base = { model: 'm', max_tokens: 10 };
const param = (body: unknown) => {
  try {
    translateRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error.param;
    throw error;
  }
  return 'accepted';
};

describe('Messages request → chat body', () => {
  it('forwards thinking, top_k and unknown fields as they are, and streams with usage', () => {
    const { chat } = translateRequest({
      ...base,
      messages: [{ role: 'user', content: 'hi' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      top_k: 5,
      top_p: 0.9,
      stream: true,
      extra_field: { a: 1 },
    });
    expect(chat).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 10,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      top_k: 5,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
      extra_field: { a: 1 },
    });
  });

  it('sends thinking blocks back as the assistant turn’s thinking_blocks, tool calls as tool_calls', () => {
    const { chat } = translateRequest({
      ...base,
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'redacted_thinking', data: 'xx' },
            { type: 'tool_use', id: 't1', name: 'f', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              is_error: true,
              content: [{ type: 'text', text: 'bad' }],
            },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        thinking_blocks: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'redacted_thinking', data: 'xx' },
        ],
      },
      // Anthropic's flag as it is, for Claude; claude-fields.ts tells other models in words.
      { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'bad' }], is_error: true },
    ]);
  });

  it('names the is_error flags among the fields only Claude takes, only when a tool result has one', () => {
    const turns = (result: Record<string, unknown>) => ({
      ...base,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'x', ...result }] },
      ],
    });
    expect(translateRequest(turns({ is_error: true })).claudeOnly).toEqual(['is_error']);
    const fine = translateRequest(turns({ is_error: false }));
    expect(fine.claudeOnly).toEqual([]);
    expect((fine.chat.messages as unknown[])[2]).toEqual({ role: 'tool', tool_call_id: 't1', content: 'x' });
  });

  it("sends unsigned thinking back as chat's reasoning_content (DeepSeek's), never as a thinking block", () => {
    const { chat } = translateRequest({
      ...base,
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'deepseek reasoning', signature: '' },
            { type: 'text', text: 'a' },
          ],
        },
        { role: 'user', content: 'more' },
      ],
    });
    expect((chat.messages as unknown[])[1]).toEqual({
      role: 'assistant',
      content: 'a',
      reasoning_content: 'deepseek reasoning',
    });
  });

  it('turns a PDF into a file part, keeps cache_control on text, and maps tool_choice', () => {
    const { chat } = translateRequest({
      ...base,
      system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'document',
              title: 'a.pdf',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' },
            },
            { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
          ],
        },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'f' },
    });
    expect(chat.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }] },
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } },
          { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
        ],
      },
    ]);
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(chat.parallel_tool_calls).toBeUndefined();
  });

  it('names the param of what it refuses', () => {
    const user = (content: unknown) => ({ ...base, messages: [{ role: 'user', content }] });
    expect(param({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).toBe('max_tokens');
    expect(param(user([{ type: 'tool_use', id: 'a', name: 'f', input: {} }]))).toBe(
      'messages[0].content[0].type',
    );
    expect(param(user([{ type: 'text' }]))).toBe('messages[0].content[0].text');
    expect(param(user([{ type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } }]))).toBe(
      'messages[0].content[0]',
    );
    expect(param({ ...user('x'), tools: [{ name: 'f' }] })).toBe('tools[0].input_schema');
    expect(param({ ...user('x'), temperature: 1.5 })).toBe('temperature');
    expect(param({ ...user('x'), thinking: { type: 'enabled' } })).toBe('thinking.budget_tokens');
  });

  it('refuses a tool whose name, shortened to 64 characters, is another tool’s, naming it', () => {
    const long = `mcp__server__${'a'.repeat(80)}`;
    const { chat } = translateRequest({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: long, input_schema: {} }],
    });
    const [shortened] = (chat.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(shortened).toHaveLength(64);
    const tools = [
      { name: 'f', input_schema: {} },
      { name: shortened, input_schema: {} },
      { name: long, input_schema: {} },
    ];
    expect(param({ ...base, messages: [{ role: 'user', content: 'x' }], tools })).toBe('tools[2].name');
    const tooLong = [{ name: 'x'.repeat(129), input_schema: {} }];
    expect(param({ ...base, messages: [{ role: 'user', content: 'x' }], tools: tooLong })).toBe(
      'tools[0].name',
    );
  });
});
