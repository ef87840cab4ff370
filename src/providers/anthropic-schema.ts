// JSON Schema as Anthropic's structured outputs (`output_config.format`) take it: the schema
// converted, or undefined where they cannot hold what it asks (anthropic-output-format.ts then
// leaves the request to the JSON tool). Pure.
//
// They take a subset of JSON Schema (platform.claude.com, "Structured outputs": JSON Schema
// limitations, complexity limits) and refuse the rest with a 400, so a schema is converted only
// where that keeps what it asks: every object closed (`additionalProperties: false`, which
// Anthropic requires: one left open is closed, one the schema opens on purpose — a map — is not
// served), `oneOf` as `anyOf`, and the constraints Anthropic does not enforce (minimum, maxLength,
// pattern…) told to the model in the description, as Anthropic's SDKs do. Anything else (allOf,
// recursion, external or nested $defs, tuples, `not`, conditionals, an open "any value" schema, too
// many optional or union properties) is not converted.
import { isRecord } from '../json-record';

export type Schema = Record<string, unknown>;

/** Anthropic's complexity limits: optional properties, and properties with a union type, in all. */
const MAX_OPTIONAL = 24;
const MAX_UNIONS = 16;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const STRING_FORMATS = new Set([
  'date-time',
  'time',
  'date',
  'duration',
  'email',
  'hostname',
  'uri',
  'ipv4',
  'ipv6',
  'uuid',
]);
/** Constraints and annotations Anthropic does not take: told to the model in the description. */
const HINTS = new Set([
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'default',
  'examples',
]);
/** Annotations with no bearing on the answer. */
const DROPPED = new Set(['$schema', '$id', '$comment']);
const LOCAL_REF = /^#\/(\$defs|definitions)\/([^/]+)$/;

interface Counts {
  optional: number;
  unions: number;
}

/** `schema` as Anthropic's structured outputs take it, or undefined when they cannot hold it. */
export function anthropicSchema(schema: Schema): Schema | undefined {
  const { $defs, definitions, ...root } = schema;
  const counts: Counts = { optional: 0, unions: 0 };
  const rootRefs = new Set<string>();
  const converted = convert(root, counts, rootRefs);
  if (!converted) return undefined;
  /** Each definition's references, by its own reference (`$defs/Name`). */
  const graph = new Map<string, Set<string>>();
  for (const [keyword, defs] of [
    ['$defs', $defs],
    ['definitions', definitions],
  ] as const) {
    if (defs === undefined) continue;
    if (!isRecord(defs)) return undefined;
    const kept: [string, Schema | undefined][] = Object.entries(defs).map(([name, def]) => {
      const refs = new Set<string>();
      graph.set(`${keyword}/${name}`, refs);
      return [name, convert(def, counts, refs)];
    });
    if (!kept.every(([, def]) => def)) return undefined;
    converted[keyword] = Object.fromEntries(kept); // own keys, `__proto__` too
  }
  if (counts.optional > MAX_OPTIONAL || counts.unions > MAX_UNIONS) return undefined;
  return resolvable(rootRefs, graph) ? converted : undefined;
}

/** Every reference names a definition, and none leads back to itself (Anthropic takes no recursion). */
function resolvable(rootRefs: Set<string>, graph: Map<string, Set<string>>): boolean {
  const done = new Set<string>();
  const visit = (ref: string, path: Set<string>): boolean => {
    if (path.has(ref)) return false;
    if (done.has(ref)) return true;
    const refs = graph.get(ref);
    if (!refs) return false;
    path.add(ref);
    for (const next of refs) if (!visit(next, path)) return false;
    path.delete(ref);
    done.add(ref);
    return true;
  };
  return (
    [...rootRefs].every((ref) => visit(ref, new Set())) &&
    [...graph.keys()].every((ref) => visit(ref, new Set()))
  );
}

/** One subschema, converted; `refs` collects the definitions it references. */
function convert(schema: unknown, counts: Counts, refs: Set<string>): Schema | undefined {
  if (!isRecord(schema)) return undefined; // boolean schemas
  if (schema.$ref !== undefined) {
    const local = typeof schema.$ref === 'string' ? LOCAL_REF.exec(schema.$ref) : null;
    if (!local) return undefined;
    refs.add(`${local[1]}/${local[2]}`);
    return { $ref: schema.$ref }; // a $ref's siblings are not taken
  }
  const types = typeList(schema.type);
  if (!types) return undefined;
  const out: Schema = {};
  const hints: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    if (HINTS.has(key)) hints.push(`${key}: ${JSON.stringify(value)}`);
    else if (!keep(key, value, types, out, hints, counts, refs)) return undefined;
  }
  const object = types.includes('object') || (types.length === 0 && out.properties !== undefined);
  if (object && !closeObject(schema, out, counts)) return undefined;
  if (!object && (out.properties !== undefined || out.required !== undefined)) return undefined;
  // No type, union, enum or const: any value at all, which Anthropic cannot constrain to.
  if (!out.type && !out.anyOf && out.enum === undefined && out.const === undefined) return undefined;
  if (hints.length > 0) {
    const said = `{${hints.join(', ')}}`;
    out.description = typeof out.description === 'string' ? `${out.description}\n\n${said}` : said;
  }
  return out;
}

/** The schema's `type` as a list ([] when absent), or undefined when it names no JSON type. */
function typeList(type: unknown): string[] | undefined {
  if (type === undefined) return [];
  const list = Array.isArray(type) ? type : [type];
  if (list.length === 0 || !list.every((name) => typeof name === 'string' && TYPES.has(name)))
    return undefined;
  return list as string[];
}

const isPrimitive = (value: unknown) =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Sets one keyword of `out` from the schema's; false when Anthropic cannot take it. */
function keep(
  key: string,
  value: unknown,
  types: string[],
  out: Schema,
  hints: string[],
  counts: Counts,
  refs: Set<string>,
): boolean {
  switch (key) {
    case 'type':
      if (types.length > 1) counts.unions++;
      out.type = value;
      return true;
    case 'description':
    case 'title':
      out[key] = value;
      return typeof value === 'string';
    case 'enum':
      out.enum = value;
      return Array.isArray(value) && value.length > 0 && value.every(isPrimitive);
    case 'const':
      out.const = value;
      return isPrimitive(value);
    case 'format':
      if (typeof value === 'string' && STRING_FORMATS.has(value) && types.includes('string'))
        out.format = value;
      else hints.push(`format: ${JSON.stringify(value)}`);
      return true;
    case 'minItems':
      if (value === 0 || value === 1) out.minItems = value;
      else hints.push(`minItems: ${JSON.stringify(value)}`);
      return true;
    case 'items': {
      const items = convert(value, counts, refs);
      out.items = items;
      return items !== undefined;
    }
    case 'anyOf':
    case 'oneOf': {
      // oneOf as anyOf, as Anthropic's SDKs send it: a value fits one branch or more.
      if (out.anyOf || !Array.isArray(value) || value.length === 0) return false;
      const branches = value.map((branch) => convert(branch, counts, refs));
      if (!branches.every((branch) => branch !== undefined)) return false;
      counts.unions++;
      out.anyOf = branches;
      return true;
    }
    case 'properties': {
      if (!isRecord(value)) return false;
      const kept = Object.entries(value).map(([name, property]) => [name, convert(property, counts, refs)]);
      out.properties = Object.fromEntries(kept); // own keys, `__proto__` too
      return kept.every(([, property]) => property);
    }
    case 'required':
      out.required = value;
      return Array.isArray(value) && value.every((name) => typeof name === 'string');
    case 'additionalProperties':
      return true; // closeObject's
    default:
      return false; // allOf, not, if/then/else, prefixItems, patternProperties, nested $defs…
  }
}

/**
 * An object schema closed as Anthropic requires: `additionalProperties` false where the schema left
 * it out (its answers still fit the schema); false when the schema opens it on purpose (true or a
 * schema: a map, which a closed object cannot hold), names no properties (any object), requires one
 * it does not define, or is also a union (closed, every branch's own properties would be refused).
 */
function closeObject(schema: Schema, out: Schema, counts: Counts): boolean {
  const properties = (out.properties ?? {}) as Schema;
  const names = Object.keys(properties);
  const open = schema.additionalProperties;
  if (open !== undefined && open !== false) return false;
  if (names.length === 0 && open !== false) return false;
  if (out.anyOf) return false;
  const required = (out.required ?? []) as string[];
  if (!required.every((name) => Object.hasOwn(properties, name))) return false;
  out.type ??= 'object';
  out.properties = properties;
  out.additionalProperties = false;
  counts.optional += names.filter((name) => !required.includes(name)).length;
  return true;
}
