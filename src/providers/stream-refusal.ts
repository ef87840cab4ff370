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

/** Refusals are remembered this long: an organisation's verification changes seldom; after one, its streams come back within it. */
const REMEMBERED_MS = 10 * 60_000;
/** Bounded: the oldest refusal is forgotten first. */
const MAX_REMEMBERED = 1_000;

/**
 * The models of one provider adapter that refused a stream lately, and until when (ms): their next
 * streamed calls go unstreamed at once rather than be refused first, each time, for a round trip
 * and the tokens of a refused call. One per adapter, and adapters are compiled anew with each
 * config revision (config/runtime.ts): a new API key — another organisation, perhaps verified — or
 * any other change of the config starts with nothing remembered, at no cost per request.
 */
export class StreamRefusals {
  private readonly until = new Map<string, number>();

  /**
   * The call made unstreamed by `chat` at once, its answer as a stream, when it asks for a stream
   * that its model refused lately; else undefined (make it as asked).
   */
  unstreamedIfRefused(
    call: ChatCall,
    chat: (call: ChatCall) => Promise<ChatResult>,
  ): Promise<ChatResult> | undefined {
    if (!call.body.stream || this.until.size === 0) return undefined;
    const until = this.until.get(call.model);
    if (until === undefined) return undefined;
    if (until > Date.now()) return unstreamed(call, chat);
    this.until.delete(call.model);
    return undefined;
  }

  /**
   * `error` when it is no refusal to stream (or the call was not streamed); else the call made again
   * by `chat` without a stream, its answer as a stream (usage included: the relay hides it from a
   * client that did not ask for it), and the refusal remembered for the call's model.
   */
  async unstreamedOnRefusal(
    call: ChatCall,
    error: UpstreamError,
    chat: (call: ChatCall) => Promise<ChatResult>,
  ): Promise<ChatResult> {
    if (!call.body.stream || !refusesStreaming(error)) throw error;
    this.until.delete(call.model); // re-inserted last: the newest
    if (this.until.size >= MAX_REMEMBERED) this.until.delete(this.until.keys().next().value as string);
    this.until.set(call.model, Date.now() + REMEMBERED_MS);
    return unstreamed(call, chat);
  }
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
