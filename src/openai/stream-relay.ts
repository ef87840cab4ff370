// Relays an OpenAI-format SSE stream to the client event by event, observing it on the way:
// usage, completion, first-byte time, client cancellation and mid-stream upstream failure.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Usage } from '../providers/types';
import { SSE_DONE, sseData } from './sse';

export interface StreamSummary {
  usage?: Usage;
  /** The upstream ended the stream properly (`[DONE]` or a finish_reason before EOF). */
  completed: boolean;
  cancelled: boolean;
  error?: string;
  /** ms timestamp of the first byte sent to the client. */
  firstByteAt?: number;
  events: number;
}

export interface RelayOptions {
  /** The client asked for `stream_options.include_usage`; otherwise usage-only chunks are dropped. */
  includeUsage: boolean;
  onEvent?: (data: string) => void;
  /** Rewrites a payload after onEvent saw it (guardrails); null drops it. onEvent sees the original. */
  mapEvent?: (data: string) => string | null;
  onEnd: (summary: StreamSummary) => void;
  now?: () => number;
}

// A JSON object value for "usage" (not `"usage":null`); string contents escape their quotes, so
// text that merely mentions usage cannot match.
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const FINISHED = /"finish_reason"\s*:\s*"/;

export function relayOpenAIStream(
  upstream: ReadableStream<Uint8Array>,
  options: RelayOptions,
): ReadableStream<Uint8Array> {
  const now = options.now ?? Date.now;
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const summary: StreamSummary = { completed: false, cancelled: false, events: 0 };
  let out = '';
  let sawDone = false;
  let ended = false;

  const end = () => {
    if (ended) return;
    ended = true;
    options.onEnd(summary);
  };

  const onEvent = ({ data, event }: EventSourceMessage) => {
    if (data === '[DONE]') {
      sawDone = true;
      summary.completed = true;
      out += SSE_DONE;
      return;
    }
    if (event === 'error' || data.startsWith('{"error"')) summary.error = data.slice(0, 500);
    let frame = data;
    if (USAGE_OBJECT.test(data)) {
      try {
        const chunk = JSON.parse(data) as { usage?: Usage | null; choices?: unknown[] };
        if (chunk.usage) summary.usage = chunk.usage;
        if (!options.includeUsage && chunk.usage) {
          // The gateway always asks upstream for usage (budgets need it); hide it from clients that did not.
          if (!chunk.choices || chunk.choices.length === 0) return;
          chunk.usage = undefined;
          frame = JSON.stringify(chunk);
        }
      } catch {
        // Not JSON: relay it untouched; the client sees exactly what the provider sent.
      }
    }
    if (FINISHED.test(data)) summary.completed = true;
    summary.events++;
    options.onEvent?.(frame);
    const mapped = options.mapEvent ? options.mapEvent(frame) : frame;
    if (mapped !== null) out += sseData(mapped);
  };
  const parser = createParser({ onEvent });

  const flush = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!out) return false;
    if (summary.firstByteAt === undefined) summary.firstByteAt = now();
    controller.enqueue(encoder.encode(out));
    out = '';
    return true;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await reader.read();
          } catch (error) {
            summary.error = `upstream stream failed: ${error instanceof Error ? error.message : String(error)}`;
            out += sseData({
              error: {
                message: 'The upstream provider failed in the middle of the stream.',
                type: 'api_error',
                param: null,
                code: 'upstream_error',
              },
            });
            flush(controller);
            controller.close();
            end();
            return;
          }
          if (result.done) {
            parser.feed(decoder.decode());
            // Some providers close without the terminator; OpenAI clients expect it.
            if (!sawDone) out += SSE_DONE;
            flush(controller);
            controller.close();
            end();
            return;
          }
          parser.feed(decoder.decode(result.value, { stream: true }));
          if (flush(controller)) return;
        }
      },
      async cancel(reason) {
        summary.cancelled = true;
        end();
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
