// A /v1/messages request with Anthropic's server or typed tools (ChatCall.native, api 'messages';
// src/anthropic/messages-native.ts), sent to Anthropic's Messages API (or Vertex AI's, in its
// envelope: vertex.ts) as the client wrote it with only `model` replaced: the answer's JSON comes
// back as `raw` beside its chat form (the pipeline's usage, cost and log); a stream's events each
// ride in a chunk of the chat stream (translateStream's `carry`), while its chat form gives the
// relay its usage, finish and answer text.
import { messageSchema, toCompletion } from './anthropic-response';
import { translateStream } from './anthropic-stream';
import { sentWithinModelCap } from './cap-refusal';
import { messagesWithin } from './claude-cap';
import { OpenAIStreamWriter } from './openai-stream-writer';
import type { ChatCall, ChatResult } from './types';
import { parseAnswer, streamBody } from './upstream-error';

export async function nativeMessages(
  name: string,
  { body, model, signal, requestId }: ChatCall,
  request: Record<string, unknown>,
  send: (body: Record<string, unknown>, signal: AbortSignal) => Promise<Response>,
): Promise<ChatResult> {
  // A Messages request always names its max_tokens: no gateway cap is ever set on it. One above the
  // model's limit (a route's fallback with a lower one) goes again at the limit (cap-refusal.ts).
  const sent = { ...request, model };
  const response = await sentWithinModelCap(sent, (body) => send(body, signal), messagesWithin);
  const id = `chatcmpl-${requestId}`;
  if (body.stream) {
    const upstream = await streamBody(name, response);
    const writer = new OpenAIStreamWriter(id, model);
    return { kind: 'stream', body: translateStream(name, upstream, writer, false, false, true) };
  }
  // A body that fails mid-read is as unreadable as a malformed one.
  const raw = await response.text().catch(() => '');
  return {
    kind: 'json',
    body: toCompletion(parseAnswer(name, raw, messageSchema), { id, model }, false),
    raw,
  };
}
