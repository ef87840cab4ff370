// Mistral's chat API speaks OpenAI's wire format but answers a 422 ("Extra inputs are not
// permitted") to any field it does not define — so an OpenAI SDK's request, or a route failing
// over from OpenAI to Mistral, would fail on fields OpenAI takes. The ones Mistral has under another
// name are renamed: `max_completion_tokens` (OpenAI's current output cap, which its SDKs send) to
// `max_tokens`, `seed` to `random_seed`. OpenAI's bookkeeping, which cannot change an answer, is
// left out. Everything else goes as sent, for Mistral to judge (`prediction`, `safe_prompt` and
// `prompt_mode` are its own). A null value counts as unset, as everywhere.
import type { ChatRequest, EmbeddingsRequest } from '../openai/schemas';
import { capAsMaxTokens } from './max-tokens';
import { NO_EFFECT } from './params';

/**
 * OpenAI fields Mistral refuses that only label or route a request: what every translating adapter
 * drops (params.ts), but `prediction`, which Mistral takes, and the end user's ids.
 */
const LEFT_OUT = [
  ...NO_EFFECT.split(' ').filter((name) => name !== 'prediction'),
  'user',
  'safety_identifier',
];

/**
 * Embeddings likewise: OpenAI's `dimensions` is Mistral's `output_dimension`, and the end user's id
 * is left out.
 */
export function mistralEmbeddingsBody(body: EmbeddingsRequest): EmbeddingsRequest {
  const out: Record<string, unknown> = { ...body };
  const dimensions = out.output_dimension ?? out.dimensions;
  delete out.dimensions;
  if (dimensions != null) out.output_dimension = dimensions;
  delete out.user;
  return out as EmbeddingsRequest;
}

export function mistralChatBody(body: ChatRequest): ChatRequest {
  const out: Record<string, unknown> = { ...capAsMaxTokens(body) };
  const seed = out.random_seed ?? out.seed;
  delete out.seed;
  if (seed != null) out.random_seed = seed;
  for (const name of LEFT_OUT) delete out[name];
  return out as ChatRequest;
}
