// The chat route's streamed answer: relayed as it comes, charged, judged and cached when it ends.
import type { Context } from 'hono';
import type { Runtime } from '../config/runtime';
import type { AppEnv } from '../env';
import { streamLimitMs } from '../limits/deadline';
import type { ChatRequest } from '../openai/schemas';
import { SSE_HEADERS } from '../openai/sse';
import { type ChunkSource, relayOpenAIStream } from '../openai/stream-relay';
import { type StreamSummary, streamVerdict } from '../openai/stream-summary';
import { estimatedCharge } from '../pricing/route-prices';
import { type StreamCharge, streamCharge } from '../pricing/stream-usage';
import type { Usage } from '../providers/types';
import type { Answering } from './chat-json-answer';

/** `deadline`: the end of the budget reservation, when the key (or team) has a budget. */
export function streamAnswer(
  c: Context<AppEnv>,
  runtime: Runtime,
  body: ChatRequest,
  deadline: number | undefined,
  source: ChunkSource,
  { served, native, guard, cache, log, headers, settle, inputTokens, withinCap }: Answering,
): Response {
  // With guardrails rewriting the stream, the log takes the mapper's redacted frames, not upstream's.
  const logFrame = log.awaitStream();
  const mapEvent = guard.streamMapper(logFrame);
  const { streamMaxMs } = runtime.config.timeouts;
  const maxMs = streamLimitMs(streamMaxMs, deadline, Date.now());
  /** The charge a whole answer without a plausible usage report was told, and the usage it was told. */
  let filled: StreamCharge | undefined;
  let told: Usage | undefined;
  const stream = relayOpenAIStream(source, {
    idleMs: runtime.config.timeouts.streamIdleMs,
    keepAliveMs: runtime.config.timeouts.streamKeepAliveMs,
    maxMs,
    // Nearer than streamMaxMs: the budget reservation's end (answerDeadline) set it.
    ...(maxMs !== streamMaxMs
      ? { maxMsSetting: 'the end of the budget reservation, limits.reservationTtlMs after admission' }
      : {}),
    includeUsage: body.stream_options?.include_usage === true,
    // A whole answer without a plausible usage report is told the usage it is charged; a native
    // request's stream carries its API's own events, which the client gets as they came.
    ...(native
      ? {}
      : {
          fillUsage: (summary: StreamSummary) => {
            filled = streamCharge(summary, inputTokens, withinCap);
            told = estimatedCharge(runtime, served.target, filled.used);
            return told;
          },
        }),
    onEvent:
      mapEvent || !logFrame
        ? cache.onStreamEvent
        : (data) => {
            cache.onStreamEvent(data);
            logFrame(data);
          },
    mapEvent,
    onEnd: (summary) => {
      served.verdict(streamVerdict(summary));
      // What the fill told the client it was charged, when the provider reported no usage.
      const charge = filled ?? streamCharge(summary, inputTokens, withinCap);
      const charged = settle(
        served.target,
        charge.used,
        served.attempts,
        summary.serviceTier,
        charge.estimated,
        charge.promptReported,
      );
      // A blocked answer stores nothing (and a leader's answer a refresh held back is not lost).
      // A hit replays the usage the client was told.
      if (!guard.report.blocked)
        cache.saveStream(told ? { ...summary, usage: told } : summary, served.target, charged);
      else cache.abandon();
      log.streamEnded(summary);
    },
    // Keeps the relay alive past a client disconnect: that is how it sees one (stream-relay.ts).
    waitUntil: (work) => c.executionCtx.waitUntil(work),
    // Aborts on a disconnect (enable_request_signal): the upstream is let go at once.
    signal: c.req.raw.signal,
    choices: body.n ?? undefined,
    ...(native ? { carries: true } : {}),
  });
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  return new Response(stream, { status: 200, headers });
}
