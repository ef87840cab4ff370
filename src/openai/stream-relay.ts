// Relays an OpenAI-format SSE stream to the client event by event, observing it on the way:
// usage, completion, first-byte time, client cancellation and mid-stream upstream failure. Once
// started, a stream ends early in the gateway's words: when the upstream breaks, sends an error
// event, sends no event for `idleMs`, or is still running `maxMs` after it started. A stream that
// writes nothing for `keepAliveMs` gets an SSE comment (keep-alive.ts), never counted as output.
import { createParser } from 'eventsource-parser';
import { DEFAULT_STREAM_IDLE_MS, DEFAULT_STREAM_KEEP_ALIVE_MS } from '../routing/config-schema';
import { IDLE, type IdleRead, IdleReader } from './idle-reader';
import { RelayClient } from './relay-client';
import { DONE_DRAIN_MS, DRAIN_MS, RelayEnding } from './relay-ending';
import { RelayEvents } from './relay-events';
import type { ChunkSource, RelayOptions } from './relay-options';

export type { ChunkSource, MappedEvent, RelayOptions } from './relay-options';

export function relayOpenAIStream(
  upstream: ReadableStream<Uint8Array> | ChunkSource,
  options: RelayOptions,
): ReadableStream<Uint8Array> {
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? DEFAULT_STREAM_IDLE_MS;
  const { maxMs } = options;
  const endsAt = maxMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + maxMs;
  const reader: ChunkSource = upstream instanceof ReadableStream ? upstream.getReader() : upstream;
  const idle = new IdleReader(reader, idleMs);
  const decoder = new TextDecoder();
  const events = new RelayEvents(options);
  const parser = createParser({ onEvent: events.read });
  const client = new RelayClient(events, options.keepAliveMs ?? DEFAULT_STREAM_KEEP_ALIVE_MS, now, (error) =>
    ending.clientGone(error),
  );
  const ending = new RelayEnding(options, reader, idle, idleMs, endsAt, events, client);

  const relay = async () => {
    // The idle clock runs only while the gateway waits on the upstream, not while the client takes
    // its time to read what was sent. The time limit has its own timer; the check here covers an
    // upstream whose next chunk is always ready, which would never yield to it.
    for (;;) {
      if (ending.closed) return;
      if (Date.now() >= endsAt) return ending.timeUp();
      let result: IdleRead;
      try {
        result = await idle.read();
      } catch (error) {
        return ending.readFailed(error);
      }
      if (ending.closed) return;
      if (result === IDLE) return ending.idled();
      if (result.done) {
        parser.feed(decoder.decode());
        return ending.upstreamClosed();
      }
      const before = events.parsed;
      parser.feed(decoder.decode(result.value, { stream: true }));
      if (events.failed) {
        ending.finish('', true);
        return;
      }
      // The answer is over for the client — complete (`[DONE]`) or ended by the gateway — so its
      // stream closes now. The upstream is read on to its end: after `[DONE]` that is normally at
      // once, and reading it out lets the runtime reuse the connection (cancelling a body closes
      // it); after a gateway end, for the usage. Bounded either way (DONE_DRAIN_MS, DRAIN_MS: the
      // runtime ends a request's background work ~30 s after its response), then let go.
      if ((events.sawDone || events.answerEnded) && !client.closed) {
        client.close();
        ending.drainFor(events.sawDone ? DONE_DRAIN_MS : DRAIN_MS);
      }
      if (events.parsed !== before) idle.restart();
      const sending = client.send();
      if (sending === undefined) continue;
      try {
        await sending;
      } catch (error) {
        ending.clientGone(error);
        if (ending.closed) return;
        continue; // gone with its whole answer: read on for the usage
      }
      idle.restart();
    }
  };

  ending.limit(maxMs);
  // A disconnect is seen at once, not only when the next chunk cannot be written.
  const { signal } = options;
  if (signal) {
    // Leaving once the client's stream is closed (the answer ended, the upstream read on for its
    // usage) cancels nothing.
    const onAbort = () => {
      if (!client.closed) ending.clientGone(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  // Not expected (every step above handles its own failure); never leave the client hanging.
  const running = relay().catch((error: unknown) => ending.relayFailed(error));
  options.waitUntil?.(running);
  return client.readable;
}
