import { describe, expect, it } from 'vitest';
import { completionToResponse, responseIds, responseUsage } from '../../src/openai/responses-answer';
import { translateRequest } from '../../src/openai/responses-request';
import { responsesRequest } from '../../src/openai/responses-schema';
import type { Json } from '../helpers/gateway';
import { expectOpenAIShape } from '../helpers/openapi';

describe('responses answer', () => {
  it('reports the tokens written to a prompt cache (Anthropic, Bedrock) as cache_write_tokens', () => {
    const usage = responseUsage({
      prompt_tokens: 100,
      completion_tokens: 10,
      total_tokens: 110,
      prompt_tokens_details: { cached_tokens: 20, cache_creation_tokens: 70 },
      completion_tokens_details: { reasoning_tokens: 4 },
    });
    expect(usage).toMatchObject({
      input_tokens_details: { cached_tokens: 20, cache_write_tokens: 70 },
      output_tokens_details: { reasoning_tokens: 4 },
    });
  });

  it("keeps a JSON answer's token logprobs on its output_text", () => {
    const request = responsesRequest.parse({ model: 'm', input: 'x', top_logprobs: 1 });
    const response = completionToResponse(
      request,
      {
        model: 'up-1',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'hi' },
            logprobs: {
              content: [
                {
                  token: 'hi',
                  logprob: -0.1,
                  bytes: [104, 105],
                  top_logprobs: [{ token: 'hi', logprob: -0.1, bytes: null }],
                },
              ],
            },
            finish_reason: 'stop',
          },
        ],
      },
      responseIds('req_abc'),
    );
    expectOpenAIShape('Response', response);
    expect((response.output as { content: { logprobs: unknown }[] }[])[0]!.content[0]!.logprobs).toEqual([
      {
        token: 'hi',
        logprob: -0.1,
        bytes: [104, 105],
        top_logprobs: [{ token: 'hi', logprob: -0.1, bytes: [] }],
      },
    ]);
  });

  it('puts the reasoning first: its text as the summary, its signed thinking packed', () => {
    const request = responsesRequest.parse({ model: 'm', input: 'x' });
    const blocks = [
      { type: 'thinking', thinking: 'Ünïcode ✓ '.repeat(5000), signature: 'sig' },
      { type: 'redacted_thinking', data: 'opaque' },
    ];
    const response = completionToResponse(
      request,
      {
        model: 'claude',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'hi', reasoning_content: 'why', thinking_blocks: blocks },
            finish_reason: 'stop',
          },
        ],
      },
      responseIds('req_1'),
    );
    expectOpenAIShape('Response', response);
    const output = response.output as Json[];
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(output[0]).toMatchObject({ id: 'rs_1', status: 'completed', summary: [{ text: 'why' }] });
    const { chat } = translateRequest({ model: 'm', input: [...output, { role: 'user', content: 'more' }] });
    expect((chat.messages as Json[])[0]).toEqual({
      role: 'assistant',
      content: 'hi',
      thinking_blocks: blocks,
    });
  });

  it("packs Claude's reasoning through OpenRouter (reasoning_details) as its signed blocks", () => {
    const request = responsesRequest.parse({ model: 'm', input: 'x' });
    const format = 'anthropic-claude-v1';
    const response = completionToResponse(
      request,
      {
        model: 'anthropic/claude-sonnet-4.5',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'hi',
              reasoning: 'Look it up.',
              reasoning_details: [
                { type: 'reasoning.text', text: 'Look it up.', signature: 'EqsigA', format, index: 0 },
                { type: 'reasoning.encrypted', data: 'opaque', format, index: 1 },
              ],
            },
            finish_reason: 'stop',
          },
        ],
      },
      responseIds('req_1'),
    );
    expectOpenAIShape('Response', response);
    const output = response.output as Json[];
    expect(output[0]).toMatchObject({ type: 'reasoning', summary: [{ text: 'Look it up.' }] });
    const { chat } = translateRequest({ model: 'm', input: [...output, { role: 'user', content: 'more' }] });
    expect((chat.messages as Json[])[0]).toEqual({
      role: 'assistant',
      content: 'hi',
      thinking_blocks: [
        { type: 'thinking', thinking: 'Look it up.', signature: 'EqsigA' },
        { type: 'redacted_thinking', data: 'opaque' },
      ],
    });
  });

  it('answers a custom tool call as a custom_tool_call item, which goes back as the chat call it was', () => {
    const tools = [
      {
        type: 'custom',
        name: 'apply_patch',
        format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' },
      },
      { type: 'function', name: 'shell' },
    ];
    const request = responsesRequest.parse({ model: 'm', input: 'x', tools });
    const input = '*** Begin Patch\n*** End Patch\n';
    const calls = [
      { id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{}' } },
      { id: 'call_2', type: 'custom', custom: { name: 'apply_patch', input } },
    ];
    const response = completionToResponse(
      request,
      {
        model: 'gpt-5',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: calls },
            finish_reason: 'tool_calls',
          },
        ],
      },
      responseIds('req_1'),
    );
    expectOpenAIShape('Response', response);
    const output = response.output as Json[];
    expect(output[1]).toEqual({
      type: 'custom_tool_call',
      id: 'ctc_1_1',
      call_id: 'call_2',
      name: 'apply_patch',
      input,
      status: 'completed',
    });
    // The custom tool is echoed as sent: its description is a string or absent, never null.
    expect((response.tools as Json[])[0]).toEqual(tools[0]);
    const { chat } = translateRequest({ model: 'm', input: output });
    expect(chat.messages).toEqual([{ role: 'assistant', content: null, tool_calls: calls }]);
  });
});
