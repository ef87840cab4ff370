// The mock provider's JSON mode: an answer that parses, and fits a json_schema response format, so
// structured-output code (the OpenAI SDK's `parse`) runs locally. The values are placeholders: the
// reply text for strings, the least a number or a list may be.
import { isRecord } from '../json-record';
import type { ChatRequest } from '../openai/schemas';

type Schema = Record<string, unknown>;

/** The answer's JSON text for a request in JSON mode; undefined for a plain-text request. */
export function mockJson(format: ChatRequest['response_format'], reply: string): string | undefined {
  if (format?.type === 'json_object') return JSON.stringify({ reply });
  if (format?.type !== 'json_schema') return undefined;
  const root = format.json_schema.schema ?? {};
  return JSON.stringify(instanceOf(root, root, reply, 0));
}

/** A value `schema` accepts (for the schemas structured outputs allow), `$ref`s resolved in `root`. */
function instanceOf(schema: unknown, root: Schema, text: string, depth: number): unknown {
  if (!isRecord(schema) || depth > 16) return text;
  if (typeof schema.$ref === 'string') return instanceOf(resolve(root, schema.$ref), root, text, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(options) && options.length > 0) return instanceOf(options[0], root, text, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [
          name,
          instanceOf(property, root, text, depth + 1),
        ]),
      );
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.min(schema.minItems, 16) : 0;
      return Array.from({ length: count }, () => instanceOf(schema.items, root, text, depth + 1));
    }
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return text;
  }
}

/** A local `$ref` (`#/$defs/Name`, `#/definitions/Name`, `#`) in `root`. */
function resolve(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let at: unknown = root;
  for (const step of ref.slice(1).split('/').filter(Boolean)) {
    at = isRecord(at) ? at[step.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  return at;
}
