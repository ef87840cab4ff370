// A system (or developer) message's text, for providers whose system prompt is text alone: OpenAI
// takes only text parts there too, so anything else is refused, naming the part, rather than
// dropped. Also text parts as the one string some services require in a system or tool message.
import { invalidRequest } from '../errors';
import type { ContentPart } from '../openai/schemas';

type TextPart = Extract<ContentPart, { type: 'text' }>;

/**
 * Text parts as one string, a blank line between them; undefined when any part is not text. For
 * services that take only a string in a system or tool message (Groq: "'messages.0.content' :
 * value must be a string").
 */
export function joinedText(parts: readonly ContentPart[]): string | undefined {
  if (!parts.every((part): part is TextPart => part.type === 'text')) return undefined;
  return parts.map((part) => part.text).join('\n\n');
}

/** The text of `content`; `param` names the message's content (`messages.0.content`). */
export function systemText(content: string | ContentPart[], param: string): string {
  if (typeof content === 'string') return content;
  let text = '';
  content.forEach((part, j) => {
    if (part.type !== 'text') throw invalidRequest('System messages may only contain text.', `${param}.${j}`);
    text += part.text;
  });
  return text;
}
