// Whether a function's parameters certainly fit strict mode, so a Responses function tool that
// leaves `strict` unset can ask for it as OpenAI does: "If omitted, Responses attempts to use strict
// validation when the schema is compatible, and falls back to non-strict validation otherwise."
//
// The rules are Structured Outputs' "Supported schemas" (OpenAI's guide): the root an object, never
// `anyOf`; every object `additionalProperties: false` and every property `required`; types string,
// number, integer, boolean, object, array, null, `enum`, `const`, `anyOf`, `$ref` to `$defs` or
// `definitions` (recursion included). Chat refuses a strict schema it cannot take with a 400, so
// the check answers false whenever it is unsure, and the tool stays non-strict as before:
// - the type-specific keywords OpenAI lists (`pattern`, `format`, `minimum`, `minItems`…) are left
//   out: fine-tuned models and Azure OpenAI refuse them under strict;
// - the limits are Azure's (100 properties, 5 levels of nesting, 15,000 characters of names and
//   values, 500 enum values), tighter than OpenAI's (5,000, 10, 120,000, 1,000), counted with
//   every `$ref` inlined and arrays as levels, since neither says how it counts;
// - a `$ref` stands alone, a type list holds primitives and `null` only, `$defs` sit at the root.

type Json = Record<string, unknown>;

const MAX_DEPTH = 5;
const MAX_PROPERTIES = 100;
const MAX_STRING_CHARS = 15_000;
const MAX_ENUM_VALUES = 500;
/** Bounds the walk of a schema whose references fan out (each inlined where it is used). */
const MAX_NODES = 10_000;

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const LABELS = ['description', 'title'];
const OBJECT_KEYS = new Set(['type', 'properties', 'required', 'additionalProperties', ...LABELS]);
const ROOT_KEYS = new Set([...OBJECT_KEYS, '$defs', 'definitions']);
const ARRAY_KEYS = new Set(['type', 'items', ...LABELS]);
const PRIMITIVE_KEYS = new Set(['type', 'enum', 'const', ...LABELS]);
const ANY_OF_KEYS = new Set(['anyOf', ...LABELS]);

interface Walk {
  defs: Map<string, unknown>;
  properties: number;
  chars: number;
  enumValues: number;
  nodes: number;
}

/** True only when `parameters` certainly fits strict mode at OpenAI and Azure OpenAI alike. */
export function strictCompatible(parameters: Json): boolean {
  const defs = rootDefs(parameters);
  if (!defs || parameters.type !== 'object') return false;
  const walk: Walk = { defs, properties: 0, chars: 0, enumValues: 0, nodes: 0 };
  for (const name of defs.keys()) walk.chars += name.length;
  if (!objectFits(parameters, ROOT_KEYS, 1, [], walk)) return false;
  // A definition no property uses is still checked by OpenAI; its size was counted where used.
  const apart: Walk = { defs, properties: 0, chars: 0, enumValues: 0, nodes: 0 };
  for (const [ref, def] of defs) if (!fits(def, 1, [ref], apart)) return false;
  return (
    walk.properties <= MAX_PROPERTIES && walk.chars <= MAX_STRING_CHARS && walk.enumValues <= MAX_ENUM_VALUES
  );
}

/** The root's `$defs` and `definitions` by their `$ref` paths; undefined when either is malformed. */
function rootDefs(root: Json): Map<string, unknown> | undefined {
  const defs = new Map<string, unknown>();
  for (const key of ['$defs', 'definitions']) {
    const group = root[key];
    if (group === undefined) continue;
    if (!isObject(group)) return undefined;
    for (const [name, def] of Object.entries(group)) defs.set(`#/${key}/${name}`, def);
  }
  return defs;
}

function fits(node: unknown, depth: number, path: string[], walk: Walk): boolean {
  walk.nodes += 1;
  if (walk.nodes > MAX_NODES || walk.properties > MAX_PROPERTIES || !isObject(node)) return false;
  if ('$ref' in node) return refFits(node, depth, path, walk);
  if ('anyOf' in node) {
    const { anyOf } = node;
    return (
      onlyKeys(node, ANY_OF_KEYS) &&
      labelsFit(node) &&
      Array.isArray(anyOf) &&
      anyOf.length > 0 &&
      anyOf.every((branch) => fits(branch, depth, path, walk))
    );
  }
  if (node.type === 'object') return objectFits(node, OBJECT_KEYS, depth, path, walk);
  if (node.type === 'array') {
    return (
      depth <= MAX_DEPTH &&
      onlyKeys(node, ARRAY_KEYS) &&
      labelsFit(node) &&
      fits(node.items, depth + 1, path, walk)
    );
  }
  return primitiveFits(node, walk);
}

/** `#` (the root) or a root definition; one met again on its own path is recursion, which OpenAI takes. */
function refFits(node: Json, depth: number, path: string[], walk: Walk): boolean {
  const ref = node.$ref;
  if (Object.keys(node).length !== 1 || typeof ref !== 'string') return false;
  if (ref === '#') return true;
  if (!walk.defs.has(ref)) return false;
  if (path.includes(ref)) return true;
  return fits(walk.defs.get(ref), depth, [...path, ref], walk);
}

function objectFits(node: Json, keys: Set<string>, depth: number, path: string[], walk: Walk): boolean {
  const { properties, required } = node;
  if (depth > MAX_DEPTH || !onlyKeys(node, keys) || !labelsFit(node)) return false;
  if (node.additionalProperties !== false || !isObject(properties) || !Array.isArray(required)) return false;
  const names = Object.keys(properties);
  const listed = new Set(required);
  if (required.length !== names.length || listed.size !== names.length) return false;
  if (!names.every((name) => listed.has(name))) return false;
  walk.properties += names.length;
  for (const name of names) {
    walk.chars += name.length;
    if (!fits(properties[name], depth + 1, path, walk)) return false;
  }
  return true;
}

function primitiveFits(node: Json, walk: Walk): boolean {
  if (!onlyKeys(node, PRIMITIVE_KEYS) || !labelsFit(node)) return false;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.length === 0 || new Set(types).size !== types.length) return false;
  if (!types.every((type) => typeof type === 'string' && PRIMITIVES.has(type))) return false;
  if ('const' in node && !valueFits(node.const, types, walk)) return false;
  if (!('enum' in node)) return true;
  const values = node.enum;
  if (!Array.isArray(values) || values.length === 0) return false;
  walk.enumValues += values.length;
  return values.every((value) => valueFits(value, types, walk));
}

/** An `enum` or `const` value: of one of the node's types, its text counted toward the limit. */
function valueFits(value: unknown, types: unknown[], walk: Walk): boolean {
  if (typeof value === 'string') walk.chars += value.length;
  if (value === null) return types.includes('null');
  if (typeof value === 'number') {
    return types.includes('number') || (Number.isInteger(value) && types.includes('integer'));
  }
  return (typeof value === 'string' || typeof value === 'boolean') && types.includes(typeof value);
}

function labelsFit(node: Json): boolean {
  return LABELS.every((key) => node[key] === undefined || typeof node[key] === 'string');
}

function onlyKeys(node: Json, keys: Set<string>): boolean {
  return Object.keys(node).every((key) => keys.has(key));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
