// A /v1/messages request's failed tool results on their way to a target: Claude keeps Anthropic's
// is_error flag; any other model reads a leading "Error:" and never sees the field.
import { describe, expect, it } from 'vitest';
import { bodyForTarget, IS_ERROR } from '../../src/anthropic/claude-fields';
import type { ChatRequest } from '../../src/openai/schemas';
import type { ProviderAdapter } from '../../src/providers/types';

const adapter = (type: string, claude: boolean) =>
  ({ type, name: type, servesClaude: () => claude }) as unknown as ProviderAdapter;
const cache = { type: 'ephemeral' };
const png = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };

function body(content: unknown): ChatRequest {
  return {
    model: 'm',
    messages: [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 't1', content, is_error: true },
    ],
  } as ChatRequest;
}

const toolMessage = (sent: ChatRequest) => sent.messages[2];

describe('bodyForTarget: is_error', () => {
  it('keeps the flag for a target that serves Claude, the content as it came', () => {
    const sent = body('No such file');
    expect(bodyForTarget(sent, [IS_ERROR], adapter('anthropic', true), 'claude-sonnet-4-5')).toBe(sent);
  });

  it('tells another model by a leading "Error:", without the field', () => {
    const other = adapter('openai', false);
    expect(toolMessage(bodyForTarget(body('No such file'), [IS_ERROR], other, 'gpt-5'))).toEqual({
      role: 'tool',
      tool_call_id: 't1',
      content: 'Error: No such file',
    });
    expect(toolMessage(bodyForTarget(body([png]), [IS_ERROR], other, 'gpt-5'))).toEqual({
      role: 'tool',
      tool_call_id: 't1',
      content: [{ type: 'text', text: 'Error:' }, png],
    });
  });

  it('keeps a first text part’s cache mark for a Claude behind OpenRouter, and joins text parts for others', () => {
    const marked = body([
      { type: 'text', text: 'No such file' },
      { type: 'text', text: 'see logs', cache_control: cache },
    ]);
    const openrouter = bodyForTarget(
      marked,
      [IS_ERROR, 'cache_control'],
      adapter('openai', false),
      'anthropic/claude-sonnet-4.5',
    );
    expect(toolMessage(openrouter)).toEqual({
      role: 'tool',
      tool_call_id: 't1',
      content: [
        { type: 'text', text: 'Error: No such file' },
        { type: 'text', text: 'see logs', cache_control: cache },
      ],
    });
    const groq = bodyForTarget(
      marked,
      [IS_ERROR, 'cache_control'],
      adapter('openai', false),
      'llama-3.3-70b',
    );
    expect(toolMessage(groq)).toEqual({
      role: 'tool',
      tool_call_id: 't1',
      content: 'Error: No such file\n\nsee logs',
    });
    expect(groq).not.toHaveProperty(IS_ERROR);
  });
});
