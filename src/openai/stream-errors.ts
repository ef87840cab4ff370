// The error events that end a stream once it has started, in the gateway's own words: a provider's
// error event may carry its internals (account ids, hostnames, stack traces), so only a code from a
// short list a client can act on survives; the provider's text is kept nowhere (StreamSummary.error).
import type { EventSourceMessage } from 'eventsource-parser';
import type { ErrorBody, ErrorType } from '../errors';
import { isRecord } from '../json-record';
import { sseData } from './sse';

type StreamError = ErrorBody['error'];

const FAILED: StreamError = {
  message: 'The upstream provider failed in the middle of the stream.',
  type: 'api_error',
  param: null,
  code: 'upstream_error',
};

interface Kept {
  code: string;
  type: ErrorType;
  message: string;
}
const RATE_LIMITED: Kept = {
  code: 'rate_limit_exceeded',
  type: 'rate_limit_error',
  message: 'The upstream provider ended the stream: rate limit exceeded.',
};
/** Provider error codes (or types) kept, with our words for them; every other error is FAILED. */
const KEPT = new Map<string, Kept>([
  ['rate_limit_exceeded', RATE_LIMITED],
  // OpenAI's rate-limit error type, and Anthropic's (its adapter writes the type as the code).
  ['rate_limit_error', RATE_LIMITED],
  [
    'context_length_exceeded',
    {
      code: 'context_length_exceeded',
      type: 'invalid_request_error',
      message: "The upstream provider ended the stream: the model's context length was reached.",
    },
  ],
  // Anthropic's, mid-stream (its adapter writes the type as the code): the provider, not the
  // request, failed — as an outage, but one a client may want to tell apart (Messages: overloaded_error).
  [
    'overloaded_error',
    {
      code: 'overloaded',
      type: 'api_error',
      message: 'The upstream provider ended the stream: it is overloaded.',
    },
  ],
  [
    'content_filter',
    {
      code: 'content_filter',
      type: 'invalid_request_error',
      message: 'The upstream provider ended the stream: its content filter stopped the answer.',
    },
  ],
]);

/** The stream broke (read error) after it started. */
export function streamFailedFrame(): string {
  return sseData({ error: FAILED });
}

/** What a cut-short answer is told: the upstream closed its stream before the answer finished. */
export const CUT_SHORT = 'The upstream provider ended the stream before its answer was complete.';

/** The upstream closed the stream cleanly, but before any finish_reason or `[DONE]`: a cut-short answer. */
export function streamTruncatedFrame(): string {
  return sseData({ error: { ...FAILED, message: CUT_SHORT } });
}

/** No event arrived within `idleMs` once the stream had started. */
export function streamIdleFrame(idleMs: number): string {
  const error: StreamError = {
    message: `The upstream provider sent nothing for ${idleMs} ms in the middle of the stream.`,
    type: 'timeout_error',
    param: null,
    code: 'stream_idle_timeout',
  };
  return sseData({ error });
}

/** The stream was still running at its limit: `timeouts.streamMaxMs`, or what `setting` says. */
export function streamTimeLimitFrame(maxMs: number, setting = 'timeouts.streamMaxMs'): string {
  const error: StreamError = {
    message: `The stream reached the gateway's time limit of ${maxMs} ms (${setting}).`,
    type: 'timeout_error',
    param: null,
    code: 'stream_time_limit',
  };
  return sseData({ error });
}

/**
 * The provider's error when this event is one: an `event: error`, or a JSON object whose top-level
 * `error` is set (OpenAI's mid-stream shape). Undefined for an ordinary event.
 */
export function providerError({ event, data }: EventSourceMessage): { error: unknown } | undefined {
  if (event !== 'error' && !ERROR_KEY.test(data)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return event === 'error' ? { error: undefined } : undefined;
  }
  const error = isRecord(value) ? value.error : undefined;
  if (error !== undefined && error !== null && error !== false) return { error };
  return event === 'error' ? { error: value } : undefined;
}

/** Our event for a provider's mid-stream error: a kept code in our words, or the generic failure. */
export function providerErrorFrame(error: unknown): string {
  const kept = keptError(error);
  if (kept)
    return sseData({ error: { message: kept.message, type: kept.type, param: null, code: kept.code } });
  return streamFailedFrame();
}

/** The code providerErrorFrame gives the client for this provider error (for the log row). */
export function providerErrorCode(error: unknown): string {
  return keptErrorCode(error) ?? 'upstream_error';
}

/** The code kept from a provider's error (rate limit, context length, content filter), if one is. */
export function keptErrorCode(error: unknown): string | undefined {
  return keptError(error)?.code;
}

function keptError(error: unknown) {
  const fields = isRecord(error) ? [error.code, error.type] : [];
  for (const field of fields) {
    const kept = typeof field === 'string' ? KEPT.get(field) : undefined;
    if (kept) return kept;
  }
  return undefined;
}

// A JSON key "error"; inside string values quotes are escaped, so text that mentions it cannot match.
const ERROR_KEY = /"error"\s*:/;
