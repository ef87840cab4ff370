// The event stream of a request its API's own endpoint served as written (ChatCall.native: OpenAI's
// Responses API with its hosted tools, Anthropic's Messages API with its server tools). The chat
// stream the gateway relayed — limits, usage, timeouts, the log — carries each of the provider's
// events whole in a chunk's `native_event` (OpenAIStreamWriter.carry): those go to the client as
// the provider sent them (`event:` named by the data's type, as both APIs write it), and nothing else
// of the chat stream does. An error event the gateway ends the stream with (an idle or time limit,
// an upstream cut short) becomes the API's own way to end a failure (`failed`); after a terminal
// event of the provider's, nothing more is sent. The relay's keep-alive comments pass as they are.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isRecord } from '../json-record';
import { SSE_KEEP_ALIVE, sseData } from './sse';

type Json = Record<string, unknown>;

export interface CarriedApi {
  /** Event types after which the API's stream is over. */
  terminal: ReadonlySet<string>;
  /** Each carried event, as it passes (what a later failure may need to report). */
  seen?(event: Json): void;
  /** The gateway's error (the chat stream's `error`) as the API's closing event. */
  failed(error: Json): Json & { type: string };
}

export function carriedEvents(api: CarriedApi): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let over = false;
  let out = '';

  const carried = (data: string) => {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return; // not an event the provider could have sent
    }
    if (!isRecord(event) || typeof event.type !== 'string') return;
    api.seen?.(event);
    out += `event: ${event.type}\n${sseData(data)}`;
    if (api.terminal.has(event.type)) over = true;
  };

  const onEvent = ({ data }: EventSourceMessage) => {
    if (over || data === '[DONE]') return;
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(chunk)) return;
    if (typeof chunk.native_event === 'string') carried(chunk.native_event);
    else if (isRecord(chunk.error)) {
      over = true;
      const event = api.failed(chunk.error);
      out += `event: ${event.type}\n${sseData(event)}`;
    }
  };
  const onComment = () => {
    if (!over) out += SSE_KEEP_ALIVE;
  };
  const parser = createParser({ onEvent, onComment });
  const flush = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (!out) return;
    controller.enqueue(encoder.encode(out));
    out = '';
  };
  return new TransformStream({
    transform(bytes, controller) {
      parser.feed(decoder.decode(bytes, { stream: true }));
      flush(controller);
    },
    flush(controller) {
      parser.feed(decoder.decode());
      flush(controller);
    },
  });
}
