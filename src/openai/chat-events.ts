// Reads the gateway's own chat-completions SSE (what the chat route streams) for the translations
// around it (the Responses and Messages APIs): each JSON chunk, or the relay's error event, handed
// on as it arrives; `[DONE]`, anything not JSON and anything after the end are not theirs. The
// relay's keep-alive comments are handed on too, for the translation to pass to its own client.
import { createParser } from 'eventsource-parser';
import { isRecord } from '../json-record';

export interface ChatEventHandlers {
  chunk(value: Record<string, unknown>): void;
  /** The relay's mid-stream failure (`{"error": {...}}`). */
  error(error: unknown): void;
  /** Whether the translation has ended (a failure was told): later events are dropped. */
  ended(): boolean;
  /** A keep-alive comment: it came between two events, and goes to the client between two of its own. */
  keepAlive(): void;
}

/** `feed` the stream's bytes as they come and `end` once it is over (flushes a partial event). */
export function chatEvents(handlers: ChatEventHandlers): { feed(bytes: Uint8Array): void; end(): void } {
  const parser = createParser({
    onEvent: ({ data }) => {
      if (handlers.ended() || data === '[DONE]') return;
      let value: unknown;
      try {
        value = JSON.parse(data);
      } catch {
        return; // the relay sends only JSON events; anything else is not ours to translate
      }
      if (!isRecord(value)) return;
      if (value.error != null && value.error !== false) handlers.error(value.error);
      else handlers.chunk(value);
    },
    onComment: () => {
      if (!handlers.ended()) handlers.keepAlive();
    },
  });
  const decoder = new TextDecoder();
  return {
    feed: (bytes) => parser.feed(decoder.decode(bytes, { stream: true })),
    end: () => parser.feed(decoder.decode()),
  };
}
