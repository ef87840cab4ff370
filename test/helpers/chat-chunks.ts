// The SSE frames of a fake OpenAI-compatible upstream's chat stream, for the tests of the APIs
// translated around the chat route (Responses, Messages).
import type { Json } from './gateway';

const base = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
};

/** One chunk of choice 0: `delta`, its finish reason, and any `extra` top-level fields. */
export function chunk(delta: Json, finish: string | null = null, extra: Json = {}): string {
  return `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
}

/** The usage-only chunk a stream asked for `include_usage` ends with. */
export const usageChunk = `data: ${JSON.stringify({
  ...base,
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
})}\n\n`;
