// Waits for a stream's first event before the gateway commits to it: until then a failure can
// still fail over to another target; after it, output has started and must not be duplicated.
// The first event, not the first byte: a provider dripping bytes (or only SSE comments) must still
// meet the first-byte timeout, and one whose stream opens with an error, or with no readable event
// at all, is a failed attempt rather than a 200 that carries the provider's raw error.
// What it returns replays the bytes read while waiting, then reads on.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { UpstreamError } from '../providers/types';
import type { ChunkSource } from './relay-options';
import { keptErrorCode, providerError } from './stream-errors';

export async function primeStream(
  stream: ReadableStream<Uint8Array>,
  provider: string,
): Promise<ChunkSource> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let first: EventSourceMessage | undefined;
  const parser = createParser({
    onEvent: (event) => {
      first ??= event;
    },
  });
  const held: Uint8Array[] = [];
  while (first === undefined) {
    const next = await reader.read().catch((error: unknown) => {
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError('network', 0, `${provider} failed before the stream started.`);
    });
    if (next.done) {
      const what = held.length === 0 ? 'an empty stream' : 'a stream without events';
      throw new UpstreamError('server', 200, `${provider} sent ${what}.`);
    }
    held.push(next.value);
    parser.feed(decoder.decode(next.value, { stream: true }));
  }
  const opened = providerError(first);
  const unusable = opened ? undefined : unusableFirstEvent(first);
  if (opened || unusable) {
    reader.cancel().catch(() => {});
    throw opened
      ? openingError(provider, opened.error)
      : new UpstreamError('server', 200, `${provider} opened the stream with ${unusable}.`);
  }
  // The relay reads this directly (no stream in between): the bytes read so far, then the rest.
  return {
    read: () => {
      const pending = held.shift();
      return pending ? Promise.resolve({ done: false, value: pending }) : reader.read();
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/**
 * The attempt's failure for a stream that opened with an error. A code the relay keeps keeps its
 * meaning: a rate limit (the router moves on, and answers 429 when every target is limited), a
 * context overflow (it moves to a larger window) or a filtered prompt (the caller's, passed
 * through). Anything else is the provider's failure, in the gateway's words.
 */
function openingError(provider: string, error: unknown): UpstreamError {
  // The statuses these errors have as HTTP answers: a rate limit is retried on the same target as a
  // 429 is (retry.onStatus), and each attempt is logged as what it was.
  // An account out of credit may say so in a rate-limit type: no wait fixes it (as for a 429's).
  if ((error as { code?: unknown } | null)?.code === 'insufficient_quota')
    return new UpstreamError('auth', 429, `${provider} opened the stream with an out-of-credit error.`, {
      code: 'insufficient_quota',
    });
  const code = keptErrorCode(error);
  if (code === 'rate_limit_exceeded')
    return new UpstreamError('rate_limit', 429, `${provider} opened the stream with a rate limit error.`);
  if (code === 'context_length_exceeded')
    return new UpstreamError(
      'caller',
      400,
      `The prompt is longer than the context length of ${provider}'s model.`,
      {
        code,
        param: 'messages',
      },
    );
  if (code === 'content_filter')
    return new UpstreamError('caller', 400, `${provider}'s content filter refused the prompt.`, {
      code,
      param: 'messages',
    });
  return new UpstreamError('server', 200, `${provider} opened the stream with an error.`);
}

/** Why a stream's first event (not an error) cannot start an answer, or undefined when it can. */
function unusableFirstEvent({ data }: EventSourceMessage): string | undefined {
  if (data === '[DONE]') return 'its terminator';
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return 'an event that is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'an event that is not a chunk';
  return undefined;
}
