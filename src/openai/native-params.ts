// Request parameters the gateway does not know are a provider's own (Anthropic's `system`, Gemini's
// `systemInstruction`, Cohere's `documents`…): the translating adapters forward them into the
// provider's body (src/providers/params.ts) and OpenAI-wire ones send the body as it is, so what
// they hold is prompt text too — as are fields a message, part, tool call or tool carries beyond
// what schemas.ts names. "Known" is the request schema's own fields, read from the schema.
import type * as z from 'zod';
import { chatRequest, contentPart, embeddingsRequest, message, tool } from './schemas';

export const CHAT_PARAMS: ReadonlySet<string> = new Set(Object.keys(chatRequest.shape));
export const EMBEDDINGS_PARAMS: ReadonlySet<string> = new Set(Object.keys(embeddingsRequest.shape));

type Fields = ReadonlySet<string>;
const fieldsOf = (schema: { shape: object }): Fields => new Set(Object.keys(schema.shape));
/** The fields of each option of a discriminated union, by its tag's value. */
const fieldsByTag = (
  options: readonly { shape: Record<string, unknown> }[],
  tag: string,
): ReadonlyMap<string, Fields> =>
  new Map(options.map((option) => [(option.shape[tag] as z.ZodLiteral<string>).value, fieldsOf(option)]));

// Indexed, not searched: these compile only while the option at that place has the field read.
const toolCall = message.options[3].shape.tool_calls.unwrap().element;
const customToolFormat = tool.options[1].shape.custom.shape.format.unwrap();
const responseFormat = chatRequest.shape.response_format.unwrap().unwrap();

/** The fields schemas.ts names inside a chat request, level by level. */
export const KNOWN_FIELDS = {
  message: fieldsByTag(message.options, 'role'),
  part: fieldsByTag(contentPart.options, 'type'),
  toolCall: fieldsByTag(toolCall.options, 'type'),
  callFunction: fieldsOf(toolCall.options[0].shape.function),
  callCustom: fieldsOf(toolCall.options[1].shape.custom),
  tool: fieldsByTag(tool.options, 'type'),
  toolFunction: fieldsOf(tool.options[0].shape.function),
  toolCustom: fieldsOf(tool.options[1].shape.custom),
  customFormat: fieldsByTag(customToolFormat.options, 'type'),
  grammar: fieldsOf(customToolFormat.options[1].shape.grammar),
  responseFormat: fieldsByTag(responseFormat.options, 'type'),
  jsonSchema: fieldsOf(responseFormat.options[2].shape.json_schema),
};

/** An object or array holding a value the walk reads, indexed by its key there. */
export type Holder = Record<string | number, unknown>;

/** Where a subtree starts: keys and indexes from the body down. */
export type Path = readonly (string | number)[];

/** A value of the body whose every string and number is a text. */
export interface Subtree {
  readonly path: Path;
  /** Leaves out an object's field (and all inside it): structure, not text (a JSON schema's `type`). */
  readonly skip?: (holder: Holder, key: string, value: unknown) => boolean;
}

/** Called with each value read: where it is, its text, and the subtree it is in. */
export type VisitValue = (holder: Holder, key: string | number, text: string, tree: Subtree) => void;

/** The request's top-level parameters outside `known` that are set (null counts as unset). */
export function nativeParams(body: object, known: ReadonlySet<string>): [string, unknown][] {
  return Object.entries(body).filter(([key, value]) => value != null && !known.has(key));
}

/** The request's native parameters, each a subtree. */
export function nativeSubtrees(body: object, known: ReadonlySet<string>): Subtree[] {
  return nativeParams(body, known).map(([param]) => ({ path: [param] }));
}

/**
 * Calls `visit` with every string and number inside the subtrees, in their order — numbers as their
 * JSON text, as tool-call arguments are read (one may hold a card number); object keys are not
 * texts. Depth first, keys in order: a structuredClone of the body is walked in the same order, so a
 * second walk over the copy writes where the first one read. The recursion is bounded by read-body's
 * nesting limit.
 */
export function eachValueIn(body: object, trees: readonly Subtree[], visit: VisitValue): void {
  for (const tree of trees) {
    const { path } = tree;
    let holder = body as Holder;
    for (let step = 0; step < path.length - 1; step++) holder = holder[path[step]!] as Holder;
    walk(holder, path[path.length - 1]!, tree, visit);
  }
}

function walk(holder: Holder, key: string | number, tree: Subtree, visit: VisitValue): void {
  const value = holder[key];
  if (typeof value === 'string') visit(holder, key, value, tree);
  else if (typeof value === 'number') visit(holder, key, String(value), tree);
  else if (value !== null && typeof value === 'object') {
    const inner = value as Holder;
    if (Array.isArray(value))
      for (let index = 0; index < value.length; index++) walk(inner, index, tree, visit);
    else
      for (const child of Object.keys(value))
        if (!tree.skip?.(inner, child, inner[child])) walk(inner, child, tree, visit);
  }
}

/** A subtree's path as an error's `param` names it: `tools[0].function.parameters`. */
export function pathParam(path: Path): string {
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`))
    .join('');
}
