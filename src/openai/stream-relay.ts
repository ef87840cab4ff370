// Relays an OpenAI-format SSE stream to the client event by event, observing it on the way:
// usage, completion, first-byte time, client cancellation and mid-stream upstream failure. Once
// started, a stream ends early in the gateway's words: when the upstream breaks, sends an error
// event, sends no event for `idleMs`, or is still running `maxMs` after it started. A stream that
// writes nothing for `keepAliveMs` gets an SSE comment (keep-alive.ts), never counted as output.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isRecord } from '../json-record';
import type { Usage } from '../providers/types';
import { DEFAULT_STREAM_IDLE_MS, DEFAULT_STREAM_KEEP_ALIVE_MS } from '../routing/config-schema';
import { answerChars, errorCodeOf, noteFinished } from './chunk-scan';
import { IDLE, type IdleRead, IdleReader } from './idle-reader';
import { KeepAlive } from './keep-alive';
import { SSE_DONE, SSE_KEEP_ALIVE, sseData } from './sse';
import {
  providerError,
  providerErrorCode,
  providerErrorFrame,
  streamFailedFrame,
  streamIdleFrame,
  streamTimeLimitFrame,
  streamTruncatedFrame,
} from './stream-errors';
import type { StreamSummary } from './stream-summary';
import { UsageFill } from './usage-fill';

/** Where the relay reads the upstream's bytes: a stream's reader, or a primed stream (prime-stream.ts). */
export interface ChunkSource {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/** What a mapper makes of an event: a payload, nothing, or the error event that ends the answer. */
export type MappedEvent = string | null | { end: string };

export interface RelayOptions {
  /** The client asked for `stream_options.include_usage`; otherwise usage-only chunks are dropped. */
  includeUsage: boolean;
  onEvent?: (data: string) => void;
  /**
   * Rewrites a payload after onEvent saw it (guardrails); null drops it; `{ end }` ends the answer
   * with that error event (no `[DONE]` follows, as after any mid-stream error; the upstream is still
   * read to its end for usage). onEvent sees the original.
   */
  mapEvent?: (data: string) => MappedEvent;
  onEnd: (summary: StreamSummary) => void;
  /** timeouts.streamIdleMs: the longest wait for the upstream's next event (SSE comments do not count). */
  idleMs?: number;
  /**
   * timeouts.streamKeepAliveMs: after this long with nothing written to the client, a `: keep-alive`
   * comment is; a write of it that fails is the client leaving.
   */
  keepAliveMs?: number;
  /** timeouts.streamMaxMs: the longest the relayed stream may run in all; unbounded when absent. */
  maxMs?: number;
  /** What set `maxMs`, as its error event names it (default: timeouts.streamMaxMs). */
  maxMsSetting?: string;
  now?: () => number;
  /**
   * ctx.waitUntil: keeps the relay running after the client disconnects, so the disconnect is
   * noticed (the next write fails), the upstream let go and onEnd called. Without it (unit tests)
   * the relay still runs, only a disconnect may go unnoticed.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** The client's request signal: its abort (a disconnect) ends the relay at once. */
  signal?: AbortSignal;
  /** The request's `n`: a stream that closes without `[DONE]` is complete once every choice finished. */
  choices?: number;
  /**
   * The stream carries the provider's own events (OpenAIStreamWriter.carry: /v1/responses with
   * hosted tools, /v1/messages with server tools) beside the chat chunks that stand for them: a
   * carried one is no event of the answer's own, or a stream cut short was charged twice its output
   * (a token an event at least).
   */
  carries?: boolean;
  /**
   * What a whole answer is charged when its provider reported no plausible usage: told the client
   * who asked for usage, before the `[DONE]`, in place of an implausible report (usage-fill.ts).
   */
  fillUsage?: (summary: StreamSummary) => Usage;
}

// A JSON object value for "usage" (not `"usage":null`); string contents escape their quotes, so
// text that merely mentions usage cannot match.
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
/** The prompt's usage a provider reported as its answer started (Anthropic's message_start). */
const PROMPT_USAGE = /"prompt_usage"\s*:\s*\{/;
const FINISHED = /"finish_reason"\s*:\s*"/;
const SERVICE_TIER = /"service_tier"\s*:\s*"([\w-]{1,40})"/;
/** A carried event's key (OpenAIStreamWriter.carry); inside its string value quotes are escaped. */
const CARRIED_KEY = '"native_event"';
/** How long, at most, the upstream is read on for usage after the gateway ended the answer. */
const DRAIN_MS = 20_000;
/** How long, at most, an upstream that sent `[DONE]` may take to close before it is let go. */
const DONE_DRAIN_MS = 1_000;

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
  const encoder = new TextEncoder();
  const summary: StreamSummary = { completed: false, cancelled: false, events: 0, answerChars: 0 };
  const choices = options.choices ?? 1;
  const fill = options.fillUsage && options.includeUsage ? new UsageFill(options.fillUsage) : undefined;
  /** With n > 1, the indexes of the choices that have finished. */
  const finishedChoices = new Set<number>();
  let out = '';
  let sawDone = false;
  /** Events parsed, relayed or not: any of them shows the upstream is alive. */
  let parsed = 0;
  /** The upstream sent an error event: nothing after it is relayed. */
  let failed = false;
  /** The mapper ended the answer with an error event: no [DONE] after it. */
  let answerEnded = false;
  let ended = false;
  /** The relay is over (the client stream closed or gone, the upstream let go or read to its end). */
  let closed = false;
  /** The client's stream is closed: the answer ended (an error event) while the upstream is read on for usage. */
  let clientClosed = false;
  let limitTimer: ReturnType<typeof setTimeout> | undefined;
  /** After the gateway ended the answer: the most the upstream is still read for its usage. */
  let drainTimer: ReturnType<typeof setTimeout> | undefined;

  const end = () => {
    if (ended) return;
    ended = true;
    if (limitTimer !== undefined) clearTimeout(limitTimer);
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    idle.stop();
    keepAlive.stop();
    options.onEnd(summary);
  };

  const onEvent = (message: EventSourceMessage) => {
    if (failed) return;
    parsed++;
    const { data } = message;
    if (data === '[DONE]') {
      sawDone = true;
      summary.completed = true;
      if (answerEnded) return;
      // The usage charged, where the provider reported none plausible; the cache and log see it too.
      const filled = fill?.payload(summary);
      if (filled !== undefined) {
        options.onEvent?.(filled);
        out += sseData(filled);
      }
      out += SSE_DONE;
      return;
    }
    const upstreamError = providerError(message);
    if (upstreamError) {
      failed = true;
      if (answerEnded) return; // the client's answer already ended, in the gateway's words
      summary.errorCode = providerErrorCode(upstreamError.error);
      // Not its message: a provider's error may quote the prompt or the answer (a content filter's
      // does), which a zero-retention key's request may leave nowhere — not even as the reason the
      // upstream stream is cancelled with.
      summary.error = `the upstream sent an error event (${summary.errorCode})`;
      out += providerErrorFrame(upstreamError.error);
      return;
    }
    let frame = data;
    fill?.note(data);
    if (USAGE_OBJECT.test(data)) {
      try {
        const chunk = JSON.parse(data) as { usage?: Usage | null; choices?: unknown[] };
        if (chunk.usage) summary.usage = chunk.usage;
        if (chunk.usage && (!options.includeUsage || fill?.replaces(chunk.usage))) {
          // The gateway always asks upstream for usage (budgets need it); hide it from clients that did
          // not, and an implausible report from those that did (the fill tells what is charged).
          if (!chunk.choices || chunk.choices.length === 0) return;
          chunk.usage = undefined;
          frame = JSON.stringify(chunk);
        }
      } catch {
        // Not JSON: relay it untouched; the client sees exactly what the provider sent.
      }
    }
    if (summary.promptUsage === undefined && PROMPT_USAGE.test(data)) {
      try {
        const { prompt_usage } = JSON.parse(data) as { prompt_usage?: unknown };
        if (isRecord(prompt_usage)) summary.promptUsage = prompt_usage;
      } catch {
        // Not JSON: no prompt usage to read
      }
    }
    if (FINISHED.test(data) && (choices <= 1 || noteFinished(data, finishedChoices) >= choices)) {
      summary.completed = true;
    }
    if (!options.carries || !data.includes(CARRIED_KEY)) summary.events++;
    summary.answerChars += answerChars(data);
    if (summary.serviceTier === undefined && data.includes('"service_tier"'))
      summary.serviceTier = SERVICE_TIER.exec(data)?.[1];
    options.onEvent?.(frame);
    const mapped = options.mapEvent ? options.mapEvent(frame) : frame;
    if (mapped === null) return;
    if (typeof mapped === 'string') out += sseData(mapped);
    else {
      answerEnded = true;
      out += sseData(mapped.end);
      // An answer ended in the gateway's words (an output guardrail) is a stream that failed.
      summary.error = 'the answer was ended by the gateway (an output guardrail)';
      summary.errorCode = errorCodeOf(mapped.end) ?? 'guardrail_blocked';
    }
  };
  const parser = createParser({ onEvent });

  // The client stream is the runtime's native IdentityTransformStream, written from here: one
  // layer between the upstream and the socket, and a write resolves once the client has taken it,
  // so the upstream is read no faster than the client reads. The runtime never cancels a response
  // stream when its client disconnects — it stops reading, and the request's pending work is
  // dropped — but a write into this native stream then fails: with the relay kept alive by
  // `waitUntil`, that failure is how a disconnect cancels the upstream and reaches onEnd (budget
  // settled, row logged as cancelled with the tokens seen so far). A JavaScript stream's readable
  // can instead be dropped without a cancel while the runtime waits on a read, and stall for good.
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();

  /** Hands what is pending to the client; resolves once the client has read it. */
  const send = (): Promise<void> | undefined => {
    if (clientClosed) out = ''; // the answer has ended: what the upstream still sends is only read
    if (!out) return undefined;
    if (summary.firstByteAt === undefined) summary.firstByteAt = now();
    const bytes = encoder.encode(out);
    out = '';
    keepAlive.wrote();
    return writer.write(bytes);
  };

  // Written only between sends, and every send is whole events, so a comment never splits one. It
  // is no output: not the first byte, not an event, never seen by onEvent, the mapper or the cache.
  const keepAlive = new KeepAlive(
    options.keepAliveMs ?? DEFAULT_STREAM_KEEP_ALIVE_MS,
    () => writer.write(encoder.encode(SSE_KEEP_ALIVE)),
    (error) => clientGone(error),
  );

  /** Sends what is left (and a last frame) and closes the client's stream. */
  const closeClient = (last = '') => {
    if (clientClosed) return;
    summary.lastByteAt = now();
    out += last;
    // Queued behind a write the client has not read yet, if any; a client that is gone fails them.
    send()?.catch(() => {});
    clientClosed = true;
    keepAlive.stop();
    writer.close().catch(() => {});
  };

  /** Sends what is left (and a last frame), closes the client stream, and lets the upstream go. */
  const finish = (last = '', release = false) => {
    if (closed) return;
    closed = true;
    closeClient(last);
    // The upstream goes before onEnd runs: whatever onEnd does, it cannot keep the upstream open.
    if (release) reader.cancel(summary.error).catch(() => {});
    end();
  };

  /**
   * The upstream is read on (nothing more reaches the client) for at most `cap`, its idle limit and
   * what is left of streamMaxMs, then let go: the runtime ends a request's background work ~30 s
   * after its response.
   */
  const drainFor = (cap: number) => {
    drainTimer = setTimeout(() => finish('', true), Math.min(idleMs, cap, Math.max(0, endsAt - Date.now())));
  };

  /** The client went away (or cancelled the stream): nothing more is sent, the upstream is let go. */
  const clientGone = (reason: unknown) => {
    // Its stream was already closed (the answer over, the upstream read on for the usage, bounded):
    // leaving then cancels nothing.
    if (closed || clientClosed) return;
    clientClosed = true;
    keepAlive.stop();
    summary.lastByteAt = now();
    // Gone after every choice finished but before the usage: the client has its whole answer, and
    // what it cost (hidden reasoning can be most of it) is in the usage chunk still to come. The
    // upstream is read on for it, bounded as after a gateway end, with nothing more sent.
    if (summary.completed && !summary.usage && !failed) {
      writer.abort(reason).catch(() => {});
      drainFor(DRAIN_MS);
      return;
    }
    closed = true;
    summary.cancelled = true;
    reader.cancel(reason).catch(() => {});
    writer.abort(reason).catch(() => {});
    end();
  };

  /** timeouts.streamMaxMs has passed: on a timer of its own, so a client that stopped reading cannot hold the upstream open. */
  const timeUp = () => {
    // An upstream that keeps the connection open after [DONE] has answered in full, and an answer
    // the gateway ended is over for the client: end cleanly.
    if (sawDone || answerEnded) return finish('', true);
    summary.error = `the stream ran for its limit of ${maxMs} ms`;
    summary.errorCode = 'stream_time_limit';
    finish(streamTimeLimitFrame(maxMs ?? 0, options.maxMsSetting), true);
  };

  const relay = async () => {
    // The idle clock runs only while the gateway waits on the upstream, not while the client takes
    // its time to read what was sent. The time limit has its own timer; the check here covers an
    // upstream whose next chunk is always ready, which would never yield to it.
    for (;;) {
      if (closed) return;
      if (Date.now() >= endsAt) return timeUp();
      let result: IdleRead;
      try {
        result = await idle.read();
      } catch (error) {
        if (closed) return;
        if (answerEnded) return finish('', true); // the answer was over: keep the code the client got
        summary.error = `upstream stream failed: ${errorName(error)}`;
        summary.errorCode = 'upstream_error';
        finish(streamFailedFrame());
        return;
      }
      if (closed) return;
      if (result === IDLE) {
        if (sawDone || answerEnded) return finish('', true); // nothing more is owed to the client
        // Every choice finished, then silence instead of the usage and `[DONE]`: the answer is
        // whole, so it ends as one (not as an idle failure), without the usage; a client gone with
        // it (its stream closed) gets nothing more.
        if (summary.completed) return finish(SSE_DONE, true);
        summary.error = `no event from the upstream for ${idleMs} ms`;
        summary.errorCode = 'stream_idle_timeout';
        finish(streamIdleFrame(idleMs), true);
        return;
      }
      if (result.done) {
        parser.feed(decoder.decode());
        if (failed || sawDone || answerEnded) return finish();
        // Some providers close without the terminator once the answer is finished; OpenAI clients
        // expect it. Closed before any finish_reason, the answer was cut short: say so.
        if (summary.completed) return finish(SSE_DONE);
        summary.error = 'the upstream closed the stream before its answer was complete';
        summary.errorCode = 'upstream_error';
        return finish(streamTruncatedFrame());
      }
      const before = parsed;
      parser.feed(decoder.decode(result.value, { stream: true }));
      if (failed) {
        finish('', true);
        return;
      }
      // The answer is over for the client — complete (`[DONE]`) or ended by the gateway — so its
      // stream closes now. The upstream is read on to its end: after `[DONE]` that is normally at
      // once, and reading it out lets the runtime reuse the connection (cancelling a body closes
      // it); after a gateway end, for the usage. Bounded either way (DONE_DRAIN_MS, DRAIN_MS: the
      // runtime ends a request's background work ~30 s after its response), then let go.
      if ((sawDone || answerEnded) && !clientClosed) {
        closeClient();
        drainFor(sawDone ? DONE_DRAIN_MS : DRAIN_MS);
      }
      if (parsed !== before) idle.restart();
      const sending = send();
      if (sending === undefined) continue;
      try {
        await sending;
      } catch (error) {
        clientGone(error);
        if (closed) return;
        continue; // gone with its whole answer: read on for the usage
      }
      idle.restart();
    }
  };

  if (maxMs !== undefined) limitTimer = setTimeout(timeUp, maxMs);
  // A disconnect is seen at once, not only when the next chunk cannot be written.
  const { signal } = options;
  if (signal) {
    // Leaving once the client's stream is closed (the answer ended, the upstream read on for its
    // usage) cancels nothing.
    const onAbort = () => {
      if (!clientClosed) clientGone(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  const running = relay().catch((error: unknown) => {
    // Not expected (every step above handles its own failure); never leave the client hanging.
    summary.error = `relay failed: ${errorName(error)}`;
    summary.errorCode = 'upstream_error';
    finish(streamFailedFrame(), true);
  });
  options.waitUntil?.(running);
  return readable;
}

/**
 * An error as StreamSummary.error names it: its name only. Its message may be a provider's in other
 * framing (Bedrock's exception frame fails the read with the provider's words) or quote the text
 * being parsed (a JSON SyntaxError does).
 */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
