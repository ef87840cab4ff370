// How a Messages event stream (messages-stream.ts) begins and ends: message_start, then either
// message_delta and message_stop, or Anthropic's `error` event (the gateway's mid-stream failure).

import { isRecord } from '../json-record';
import { messageUsage, stopOf, streamErrorType } from './messages-answer';
import type { MessageEventWriter } from './messages-event-writer';

type Json = Record<string, unknown>;

/** message_start, with the model the first chunk names (the provider's own id, as the JSON answer has it). */
export function messageStart(
  events: MessageEventWriter,
  id: string,
  model: string,
  chunk: Json,
  inputEstimate: number | undefined,
): void {
  // The chat stream reports usage last, in full in message_delta. What the prompt took is known
  // here only from an Anthropic-shaped upstream (Anthropic's, Vertex's Claude), whose first chunk
  // carries its message_start's usage in the extension field `prompt_usage`; from any other, the
  // gateway's estimate stands in, where clients (Claude Code) read the context's size as the
  // answer starts. message_delta's usage is cumulative, as Anthropic's: its counts replace these.
  const prompt = isRecord(chunk.prompt_usage) ? chunk.prompt_usage : { prompt_tokens: inputEstimate ?? 0 };
  events.emit('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: typeof chunk.model === 'string' ? chunk.model : model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: messageUsage(prompt),
    },
  });
}

/** message_delta (stop reason, usage) and message_stop, once every block stopped. */
export function messageEnd(
  events: MessageEventWriter,
  finishReason: unknown,
  matched: string | undefined,
  refused: boolean,
  usage: unknown,
): void {
  events.emit('message_delta', {
    delta: stopOf(finishReason, { stop_sequence: matched }, refused),
    usage: messageUsage(usage),
  });
  events.emit('message_stop', {});
}

/** A chat error event as Anthropic's `error` event, which ends the stream. */
export function streamError(events: MessageEventWriter, error: unknown): void {
  const said = isRecord(error) ? error : {};
  events.emit('error', {
    error: {
      type: streamErrorType(said),
      message: typeof said.message === 'string' ? said.message : 'The answer failed.',
    },
  });
}
