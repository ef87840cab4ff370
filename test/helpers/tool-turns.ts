// Conversations around tool calls that several providers' tests send.
import type { ChatRequest } from '../../src/openai/schemas';

/** A tool call whose result holds text and an image (a service that cannot see it must refuse, naming `messages.2.content.1`). */
export const SCREENSHOT_TOOL_RESULT: Pick<ChatRequest, 'tools' | 'messages'> = {
  tools: [{ type: 'function', function: { name: 'screenshot' } }],
  messages: [
    { role: 'user', content: 'Look' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }],
    },
    {
      role: 'tool',
      tool_call_id: 'c1',
      content: [
        { type: 'text', text: 'Here:' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
    },
  ],
};
