// A tool message's images and files, for OpenAI-wire services: OpenAI's chat API takes only text
// in a tool message (its ChatCompletionRequestToolMessageContentPart is text alone, and a content
// array must not be empty), so a screenshot tool's result — which Claude Code sends through
// /v1/messages whenever it reads an image — would be refused whole. They go, as for Gemini
// (gemini-messages.ts), in a user message right after the run of tool messages, each tool's after a
// line naming its call; its tool message keeps the text.
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/schemas';

type Messages = ChatRequest['messages'];
type ToolMessage = Extract<ChatMessage, { role: 'tool' }>;

/** `messages` with no tool message holding anything but text; the same array when none did. */
export function toolMediaAsUser(messages: Messages): Messages {
  if (!messages.some((message) => message.role === 'tool' && needsMoving(message.content))) return messages;
  const out: Messages = [];
  let moved: ContentPart[] = [];
  const names = new Map<string, string>();
  const flush = () => {
    if (moved.length > 0) out.push({ role: 'user', content: moved });
    moved = [];
  };
  for (const message of messages) {
    if (message.role !== 'tool') {
      flush();
      if (message.role === 'assistant')
        for (const call of message.tool_calls ?? [])
          names.set(call.id, call.type === 'function' ? call.function.name : call.custom.name);
      out.push(message);
      continue;
    }
    if (!needsMoving(message.content)) {
      out.push(message);
      continue;
    }
    const parts = message.content as ContentPart[];
    const text = parts.filter((part) => !isMedia(part));
    const media = parts.filter(isMedia);
    out.push({ ...message, content: text.length > 0 ? text : '' } as ToolMessage);
    if (media.length > 0) {
      const name = names.get(message.tool_call_id) ?? 'tool';
      moved.push({ type: 'text', text: `Returned by the ${name} call ${message.tool_call_id}:` }, ...media);
    }
  }
  flush();
  return out;
}

/** Content a tool message cannot hold at OpenAI: an image, audio or file part, or no part at all. */
function needsMoving(content: ToolMessage['content']): boolean {
  return Array.isArray(content) && (content.length === 0 || content.some(isMedia));
}

function isMedia(part: ContentPart): boolean {
  return part.type === 'image_url' || part.type === 'input_audio' || part.type === 'file';
}
