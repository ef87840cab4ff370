// What of a /v1/messages request only Claude takes, and the chat body another model gets instead.
// The Messages API's own parameters (messages-request.ts: CLAUDE_ONLY) are left out for other
// models, which refuse fields they do not know; so are its `cache_control` marks on content parts
// (Claude Code puts them on every request), which strict OpenAI-compatible services refuse
// (Fireworks, Groq…) — except for a model whose id names Claude behind an OpenAI-wire service
// (OpenRouter's `anthropic/claude-…`), which reads them as Anthropic does. A structured output's
// schema is not left out: another model gets it as chat's `response_format`.
import { isRecord } from '../json-record';
import type { ChatRequest } from '../openai/schemas';
import { joinedText } from '../providers/system-text';
import type { ProviderAdapter } from '../providers/types';

/** The claudeOnly entry that stands for the content parts' `cache_control` marks. */
export const CACHE_CONTROL = 'cache_control';

/** The Messages API's fields that carry a structured output's format. */
const STRUCTURED = ['output_config', 'output_format'] as const;

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
  // A schema the answer must follow is never dropped unsaid: every adapter honours response_format
  // or refuses it, and one it cannot translate goes on as it came, for the provider to refuse.
  const fields = body as Record<string, unknown>;
  const format = structuredOutput(fields);
  if (format !== undefined && rest.response_format == null) {
    const responseFormat = asResponseFormat(format);
    if (responseFormat) rest.response_format = responseFormat;
    else for (const field of STRUCTURED) if (fields[field] != null) rest[field] = fields[field];
  }
  if (claudeOnly.includes(CACHE_CONTROL) && !(adapter.type === 'openai' && /claude/i.test(model)))
    rest.messages = body.messages.map(withoutCacheControl);
  return rest as ChatRequest;
}

/** The Messages request's structured output format: `output_config.format`, or the beta's `output_format`. */
function structuredOutput(fields: Record<string, unknown>): unknown {
  const config = fields.output_config;
  return isRecord(config) && config.format != null ? config.format : (fields.output_format ?? undefined);
}

/**
 * Anthropic's `{type: "json_schema", schema}` as chat's `response_format`. Claude follows the schema
 * exactly, as OpenAI's strict mode does; Anthropic names no schema, which OpenAI requires.
 */
function asResponseFormat(format: unknown): Record<string, unknown> | undefined {
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) return undefined;
  return { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
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

/**
 * A message without its parts' cache marks. A system or tool message left with text alone becomes
 * that text: Groq takes only a string there ("'messages.0.content' : value must be a string"), and
 * Claude Code sends its system prompt as marked text blocks with every request (and tool results
 * as blocks when a tool gave several).
 */
function withoutCacheControl<M extends ChatRequest['messages'][number]>(message: M): M {
  if (!Array.isArray(message.content)) return message;
  const content = message.content.map((part) => {
    if (!('cache_control' in part)) return part;
    const { cache_control: _, ...rest } = part as typeof part & { cache_control?: unknown };
    return rest as typeof part;
  });
  const text = message.role === 'system' || message.role === 'tool' ? joinedText(content) : undefined;
  return { ...message, content: text ?? content };
}
