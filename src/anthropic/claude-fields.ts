// What of a /v1/messages request only Claude takes, and the chat body another model gets instead.
// The Messages API's own parameters (messages-request.ts: CLAUDE_ONLY) are left out for other
// models, which refuse fields they do not know; so are its `cache_control` marks on content parts
// (Claude Code puts them on every request), which strict OpenAI-compatible services refuse
// (Fireworks, Groq…) — except for a model whose id names Claude behind an OpenAI-wire service
// (OpenRouter's `anthropic/claude-…`), which reads them as Anthropic does. A structured output's
// schema is not left out: another model gets it as chat's `response_format`. A failed tool's
// result keeps Anthropic's `is_error` flag on its tool message for Claude; another model, whose
// service may refuse a message field it does not know, is told by a leading "Error:" instead.
import { isRecord } from '../json-record';
import type { ChatRequest } from '../openai/schemas';
import { joinedText } from '../providers/system-text';
import type { ProviderAdapter } from '../providers/types';

/** The claudeOnly entry that stands for the content parts' `cache_control` marks. */
export const CACHE_CONTROL = 'cache_control';

/** The claudeOnly entry that stands for the tool messages' `is_error` flags. */
export const IS_ERROR = 'is_error';

/** claudeOnly entries that stand for marks inside the messages, not for top-level fields. */
const IN_MESSAGES = new Set([CACHE_CONTROL, IS_ERROR]);

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
  for (const field of claudeOnly) if (!IN_MESSAGES.has(field)) delete rest[field];
  // A schema the answer must follow is never dropped unsaid: every adapter honours response_format
  // or refuses it, and one it cannot translate goes on as it came, for the provider to refuse.
  const fields = body as Record<string, unknown>;
  const format = structuredOutput(fields);
  if (format !== undefined && rest.response_format == null) {
    const responseFormat = asResponseFormat(format);
    if (responseFormat) rest.response_format = responseFormat;
    else for (const field of STRUCTURED) if (fields[field] != null) rest[field] = fields[field];
  }
  let messages = body.messages;
  if (claudeOnly.includes(IS_ERROR)) messages = messages.map(errorTold);
  if (claudeOnly.includes(CACHE_CONTROL) && !(adapter.type === 'openai' && /claude/i.test(model)))
    messages = messages.map(withoutCacheControl);
  if (messages !== body.messages) rest.messages = messages;
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

/** Whether any tool message of `messages` carries the `is_error` flag. */
export function flagsError(messages: readonly unknown[]): boolean {
  return messages.some(
    (message) => isRecord(message) && message.role === 'tool' && message[IS_ERROR] === true,
  );
}

/**
 * A flagged tool message as chat says it: without the flag, its content led by "Error:" (the first
 * text a model reads of it), a first text part keeping its other fields (its cache mark).
 */
function errorTold<M extends ChatRequest['messages'][number]>(message: M): M {
  if (message.role !== 'tool' || (message as Record<string, unknown>)[IS_ERROR] !== true) return message;
  const { [IS_ERROR]: _, ...rest } = message as M & { [IS_ERROR]?: unknown };
  const content = message.content;
  if (typeof content === 'string') return { ...rest, content: `Error: ${content}` } as M;
  const [first, ...others] = content;
  const told =
    first?.type === 'text'
      ? [{ ...first, text: `Error: ${first.text}` }, ...others]
      : [{ type: 'text' as const, text: 'Error:' }, ...content];
  return { ...rest, content: told } as M;
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
