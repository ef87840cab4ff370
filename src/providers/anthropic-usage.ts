// Anthropic's usage object → OpenAI's usage, as the JSON answer and the stream (anthropic-response.ts,
// anthropic-stream.ts) both report it: the answer's usage, and the first chunk's prompt usage.
import * as z from 'zod';
import type { Usage } from './types';

export const usageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  /** The writes by cache lifetime: 1-hour writes cost more than 5-minute ones. */
  cache_creation: z.looseObject({ ephemeral_1h_input_tokens: z.number().nullish() }).nullish(),
  /** Server tools' calls (web searches are billed per call, apart from tokens). */
  server_tool_use: z.looseObject({ web_search_requests: z.number().nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof usageSchema>;

export function toUsage(usage: AnthropicUsage): Usage {
  const cached = usage.cache_read_input_tokens ?? 0;
  const created = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cached + created;
  const completion = usage.output_tokens ?? 0;
  const searches = usage.server_tool_use?.web_search_requests ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: {
      cached_tokens: cached,
      cache_creation_tokens: created,
      ...(usage.cache_creation?.ephemeral_1h_input_tokens
        ? { cache_creation_1h_tokens: usage.cache_creation.ephemeral_1h_input_tokens }
        : {}),
    },
    // Billed per search apart from tokens: in the fees the cost adds (pricing/tool-fees.ts).
    ...(searches > 0 ? { hosted_tools: { anthropic_web_search: searches } } : {}),
  };
}

/**
 * The prompt's part of the usage message_start reported, for the extension field `prompt_usage` of
 * the first chunk: /v1/messages gives it in its own message_start, as Anthropic does
 * (src/anthropic/messages-stream.ts), where the chat stream's usage comes only at its end. Not
 * named `usage`, which OpenAI clients take for the answer's whole usage (and may add up).
 */
export function promptUsage({ prompt_tokens, prompt_tokens_details }: Usage) {
  return { prompt_tokens, prompt_tokens_details };
}

/** A usage delta's fields that carry a value: message_delta's nulls do not clear message_start's. */
export function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => value != null));
}
