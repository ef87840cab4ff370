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
    reasoning_content?: string;
    thinking_blocks?: unknown[];
    function_call?: unknown;
    annotations?: unknown[];
  };
  logprobs?: unknown;
  finish_reason?: string | null;
}

/**
 * Per choice: one chunk with the whole message, one with the finish reason; then usage if asked.
 * Bedrock's `additionalModelResponseFields` go on the first finish chunk, as its stream sent them.
 */
export function replayFrames(completion: ChatCompletion, includeUsage: boolean): string[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    ...(typeof completion.system_fingerprint === 'string'
      ? { system_fingerprint: completion.system_fingerprint }
      : {}),
  };
  const fields = completion.additionalModelResponseFields;
  const answerFields =
    typeof fields === 'object' && fields !== null && !Array.isArray(fields)
      ? { additionalModelResponseFields: fields }
      : {};
  const frames: string[] = [];
  completion.choices.forEach((raw, position) => {
    const choice = raw as StoredChoice;
    const index = choice.index ?? position;
    const message = choice.message ?? {};
    const calls = message.tool_calls ?? [];
    const delta = {
      role: message.role ?? 'assistant',
      content: message.content ?? (calls.length > 0 ? null : ''),
      ...(message.refusal != null ? { refusal: message.refusal } : {}),
      ...(calls.length > 0 ? { tool_calls: calls.map((call, i) => ({ index: i, ...call })) } : {}),
      ...(typeof message.reasoning_content === 'string'
        ? { reasoning_content: message.reasoning_content }
        : {}),
      ...(Array.isArray(message.thinking_blocks) ? { thinking_blocks: message.thinking_blocks } : {}),
      ...(message.function_call != null ? { function_call: message.function_call } : {}),
      ...(Array.isArray(message.annotations) ? { annotations: message.annotations } : {}),
    };
    const logprobs = choice.logprobs ?? null;
    frames.push(sseData({ ...base, choices: [{ index, delta, logprobs, finish_reason: null }] }));
    frames.push(
      sseData({
        ...(position === 0 ? answerFields : {}),
        ...base,
        choices: [{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }],
      }),
    );
  });
  if (includeUsage && completion.usage)
    frames.push(sseData({ ...base, choices: [], usage: completion.usage }));
  frames.push(SSE_DONE);
  return frames;
}

export function replay(
  entry: CacheEntry,
  request: { stream?: boolean | null; stream_options?: { include_usage?: boolean } | null },
  headers: Headers,
): Response {
  headers.set('x-tollgate-provider', entry.provider);
  headers.set('x-tollgate-model', entry.model);
  headers.set('x-tollgate-attempts', '0');
  if (request.stream !== true) {
    headers.set('content-type', 'application/json');
    return new Response(JSON.stringify(entry.completion), { status: 200, headers });
  }
  for (const [name, value] of Object.entries(SSE_HEADERS)) headers.set(name, value);
  const frames = replayFrames(entry.completion, request.stream_options?.include_usage === true);
  return new Response(sseStream(frames), { status: 200, headers });
}
