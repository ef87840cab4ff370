// response_format json_schema → Anthropic's structured outputs (`output_config.format`), where they
// serve it better than the JSON tool and Anthropic will take the schema (anthropic-schema.ts). Pure.
//
// Structured outputs constrain the answer's text to the schema as it is written (constrained
// decoding); the JSON tool only asks for it, and where no tool may be forced (extended thinking,
// the models that refuse a forced tool) the model may answer in prose instead.
import type { ChatRequest } from '../openai/schemas';
import { anthropicSchema, type Schema } from './anthropic-schema';
import { claudeVersion } from './claude-version';

/** Claude 4.5 was the first with structured outputs (GA on Anthropic's API: Haiku, Sonnet and Opus 4.5). */
const FIRST_STRUCTURED = 45;

export interface OutputFormatOptions {
  /** The endpoint takes `output_config.format` (Anthropic's own API: see AnthropicRequestOptions). */
  endpoint: boolean;
  /** The JSON tool can be forced on this request (no extended thinking, a model that takes one). */
  toolForcible: boolean;
}

/**
 * The `output_config.format` serving `format`, or undefined where the JSON tool serves it instead:
 * json_object (no schema: Anthropic's formats must close every object), an endpoint or model
 * without structured outputs, a schema they cannot take, and — where the JSON tool can be forced,
 * which works on every Claude model with any schema — a client that did not ask for strict
 * adherence (`strict: true`), which only structured outputs guarantee.
 */
export function structuredOutput(
  format: ChatRequest['response_format'],
  model: string,
  { endpoint, toolForcible }: OutputFormatOptions,
): Schema | undefined {
  if (!endpoint || format?.type !== 'json_schema') return undefined;
  const { schema, strict } = format.json_schema;
  if (!schema || (toolForcible && strict !== true)) return undefined;
  if ((claudeVersion(model) ?? 0) < FIRST_STRUCTURED) return undefined;
  // A root that is no object is refused with the JSON tool (anthropic-request.ts), as before.
  if (schema.type !== undefined && schema.type !== 'object') return undefined;
  const converted = anthropicSchema({ type: 'object', ...schema });
  if (!converted) return undefined;
  // What the JSON tool's description told the model: the format's own description, at the root.
  const { description } = format.json_schema;
  if (typeof description === 'string' && description && converted.description === undefined)
    converted.description = description;
  return { type: 'json_schema', schema: converted };
}
