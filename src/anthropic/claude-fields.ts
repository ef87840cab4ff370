// What of a /v1/messages request only Claude takes, and the chat body another model gets instead.
// The Messages API's own parameters (messages-request.ts: CLAUDE_ONLY) are left out for other
// models, which refuse fields they do not know; so are its `cache_control` marks on content parts
// (Claude Code puts them on every request), which strict OpenAI-compatible services refuse
// (Fireworks, Groq…) — except for a model whose id names Claude behind an OpenAI-wire service
// (OpenRouter's `anthropic/claude-…`), which reads them as Anthropic does.
import { isRecord } from '../json-record';
import type { ChatRequest } from '../openai/schemas';
import type { ProviderAdapter } from '../providers/types';

/** The claudeOnly entry that stands for the content parts' `cache_control` marks. */
export const CACHE_CONTROL = 'cache_control';

/** `body` as `adapter` serving `model` gets it, without the `claudeOnly` fields it does not take. */
export function bodyForTarget(
  body: ChatRequest,
  claudeOnly: readonly string[],
  adapter: ProviderAdapter,
  model: string,
): ChatRequest {
  if (adapter.servesClaude?.(model)) return body;
  const rest: Record<string, unknown> = { ...body };
  for (const field of claudeOnly) if (field !== CACHE_CONTROL) delete rest[field];
  if (claudeOnly.includes(CACHE_CONTROL) && !(adapter.type === 'openai' && /claude/i.test(model)))
    rest.messages = body.messages.map(withoutCacheControl);
  return rest as ChatRequest;
}

/** Whether any content part of `messages` carries a `cache_control` mark. */
export function marksCache(messages: readonly unknown[]): boolean {
  return messages.some(
    (message) =>
      isRecord(message) &&
      Array.isArray(message.content) &&
      message.content.some((part) => isRecord(part) && part.cache_control != null),
  );
}

function withoutCacheControl<M extends ChatRequest['messages'][number]>(message: M): M {
  if (!Array.isArray(message.content)) return message;
  return {
    ...message,
    content: message.content.map((part) => {
      if (!('cache_control' in part)) return part;
      const { cache_control: _, ...rest } = part as typeof part & { cache_control?: unknown };
      return rest;
    }),
  };
}
