// What the stream relay (stream-relay.ts) reads from and is told: its upstream source, what a mapper
// may make of an event, and the options that shape one relayed stream.
import type { Usage } from '../providers/types';
import type { StreamSummary } from './stream-summary';

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
