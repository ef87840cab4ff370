// Stored items read into a request that goes to OpenAI's Responses API as it is (OpenAI's hosted
// tools: src/openai/responses-hosted.ts), which is sent with `store: false`. OpenAI reads an input
// item's id as naming an item it stored: one it never stored (every id the gateway gave: item-ids.ts)
// is refused — "Item with id 'rs_…' not found. Items are not persisted when `store` is set to
// false", or an id not of the prefix its type expects (`in_…` for a message) — so the stored items
// go without their ids, as clients that store nothing upstream send theirs (Codex, the AI SDK with
// `store: false`). Only where OpenAI's input item takes none: a message, a function or custom tool
// call and its output; a hosted tool's item (a `web_search_call`…) must carry its own id, OpenAI's.
// A reasoning item without an id goes to OpenAI only as its `encrypted_content`, which OpenAI can
// decrypt only when it made it: any other reasoning — a provider's the gateway packed
// (responses-reasoning.ts), one without it — is left out, as the AI SDK leaves out with
// `store: false` the reasoning it holds no encrypted content of. An image_generation_call (an image
// the gateway returned, `ig_…`) is left out too: OpenAI's takes only with its id, and finds none by
// it with `store: false` ("Item with id 'ig_…' not found") — as the AI SDK leaves out with `store:
// false` the calls of the tools OpenAI ran.
import { isPacked } from '../openai/responses-reasoning';

type Json = Record<string, unknown>;

/** The input item types whose `id` OpenAI's Responses API takes as optional. */
const ID_OPTIONAL = new Set([
  'message',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
]);

/** A stored item as a request sent to OpenAI with `store: false` carries it: none, one or itself. */
export function hostedItem(item: Json): Json[] {
  const type = item.type ?? 'message';
  if (type === 'reasoning') return openAIReasoning(item.encrypted_content) ? [withoutId(item)] : [];
  if (type === 'image_generation_call') return [];
  if (typeof type === 'string' && ID_OPTIONAL.has(type)) return [withoutId(item)];
  return [item];
}

/** Reasoning OpenAI encrypted (and only OpenAI reads), not the gateway's packing of another's. */
function openAIReasoning(encrypted: unknown): boolean {
  return typeof encrypted === 'string' && encrypted !== '' && !isPacked(encrypted);
}

function withoutId(item: Json): Json {
  const { id: _id, ...rest } = item;
  return rest;
}
