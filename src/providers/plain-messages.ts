// Chat messages as OpenAI-compatible services other than OpenAI take them. A developer message goes
// as a system message, which OpenAI treats alike: current OpenAI SDKs send the newer role, which
// DeepSeek ("unknown variant `developer`"), Qwen's DashScope and others refuse. A system or tool
// message of text parts alone goes as one string: Groq takes nothing else there ("'messages.0.
// content' : value must be a string"), nor do some vLLM and TGI versions. Parts carrying a Claude
// cache mark stay parts (a Claude model behind OpenRouter reads them: anthropic/claude-fields.ts);
// user and assistant content is left alone, where parts (images, audio) are legitimate.
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/schemas';
import { joinedText } from './system-text';

type Messages = ChatRequest['messages'];

/** `messages` as other services take them; the same array when none needed changing. */
export function plainMessages(messages: Messages): Messages {
  const out = messages.map(plain);
  return out.every((message, i) => message === messages[i]) ? messages : out;
}

function plain(message: ChatMessage): ChatMessage {
  const sent: ChatMessage = message.role === 'developer' ? { ...message, role: 'system' } : message;
  if (sent.role !== 'system' && sent.role !== 'tool') return sent;
  if (!Array.isArray(sent.content) || sent.content.some(marked)) return sent;
  const text = joinedText(sent.content);
  return text === undefined ? sent : { ...sent, content: text };
}

/** Whether a part carries a prompt-cache mark, which a string would lose. */
function marked(part: ContentPart): boolean {
  return (part as { cache_control?: unknown }).cache_control != null;
}
