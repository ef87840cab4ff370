// A tool message flagged `is_error` (a /v1/messages tool_result's, or a chat client's) as Claude's
// providers take it: Anthropic's tool_result `is_error`, Converse's `status: "error"` for Bedrock's
// Claude; told as "Error:" where the result goes as text, or to a Bedrock model without the field.
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/openai/schemas';
import { toAnthropicRequest } from '../../src/providers/anthropic-request';
import { toConverseRequest } from '../../src/providers/bedrock-request';

type Json = Record<string, unknown>;
const tools = [{ type: 'function', function: { name: 'read', parameters: { type: 'object' } } }];

function request(withTools: boolean): ChatRequest {
  return {
    model: 'm',
    ...(withTools ? { tools } : {}),
    messages: [
      { role: 'user', content: 'Read notes.txt' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'read', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 't1', content: 'No such file', is_error: true },
    ],
  } as ChatRequest;
}

const anthropic = (body: ChatRequest) =>
  (toAnthropicRequest(body, 'claude-sonnet-4-5', { defaultMaxTokens: 100 }).body.messages as Json[])[2];
const bedrock = (body: ChatRequest, model: string) => (toConverseRequest(body, model).messages as Json[])[2];

describe('a failed tool result at Anthropic', () => {
  it("is a tool_result with Anthropic's is_error", () => {
    expect(anthropic(request(true))).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 't1', content: 'No such file', is_error: true }],
    });
  });

  it('says "Error:" when the history is told as text (no tools defined)', () => {
    expect(anthropic(request(false))).toEqual({
      role: 'user',
      content: [{ type: 'text', text: '[result of tool call t1: Error: No such file]' }],
    });
  });
});

describe('a failed tool result at Bedrock Converse', () => {
  it('is status "error" for Claude', () => {
    expect(bedrock(request(true), 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'No such file' }], status: 'error' } }],
    });
  });

  it('is told "Error:" to a model Converse documents no status for, and when told as text', () => {
    expect(bedrock(request(true), 'meta.llama3-1-70b-instruct-v1:0')).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'Error: No such file' }] } }],
    });
    expect(bedrock(request(false), 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({
      role: 'user',
      content: [{ text: '[result of tool call t1: Error: No such file]' }],
    });
  });
});
