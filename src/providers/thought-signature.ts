// Gemini's thought signatures in OpenAI shapes. Google's own OpenAI-compatible API carries a
// function call's as the tool call's `extra_content.google.thought_signature`; the gateway carries
// them there, on tool calls (gemini-response.ts) and on the images an image model made
// (output-images.ts), and reads them back from there when a client sends the answer again.
import { isRecord } from '../json-record';
import type { ChatMessage } from '../openai/schemas';

/** Where a signature rides on a tool call or an image. */
export interface SignedExtra {
  extra_content?: { google: { thought_signature: string } };
}

/** The `extra_content` field carrying `signature`; nothing for a part that came without one. */
export function signedExtra(signature: string | undefined): SignedExtra {
  return signature ? { extra_content: { google: { thought_signature: signature } } } : {};
}

/**
 * The signature an `extra_content` carries, if it holds one. Read leniently, as the rest of a call's
 * or image's own fields are: anything else there is none (the model then gets what a client that
 * kept no signature gets), never a refused request.
 */
export function thoughtSignature(extra: unknown): string | undefined {
  const google = isRecord(extra) ? extra.google : undefined;
  const signature = isRecord(google) ? google.thought_signature : undefined;
  return typeof signature === 'string' && signature !== '' ? signature : undefined;
}

/**
 * `message` without the `extra_content` of an assistant message's tool calls; the same message when
 * none carries one. For an OpenAI-compatible service other than Google's own: a conversation a Gemini
 * model began may go on elsewhere (a failover, another model), and OpenAI and the strict services
 * refuse a field they do not define, which none of them reads.
 */
export function withoutCallExtras(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant' || !message.tool_calls?.some((call) => 'extra_content' in call))
    return message;
  const tool_calls = message.tool_calls.map((call) => {
    if (!('extra_content' in call)) return call;
    const { extra_content: _, ...rest } = call as typeof call & { extra_content?: unknown };
    return rest;
  });
  return { ...message, tool_calls };
}
