// Mistral's chat API speaks OpenAI's wire format but answers a 422 ("Extra inputs are not
// permitted") to any field it does not define — so an OpenAI SDK's request, or a route failing
// over from OpenAI to Mistral, would fail on fields OpenAI takes. The ones Mistral has under another
// name are renamed: `max_completion_tokens` (OpenAI's current output cap, which its SDKs send) to
// `max_tokens`, `seed` to `random_seed`. OpenAI's bookkeeping, which cannot change an answer, is
// left out. Everything else goes as sent, for Mistral to judge (`prediction`, `safe_prompt` and
// `prompt_mode` are its own). A null value counts as unset, as everywhere.
import type { ChatRequest } from '../openai/schemas';

/** OpenAI fields Mistral refuses that only label or route a request. */
const LEFT_OUT = [
  'store',
  'metadata',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'verbosity',
  'user',
  'safety_identifier',
];

export function mistralChatBody(body: ChatRequest): ChatRequest {
  const out: Record<string, unknown> = { ...body };
  // As the gateway reads them for limits: max_completion_tokens first.
  const cap = out.max_completion_tokens ?? out.max_tokens;
  delete out.max_completion_tokens;
  if (cap != null) out.max_tokens = cap;
  const seed = out.random_seed ?? out.seed;
  delete out.seed;
  if (seed != null) out.random_seed = seed;
  for (const name of LEFT_OUT) delete out[name];
  return out as ChatRequest;
}
