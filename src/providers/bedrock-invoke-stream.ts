// InvokeModelWithResponseStream's answer as the event stream Anthropic's API sends. Bedrock wraps
// each of Claude's Messages events in an AWS event-stream frame (aws-event-stream.ts): a `chunk`
// event whose JSON payload's `bytes` is the event's JSON, base64. The native relay
// (anthropic-native.ts) reads Anthropic's SSE, so each becomes `event: <type>` / `data: <json>` again,
// as Claude wrote it (message_stop less the metrics Bedrock adds to it).
// An exception frame (a throttle, a model error mid-stream) fails the stream, once the events before
// it are out, with the UpstreamError the Converse stream's would be (bedrock-errors.ts): before the
// answer starts, a failed attempt the router fails over; after it, the translation ends the stream
// as it does at Anthropic's error event (AnthropicStreamState.failed): the usage message_start
// counted first (what the request is charged on), then an error event the relay words its own way.
import { EventStreamDecoder, type EventStreamMessage } from './aws-event-stream';
import { streamException } from './bedrock-errors';
import { UpstreamError } from './types';
import { unexpectedAnswer } from './upstream-error';

export function invokeStreamAsSSE(
  provider: string,
  upstream: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new EventStreamDecoder();
  const encoder = new TextEncoder();
  /** A failure after events of the same read: those go out first, it fails the next pull. */
  let failure: UpstreamError | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (failure) return fail(controller, failure);
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            // A frame cut off: the stream broke, whatever was said before it.
            if (decoder.pendingBytes > 0)
              return fail(
                controller,
                new UpstreamError('network', 0, `${provider} ended the stream in the middle of an event.`),
              );
            return controller.close();
          }
          let frames = '';
          try {
            for (const message of decoder.push(value)) frames += sseFrame(provider, message);
          } catch (error) {
            failure =
              error instanceof UpstreamError
                ? error
                : new UpstreamError(
                    'server',
                    200,
                    `${provider} sent a malformed stream (${(error as Error).message}).`,
                  );
          }
          if (frames) return controller.enqueue(encoder.encode(frames));
          if (failure) return fail(controller, failure);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );

  function fail(controller: ReadableStreamDefaultController<Uint8Array>, error: UpstreamError) {
    reader.cancel().catch(() => {});
    controller.error(error);
  }
}

const INVOCATION_METRICS = 'amazon-bedrock-invocationMetrics';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * One frame as Anthropic's SSE: a `chunk` event's payload (`{"bytes": "<base64>"}`, beside Bedrock's
 * padding) as its event; an exception thrown; any other event (none is documented) nothing.
 */
function sseFrame(provider: string, message: EventStreamMessage): string {
  const kind = message.headers[':message-type'];
  if (kind === 'exception' || kind === 'error') throw streamException(provider, message);
  if (kind !== 'event' || message.headers[':event-type'] !== 'chunk') return '';
  let data: string;
  let event: Record<string, unknown> | null;
  try {
    const { bytes } = JSON.parse(utf8.decode(message.payload)) as { bytes?: unknown };
    if (typeof bytes !== 'string') throw unexpectedAnswer(provider, 'stream event');
    data = utf8.decode(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)));
    event = JSON.parse(data) as Record<string, unknown> | null;
  } catch {
    throw unexpectedAnswer(provider, 'stream event');
  }
  const type = event?.type;
  if (typeof type !== 'string' || !/^\w+$/.test(type)) throw unexpectedAnswer(provider, 'stream event');
  // Bedrock adds its invocation metrics to message_stop, a field Anthropic's API never sends (the
  // usage is read from message_start and message_delta): that one event is written without it, every
  // other as Claude wrote it.
  if (type === 'message_stop' && event && Object.hasOwn(event, INVOCATION_METRICS)) {
    const { [INVOCATION_METRICS]: _metrics, ...stop } = event;
    data = JSON.stringify(stop);
  }
  // JSON may hold line breaks between its tokens: each line its own `data:` line, as SSE joins them.
  return `event: ${type}\ndata: ${data.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
}
