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
 * Upstreams (provider and model) that refused a stream lately, and until when (ms): their next
 * streamed calls go unstreamed at once rather than be refused first, each time, for a round trip
 * and the tokens of a refused call. An organisation's verification changes seldom; after one, its
 * streams come back within REMEMBERED_MS.
 */
const refusals = new Map<string, number>();
const REMEMBERED_MS = 10 * 60_000;
/** Bounded: the oldest refusal is forgotten first. */
const MAX_REMEMBERED = 1_000;

const upstreamOf = (name: string, call: ChatCall) => `${name}\u0000${call.model}`;

/**
 * The call made unstreamed by `chat` at once, its answer as a stream, when it asks for a stream
 * that provider `name` refused lately for its model; else undefined (make it as asked).
 */
export function unstreamedIfRefused(
  name: string,
  call: ChatCall,
  chat: (call: ChatCall) => Promise<ChatResult>,
): Promise<ChatResult> | undefined {
  if (!call.body.stream || refusals.size === 0) return undefined;
  const upstream = upstreamOf(name, call);
  const until = refusals.get(upstream);
  if (until === undefined) return undefined;
  if (until > Date.now()) return unstreamed(call, chat);
  refusals.delete(upstream);
  return undefined;
}

/**
 * `error` when it is no refusal to stream (or the call was not streamed); else the call made again
 * by `chat` without a stream, its answer as a stream (usage included: the relay hides it from a
 * client that did not ask for it), and the refusal remembered for provider `name`'s model.
 */
export async function unstreamedOnRefusal(
  name: string,
  call: ChatCall,
  error: UpstreamError,
  chat: (call: ChatCall) => Promise<ChatResult>,
): Promise<ChatResult> {
  if (!call.body.stream || !refusesStreaming(error)) throw error;
  const upstream = upstreamOf(name, call);
  refusals.delete(upstream); // re-inserted last: the newest
  if (refusals.size >= MAX_REMEMBERED) refusals.delete(refusals.keys().next().value as string);
  refusals.set(upstream, Date.now() + REMEMBERED_MS);
  return unstreamed(call, chat);
}

async function unstreamed(
  call: ChatCall,
  chat: (call: ChatCall) => Promise<ChatResult>,
): Promise<ChatResult> {
  const { stream_options: _, ...body } = call.body;
  call.answersWhole?.();
  const result = await chat({ ...call, body: { ...body, stream: false } });
  if (result.kind !== 'json')
    throw new UpstreamError('server', 200, 'an unstreamed call answered with a stream.');
  return { kind: 'stream', body: sseStream(replayFrames(result.body, true)) };
}
