// What a chat answer (a message, or a stream's delta) says, as its text and its readable reasoning,
// for the translations to other APIs (/v1/responses, /v1/messages). Services name and shape them
// differently:
// - reasoning as `reasoning_content` (DeepSeek's, and the gateway's own adapters') or `reasoning`
//   (OpenRouter's, Groq's, Ollama's, newer vLLM's; a string, beside OpenRouter's structured
//   `reasoning_details`, not read here: the Messages and Responses translations read Claude's
//   signed blocks there, src/providers/reasoning-details.ts). One is read, never both: vLLM has
//   sent the same text under the two names.
// - `content` mostly as a string, all text; Mistral's reasoning models (Magistral, Small 4 and
//   Medium 3.5 with `reasoning_effort`) as a list of parts, whose `thinking` parts (each a list of
//   text parts) hold the reasoning and `text` parts the answer.
import { isRecord } from '../json-record';

/** The reasoning text of a chat message or stream delta under its own field; '' when it has none. */
function reasoningText(message: Record<string, unknown>): string {
  const { reasoning_content: named, reasoning } = message;
  if (typeof named === 'string' && named !== '') return named;
  return typeof reasoning === 'string' ? reasoning : '';
}

/**
 * Whether a stream delta, its tool calls aside, says anything (not just its role, `content: null`
 * or an empty list): what the translations hold while a call's arguments are not yet whole.
 */
export function saysAnything(delta: Record<string, unknown>): boolean {
  return Object.entries(delta).some(
    ([key, value]) =>
      key !== 'role' && value != null && value !== '' && !(Array.isArray(value) && value.length === 0),
  );
}

/** A chat message's (or delta's) answer text, and all its reasoning: its field's, then its content's. */
export function said(message: Record<string, unknown>): { text: string; reasoning: string } {
  const { content } = message;
  if (typeof content === 'string') return { text: content, reasoning: reasoningText(message) };
  let text = '';
  let reasoning = reasoningText(message);
  for (const part of Array.isArray(content) ? content.filter(isRecord) : []) {
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'thinking') reasoning += partsText(part.thinking);
  }
  return { text, reasoning };
}

function partsText(parts: unknown): string {
  if (typeof parts === 'string') return parts;
  if (!Array.isArray(parts)) return '';
  return parts.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}
