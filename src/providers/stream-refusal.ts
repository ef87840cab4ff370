// OpenAI refuses to stream some models to some accounts — "Your organization must be verified to
// stream this model" (400, param `stream`, code unsupported_value: o3, gpt-5… for an unverified
// organisation) — and streams a few models to nobody. Such a refusal is not the end of the
// request: the same call goes again unstreamed, and its answer is replayed as the stream the
// client asked for (whole, once the model has finished: no text arrives before then).
import { replayFrames } from '../cache/replay';
import { sseStream } from '../openai/sse';
import type { ChatCall, ChatResult } from './types';
import { UpstreamError } from './types';

/** The upstream refused the call because it asked for a stream. */
export function refusesStreaming(error: UpstreamError): boolean {
  return error.failure === 'caller' && error.options.param === 'stream';
}

/**
 * `error` when it is no refusal to stream (or the call was not streamed); else the call made again
 * by `chat` without a stream, its answer as a stream (usage included: the relay hides it from a
 * client that did not ask for it).
 */
export async function unstreamedOnRefusal(
  call: ChatCall,
  error: UpstreamError,
  chat: (call: ChatCall) => Promise<ChatResult>,
): Promise<ChatResult> {
  if (!call.body.stream || !refusesStreaming(error)) throw error;
  const { stream_options: _, ...body } = call.body;
  call.answersWhole?.();
  const result = await chat({ ...call, body: { ...body, stream: false } });
  if (result.kind !== 'json')
    throw new UpstreamError('server', 200, 'an unstreamed call answered with a stream.');
  return { kind: 'stream', body: sseStream(replayFrames(result.body, true)) };
}
