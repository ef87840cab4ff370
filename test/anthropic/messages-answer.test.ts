import { describe, expect, it } from 'vitest';
import { anthropicErrorType, completionToMessage, messageUsage } from '../../src/anthropic/messages-answer';
import type { Json } from '../helpers/gateway';

describe('chat completion → Anthropic message', () => {
  it("shows a reasoning summary beside OpenAI's encrypted reasoning, packed as a redacted block", () => {
    const message = completionToMessage(
      {
        choices: [
          {
            finish_reason: 'stop',
            message: {
              content: 'Done.',
              reasoning_content: 'Short plan.',
              thinking_blocks: [{ type: 'openai_reasoning', id: 'rs_1', encrypted_content: 'gAAAA' }],
            },
          },
        ],
      },
      'msg_1',
      'codex',
    );
    // The summary's block first, then the packing, as the stream of the same answer has them.
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Short plan.', signature: '' },
      { type: 'redacted_thinking', data: expect.stringMatching(/^tollgate\.thinking\.v1\./) },
      { type: 'text', text: 'Done.' },
    ]);
  });

  it('puts thinking blocks first, then text, then tool_use with parsed input', () => {
    const message = completionToMessage(
      {
        model: 'claude-x',
        choices: [
          {
            finish_reason: 'tool_calls',
            message: {
              content: 'text',
              reasoning_content: 'hmm',
              thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 's' }],
              tool_calls: [
                { id: 'c1', function: { name: 'f', arguments: '{"a":1}' } },
                { id: 'c2', function: { name: 'g', arguments: 'not json' } },
              ],
            },
          },
        ],
      },
      'msg_1',
      'alias',
    );
    expect(message).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 's' },
        { type: 'text', text: 'text' },
        { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } },
        { type: 'tool_use', id: 'c2', name: 'g', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ])('maps finish_reason %s to stop_reason %s', (finish, stop) => {
    expect(
      completionToMessage({ choices: [{ finish_reason: finish, message: {} }] }, 'msg_1', 'm').stop_reason,
    ).toBe(stop);
  });

  it("stops with refusal when the model refused (OpenAI's message.refusal), its words kept as text", () => {
    const refused = completionToMessage(
      {
        choices: [{ finish_reason: 'stop', message: { content: null, refusal: 'I can’t help with that.' } }],
      },
      'msg_1',
      'm',
    );
    expect(refused).toMatchObject({
      content: [{ type: 'text', text: 'I can’t help with that.' }],
      stop_reason: 'refusal',
      stop_sequence: null,
    });
    // An empty refusal is none; a cap reached says so whatever was said before it.
    const answer = (message: Json, finish: string) =>
      completionToMessage({ choices: [{ finish_reason: finish, message }] }, 'msg_1', 'm').stop_reason;
    expect(answer({ content: 'Hi', refusal: '' }, 'stop')).toBe('end_turn');
    expect(answer({ content: 'Hi', refusal: null }, 'stop')).toBe('end_turn');
    expect(answer({ refusal: 'No.' }, 'length')).toBe('max_tokens');
  });

  it('tells the stop sequence Bedrock names, and nothing it does not', () => {
    const answer = (fields: unknown, finish = 'stop') =>
      completionToMessage(
        { additionalModelResponseFields: fields, choices: [{ finish_reason: finish, message: {} }] },
        'msg_1',
        'm',
      );
    expect(answer({ stop_sequence: 'END' })).toMatchObject({
      stop_reason: 'stop_sequence',
      stop_sequence: 'END',
    });
    expect(answer({ stop_sequence: null })).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    expect(answer({ stop_sequence: 'END' }, 'length')).toMatchObject({
      stop_reason: 'max_tokens',
      stop_sequence: null,
    });
  });

  it('gives unsigned reasoning as a thinking block without signature, as a stream does', () => {
    const message = completionToMessage(
      { choices: [{ finish_reason: 'stop', message: { content: 'Hi', reasoning_content: 'hmm' } }] },
      'msg_1',
      'm',
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: '' },
      { type: 'text', text: 'Hi' },
    ]);
  });

  it("gives Claude's reasoning through OpenRouter (reasoning_details) as signed and redacted blocks", () => {
    const format = 'anthropic-claude-v1';
    const message = completionToMessage(
      {
        choices: [
          {
            finish_reason: 'tool_calls',
            message: {
              content: null,
              reasoning: 'Look it up.',
              reasoning_details: [
                { type: 'reasoning.text', text: 'Look it up.', signature: 'EqsigA', format, index: 0 },
                { type: 'reasoning.encrypted', data: 'opaque', format, index: 1 },
              ],
              tool_calls: [
                { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{}' } },
              ],
            },
          },
        ],
      },
      'msg_1',
      'claude',
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Look it up.', signature: 'EqsigA' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} },
    ]);
  });

  it('leaves cache reads and writes out of input_tokens, as Anthropic counts', () => {
    expect(
      messageUsage({
        prompt_tokens: 100,
        completion_tokens: 5,
        prompt_tokens_details: { cached_tokens: 60, cache_creation_tokens: 30 },
      }),
    ).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 60,
      cache_creation_input_tokens: 30,
    });
    // OpenAI names its cache writes cache_write_tokens.
    expect(
      messageUsage({
        prompt_tokens: 100,
        completion_tokens: 5,
        prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 },
      }),
    ).toMatchObject({ input_tokens: 10, cache_creation_input_tokens: 30 });
  });

  it('maps statuses to Anthropic error types', () => {
    expect(anthropicErrorType(400, 'invalid_request_error')).toBe('invalid_request_error');
    expect(anthropicErrorType(401, 'authentication_error')).toBe('authentication_error');
    expect(anthropicErrorType(404, 'invalid_request_error')).toBe('not_found_error');
    expect(anthropicErrorType(429, 'insufficient_quota')).toBe('rate_limit_error');
    expect(anthropicErrorType(503, 'api_error')).toBe('overloaded_error');
    expect(anthropicErrorType(504, 'timeout_error')).toBe('timeout_error');
    expect(anthropicErrorType(502, 'api_error')).toBe('api_error');
  });
});
