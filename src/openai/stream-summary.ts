// What a relayed stream said (StreamSummary: its usage, how it ended, its first and last bytes) and
// the circuit breaker's verdict on the provider drawn from it.
import type { Usage } from '../providers/types';
import type { Verdict } from '../routing/execute';

export interface StreamSummary {
  usage?: Usage;
  /**
   * The prompt's usage as the answer started (the first chunk's `prompt_usage`: Anthropic's
   * message_start, cache reads and writes included), for a stream that ends without its usage.
   */
  promptUsage?: Record<string, unknown>;
  /** The upstream ended the stream properly (`[DONE]`, or before EOF a finish_reason for every choice). */
  completed: boolean;
  cancelled: boolean;
  /**
   * Why the stream ended early, in the gateway's words (never a provider's error message, which may
   * quote the prompt); it stays in the gateway.
   */
  error?: string;
  /** The `code` of the error event the client was sent when the stream ended early. */
  errorCode?: string;
  /** ms timestamp of the first byte sent to the client. */
  firstByteAt?: number;
  /**
   * ms timestamp of when the client's stream ended (closed, or the client left): the answer's end
   * for the client, before any reading on of the upstream for its usage or its close.
   */
  lastByteAt?: number;
  events: number;
  /**
   * Characters of answer text the relayed events carried — content, reasoning, refusals and
   * tool-call arguments (a custom tool's input), as written in the events (escapes included) — to
   * estimate what a stream that ends without a usage report wrote.
   */
  answerChars: number;
  /** The service tier the chunks say the answer was served on (OpenAI's `service_tier`). */
  serviceTier?: string;
}

/**
 * What a relayed stream said about its provider's health (the circuit breaker's verdict): it broke,
 * went quiet or was rate limited mid-way — failed; it finished, or stopped for the caller's sake
 * (context length, content filter) — healthy; the client left, or the gateway ended it (time limit,
 * an output guardrail) — no verdict.
 */
export function streamVerdict(summary: StreamSummary): Verdict {
  if (summary.cancelled) return 'none';
  if (summary.error === undefined) return summary.completed ? 'healthy' : 'none';
  switch (summary.errorCode) {
    case 'upstream_error':
    case 'overloaded':
    case 'stream_idle_timeout':
    case 'rate_limit_exceeded':
      return 'failed';
    case 'context_length_exceeded':
    case 'content_filter':
      return 'healthy';
    default:
      return 'none';
  }
}
