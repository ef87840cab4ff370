// Answers from a cache entry: the stored completion as JSON, or replayed as OpenAI SSE chunks.
import { SSE_DONE, SSE_HEADERS, sseData, sseStream } from '../openai/sse';
import type { ChatCompletion } from '../providers/types';
import type { CacheEntry } from './exact';

interface StoredChoice {
  index?: number;
  message?: {
    role?: string;
    content?: string | null;
    refusal?: string | null;
    tool_calls?: Record<string, unknown>[];
    [other: string]: unknown;
  };
  logprobs?: unknown;
  finish_reason?: string | null;
}

/** The replayed stream's SSE frames: its events (replayEvents), then `[DONE]`. */
export function replayFrames(completion: ChatCompletion, includeUsage: boolean): string[] {
  return [...replayEvents(completion, includeUsage).map(sseData), SSE_DONE];
}

/**
 * The chunks' JSON. Per choice: one chunk with the whole message, one with the finish reason; then
 * usage if asked. Bedrock's `additionalModelResponseFields` and Claude's matched `stop_sequence`
 * go on the first finish chunk, as their streams sent them.
 */
function replayEvents(completion: ChatCompletion, includeUsage: boolean): string[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    ...(typeof completion.system_fingerprint === 'string'
      ? { system_fingerprint: completion.system_fingerprint }
      : {}),
    // On every chunk, as OpenAI streams it: the relay reads the tier an answer replayed as a stream
    // (stream-refusal.ts) was served on from it, and charges that tier's rates.
    ...(typeof completion.service_tier === 'string' ? { service_tier: completion.service_tier } : {}),
  };
  const fields = completion.additionalModelResponseFields;
  const answerFields = {
    ...(typeof fields === 'object' && fields !== null && !Array.isArray(fields)
      ? { additionalModelResponseFields: fields }
      : {}),
    ...(typeof completion.stop_sequence === 'string' ? { stop_sequence: completion.stop_sequence } : {}),
  };
  const events: string[] = [];
  completion.choices.forEach((raw, position) => {
    const choice = raw as StoredChoice;
    const index = choice.index ?? position;
    const { role, content, tool_calls: calls = [], ...rest } = choice.message ?? {};
    // Every other field of the message as it was (reasoning, thinking blocks, annotations, a
    // provider's own), so a stream carries what the JSON answer did; nulls say nothing in a delta.
    const other = Object.fromEntries(Object.entries(rest).filter(([, value]) => value != null));
    const delta = {
      role: role ?? 'assistant',
      content: content ?? (calls.length > 0 ? null : ''),
      ...other,
      ...(calls.length > 0 ? { tool_calls: calls.map((call, i) => ({ index: i, ...call })) } : {}),
    };
    const logprobs = choice.logprobs ?? null;
    events.push(JSON.stringify({ ...base, choices: [{ index, delta, logprobs, finish_reason: null }] }));
    events.push(
      JSON.stringify({
        ...(position === 0 ? answerFields : {}),
        ...base,
        choices: [{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }],
      }),
    );
  });
  if (includeUsage && completion.usage)
    events.push(JSON.stringify({ ...base, choices: [], usage: completion.usage }));
  return events;
}

/**
 * The hit's response; `logBody` gets what it served as the request log keeps a miss's: the JSON
 * answer, or the stream's chunks one a line (as a relayed stream's events are logged, no `[DONE]`).
 */
export function replay(
  entry: CacheEntry,
  request: { stream?: boolean | null; stream_options?: { include_usage?: boolean } | null },
  headers: Headers,
  logBody: (body: unknown) => void,
): Response {
  headers.set('x-tollgate-provider', entry.provider);
  headers.set('x-tollgate-model', entry.model);
  headers.set('x-tollgate-attempts', '0');
  if (request.stream !== true) {
    headers.set('content-type', 'application/json');
    const text = JSON.stringify(entry.completion);
    logBody(text);
    return new Response(text, { status: 200, headers });
  }
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  const events = replayEvents(entry.completion, request.stream_options?.include_usage === true);
  logBody(events.join('\n'));
  const frames = [...events.map(sseData), SSE_DONE];
  return new Response(sseStream(frames), { status: 200, headers });
}
