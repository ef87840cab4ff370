// Writing OpenAI-format server-sent events.
const encoder = new TextEncoder();

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
} as const;

export function sseData(data: unknown): string {
  if (typeof data !== 'string') return `data: ${JSON.stringify(data)}\n\n`;
  // An event's data may hold line breaks (an upstream that split it over several `data:` lines):
  // each line goes on a `data:` line of its own, or the client reads the rest as other fields.
  return data.includes('\n') || data.includes('\r')
    ? `data: ${data.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`
    : `data: ${data}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * What a quiet stream sends to keep its connection in use: an SSE comment, a line starting with ':',
 * which every SSE parser skips (the OpenAI and Anthropic SDKs' included), so no client sees an event.
 */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** A finite stream of pre-built SSE frames, e.g. a synthesised or replayed completion. */
export function sseStream(frames: readonly string[], delayMs = 0): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (index >= frames.length) {
          controller.close();
          return;
        }
        if (delayMs > 0 && index > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        controller.enqueue(encoder.encode(frames[index++]));
      },
    },
    { highWaterMark: 0 },
  );
}
