// Which requests may use the cache and which answers may be stored. Pure.
import type { ChatRequest } from '../openai/schemas';
import type { ChatCompletion } from '../providers/types';
import type { CacheConfig } from './config-schema';

/**
 * The temperature rule: a request that explicitly sets `temperature` above
 * `cache.maxTemperature` (0 by default) asked for varied answers, so replaying one would change
 * its behaviour; it bypasses the cache unless it also sets `seed` (a request for reproducible
 * output). A request that leaves temperature unset expressed no such wish and is cached.
 */
export function wantsVariety(body: ChatRequest, config: CacheConfig): boolean {
  const temperature = body.temperature ?? undefined;
  return temperature !== undefined && temperature > config.maxTemperature && body.seed == null;
}

const FINISHED = new Set(['stop', 'length']);
const TOOL_FINISH = new Set(['tool_calls', 'function_call']);

interface StoredChoice {
  finish_reason?: unknown;
  message?: {
    content?: unknown;
    refusal?: unknown;
    tool_calls?: unknown;
    function_call?: unknown;
    audio?: unknown;
    images?: unknown;
  };
}

/**
 * Only answers that finished normally; a content filter stop or an empty answer is not worth
 * replaying (an answer of images alone is not empty: one too large for an entry is still not stored,
 * exact.ts MAX_ENTRY_BYTES), and tool calls only when `cache.toolCalls` is on (they usually act on
 * live state) and they finished.
 * Audio answers never: their audio id expires (`expires_at`), and a replayed one breaks the
 * client's next turn that names it.
 */
export function storable(completion: ChatCompletion, config: CacheConfig): boolean {
  if (!Array.isArray(completion.choices) || completion.choices.length === 0) return false;
  return completion.choices.every((raw) => {
    const choice = raw as StoredChoice;
    const message = choice.message;
    if (message?.audio != null) return false;
    const reason = choice.finish_reason;
    const calls =
      (Array.isArray(message?.tool_calls) && message.tool_calls.length > 0) || message?.function_call != null;
    // Calls that finished (a forced function's answer finishes with "stop"); not ones cut at the
    // length limit (their arguments are cut too), stopped by a filter, or never finished.
    if (calls || (typeof reason === 'string' && TOOL_FINISH.has(reason)))
      return (
        config.toolCalls &&
        calls &&
        typeof reason === 'string' &&
        (TOOL_FINISH.has(reason) || reason === 'stop')
      );
    // An image model's answer may be its images alone (message.images, output-images.ts).
    const said =
      (typeof message?.content === 'string' && message.content !== '') ||
      (typeof message?.refusal === 'string' && message.refusal !== '') ||
      (Array.isArray(message?.images) && message.images.length > 0);
    return said && typeof reason === 'string' && FINISHED.has(reason);
  });
}
