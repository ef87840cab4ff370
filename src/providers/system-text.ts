// A system (or developer) message's text, for providers whose system prompt is text alone. OpenAI
// takes only text parts there too; anything else is refused, naming the part, rather than dropped.
import { invalidRequest } from '../errors';
import type { ContentPart } from '../openai/schemas';

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
