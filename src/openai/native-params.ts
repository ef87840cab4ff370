// Request parameters the gateway does not know are a provider's own (Anthropic's `system`, Gemini's
// `systemInstruction`, Cohere's `documents`…): the translating adapters forward them into the
// provider's body (src/providers/params.ts) and OpenAI-wire ones send the body as it is, so what
// they hold is prompt text too. "Known" is the request schema's own fields, read from the schema.
import { chatRequest, embeddingsRequest } from './schemas';

export const CHAT_PARAMS: ReadonlySet<string> = new Set(Object.keys(chatRequest.shape));
export const EMBEDDINGS_PARAMS: ReadonlySet<string> = new Set(Object.keys(embeddingsRequest.shape));

/** An object or array holding a value the walk reads, indexed by its key there. */
type Holder = Record<string | number, unknown>;

/** Called with each value read: where it is, its text, and the top-level parameter it is in. */
export type VisitValue = (holder: Holder, key: string | number, text: string, param: string) => void;

/** The request's top-level parameters outside `known` that are set (null counts as unset). */
export function nativeParams(body: object, known: ReadonlySet<string>): [string, unknown][] {
  return Object.entries(body).filter(([key, value]) => value != null && !known.has(key));
}

/**
 * Calls `visit` with every string and number inside the request's native parameters — numbers as
 * their JSON text, as tool-call arguments are read (one may hold a card number); object keys are not
 * texts. Depth first, keys in order: a structuredClone of the body is walked in the same order, so a
 * second walk over the copy writes where the first one read. The recursion is bounded by read-body's
 * nesting limit.
 */
export function eachNativeValue(body: object, known: ReadonlySet<string>, visit: VisitValue): void {
  for (const [param] of nativeParams(body, known)) walk(body as Holder, param, param, visit);
}

function walk(holder: Holder, key: string | number, param: string, visit: VisitValue): void {
  const value = holder[key];
  if (typeof value === 'string') visit(holder, key, value, param);
  else if (typeof value === 'number') visit(holder, key, String(value), param);
  else if (value !== null && typeof value === 'object') {
    const inner = value as Holder;
    if (Array.isArray(value))
      for (let index = 0; index < value.length; index++) walk(inner, index, param, visit);
    else for (const child of Object.keys(value)) walk(inner, child, param, visit);
  }
}
