// The mock provider's JSON: answers in JSON mode that parse and fit a json_schema response format,
// so structured-output code (the OpenAI SDK's `parse`) runs locally, and tool-call arguments that fit
// the tool's `parameters`, so SDKs that validate them (zodFunction, the AI SDK) accept the call. The
// values are placeholders: the given text for strings (a fixed sample for a known `format`), the
// least a number or a list may be, the first option of an enum or a union. Best effort: `pattern`
// (a caller's regex is never run here), `uniqueItems`, `not` and conditionals are not followed, and a
// schema that asks for a huge value gets a bounded one that may not fit it.
import { isRecord } from '../json-record';
import type { ChatRequest } from '../openai/schemas';

type Schema = Record<string, unknown>;

/** The answer's JSON text for a request in JSON mode; undefined for a plain-text request. */
export function mockJson(format: ChatRequest['response_format'], reply: string): string | undefined {
  if (format?.type === 'json_object') return JSON.stringify({ reply });
  if (format?.type !== 'json_schema') return undefined;
  return JSON.stringify(mockValue(format.json_schema.schema ?? {}, reply));
}

/** A value `schema` accepts (`$ref`s resolved in `schema` itself), with `text` for its strings. */
export function mockValue(schema: unknown, text: string): unknown {
  const walk = { root: isRecord(schema) ? schema : {}, text, values: MAX_VALUES, chars: MAX_CHARS };
  return instanceOf(schema, walk, 0);
}

// Bounds on what a request's schema can make the mock build: lists of 16 items in lists six deep, or
// a `minLength` of a billion, exhausted the isolate's memory (and the answer is built n times over).
const MAX_VALUES = 1000;
const MAX_CHARS = 32_768;
const MAX_ITEMS = 16;

interface Walk {
  root: Schema;
  text: string;
  /** How many more values, and string characters, may be built. */
  values: number;
  chars: number;
}

function instanceOf(schema: unknown, walk: Walk, depth: number): unknown {
  if (!isRecord(schema) || depth > 16 || walk.values <= 0) return stringOf({}, walk);
  walk.values--;
  if (typeof schema.$ref === 'string') return instanceOf(resolve(walk.root, schema.$ref), walk, depth + 1);
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const { allOf, ...rest } = schema;
    return instanceOf(merged(rest, allOf, walk.root), walk, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (!Array.isArray(options) || options.length === 0) continue;
    // The first option that is not just null (a nullable value shows what it holds when set), with
    // the schema's other keywords, which hold for every option.
    const option = options.find((o) => !(isRecord(o) && o.type === 'null')) ?? options[0];
    const { [key]: _, ...rest } = schema;
    return instanceOf(merged(rest, [option], walk.root), walk, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectOf(schema, walk, depth);
    case 'array':
      return arrayOf(schema, walk, depth);
    case 'integer':
      return numberOf(schema, true);
    case 'number':
      return numberOf(schema, false);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return stringOf(schema, walk);
  }
}

/** The schema's type: the first that is not null of a list, else what its keywords imply. */
function typeOf(schema: Schema): unknown {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? schema.type[0];
  if (schema.type !== undefined) return schema.type;
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema || 'prefixItems' in schema || 'minItems' in schema) return 'array';
  if ('minimum' in schema || 'maximum' in schema || 'exclusiveMinimum' in schema || 'multipleOf' in schema)
    return 'number';
  return undefined;
}

/** Every property (required or not), then any required name the properties leave out. */
function objectOf(schema: Schema, walk: Walk, depth: number): Schema {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const entries = Object.entries(properties).map(([name, property]) => [
    name,
    instanceOf(property, walk, depth + 1),
  ]);
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required)
    if (typeof name === 'string' && !Object.hasOwn(properties, name))
      entries.push([name, instanceOf(schema.additionalProperties, walk, depth + 1)]);
  // fromEntries defines own properties: a `__proto__` property stays a property.
  return Object.fromEntries(entries);
}

/** As few items as `minItems` allows, each fitting its place (`prefixItems`, or tuple `items`). */
function arrayOf(schema: Schema, walk: Walk, depth: number): unknown[] {
  const count = typeof schema.minItems === 'number' ? Math.min(schema.minItems, MAX_ITEMS) : 0;
  const tuple = Array.isArray(schema.items);
  const prefix = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : tuple
      ? (schema.items as unknown[])
      : [];
  const rest = tuple ? schema.additionalItems : schema.items;
  return Array.from({ length: count }, (_, i) =>
    instanceOf(i < prefix.length ? prefix[i] : rest, walk, depth + 1),
  );
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** A bound as draft 6+ writes it (`exclusiveMinimum: 0`) or draft 4 (`minimum: 0, exclusiveMinimum: true`). */
function bound(schema: Schema, inclusive: 'minimum' | 'maximum', exclusive: string): Bound | undefined {
  const open = schema[exclusive];
  if (typeof open === 'number') return { value: open, exclusive: true };
  const closed = schema[inclusive];
  if (typeof closed === 'number') return { value: closed, exclusive: open === true };
  return undefined;
}

/** 0 when the bounds allow it, else the value nearest 0 that they (and `multipleOf`) allow. */
function numberOf(schema: Schema, integer: boolean): number {
  const low = bound(schema, 'minimum', 'exclusiveMinimum');
  const high = bound(schema, 'maximum', 'exclusiveMaximum');
  const multipleOf =
    typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  const step = multipleOf ?? (integer ? 1 : undefined);
  const above = (b: Bound | undefined, v: number) => !b || v > b.value || (v === b.value && !b.exclusive);
  const below = (b: Bound | undefined, v: number) => !b || v < b.value || (v === b.value && !b.exclusive);
  if (above(low, 0) && below(high, 0)) return 0;
  // 12 significant digits: 3 × 0.1 is 0.3, not 0.30000000000000004, which is no multiple of 0.1.
  const round = (v: number) => Number(v.toPrecision(12));
  if (low && above(low, 0) === false) {
    if (step === undefined)
      return low.exclusive ? (high ? (low.value + high.value) / 2 : low.value + 1) : low.value;
    const first = round(Math.ceil(low.value / step) * step);
    return above(low, first) ? first : round(first + step);
  }
  if (!high) return 0;
  if (step === undefined)
    return high.exclusive ? (low ? (low.value + high.value) / 2 : high.value - 1) : high.value;
  const last = round(Math.floor(high.value / step) * step);
  return below(high, last) ? last : round(last - step);
}

/** Fixed samples of the string formats JSON Schema names (and zod emits). */
const FORMAT_SAMPLES = new Map<unknown, string>([
  ['date-time', '1970-01-01T00:00:00Z'],
  ['date', '1970-01-01'],
  ['time', '00:00:00Z'],
  ['duration', 'P1D'],
  ['email', 'mock@example.com'],
  ['idn-email', 'mock@example.com'],
  ['hostname', 'example.com'],
  ['idn-hostname', 'example.com'],
  ['ipv4', '127.0.0.1'],
  ['ipv6', '::1'],
  ['uri', 'https://example.com/'],
  ['uri-reference', 'https://example.com/'],
  ['iri', 'https://example.com/'],
  ['iri-reference', 'https://example.com/'],
  ['uri-template', 'https://example.com/'],
  ['url', 'https://example.com/'],
  ['uuid', '00000000-0000-4000-8000-000000000000'],
  ['json-pointer', ''],
  ['relative-json-pointer', '0'],
  ['regex', '.*'],
]);

/**
 * The text (or the format's sample), cut to `maxLength` or padded to `minLength` code points, and
 * to the characters the walk has left.
 */
function stringOf(schema: Schema, walk: Walk): string {
  const chars = Array.from(FORMAT_SAMPLES.get(schema.format) ?? walk.text);
  const max = typeof schema.maxLength === 'number' ? Math.max(0, schema.maxLength) : chars.length;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const length = Math.min(Math.max(Math.min(chars.length, max), min), walk.chars);
  walk.chars -= length;
  return chars.slice(0, length).join('') + '.'.repeat(Math.max(0, length - chars.length));
}

/**
 * `base` with `parts` (allOf's, or a union's chosen option) laid over it: their properties and
 * required names added up, their other keywords winning.
 */
function merged(base: Schema, parts: unknown[], root: Schema): Schema {
  let schema = base;
  for (const raw of parts) {
    const part = isRecord(raw) && typeof raw.$ref === 'string' ? resolve(root, raw.$ref) : raw;
    if (!isRecord(part)) continue;
    const properties =
      isRecord(schema.properties) || isRecord(part.properties)
        ? { properties: { ...recordOr(schema.properties), ...recordOr(part.properties) } }
        : {};
    const required =
      Array.isArray(schema.required) || Array.isArray(part.required)
        ? { required: [...((schema.required as unknown[]) ?? []), ...((part.required as unknown[]) ?? [])] }
        : {};
    schema = { ...schema, ...part, ...properties, ...required };
  }
  return schema;
}

const recordOr = (value: unknown): Schema => (isRecord(value) ? value : {});

/** A local `$ref` (`#/$defs/Name`, `#/definitions/Name`, `#`) in `root`. */
function resolve(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let at: unknown = root;
  for (const step of ref.slice(1).split('/').filter(Boolean)) {
    const key = step.replaceAll('~1', '/').replaceAll('~0', '~');
    at = isRecord(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  }
  return at;
}
