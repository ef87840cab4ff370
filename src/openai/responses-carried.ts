// The event stream of a /v1/responses request that OpenAI's Responses API served with its hosted
// tools (responses-hosted.ts). The chat stream the gateway relayed — limits, usage, timeouts, the
// log — carries each of OpenAI's events whole in a chunk's `responses_event` (OpenAIStreamWriter.
// carry): those go to the client as OpenAI sent them, and nothing else of the chat stream does. An
// error event the gateway ends the stream with (an idle or time limit, an upstream cut short)
// becomes response.failed, as OpenAI ends a failed response; after a terminal event of OpenAI's,
// nothing more is sent.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { sseData } from './sse';

type Json = Record<string, unknown>;

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

export function carriedEventStream(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  /** The response as the last event that held it had it: what a failure reports. */
  let response: Json | undefined;
  let sequence = -1;
  let over = false;
  let out = '';

  const carried = (data: string) => {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return; // not an event OpenAI could have sent
    }
    if (!isRecord(event) || typeof event.type !== 'string') return;
    if (typeof event.sequence_number === 'number') sequence = event.sequence_number;
    if (isRecord(event.response)) response = event.response;
    out += `event: ${event.type}\n${sseData(data)}`;
    if (TERMINAL.has(event.type)) over = true;
  };

  /** The gateway's error event as the Responses stream ends a failure (responses-stream.ts does the same). */
  const failed = (error: Json) => {
    over = true;
    // ResponseError's code is one of a fixed list: a rate limit keeps its code, the rest are server errors.
    const code = error.code === 'rate_limit_exceeded' ? 'rate_limit_exceeded' : 'server_error';
    const message = typeof error.message === 'string' ? error.message : 'The response failed.';
    const sequence_number = sequence + 1;
    const event = response
      ? {
          type: 'response.failed',
          sequence_number,
          response: { ...response, status: 'failed', error: { code, message } },
        }
      : { type: 'error', code, message, param: null, sequence_number };
    out += `event: ${event.type}\n${sseData(event)}`;
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
    if (typeof chunk.responses_event === 'string') carried(chunk.responses_event);
    else if (isRecord(chunk.error)) failed(chunk.error);
  };
  const parser = createParser({ onEvent });
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

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
